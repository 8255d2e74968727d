"""Issue 15, item 4: expiry reminders as notifications (wallet.ui.care.CareActions.notify): which are due (30, 7,
1 and 0 days before a document or coverage ends), each once, in the person's language; a platform where plyer has
no backend, and a phone without plyer, mark nothing as shown (the in-app banner still says it).

The notifier is the object plyer.notification would be (``notify(title=, message=, app_name=, timeout=)``),
passed in: plyer is not a dependency of the desktop build (docs/wallet.md), and a real Android notification cannot
be shown here."""

from __future__ import annotations

import datetime as dt
import sys
import time

import pytest

from trust_list.demo import build_demo_ecosystem
from wallet.demo import issue_demo_card
from wallet.storage import KdfParams
from wallet.ui.controller import WalletController

DAY = 86400


class Recorder:
    """Records what would have been shown, like plyer.notification.notify."""

    def __init__(self) -> None:
        self.shown: list[dict] = []

    def notify(self, **kw) -> None:
        self.shown.append(kw)


class NoBackend:
    """plyer on a platform without a notification backend raises NotImplementedError."""

    def notify(self, **kw) -> None:
        raise NotImplementedError("No usable implementation found!")


@pytest.fixture(scope="module")
def eco(tmp_path_factory):
    return build_demo_ecosystem(tmp_path_factory.mktemp("eco"), int(time.time()))


def _wallet(eco, tmp_path, now: list[int], ends_in_days: int | None):
    ctl = WalletController(tmp_path / "wallet", eco.home,
                           kdf=KdfParams(n=2**10), clock=lambda: now[0])
    ctl.create("123456", "123456")
    card = issue_demo_card(eco, ctl.wallet, "pda1", now[0])
    if ends_in_days is not None:
        today = dt.datetime.fromtimestamp(now[0], dt.timezone.utc).date()
        card.claims = {**card.claims, "ending_date": (today + dt.timedelta(days=ends_in_days)).isoformat()}
        ctl.wallet.save_card(card)
    return ctl, card


def test_due_on_the_steps_once_each(eco, tmp_path):
    now = [int(time.time())]
    ctl, card = _wallet(eco, tmp_path, now, 7)
    rec = Recorder()
    assert ctl.notify(rec) == 1
    assert rec.shown[0]["title"] and "7 days" in rec.shown[0]["message"] and rec.shown[0]["app_name"] == "ESSPASS"
    assert ctl.notify(rec) == 0 and len(rec.shown) == 1  # once: remembered in the settings
    ctl.lock()
    ctl.unlock("123456")
    assert ctl.notify(rec) == 0  # remembered across locking (sealed in the store)
    now[0] += 3 * DAY  # 4 days left: still the 7-day step, already shown
    assert ctl.notify(rec) == 0
    now[0] += 3 * DAY  # 1 day left: the next step
    assert ctl.notify(rec) == 1 and len(rec.shown) == 2
    now[0] += DAY  # the day itself
    assert ctl.notify(rec) == 1 and len(rec.shown) == 3
    now[0] += DAY  # ended: the banner says so, no notification
    assert ctl.notify(rec) == 0 and len(rec.shown) == 3


def test_not_due_far_away_and_in_the_persons_language(eco, tmp_path):
    now = [int(time.time())]
    ctl, _card = _wallet(eco, tmp_path, now, 45)
    rec = Recorder()
    assert ctl.notify(rec) == 0  # 45 days: not yet
    now[0] += 16 * DAY  # 29 days left: the 30-day step
    ctl.set_language("pl")
    assert ctl.notify(rec) == 1
    title, message = rec.shown[0]["title"], rec.shown[0]["message"]
    assert title == "Dokument w twoim portfelu wkrótce wygasa" and "wygasa za 29 dni" in message, message


def test_no_backend_and_no_plyer_mark_nothing(eco, tmp_path, monkeypatch):
    now = [int(time.time())]
    ctl, _card = _wallet(eco, tmp_path, now, 1)
    assert ctl.notify(NoBackend()) == 0
    monkeypatch.setitem(sys.modules, "plyer", None)  # "import plyer" raises ImportError, as on a phone without it
    assert ctl.notify() == 0
    rec = Recorder()
    assert ctl.notify(rec) == 1  # still due: nothing was marked shown when nothing could be shown
