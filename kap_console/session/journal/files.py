"""The journal's file operations: each one durable on its own, or undone.

A segment is created whole (temporary file, one write, fsync, rename, folder fsync), so it
never exists without its header. A line is one `os.write`: a short write is a failure, never
continued, since the rest of the line could land torn. A torn tail is copied aside (fsynced)
before the segment is truncated, so its bytes are never lost. The writer (journal.py) decides
when each of these happens; this module only does them.

Every call goes through the `os` module (`os.write`, `os.fsync` via storage, …), never a name
bound at import, so a test that replaces one of them in `os` sees every call.
"""

from __future__ import annotations

import errno as errno_codes
import itertools
import os
import secrets
import stat
from pathlib import Path

from kap_console.file_reading import read_regular_file
from kap_console.session.storage import PRIVATE_FILE_MODE, fsync_dir, fsync_fd, release_ballast

_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)


def _write_once(fd: int, data: bytes) -> None:
    """One os.write of the whole buffer; a short write is a failure (the rest may be torn)."""
    written = os.write(fd, data)
    if written != len(data):
        raise OSError(errno_codes.ENOSPC, f"short write ({written} of {len(data)} bytes)")


def append_line(fd: int, line: bytes) -> None:
    """Append one complete line to the segment open as `fd`, then fsync: durable on return."""
    _write_once(fd, line)
    fsync_fd(fd)


def create_segment(folder: Path, name: str, data: bytes) -> int:
    """Create `folder/name` holding `data`, whole or not at all; return an O_APPEND fd to it.

    Written to a temporary file beside it, fsynced, renamed into place (replacing an unfinished
    earlier attempt), then the folder is fsynced: only then is the segment durable.
    """
    tmp = folder / f".{name}.tmp-{secrets.token_hex(8)}"
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND | _CLOEXEC
    fd = os.open(tmp, flags, PRIVATE_FILE_MODE)
    try:
        os.fchmod(fd, PRIVATE_FILE_MODE)
        _write_once(fd, data)
        fsync_fd(fd)
        os.replace(tmp, folder / name)
        fsync_dir(folder)
    except BaseException:
        close_quietly(fd)
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    return fd


def close_quietly(fd: int | None) -> None:
    """Close `fd` if it is open, ignoring errors: the caller is already giving it up."""
    if fd is None:
        return
    try:
        os.close(fd)
    except OSError:
        pass


def open_for_append(path: Path) -> int:
    """Open an existing segment to append to; a looser mode is tightened to 0600.

    Never through a symlink (O_NOFOLLOW: ELOOP), and only a regular file (else EINVAL).
    """
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | _NOFOLLOW | _NONBLOCK | _CLOEXEC)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise OSError(errno_codes.EINVAL, "not a regular file", str(path))
        if stat.S_IMODE(info.st_mode) != PRIVATE_FILE_MODE:
            os.fchmod(fd, PRIVATE_FILE_MODE)
    except BaseException:
        close_quietly(fd)
        raise
    return fd


def _holds(path: Path, data: bytes) -> bool:
    """Is `path` a regular file (not a link) holding exactly `data`?"""
    try:
        return read_regular_file(path, limit=len(data), follow_links=False) == data
    except OSError:
        return False


def _set_aside(folder: Path, segment: str, offset: int, tail: bytes) -> Path:
    """Copy a torn tail to `journal-000N.torn-<offset>` (fsynced, never overwriting)."""
    base = f"{segment.removesuffix('.jsonl')}.torn-{offset}"
    for attempt in itertools.count(1):
        path = folder / (base if attempt == 1 else f"{base}.{attempt}")
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _CLOEXEC, 0o600)
        except FileExistsError:
            # An earlier recovery was interrupted after copying: reuse an identical copy.
            if _holds(path, tail):
                fd = os.open(path, os.O_RDONLY | _CLOEXEC)
                try:
                    fsync_fd(fd)
                finally:
                    os.close(fd)
                fsync_dir(folder)
                return path
            continue
        try:
            try:
                os.fchmod(fd, PRIVATE_FILE_MODE)
                view = memoryview(tail)
                while view:
                    view = view[os.write(fd, view) :]
                fsync_fd(fd)
            finally:
                os.close(fd)
        except BaseException:
            try:
                os.unlink(path)  # a partial copy would only confuse the next attempt
            except OSError:
                pass
            raise
        fsync_dir(folder)
        return path
    raise AssertionError("unreachable")


def cut_torn_tail(folder: Path, fd: int, segment: str, offset: int, tail: bytes) -> Path:
    """Set the torn `tail` of `segment` aside, then truncate the segment (open as `fd`) to `offset`.

    The copy is fsynced before anything is cut, so the removed bytes are never lost. Returns the
    copy's path.
    """
    try:
        copy = _set_aside(folder, segment, offset, tail)
    except OSError as error:
        # A full disk must not stop a resume: the ballast is there for this.
        if error.errno != errno_codes.ENOSPC or not release_ballast(folder):
            raise
        copy = _set_aside(folder, segment, offset, tail)
    os.ftruncate(fd, offset)
    fsync_fd(fd)
    return copy


def real_path(path: Path) -> str:
    """`path` with links resolved (absolute if it cannot be), to tell two folders apart."""
    try:
        return os.path.realpath(path)
    except OSError:
        return os.path.abspath(path)


def remove_quietly(folder: Path, paths: list[Path]) -> None:
    """Undo a failed move: remove the copies written into the new folder (best effort)."""
    for path in paths:
        try:
            os.unlink(path)
        except OSError:
            pass
    try:
        fsync_dir(folder)
    except OSError:
        pass
