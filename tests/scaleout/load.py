"""Load with a crash in the middle: ``workers`` threads run ``work(n)`` (bounded loops); once ``enough`` is set
(or after ``wait_s``) the victim instance gets kill -9, then ``killed`` is set; returns ``progress()`` at the moment
of the kill. Work loops call ``pause_until_killed`` between rounds, so that some load surely comes after the
kill, however fast the machine."""

from __future__ import annotations

import threading
from collections.abc import Callable

from benchmarks.services import Instance


def pause_until_killed(enough: threading.Event, killed: threading.Event) -> None:
    if enough.is_set():
        killed.wait(60)


def load_then_kill(work: Callable[[int], None], workers: int, enough: threading.Event, killed: threading.Event,
                   victim: Instance, progress: Callable[[], int], wait_s: float = 180) -> int:
    threads = [threading.Thread(target=work, args=(n,)) for n in range(workers)]
    for t in threads:
        t.start()
    enough.wait(wait_s)
    victim.kill9()
    killed_at = progress()
    killed.set()
    for t in threads:
        t.join(300)
    return killed_at
