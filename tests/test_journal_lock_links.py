"""One writer whatever happens to the lock file, and no symlink followed inside the data folder.

The lock is held on the session folder itself, so deleting (or deleting and recreating) the
`lock` file under a running writer lets no second process in; the refusal names the holder's
pid even when the file that held it is gone. A symlink planted as `lock`, `ballast` or a
journal segment is never written through (nor chmod-ed), and a session folder that is a
symlink is listed as such and refused, its target left untouched.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from kap_console.session.catalog import list_sessions
from kap_console.session.journal.errors import JournalDamaged
from kap_console.session.journal.read import read_journal, verify_chain
from kap_console.session.journal.writer import Journal
from kap_console.session.storage import LinkedSessionFolder, SessionLock, SessionLocked

CHILD = Path(__file__).with_name("journal_child.py")
NOW = "2026-03-01T14:00:00+00:00"


def _journal(folder: Path, **kwargs) -> Journal:
    return Journal.create(folder, session_id="s", app="test", now=NOW, ballast_bytes=0, **kwargs)


@pytest.fixture
def holder(tmp_path: Path):
    """A real second process holding the session open (journal_child.py hold)."""
    folder = tmp_path / "session"
    with _journal(folder) as journal:
        journal.append({"n": 1})
    child = subprocess.Popen(
        [sys.executable, str(CHILD), "hold", str(folder)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None and child.stdin is not None
    assert child.stdout.readline() == "holding\n", child.stderr.read() if child.stderr else ""
    yield folder, child
    child.stdin.close()
    child.wait(timeout=30)


def test_deleting_the_lock_file_lets_no_second_writer_in(holder) -> None:
    folder, child = holder
    (folder / "lock").unlink()  # a "stale lock" clean-up
    with pytest.raises(SessionLocked) as refused:
        Journal.open(folder, ballast_bytes=0)
    assert refused.value.pid == child.pid
    assert f"pid {child.pid}" in str(refused.value)
    assert not (folder / "lock").exists() or (folder / "lock").read_text() in ("", f"{child.pid}\n")


def test_deleting_and_recreating_the_lock_file_lets_no_second_writer_in(holder) -> None:
    folder, child = holder
    (folder / "lock").unlink()
    (folder / "lock").write_text("")  # what a second instance of an older version would do
    with pytest.raises(SessionLocked) as refused:
        Journal.open(folder, ballast_bytes=0)
    assert refused.value.pid == child.pid
    # The journal did not fork: the holder's session is exactly as it was.
    assert [e.payload for e in read_journal(folder).entries] == [{"n": 1}]


def test_a_second_lock_in_the_same_process_is_refused_too(tmp_path: Path) -> None:
    folder = tmp_path / "session"
    folder.mkdir()
    with SessionLock(folder):
        (folder / "lock").unlink()
        with pytest.raises(SessionLocked) as refused:
            SessionLock(folder).acquire()
        assert refused.value.pid == os.getpid()
    SessionLock(folder).acquire().release()  # free again once released


# -- planted symlinks ---------------------------------------------------------------------


@pytest.fixture
def target(tmp_path: Path) -> Path:
    """A file outside the data folder that a planted link points at."""
    path = tmp_path / "elsewhere" / "precious.txt"
    path.parent.mkdir()
    path.write_bytes(b"not yours\n")
    path.chmod(0o644)
    return path


def _unchanged(target: Path) -> None:
    assert target.read_bytes() == b"not yours\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o644


def test_a_lock_symlink_is_neither_written_nor_chmodded(tmp_path: Path, target: Path) -> None:
    folder = tmp_path / "session"
    folder.mkdir(mode=0o700)
    (folder / "lock").symlink_to(target)
    with _journal(folder) as journal:
        journal.append({"n": 1})
        _unchanged(target)
        with pytest.raises(SessionLocked):  # still one writer: the folder holds the lock
            Journal.open(folder, ballast_bytes=0)
    _unchanged(target)


def test_a_ballast_symlink_is_not_filled(tmp_path: Path, target: Path) -> None:
    folder = tmp_path / "session"
    folder.mkdir(mode=0o700)
    (folder / "ballast").symlink_to(target)
    with Journal.create(folder, session_id="s", app="t", now=NOW, ballast_bytes=65536) as journal:
        journal.append({"n": 1})
    _unchanged(target)
    reopened, _ = Journal.open(folder, ballast_bytes=65536)
    reopened.close()
    _unchanged(target)
    assert (folder / "ballast").is_symlink()  # left as found, for whoever planted it to explain
    real = tmp_path / "real"
    Journal.create(real, session_id="s", app="t", now=NOW, ballast_bytes=4096).close()
    assert (real / "ballast").stat().st_size == 4096  # a real ballast is still reserved


def test_a_journal_segment_symlink_is_refused_not_followed(tmp_path: Path) -> None:
    real = tmp_path / "real"
    with _journal(real) as journal:
        journal.append({"n": 1})
    before = (real / "journal-0001.jsonl").read_bytes()
    folder = tmp_path / "session"
    folder.mkdir(mode=0o700)
    (folder / "journal-0001.jsonl").symlink_to(real / "journal-0001.jsonl")
    with pytest.raises(JournalDamaged, match="journal-0001.jsonl.*symbolic link"):
        Journal.open(folder, ballast_bytes=0)
    with pytest.raises(JournalDamaged):
        read_journal(folder)
    assert not verify_chain(folder).ok
    assert (real / "journal-0001.jsonl").read_bytes() == before


def test_a_session_folder_that_is_a_symlink_is_listed_as_such_and_never_resumed(
    tmp_path: Path,
) -> None:
    from record_helpers import dosed_session, new_clock

    from kap_console.session.engine import Session

    outside = tmp_path / "outside"
    session = dosed_session(outside)
    session.release()
    real = session.session_dir
    before = {p.name: p.read_bytes() for p in real.iterdir() if p.is_file()}
    data = tmp_path / "data"
    (data / "sessions").mkdir(parents=True)
    link = data / "sessions" / real.name
    link.symlink_to(real, target_is_directory=True)

    (listed,) = list_sessions(data)
    assert listed.path == link and listed.state == "damaged"
    assert "symbolic link" in (listed.problem or "")
    with pytest.raises(LinkedSessionFolder, match="is a symbolic link, not a session folder"):
        Session.resume(link, clock=new_clock())
    with pytest.raises(LinkedSessionFolder):
        Journal.open(link, ballast_bytes=0)
    with pytest.raises(LinkedSessionFolder):
        read_journal(link)
    after = {p.name: p.read_bytes() for p in real.iterdir() if p.is_file()}
    assert after == before


def test_an_existing_folder_is_tightened_through_its_descriptor(tmp_path: Path) -> None:
    from kap_console.session.storage import ensure_private_dir

    folder = tmp_path / "open"
    folder.mkdir()
    folder.chmod(0o755)
    ensure_private_dir(folder)
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
