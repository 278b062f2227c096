"""Integration notes survive a kill -9 of the process writing them: the review screen shows every
acknowledged note after it, writing goes on, and the record's bytes never change."""

from __future__ import annotations

import hashlib
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from integration.record_sessions import im_session
from review_helpers import copy_session, review_app
from textual.widgets import OptionList

from kap_console.integration.notes import notes_folder, read_notes
from kap_console.integration.reading import open_record
from kap_console.session.journal.read import verify_chain

CHILD = Path(__file__).resolve().parents[1] / "notes_child.py"
SIZE = (80, 24)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return im_session(tmp_path_factory.mktemp("built"))


def kill_while_writing(session: Path, sha256: str, delay: float) -> list[int]:
    """Run the notes writer, SIGKILL it after `delay`; the note numbers it acknowledged."""
    child = subprocess.Popen(
        [sys.executable, str(CHILD), str(session), sha256],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert child.stdout is not None and child.stderr is not None
    child.stdout.peek(1)
    time.sleep(delay)
    child.send_signal(signal.SIGKILL)
    child.wait()
    out = child.stdout.read().decode()
    child.stdout.close()
    child.stderr.close()
    assert child.returncode == -signal.SIGKILL
    return [int(line.split()[1]) for line in out.split("\n")[1:-1]]


async def test_notes_killed_mid_write_are_all_there_and_the_record_never_changes(built, tmp_path):
    data = tmp_path / "data"
    session = copy_session(built, data)
    record = session / "record.toml"
    before = record.read_bytes()
    sha256 = hashlib.sha256(before).hexdigest()

    acknowledged = kill_while_writing(session, sha256, 0.1)
    acknowledged += kill_while_writing(session, sha256, 0.05)
    assert len(acknowledged) >= 2

    async with review_app(session, data).run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("5")
        await pilot.pause()
        listing = pilot.app.screen.query_one("#notes-list", OptionList)
        shown = [str(listing.get_option_at_index(i).prompt) for i in range(listing.option_count)]
        texts = [line.split("\n")[0] for line in shown]
        for n in acknowledged:
            assert f"[Note] note {n} " + "x" * 300 in texts
        await pilot.press("n")
        await pilot.pause()
        await pilot.press(*"After the crash", "enter")
        await pilot.pause()
        await pilot.press("c", "2", "1", "enter")  # the course, its chart, the review again
        await pilot.pause()
        assert type(pilot.app.screen).__name__ == "ReviewScreen"

    state = read_notes(session)
    assert state.items[-1].text == "After the crash"
    assert state.reopened >= 2
    assert verify_chain(notes_folder(session)).ok
    # The record: same bytes, and still verified against its own journal.
    assert record.read_bytes() == before
    assert open_record(session).verification.status == "verified"
