"""Private, durable files on disk: folders 0700, files 0600, atomic replace, the session lock.

Everything here follows the write protocol in the reliability notes:

- a new name is durable only once its folder is fsynced, so every function that creates or
  renames a file fsyncs the folder afterwards;
- temporary files live in the same folder as their target (never in the system temp folder) and
  are created with O_EXCL and mode 0600;
- modes are set explicitly (chmod), so the result does not depend on the process umask.

No Textual, no pydantic: `record` commands and tests import this cheaply.
"""

from __future__ import annotations

import errno
import fcntl
import os
import stat
import sys
from collections.abc import Iterable
from pathlib import Path

PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600
LOCK_NAME = "lock"
BALLAST_NAME = "ballast"

_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_DIRECTORY = getattr(os, "O_DIRECTORY", 0)
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)


def fsync_fd(fd: int) -> None:
    """Flush a file's data to stable storage.

    On macOS plain fsync leaves data in the drive's cache, so F_FULLFSYNC is used there (as
    SQLite's `fullfsync` does); elsewhere this is `os.fsync`. Looked up at call time so tests can
    patch `os.fsync`.
    """
    if sys.platform == "darwin" and hasattr(fcntl, "F_FULLFSYNC"):
        try:
            fcntl.fcntl(fd, fcntl.F_FULLFSYNC)
            return
        except OSError:
            pass  # not supported by this file system: fall back to fsync
    os.fsync(fd)


def fsync_dir(path: Path) -> None:
    """fsync a folder, which makes the names created, renamed or removed in it durable."""
    fd = os.open(path, os.O_RDONLY | _DIRECTORY | _CLOEXEC)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def ensure_private_dir(path: Path) -> Path:
    """Create `path` and any missing parents with mode 0700, whatever the umask.

    Folders created here are chmod-ed to exactly 0700 and their parents fsynced (so the new
    names survive a power cut). An existing `path` that grants anything to group or others is
    tightened to owner-only; existing parents are left alone (they may be shared, like /tmp).
    """
    path = Path(path)
    missing: list[Path] = []
    probe = path
    while not os.path.lexists(probe):
        missing.append(probe)
        if probe.parent == probe:
            break
        probe = probe.parent
    for folder in reversed(missing):
        try:
            os.mkdir(folder, PRIVATE_DIR_MODE)
        except FileExistsError:
            pass  # created meanwhile by someone else: check its mode below like any other
        else:
            _fchmod_folder(folder, PRIVATE_DIR_MODE, follow=False)
            fsync_dir(folder.parent)
    info = os.stat(path)
    if not stat.S_ISDIR(info.st_mode):
        raise NotADirectoryError(errno.ENOTDIR, "not a folder", str(path))
    mode = stat.S_IMODE(info.st_mode)
    if mode & 0o077:
        _fchmod_folder(path, mode & 0o700, follow=True)
    return path


def _fchmod_folder(path: Path, mode: int, *, follow: bool) -> None:
    """chmod a folder through a descriptor of it (never through a path someone could swap)."""
    flags = os.O_RDONLY | _DIRECTORY | _CLOEXEC | (0 if follow else _NOFOLLOW)
    fd = os.open(path, flags)
    try:
        os.fchmod(fd, mode)
    finally:
        os.close(fd)


def _write_all(fd: int, data: bytes) -> None:
    """Write all of `data`; a short write is reported as ENOSPC (the usual cause on a file)."""
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        if written <= 0:
            raise OSError(errno.ENOSPC, "short write: no space left on device")
        view = view[written:]


