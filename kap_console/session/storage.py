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
import secrets
import stat
import sys
from pathlib import Path

PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600
LOCK_NAME = "lock"
BALLAST_NAME = "ballast"

_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_DIRECTORY = getattr(os, "O_DIRECTORY", 0)


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
            os.chmod(folder, PRIVATE_DIR_MODE)
            fsync_dir(folder.parent)
    info = os.stat(path)
    if not stat.S_ISDIR(info.st_mode):
        raise NotADirectoryError(errno.ENOTDIR, "not a folder", str(path))
    mode = stat.S_IMODE(info.st_mode)
    if mode & 0o077:
        os.chmod(path, mode & 0o700)
    return path


def _write_all(fd: int, data: bytes) -> None:
    """Write all of `data`; a short write is reported as ENOSPC (the usual cause on a file)."""
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        if written <= 0:
            raise OSError(errno.ENOSPC, "short write: no space left on device")
        view = view[written:]


def write_private_atomic(path: Path, data: bytes) -> None:
    """Replace `path` with `data` atomically and durably, mode 0600.

    A temporary file is created beside `path` (O_EXCL, 0600), written, fsynced and closed, then
    renamed over `path` with `os.replace`, and the folder is fsynced. A reader sees the old bytes
    or the new ones, never a mix or an empty file. On failure the temporary file is removed and
    the OSError propagates; `path` is untouched.
    """
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp-{secrets.token_hex(8)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _CLOEXEC, PRIVATE_FILE_MODE)
    try:
        try:
            os.fchmod(fd, PRIVATE_FILE_MODE)
            _write_all(fd, data)
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


class SessionLock:
    """One writer per session: `fcntl.flock(LOCK_EX | LOCK_NB)` on `<session_dir>/lock`.

    flock locks belong to an open file description, so a second `SessionLock` on the same folder
    is refused in this process as well as in others, and the kernel releases the lock when the
    holder dies (even by SIGKILL). The holder writes its pid into the file for the refusal message.
    """

    def __init__(self, session_dir: Path) -> None:
        self.session_dir = Path(session_dir)
        self.path = self.session_dir / LOCK_NAME
        self._fd: int | None = None

    @property
    def locked(self) -> bool:
        return self._fd is not None

    def acquire(self) -> SessionLock:
        if self._fd is not None:
            return self
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | _CLOEXEC, PRIVATE_FILE_MODE)
            writable = True
        except OSError as error:
            if error.errno not in (errno.EROFS, errno.EACCES):
                raise
            # A read-only folder can still be locked against other readers-turned-writers.
            fd = os.open(self.path, os.O_RDONLY | _CLOEXEC)
            writable = False
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            pid = _read_pid(fd)
            os.close(fd)
            raise SessionLocked(self.session_dir, pid) from None
        except BaseException:
            os.close(fd)
            raise
        if writable:
            try:
                if stat.S_IMODE(os.fstat(fd).st_mode) != PRIVATE_FILE_MODE:
                    os.fchmod(fd, PRIVATE_FILE_MODE)
                # Overwrite, then cut: truncating to 0 first would make ext4 flush on close.
                text = f"{os.getpid()}\n".encode()
                os.pwrite(fd, text, 0)
                os.ftruncate(fd, len(text))
            except OSError:
                pass  # the pid is only a courtesy for the refusal message
        self._fd = fd
        return self

    def release(self) -> None:
        fd, self._fd = self._fd, None
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
        if path.stat().st_size >= size:
            return path
    except FileNotFoundError:
        pass
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | _CLOEXEC, PRIVATE_FILE_MODE)
    except OSError:
        return None
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
