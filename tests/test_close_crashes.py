"""A crash at every single file-system call of closing a session leaves it either open (and
it resumes, and closes into a record that verifies) or closed with a record that verifies:
never anything between (a record_written entry without its record, a record that does not
match its journal, a session that can be neither resumed nor verified).

As tests/test_journal_syscalls.py does for appends, a child process (close_child.py) dies at
its K-th open/write/fsync/rename/truncate/unlink call of `Session.close`, for K = 1, 2, ...
until the close completes.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from record_helpers import at_minute, dosed_session, early_round, new_clock

from kap_console.session import events as ev
from kap_console.session.engine import Session
from kap_console.session.errors import SessionAlreadyClosed
from kap_console.session.journal.read import read_journal
from kap_console.session.record.verify import verify_record
from kap_console.session.storage import BALLAST_NAME

CHILD = Path(__file__).with_name("close_child.py")


@pytest.fixture(scope="module")
def unfinished(tmp_path_factory) -> Path:
    session = dosed_session(tmp_path_factory.mktemp("data"))
    at_minute(session, 15)
    session.commit(early_round(15))
    session.commit(ev.NoteAdded(text="Calm, eyes closed"))
    session.release()
    return session.session_dir


def _types(folder: Path) -> list[str]:
    return [entry.payload["type"] for entry in read_journal(folder).entries]


def test_a_crash_at_any_call_of_close_leaves_the_session_open_or_closed_and_intact(
    unfinished: Path, tmp_path: Path
) -> None:
    outcomes = {"open": 0, "closed": 0}
    for k in range(1, 200):
        folder = tmp_path / str(k) / unfinished.name
        shutil.copytree(unfinished, folder)
        run = subprocess.run(
            [sys.executable, str(CHILD), str(k), str(folder)],
            capture_output=True,
            text=True,
            cwd=CHILD.parent,
        )
        if run.returncode == 0:
            assert run.stdout == "closed\n"
            assert verify_record(folder).ok
            break
        assert run.returncode == 3, run.stderr
        try:
            resumed = Session.resume(folder, clock=new_clock())
        except SessionAlreadyClosed:
            # Closed: the record_written entry is durable, so the record must verify.
            outcomes["closed"] += 1
            assert _types(folder)[-1] == "record_written", f"crash at call {k}"
            check = verify_record(folder)
            assert check.ok, f"crash at call {k}: {check.problems}"
        else:
            # Open: nothing claims a record yet; closing again writes one that verifies.
            outcomes["open"] += 1
            assert resumed.state.record_written is None, f"crash at call {k}"
            result = resumed.close(outcome="stopped_early")
            resumed.release()
            check = verify_record(folder)
            assert check.ok, f"crash at call {k}: {check.problems}"
            assert result.record_path == folder / "record.toml"
        names = sorted(path.name for path in folder.iterdir())
        assert BALLAST_NAME not in names, f"crash at call {k}: {names}"
        assert not [n for n in names if ".tmp-" in n], f"crash at call {k}: {names}"
        assert _types(folder).count("record_written") == 1
    else:
        pytest.fail("the close never completed: raise the call limit")
    print(f"crashes during close: {outcomes}")
    assert outcomes["open"] >= 5 and outcomes["closed"] >= 1