def write_private_atomic(path: Path, data: bytes | Iterable[bytes]) -> None:
    """Replace `path` with `data` (bytes, or pieces written in order) atomically and durably,
    mode 0600.

    A temporary file is created beside `path` (O_EXCL, 0600), written, fsynced and closed, then
    renamed over `path` with `os.replace`, and the folder is fsynced. A reader sees the old bytes
    or the new ones, never a mix or an empty file. On failure the temporary file is removed and
    the OSError propagates; `path` is untouched.
    """
    path = Path(path)
    import secrets  # here: settings.py (the first frame) imports this module

    tmp = path.with_name(f".{path.name}.tmp-{secrets.token_hex(8)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _CLOEXEC, PRIVATE_FILE_MODE)
    try:
        try:
            os.fchmod(fd, PRIVATE_FILE_MODE)
            if isinstance(data, bytes | bytearray):
                _write_all(fd, data)
            else:
                for piece in data:
                    _write_all(fd, piece)
            fsync_fd(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    fsync_dir(path.parent)


def remove_stale_temporaries(folder: Path, name: str) -> int:
    """Remove the temporary files an interrupted `write_private_atomic` of `folder/name` left
    (`.name.tmp-…`): they hold nothing the target or the journal does not. Call only while
    holding the folder's lock (nobody else is writing them). Returns how many went."""
    prefix = f".{name}.tmp-"
    removed = 0
    try:
        entries = os.listdir(folder)
    except OSError:
        return 0
    for entry in entries:
        if entry.startswith(prefix):
            try:
                os.unlink(Path(folder) / entry)  # a link is removed, never followed
                removed += 1
            except OSError:
                pass
    if removed:
        try:
            fsync_dir(Path(folder))
        except OSError:
            pass
    return removed


class SessionLocked(Exception):
    """Another process (or another Journal in this one) holds the session's lock."""

    def __init__(self, session_dir: Path, pid: int | None) -> None:
        self.session_dir = Path(session_dir)
        self.pid = pid
        who = f"pid {pid}" if pid else "pid unknown"
        super().__init__(
            f"{self.session_dir} is open in another kap-console window ({who}); "
            "finish or close the session there first"
        )


class LinkedSessionFolder(Exception):
    """A session folder that is a symbolic link: nothing is followed inside the data folder."""

    def __init__(self, session_dir: Path) -> None:
        self.session_dir = Path(session_dir)
        super().__init__(
            f"{self.session_dir} is a symbolic link, not a session folder; kap-console does not "
            "follow links inside its data folder, so it was left alone. If the session is "
            "real, move its folder itself here (not a link to it)."
        )


def open_folder(path: Path) -> int:
    """An O_DIRECTORY descriptor of `path` itself: LinkedSessionFolder if it is a symlink."""
    try:
        return os.open(path, os.O_RDONLY | _DIRECTORY | _NOFOLLOW | _CLOEXEC)
    except OSError as error:
        if error.errno in (errno.ELOOP, errno.ENOTDIR) and os.path.islink(path):
            raise LinkedSessionFolder(path) from None
        raise


class SessionLock:
    """One writer per session: `fcntl.flock(LOCK_EX | LOCK_NB)` on the session folder itself.

    The lock is taken on a descriptor of the folder (O_DIRECTORY, O_NOFOLLOW), which cannot be
    deleted and recreated under a running writer the way a lock file can (a "stale lock"
    clean-up that deletes `lock` changes nothing). flock locks belong to an open file
    description, so a second `SessionLock` on the same folder is refused in this process as
    well as in others, and the kernel releases the lock when the holder dies (even by SIGKILL).

    `<session_dir>/lock` is still flock-ed as well (earlier versions lock only that file, so
    two versions also exclude each other) and holds the pid for the refusal message; when it is
    missing the holder's pid is found in /proc/locks. A `lock` that is a symlink is not
    followed. The folder descriptor is kept open while the lock is held (`folder_fd`).
    """

    def __init__(self, session_dir: Path) -> None:
        self.session_dir = Path(session_dir)
        self.path = self.session_dir / LOCK_NAME
        self._fd: int | None = None
        self._file_fd: int | None = None

    @property
    def locked(self) -> bool:
        return self._fd is not None

    @property
    def folder_fd(self) -> int | None:
        """The descriptor of the locked folder (None when not locked)."""
        return self._fd

    def acquire(self) -> SessionLock:
        if self._fd is not None:
            return self
        folder = open_folder(self.session_dir)
        try:
            fcntl.flock(folder, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            pid = _holder_pid(folder) or _pid_in_lock_file(folder)
            os.close(folder)
            raise SessionLocked(self.session_dir, pid) from None
        except BaseException:
            os.close(folder)
            raise
        try:
            self._file_fd = _lock_file(folder, self.session_dir)
        except BaseException:
            fcntl.flock(folder, fcntl.LOCK_UN)
            os.close(folder)
            raise
        self._fd = folder
        return self

    def release(self) -> None:
        fd, self._fd = self._fd, None
        file_fd, self._file_fd = self._file_fd, None
        if file_fd is not None:
            try:
                os.close(file_fd)  # closing releases its flock
            except OSError:
                pass
        if fd is None:
            return
        try:
            fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)

    def __enter__(self) -> SessionLock:
        return self.acquire()

    def __exit__(self, *exc_info: object) -> None:
        self.release()


def _lock_file(folder: int, session_dir: Path) -> int | None:
    """flock `lock` too (for earlier versions) and write the pid into it; None if it cannot be
    used (a read-only folder, a planted symlink), which the folder lock makes harmless."""
    try:
        fd = os.open(LOCK_NAME, os.O_RDWR | os.O_CREAT | _NOFOLLOW | _CLOEXEC, 0o600, dir_fd=folder)
    except OSError:
        try:
            fd = os.open(LOCK_NAME, os.O_RDONLY | _NOFOLLOW | _CLOEXEC, dir_fd=folder)
        except OSError:
            return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            os.close(fd)
            return None
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        # An earlier version holds the session through the lock file alone.
        pid = _read_pid(fd)
        os.close(fd)
        raise SessionLocked(session_dir, pid) from None
    except OSError:
        os.close(fd)
        return None
    try:
        if stat.S_IMODE(os.fstat(fd).st_mode) != PRIVATE_FILE_MODE:
            os.fchmod(fd, PRIVATE_FILE_MODE)
        # Overwrite, then cut: truncating to 0 first would make ext4 flush on close.
        text = f"{os.getpid()}\n".encode()
        os.pwrite(fd, text, 0)
        os.ftruncate(fd, len(text))
    except OSError:
        pass  # the pid is only a courtesy for the refusal message
    return fd


def _holder_pid(folder: int) -> int | None:
    """The pid holding a flock on the folder open as `folder`, from /proc/locks (Linux)."""
    try:
        info = os.fstat(folder)
        with open("/proc/locks", encoding="ascii", errors="replace") as locks:
            lines = locks.read().splitlines()
    except OSError:
        return None
    for line in lines:
        parts = line.split()
        if len(parts) < 6 or parts[1] != "FLOCK":
            continue
        try:
            major, minor, inode = parts[5].split(":")
            same_device = (int(major, 16), int(minor, 16)) == (
                os.major(info.st_dev),
                os.minor(info.st_dev),
            )
            if same_device and int(inode) == info.st_ino:
                pid = int(parts[4])
                return pid if pid > 0 else None
        except ValueError:
            continue
    return None


def _pid_in_lock_file(folder: int) -> int | None:
    try:
        fd = os.open(LOCK_NAME, os.O_RDONLY | _NOFOLLOW | _CLOEXEC, dir_fd=folder)
    except OSError:
        return None
    try:
        return _read_pid(fd)
    finally:
        os.close(fd)


def _read_pid(fd: int) -> int | None:
    try:
        text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
        return int(text) if text else None
    except (OSError, ValueError):
        return None


def create_ballast(folder: Path, size: int) -> Path | None:
    """Reserve `size` bytes in `folder/ballast` so they can be freed when the disk fills up.

    Best effort: returns None (and leaves no partial file) if the space is not there. An
    existing ballast of the right size is kept.
    """
    path = Path(folder) / BALLAST_NAME
    if size <= 0:
        return None
    try:
        # Never through a link (a planted `ballast` symlink would have its target filled).
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | _NOFOLLOW | _CLOEXEC, PRIVATE_FILE_MODE)
    except OSError:
        return None
    try:
        info = os.fstat(fd)
    except OSError:
        os.close(fd)
        return None
    if not stat.S_ISREG(info.st_mode):
        os.close(fd)
        return None
    if info.st_size >= size:
        os.close(fd)
        return path
    try:
        try:
            os.fchmod(fd, PRIVATE_FILE_MODE)
            try:
                os.posix_fallocate(fd, 0, size)
            except OSError as error:
                if error.errno not in (errno.EOPNOTSUPP, errno.EINVAL, errno.ENOSYS):
                    raise
                # No fallocate here (some FUSE or network file systems): write real zeros.
                os.ftruncate(fd, 0)
                _write_all(fd, bytes(size))
            fsync_fd(fd)
        finally:
            os.close(fd)
        fsync_dir(path.parent)
    except OSError:
        try:
            os.unlink(path)
        except OSError:
            pass
        return None
    return path


def release_ballast(folder: Path) -> bool:
    """Delete `folder/ballast`, freeing its space at once. True if there was one."""
    try:
        os.unlink(Path(folder) / BALLAST_NAME)
    except OSError:
        return False
    return True
