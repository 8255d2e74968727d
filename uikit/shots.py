"""Offscreen screenshot runs: an app rendered without a display, screen after screen, into PNG files.

    with Screenshots(out, size=(412, 892)) as run:     # before anything imports Kivy's window
        app = MyApp(controller, sync=True)             # demo data may live in ``run.work`` (removed at the end)
        run.start(app)
        app.show("home")
        run.shot("01-home", "en")                      # -> out/01-home-en.png
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from collections.abc import Callable
from typing import Any

from . import env


class Screenshots:
    """``check(name, lang, app)``, when given, is called at every shot with the screen as shown (the test that no
    raw code appears on any screen in any language walks the apps through these same runs); ``images=False``
    skips writing the PNG files."""

    def __init__(self, out: Path | str, size: tuple[int, int], *, prefix: str = "esspass-shots-",
                 check: Callable[[str, str, Any], None] | None = None, images: bool = True) -> None:
        # the window's width a multiple of 4: glReadPixels rows are 4-byte aligned
        assert size[0] % 4 == 0, size
        self.out = Path(out)
        self.size = size
        self.prefix = prefix
        self.paths: list[Path] = []
        self.app: Any = None
        self.work: Path | None = None
        self.window: Any = None
        self.check = check
        self.images = images
        self.screens: set[str] = set()  # the screens shot at least once

    def __enter__(self) -> "Screenshots":
        env.offscreen(python_logging=True)
        from kivy.config import Config

        Config.set("graphics", "width", str(self.size[0]))  # the GL surface keeps the size it is created with
        Config.set("graphics", "height", str(self.size[1]))
        from kivy.core.window import Window
        from kivy.utils import get_color_from_hex

        from .palette import PAGE

        Window.size = self.size
        Window.clearcolor = get_color_from_hex(PAGE)
        self.window = Window
        self.out.mkdir(parents=True, exist_ok=True)
        self.work = Path(tempfile.mkdtemp(prefix=self.prefix))
        return self

    def __exit__(self, *exc: Any) -> None:
        try:
            if self.app is not None:
                self.app.stop()
        finally:
            if self.work is not None:
                shutil.rmtree(self.work, ignore_errors=True)

    def start(self, app: Any) -> Any:
        """Build ``app`` and put it on the window, without running its event loop."""
        self.app = app
        app._run_prepare()
        return app

    @staticmethod
    def frames(n: int = 3) -> None:
        from kivy.base import EventLoop

        for _ in range(n):
            EventLoop.idle()

    def shot(self, name: str, lang: str) -> Path:
        """Let layout settle, then the window as ``out/<name>-<lang>.png``."""
        self.frames()
        self.screens.add(getattr(self.app, "current", "") or getattr(getattr(self.app, "sm", None), "current", ""))
        if self.check is not None:
            self.check(name, lang, self.app)
        target = self.out / f"{name}-{lang}.png"
        if not self.images:
            self.paths.append(target)
            return target
        tmp = target.with_name(target.stem + "-raw.png")  # Kivy's screenshot() adds a counter to the name
        Path(self.window.screenshot(name=str(tmp))).replace(target)
        self.paths.append(target)
        return target
