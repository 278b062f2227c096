"""A session that moved because its disk went read-only cannot fork once the disk comes back.

The disk going read-only is simulated by failing, with EROFS, every call that would change
anything under the session's folder (open for writing, write, rename, unlink, mkdir,
truncate), as a `mount -o remount,ro` would. The session continues in another folder; the old
folder cannot get its MOVED marker. Then the disk is "remounted" writable (the faults end),
and the old copy must not resume: the continuation is found from either side.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from record_helpers import at_minute, dosed_session, new_clock

from kap_console.session import events as ev
from kap_console.session.catalog import list_sessions, unfinished_sessions
from kap_console.session.engine import Session
from kap_console.session.errors import SaveError, SessionMoved
from kap_console.session.moves import MOVED_MARKER, moved_from_of

_WRITING = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND


def _inside(path: str, folder: Path) -> bool:
    return path == str(folder) or path.startswith(f"{folder}{os.sep}")


def _under(path: object, folder: Path) -> bool:
    try:
        return _inside(os.path.abspath(os.fspath(path)), folder)  # type: ignore[arg-type]
    except TypeError:
        return False


def _fd_under(fd: int, folder: Path) -> bool:
    try:
        return _inside(os.readlink(f"/proc/self/fd/{fd}"), folder)
    except OSError:
        return False


@contextmanager
def read_only(folder: Path) -> Iterator[None]:
    """Every change under `folder` fails with EROFS until the block ends (the remount)."""

    def refuse() -> OSError:
        return OSError(errno.EROFS, os.strerror(errno.EROFS))

    with pytest.MonkeyPatch.context() as patch:
        real_open, real_write = os.open, os.write

        def open_(path, flags, *args, **kwargs):
            if flags & _WRITING and _under(path, folder):
                raise refuse()
            return real_open(path, flags, *args, **kwargs)

        def write(fd, data):
            if _fd_under(fd, folder):
                raise refuse()
            return real_write(fd, data)

        patch.setattr(os, "open", open_)
        patch.setattr(os, "write", write)
        for name in ("replace", "rename", "unlink", "mkdir"):
            real = getattr(os, name)

            def changing(path, *args, _real=real, **kwargs):
                if _under(path, folder):
                    raise refuse()
                return _real(path, *args, **kwargs)

            patch.setattr(os, name, changing)
        yield


def _moved_while_read_only(data: Path, elsewhere: Path | None = None) -> tuple[Session, Path]:
    """A session whose disk goes read-only; it continues in `elsewhere` (default: beside it
    in the data folder). Returns the session (now in its new folder) and the old folder."""
    session = dosed_session(data)
    old = session.session_dir
    at_minute(session, 15)
    target = elsewhere or old.parent / f"{old.name}-continued"
    with read_only(old):
        with pytest.raises(SaveError):
            session.commit(ev.NoteAdded(text="Client asked for water"))
        session.continue_in(target)
        assert not (old / MOVED_MARKER).exists()  # the old disk refused the marker
        session.commit(ev.NoteAdded(text="Saved in the new folder"))
    return session, old


def test_the_new_segment_names_the_folder_it_moved_on_from(tmp_path: Path) -> None:
    session, old = _moved_while_read_only(tmp_path / "data")
    session.release()
    assert moved_from_of(session.session_dir) == (os.path.realpath(old),)


def test_an_old_copy_left_on_a_read_only_disk_is_refused_after_the_remount(tmp_path):
    data = tmp_path / "data"
    session, old = _moved_while_read_only(data)
    with read_only(old):
        session.release()  # the console ends while the old disk is still read-only
    assert not (old / MOVED_MARKER).exists()
    # The disk is writable again: the old copy is neither offered nor resumed.
    states = {summary.path: summary.state for summary in list_sessions(data)}
    assert states == {old: "moved", session.session_dir: "open"}
    assert [summary.path for summary in unfinished_sessions(data)] == [session.session_dir]
    with pytest.raises(SessionMoved) as refused:
        Session.resume(old, clock=new_clock())
    assert str(session.session_dir) in str(refused.value)
    resumed = Session.resume(session.session_dir, clock=new_clock())
    assert [n.event.text for n in resumed.state.notes] == [
        "Client asked for water",
        "Saved in the new folder",
    ]
    resumed.release()


def test_a_remount_while_the_session_runs_marks_the_old_copy_at_the_next_save(tmp_path):
    session, old = _moved_while_read_only(tmp_path / "data", tmp_path / "usb" / "session")
    session.commit(ev.NoteAdded(text="After the remount"))  # the disk is writable again
    assert (old / MOVED_MARKER).read_text().strip() == str(session.session_dir)
    session.release()
    with pytest.raises(SessionMoved):
        Session.resume(old, clock=new_clock())


def test_opening_a_continuation_on_another_drive_marks_the_old_copy(tmp_path):
    usb = tmp_path / "usb" / "session"
    session, old = _moved_while_read_only(tmp_path / "data", usb)
    with read_only(old):
        session.release()
    assert not (old / MOVED_MARKER).exists()
    Session.resume(usb, clock=new_clock()).release()  # the facilitator opens it from the USB
    assert (old / MOVED_MARKER).read_text().strip() == str(usb)
    with pytest.raises(SessionMoved):
        Session.resume(old, clock=new_clock())
