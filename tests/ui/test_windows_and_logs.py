"""Issue 17 items 6 and 7: the apps' windows and logs, in real Kivy processes (offscreen SDL).

* The wallet opened partly off-screen: Kivy placed an 800 x 600 window and the app resized it without re-centring.
  Now the window is fitted to the display's usable area and centred; ``--size`` and ``--lang`` are options.
* stderr and the Kivy log filled with CRITICAL lines for an absent camera or clipboard provider, and with the HTTP
  client's debug lines. Now one INFO line each, and HTTP debug only with ``--verbose``.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from hypothesis import given, settings, strategies as st
from typer.testing import CliRunner

from tests.kivy_support import window_or_skip
from uikit.env import fit_window, parse_size

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _run(code: str, kivy_home, *args: str, **environ) -> subprocess.CompletedProcess:
    # KIVY_LOG_MODE=KIVY: the child logs as a user's app does, whatever an earlier test of this process set
    # (uikit.env.offscreen(python_logging=True) puts PYTHON in os.environ, which a child would inherit)
    env = {**os.environ, "SDL_VIDEODRIVER": "offscreen", "KIVY_NO_ARGS": "1", "KIVY_HOME": str(kivy_home),
           "KIVY_LOG_MODE": "KIVY", "PYTHONPATH": ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""), **environ}
    return subprocess.run([sys.executable, "-c", code, *args], env=env, capture_output=True, text=True, timeout=120)


def test_fit_window_keeps_the_shape_fits_and_centres():
    assert fit_window((420, 860), (0, 0, 1920, 1080)) == ((420, 860), (750, 110))
    (w, h), (left, top) = fit_window((420, 860), (0, 0, 1024, 768))  # a small laptop: scaled down, same shape
    assert h <= 768 * 0.92 and abs(w / h - 420 / 860) < 0.01 and (left, top) == ((1024 - w) // 2, (768 - h) // 2)
    assert fit_window((420, 860), (1920, 24, 1080, 1896)) == ((420, 860), (1920 + 330, 24 + 518))  # 2nd display
    assert fit_window((420, 860), None) == ((420, 860), None)
    assert parse_size("500x900") == (500, 900)
    for bad in ("500", "x900", "500x", "5x5", "500x90000", "a x b", "-500x900"):
        with pytest.raises(ValueError):
            parse_size(bad)


@settings(max_examples=200, deadline=None, derandomize=True)
@given(st.one_of(st.text(max_size=20), st.builds(lambda w, h, sep: f"{w}{sep}{h}", st.integers(-10, 5000),
                                                  st.integers(-10, 5000), st.sampled_from(["x", "X", " x ", "*"]))))
def test_parse_size_accepts_only_sane_sizes(text):
    try:
        w, h = parse_size(text)
    except ValueError:
        return
    assert 240 <= w <= 4000 and 240 <= h <= 4000


@settings(max_examples=200, deadline=None, derandomize=True)
@given(st.tuples(st.integers(1, 5000), st.integers(1, 5000)),
       st.tuples(st.integers(-4000, 4000), st.integers(-4000, 4000), st.integers(1, 8000), st.integers(1, 8000)))
def test_a_fitted_window_always_lies_inside_the_display(wanted, display):
    (w, h), (left, top) = fit_window(wanted, display)
    x, y, dw, dh = display
    assert 1 <= w <= max(1, wanted[0]) and 1 <= h <= max(1, wanted[1])
    assert x <= left and left + w <= x + dw and y <= top and top + h <= y + dh


def test_desktop_window_is_fully_on_screen_and_centred(tmp_path):
    window_or_skip()
    code = ("from uikit import env\n"
            "W = env.desktop_window((420, 860))\n"
            "d = env.usable_display()\n"
            "print(W.size[0], W.size[1], W.left, W.top, *d)\n")
    r = _run(code, tmp_path / "kivy")
    assert r.returncode == 0, r.stderr[-2000:]
    w, h, left, top, dx, dy, dw, dh = map(int, r.stdout.split()[-8:])
    assert dw > 0 and dh > 0
    assert dx <= left and left + w <= dx + dw and dy <= top and top + h <= dy + dh  # all of it on screen
    assert abs((left - dx) - (dx + dw - left - w)) <= 1 and abs((top - dy) - (dy + dh - top - h)) <= 1  # centred


def test_app_commands_refuse_bad_size_and_language(tmp_path):
    from esspass.cli import app

    runner = CliRunner()
    for args in (["wallet", "app", "--store", str(tmp_path / "w"), "--size", "big"],
                 ["wallet", "app", "--store", str(tmp_path / "w"), "--lang", "fr"],
                 ["inspect", "app", "--size", "10x10"]):
        r = runner.invoke(app, args)
        assert r.exit_code == 2, (args, r.output)
        assert "--size" in r.output or "--lang" in r.output


LOGS = """
import sys
from uikit import env
if sys.argv[1] == "quiet":
    env.quiet_logs()
from kivy.core.window import Window
from uikit.scan import camera_available
camera_available()
from kivy.core.clipboard import Clipboard
import httpx
try:
    httpx.get(sys.argv[2], timeout=2)
except httpx.HTTPError:
    pass
"""


def test_no_critical_lines_for_absent_optional_providers_and_no_http_debug(tmp_path):
    window_or_skip()
    from tests.support import free_port

    url = f"http://127.0.0.1:{free_port()}/nothing-listens-here"
    debug = {"KCFG_KIVY_LOG_LEVEL": "debug"}  # the most a user's Kivy configuration can ask for
    loud = _run(LOGS, tmp_path / "k1", "loud", url, **debug)
    quiet = _run(LOGS, tmp_path / "k2", "quiet", url, **debug)
    assert loud.returncode == 0 and quiet.returncode == 0, (loud.stderr[-1500:], quiet.stderr[-1500:])
    # the field failure, reproduced without the fix: no camera provider here is CRITICAL, and HTTP debug floods
    assert "CRITICAL" in loud.stderr and "connect_tcp" in loud.stderr, loud.stderr[-3000:]
    assert "CRITICAL" not in quiet.stderr and "httpcore" not in quiet.stderr and "connect_tcp" not in quiet.stderr, \
        quiet.stderr[-3000:]
    assert "none here (optional)" in quiet.stderr, quiet.stderr[-3000:]
