"""Dialogs both apps use: a question before anything that cannot be taken back (issue 17, item 3), and a file
chooser people can use with a mouse as well as a finger (item 6).

* :class:`ConfirmDialog` — a title, a plain explanation, a confirming button (red for destructive actions) and a
  cancelling one. Esc / Android's Back cancels it (:meth:`uikit.base.KitApp.back_pressed`).
* :class:`FileDialog` — a list of files with the folder shown as a path above it, the most recent folder first
  (remembered per app in its state directory), and Open / Cancel buttons; a double click or double tap still opens.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from kivy.metrics import dp
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.modalview import ModalView

from .widgets import make


class ConfirmDialog(ModalView):
    """Ask first. ``on_yes`` runs after the dialog closed; ``on_no`` (optional) when it is cancelled."""

    def __init__(self, title: str, text: str, yes: str, no: str, on_yes: Callable[[], Any], *,
                 danger: bool = False, on_no: Callable[[], Any] | None = None, **kw: Any) -> None:
        kw.setdefault("size_hint", (0.92, None))
        kw.setdefault("auto_dismiss", False)  # a stray tap beside it is no answer
        super().__init__(**kw)
        self.on_yes_action, self.on_no_action = on_yes, on_no
        self.title, self.text = title, text
        panel = make("Panel")
        panel.add_widget(make("Heading", text=title))
        panel.add_widget(make("Body", text=text))
        row = BoxLayout(size_hint_y=None, spacing=dp(10))
        self.no_button = make("SecondaryButton", text=no)
        self.yes_button = make("DangerButton" if danger else "PrimaryButton", text=yes)
        for b in (self.no_button, self.yes_button):
            b.size_hint_y = 1
            row.add_widget(b)
        row.height = max(self.no_button.height, self.yes_button.height)
        self.no_button.bind(height=lambda *_: setattr(row, "height", max(self.no_button.height,
                                                                          self.yes_button.height)))
        panel.add_widget(row)
        self.add_widget(panel)
        panel.bind(height=lambda _p, h: setattr(self, "height", h))
        self.height = panel.height
        self.yes_button.bind(on_release=lambda *_: self.answer(True))
        self.no_button.bind(on_release=lambda *_: self.answer(False))

    def answer(self, yes: bool) -> None:
        self.dismiss(animation=False)
        action = self.on_yes_action if yes else self.on_no_action
        if action is not None:
            action()


RECENT_FILE = "recent-folder.json"


def recent_folder(state_dir: Path | None, default: Path, *, must_exist: bool = True) -> Path:
    """The folder last used (if it still exists), else ``default`` (if ``must_exist``: only when it exists, else
    the home folder)."""
    if state_dir is not None:
        try:
            folder = Path(json.loads((Path(state_dir) / RECENT_FILE).read_text("utf-8"))["folder"])
            if folder.is_dir():
                return folder
        except (OSError, ValueError, KeyError, TypeError):
            pass
    return default if default.is_dir() or not must_exist else Path.home()


def remember_folder(state_dir: Path | None, folder: Path) -> None:
    if state_dir is None:
        return
    try:
        Path(state_dir).mkdir(parents=True, exist_ok=True)
        (Path(state_dir) / RECENT_FILE).write_text(json.dumps({"folder": str(folder)}), "utf-8")
    except OSError:
        pass  # remembering is a convenience: never a reason to fail opening a file


class FileDialog(ModalView):
    """Choose a file: the folder's path at the top, the list, then Cancel and Open (Open is disabled until a file is
    selected). ``on_file(path)`` runs after the dialog closed; the folder is remembered for next time."""

    def __init__(self, title: str, open_text: str, cancel_text: str, on_file: Callable[[Path], Any], *,
                 filters: Sequence[str] = ("*.png", "*.jpg", "*.jpeg"), state_dir: Path | None = None,
                 start: Path | None = None, **kw: Any) -> None:
        from kivy.uix.filechooser import FileChooserListView

        class KitFileChooser(FileChooserListView):
            def _create_entry_widget(self, ctx: Any) -> Any:
                from kivy.lang import Builder

                return Builder.template("KitFileListEntry", **ctx)  # readable on the kit's panel (common.kv)

        kw.setdefault("size_hint", (0.96, 0.92))
        kw.setdefault("auto_dismiss", False)
        super().__init__(**kw)
        self.on_file, self.state_dir = on_file, state_dir
        folder = recent_folder(state_dir, start or Path.home())
        box = make("Panel", size_hint_y=1)
        box.add_widget(make("SubHeading", text=title))
        self.path_label = make("Muted", text=str(folder))
        box.add_widget(self.path_label)
        self.chooser = KitFileChooser(path=str(folder), filters=list(filters))
        _hide_english_header(self.chooser)
        self.chooser.bind(path=lambda _c, p: setattr(self.path_label, "text", str(p)),
                          selection=lambda _c, sel: self.selected(sel))
        self.chooser.bind(on_submit=lambda _c, sel, *_: self.choose(sel[0]) if sel else None)
        box.add_widget(self.chooser)
        row = BoxLayout(size_hint_y=None, spacing=dp(10))
        self.cancel_button = make("SecondaryButton", text=cancel_text)
        self.open_button = make("PrimaryButton", text=open_text, disabled=True)
        for b in (self.cancel_button, self.open_button):
            b.size_hint_y = 1
            row.add_widget(b)
        row.height = max(self.cancel_button.height, self.open_button.height)
        box.add_widget(row)
        self.add_widget(box)
        self.cancel_button.bind(on_release=lambda *_: self.dismiss(animation=False))
        self.open_button.bind(on_release=lambda *_: self.open_pressed())

    def selected(self, selection: list[str]) -> None:
        self.open_button.disabled = not selection

    def open_pressed(self) -> None:
        if self.chooser.selection:
            self.choose(self.chooser.selection[0])

    def choose(self, path: str | Path) -> None:
        path = Path(path)
        if path.is_dir():
            self.chooser.path = str(path)
            return
        remember_folder(self.state_dir, path.parent)
        self.dismiss(animation=False)
        self.on_file(path)


def _hide_english_header(chooser: Any) -> None:
    """Kivy's list layout heads its columns "Name" and "Size", in English whatever the language, white on the kit's
    white panel: the row is taken out (the entries say what they are)."""
    from kivy.uix.label import Label

    for widget in chooser.walk(restrict=True):
        if isinstance(widget, Label) and widget.text in ("Name", "Size") and widget.parent is not None:
            row = widget.parent
            row.height, row.opacity, row.disabled = 0, 0, True
            for child in row.children:
                if isinstance(child, Label):
                    child.text = ""


def _folders_only(folder: str, name: str) -> bool:
    return Path(folder, name).is_dir()


class FolderDialog(FileDialog):
    """Choose a folder (where a backup or an export goes): the same dialog listing folders only; a tap opens one, and
    "Use this folder" takes the folder shown. ``on_folder(path)`` runs after the dialog closed."""

    def __init__(self, title: str, use_text: str, cancel_text: str, on_folder: Callable[[Path], Any], *,
                 start: Path | None = None, **kw: Any) -> None:
        super().__init__(title, use_text, cancel_text, on_folder, filters=(_folders_only,), start=start, **kw)
        self.open_button.disabled = False  # the folder shown is always a choice

    def selected(self, selection: list[str]) -> None:
        self.open_button.disabled = False

    def open_pressed(self) -> None:
        """The folder selected in the list, else the one shown."""
        chosen = [p for p in self.chooser.selection if Path(p).is_dir()]
        self.use(chosen[0] if chosen else self.chooser.path)

    def choose(self, path: str | Path) -> None:  # a folder tapped twice: go into it
        if Path(path).is_dir():
            self.chooser.path = str(path)

    def use(self, folder: str | Path) -> None:
        folder = Path(folder)
        remember_folder(self.state_dir, folder)
        self.dismiss(animation=False)
        self.on_file(folder)
