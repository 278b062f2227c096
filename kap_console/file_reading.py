"""Reading a file without trusting what the path names: only a regular file, never blocking.

A path a user gives (a protocol, a record, a theme, the settings) or a name inside the data
folder (a journal segment, a marker) may name a FIFO, a device or a symlink. Opening a FIFO
blocks until a writer appears, reading a device may never end, and following a planted link
reads (or, for writers, writes) somewhere else. `read_regular_file` opens with O_NONBLOCK (and
O_NOFOLLOW when asked), checks what it opened with fstat, and reads at most `limit` bytes.
Standard library only: every layer can use it.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterator

_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)


class NotAFile(OSError):
    """The path names something other than a regular file (a FIFO, a device, a socket)."""

    def __init__(self, path: str | os.PathLike[str], what: str) -> None:
        super().__init__(errno.EINVAL, f"not a regular file but {what}", os.fspath(path))


class FileTooLarge(OSError):
    """The file holds more than the reader's limit; nothing of it was used."""

    def __init__(self, path: str | os.PathLike[str], limit: int) -> None:
        self.limit = limit
        super().__init__(errno.EFBIG, f"larger than {limit} bytes", os.fspath(path))


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    return "not a file"


def read_regular_file(
    path: str | os.PathLike[str],
    *,
    limit: int,
    follow_links: bool = True,
    dir_fd: int | None = None,
) -> bytes:
    """The bytes of the regular file at `path`, at most `limit` of them.

    Opened with O_NONBLOCK (a FIFO neither blocks the open nor the read) and checked with
    fstat on the open descriptor, so what is read is what was checked. With `follow_links`
    False a symbolic link is refused (O_NOFOLLOW); `dir_fd` opens `path` relative to an open
    folder. Raises IsADirectoryError, NotAFile, FileTooLarge or any other OSError.
    """
    fd = _open_regular(path, limit=limit, follow_links=follow_links, dir_fd=dir_fd)
    try:
        return b"".join(_chunks(fd, path, limit))
    finally:
        os.close(fd)


def regular_file_sha256(
    path: str | os.PathLike[str], *, limit: int, follow_links: bool = True
) -> tuple[str, int]:
    """The SHA-256 (hex) and size of the regular file at `path`, read as `read_regular_file`
    reads it (same checks and limit) but a block at a time, never whole in memory."""
    import hashlib  # here: the console's start-up reads files but hashes none

    fd = _open_regular(path, limit=limit, follow_links=follow_links, dir_fd=None)
    try:
        digest = hashlib.sha256()
        size = 0
        for chunk in _chunks(fd, path, limit):
            digest.update(chunk)
            size += len(chunk)
        return digest.hexdigest(), size
    finally:
        os.close(fd)


def regular_file_blocks(
    path: str | os.PathLike[str], *, limit: int, follow_links: bool = True
) -> Iterator[bytes]:
    """The bytes of the regular file at `path`, a block at a time, read as
    `read_regular_file` reads them (same checks and limit; the first raised at the first
    block asked for). The file is closed when the iteration ends or is dropped."""
    fd = _open_regular(path, limit=limit, follow_links=follow_links, dir_fd=None)
    try:
        yield from _chunks(fd, path, limit)
    finally:
        os.close(fd)


def _open_regular(
    path: str | os.PathLike[str], *, limit: int, follow_links: bool, dir_fd: int | None
) -> int:
    flags = os.O_RDONLY | _NONBLOCK | _CLOEXEC | (0 if follow_links else _NOFOLLOW)
    try:
        fd = os.open(path, flags, dir_fd=dir_fd)
    except OSError as error:
        if error.errno == errno.ELOOP and not follow_links:
            raise NotAFile(path, "a symbolic link") from None
        raise
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise IsADirectoryError(errno.EISDIR, "is a folder", os.fspath(path))
        if not stat.S_ISREG(info.st_mode):
            raise NotAFile(path, _kind(info.st_mode))
        if info.st_size > limit:
            raise FileTooLarge(path, limit)
    except BaseException:
        os.close(fd)
        raise
    return fd


def _chunks(fd: int, path: str | os.PathLike[str], limit: int) -> Iterator[bytes]:
    size = 0
    while True:
        chunk = os.read(fd, min(limit + 1 - size, 1 << 20) or 1)
        if not chunk:
            return
        size += len(chunk)
        if size > limit:  # it grew after the fstat
            raise FileTooLarge(path, limit)
        yield chunk
