"""The console access token when several verifier instances share one home (scale-out): all of them must hold the
token that is on disk, or the console works on one instance only (nginx sends each request to either)."""

from __future__ import annotations

import stat
import threading

from verifier import access


def test_instances_started_together_agree_on_one_token(tmp_path):
    for round_ in range(20):
        state = tmp_path / f"home{round_}"
        start = threading.Barrier(6)
        got: list[str] = []

        def instance() -> None:
            start.wait()
            got.append(access.load_console_token(state))

        threads = [threading.Thread(target=instance) for _ in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(10)
        on_disk = (state / "console_token").read_text().strip()
        assert got == [on_disk] * 6
        assert sorted(p.name for p in state.iterdir()) == ["console_token"]  # no temporary file left


def test_the_instance_that_loses_the_race_takes_the_winners_token(tmp_path, monkeypatch):
    """Deterministic: the file appears between this instance's read and its link (another instance won)."""
    winner = access.new_token()
    (tmp_path / "console_token").write_text(winner + "\n")
    real_read = access._read_token
    calls = []

    def read_before_the_winner_wrote(path):
        calls.append(path)
        return None if len(calls) == 1 else real_read(path)

    monkeypatch.setattr(access, "_read_token", read_before_the_winner_wrote)
    assert access.load_console_token(tmp_path) == winner
    assert (tmp_path / "console_token").read_text().strip() == winner
    assert len(calls) == 2


def test_an_existing_token_is_kept_and_made_private(tmp_path):
    token = access.new_token()
    path = tmp_path / "console_token"
    path.write_text(token + "\n")
    path.chmod(0o644)
    assert access.load_console_token(tmp_path) == token
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_a_damaged_token_file_is_replaced(tmp_path):
    path = tmp_path / "console_token"
    for damaged in (b"short\n", b"\xff\xfe" * 20, b""):
        path.write_bytes(damaged)
        token = access.load_console_token(tmp_path)
        assert len(token) >= 22 and path.read_text().strip() == token
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert sorted(p.name for p in tmp_path.iterdir()) == ["console_token"]
