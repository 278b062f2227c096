"""Private folders and files, atomic replace, and the one-writer lock."""

from __future__ import annotations

import errno
import os
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from kap_console.session import storage
from kap_console.session.storage import (
    SessionLock,
    SessionLocked,
    create_ballast,
    ensure_private_dir,
    release_ballast,
    write_private_atomic,
)


def mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture(params=[0o000, 0o022], ids=["umask000", "umask022"])
def umask(request: pytest.FixtureRequest):
    old = os.umask(request.param)
    yield request.param
    os.umask(old)


def test_new_folders_and_all_their_new_parents_are_0700_whatever_the_umask(
    tmp_path: Path, umask: int
) -> None:
    target = tmp_path / "data" / "sessions" / "2026-03-01-ABC"
    assert ensure_private_dir(target) == target
    for folder in (tmp_path / "data", tmp_path / "data" / "sessions", target):
        assert mode(folder) == 0o700, folder


def test_an_existing_loose_folder_is_tightened_and_existing_parents_are_left_alone(
    tmp_path: Path,
) -> None:
    os.chmod(tmp_path, 0o755)
    loose = tmp_path / "loose"
    loose.mkdir()
    os.chmod(loose, 0o777)
    ensure_private_dir(loose)
    assert mode(loose) == 0o700
    assert mode(tmp_path) == 0o755


def test_a_file_in_the_way_of_a_folder_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "f").write_text("x")
    with pytest.raises(NotADirectoryError):
        ensure_private_dir(tmp_path / "f")


def test_atomic_write_gives_a_0600_file_with_the_bytes_and_no_leftovers(
    tmp_path: Path, umask: int
) -> None:
    target = tmp_path / "record.toml"
    write_private_atomic(target, b"one")
    write_private_atomic(target, b"two")
    assert target.read_bytes() == b"two"
    assert mode(target) == 0o600
    assert os.listdir(tmp_path) == ["record.toml"]


def test_atomic_write_syncs_the_data_before_the_rename_and_the_folder_after(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    real_fsync, real_replace, real_open = os.fsync, os.replace, os.open

    def fsync(fd: int) -> None:
        kind = "dir" if stat.S_ISDIR(os.fstat(fd).st_mode) else "file"
        calls.append(f"fsync {kind}")
        real_fsync(fd)

    def replace(src, dst) -> None:
        calls.append("replace")
        real_replace(src, dst)

    opened: list[str] = []

    def open_(path, *args, **kwargs):
        opened.append(os.fspath(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    monkeypatch.setattr(os, "open", open_)
    monkeypatch.setattr(tempfile, "gettempdir", lambda: pytest.fail("used the temp folder"))
    write_private_atomic(tmp_path / "r.toml", b"data")
    assert calls == ["fsync file", "replace", "fsync dir"]
    # The temporary file sits beside the target; the only other open is the folder (to fsync).
    assert len(opened) == 2
    assert Path(opened[0]).parent == tmp_path
    assert Path(opened[0]).name.startswith(".r.toml.tmp-")
    assert Path(opened[1]) == tmp_path


def test_a_failed_atomic_write_leaves_the_old_file_and_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "r.toml"
    write_private_atomic(target, b"old")

    def no_space(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", no_space)
    with pytest.raises(OSError) as failure:
        write_private_atomic(target, b"new")
    assert failure.value.errno == errno.ENOSPC
    monkeypatch.undo()
    assert target.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["r.toml"]


def test_a_second_lock_in_the_same_process_is_refused_with_the_holder_pid(
    tmp_path: Path,
) -> None:
    with SessionLock(tmp_path):
        with pytest.raises(SessionLocked) as refused:
            SessionLock(tmp_path).acquire()
        message = str(refused.value)
        assert "is open in another kap-console window" in message
        assert f"pid {os.getpid()}" in message
        assert refused.value.pid == os.getpid()
        assert mode(tmp_path / "lock") == 0o600
    with SessionLock(tmp_path) as again:
        assert again.locked


HOLD = """
import sys
from kap_console.session.storage import SessionLock
lock = SessionLock(sys.argv[1]).acquire()
print("held", flush=True)
sys.stdin.read()
"""


def test_a_lock_held_by_another_process_is_refused_and_freed_when_it_dies(
    tmp_path: Path,
) -> None:
    child = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(tmp_path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "held"
        with pytest.raises(SessionLocked) as refused:
            SessionLock(tmp_path).acquire()
        assert f"(pid {child.pid})" in str(refused.value)
    finally:
        child.kill()
        child.wait()
    with SessionLock(tmp_path) as lock:
        assert lock.locked


def test_ballast_is_reserved_private_and_released(tmp_path: Path, umask: int) -> None:
    path = create_ballast(tmp_path, 64 * 1024)
    assert path is not None and path.stat().st_size == 64 * 1024
    assert mode(path) == 0o600
    assert release_ballast(tmp_path) is True
    assert not path.exists()
    assert release_ballast(tmp_path) is False
    assert create_ballast(tmp_path, 0) is None


def test_ballast_that_does_not_fit_leaves_nothing_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full(fd: int, offset: int, length: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "posix_fallocate", full)
    assert create_ballast(tmp_path, 1024) is None
    assert not (tmp_path / storage.BALLAST_NAME).exists()
