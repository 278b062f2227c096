"""Where a moved session continued, found from either side.

When writing fails (a disk gone read-only, a dying drive) the session continues in another
folder: its durable segments are copied there and a new segment follows, whose header names
the folder it came from (`moved_from`). The old folder is marked MOVED when it can be; on a
read-only disk it cannot, and once the disk is writable again the old copy looks like an open
session. So the continuation is findable from both sides:

- from the new side: its journal's headers name the old folder (`moved_from_of`), and the
  engine writes the missing MOVED marker there whenever it can (`mark_old_copies`);
- from the old side: a folder beside it, or in the data folder, holding the same session
  (same id and nonce) whose headers say it moved on from this one (`continuation_of`), so
  that resuming the old copy is refused (`moved_elsewhere`).

A running session that moves follows its journal with `OldCopies`: the protocol copy goes
along and the old folder is marked MOVED as soon as it can be.

Lock-free, like the catalog: headers are read, not verified (finding a continuation only
ever refuses a resume, never allows one). Nothing is written but MOVED markers. No symlink
is followed.
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kap_console import paths
from kap_console.file_reading import read_regular_file
from kap_console.paths import sessions_dir
from kap_console.session.journal.files import real_path
from kap_console.session.journal.read import list_segments
from kap_console.session.pinning import carry_protocol_copy
from kap_console.session.storage import write_private_atomic

MOVED_MARKER = "MOVED"
_HEADER_BYTES = 8192  # a header line is a few hundred bytes
_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NOFOLLOW", 0)
    | getattr(os, "O_NONBLOCK", 0)
    | getattr(os, "O_CLOEXEC", 0)
)


def moved_to(session_dir: Path) -> str | None:
    """Where the session in `session_dir` continued, by its MOVED marker; else None."""
    try:
        data = read_regular_file(session_dir / MOVED_MARKER, limit=4096, follow_links=False)
        return data.decode("utf-8").strip() or "?"
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError):
        return "?"


def moved_elsewhere(session_dir: Path) -> str | None:
    """Where the session in `session_dir` continued (the folder, or "?"), None if it did not.

    The old disk may have been read-only when the session moved on, so the MOVED marker may
    be missing: a continuation beside it or in the data folder says so too."""
    elsewhere = moved_to(session_dir)
    if elsewhere is None:
        found = continuation_of(Path(session_dir), also=[sessions_dir(paths.data_dir())])
        elsewhere = str(found) if found is not None else None
    return elsewhere


@dataclass(frozen=True)
class JournalKey:
    """Which session a folder's journal holds, and the folders it says it moved on from."""

    session: str
    nonce: str
    moved_from: tuple[str, ...]


def _header(path: Path) -> dict[str, Any] | None:
    """The first line of a segment as JSON (unverified); None when it cannot be read."""
    try:
        fd = os.open(path, _FLAGS)
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        head = os.read(fd, _HEADER_BYTES)
    except OSError:
        return None
    finally:
        os.close(fd)
    try:
        found = json.loads(head.split(b"\n", 1)[0])
    except ValueError:
        return None
    return found if isinstance(found, dict) and found.get("kind") == "header" else None


def journal_key(folder: Path, *, moved_only: bool = False) -> JournalKey | None:
    """The session a folder holds (from its segment headers), None if it holds none.

    With `moved_only`, None too for a journal of one segment (it cannot have moved from
    anywhere): a listing then reads headers only where a move is possible."""
    if folder.is_symlink():
        return None
    try:
        segments = list_segments(folder)
    except OSError:
        return None
    if not segments or (moved_only and len(segments) < 2):
        return None
    first = _header(folder / segments[0][1])
    if first is None:
        return None
    session, nonce = first.get("session"), first.get("nonce")
    if not (isinstance(session, str) and isinstance(nonce, str)):
        return None
    moved = []
    for _number, name in segments[1:]:
        header = _header(folder / name)
        if header is not None and isinstance(header.get("moved_from"), str):
            moved.append(header["moved_from"])
    return JournalKey(session, nonce, tuple(moved))


def moved_from_of(folder: Path) -> tuple[str, ...]:
    """Every folder the session in `folder` moved on from, oldest first."""
    key = journal_key(folder)
    return key.moved_from if key is not None else ()


def _folders(parents: Iterable[Path]) -> list[Path]:
    found: list[Path] = []
    seen: set[str] = set()
    for parent in parents:
        try:
            children = list(Path(parent).iterdir())
        except OSError:
            continue
        for child in children:
            if child.is_symlink() or not child.is_dir():
                continue
            real = real_path(child)
            if real not in seen:
                seen.add(real)
                found.append(child)
    return found


def continuation_of(session_dir: Path, also: Iterable[Path] = ()) -> Path | None:
    """The folder the session in `session_dir` continued in, if one is found beside it (or in
    the folders `also`, e.g. the data folder's sessions): same session id and nonce, and a
    header saying it moved on from this folder. None when there is none to be found."""
    mine = journal_key(session_dir)
    if mine is None:
        return None
    real = real_path(session_dir)
    for folder in _folders([session_dir.parent, *also]):
        if real_path(folder) == real:
            continue
        key = journal_key(folder, moved_only=True)
        if key is not None and (key.session, key.nonce) == (mine.session, mine.nonce):
            if real in key.moved_from:
                return folder
    return None


def continuations(
    folders: Iterable[Path], movable: Iterable[Path] | None = None
) -> dict[str, Path]:
    """For a listing: real path of each old copy → the folder it continued in (one pass).

    `movable`: the folders among `folders` whose journal may have moved (more than one
    segment), when the caller knows; only their headers are read."""
    folders = list(folders)
    keys = {
        folder: journal_key(folder, moved_only=True)
        for folder in (folders if movable is None else movable)
    }
    found: dict[str, Path] = {}
    for folder, key in keys.items():
        if key is None:
            continue
        for old in key.moved_from:
            found.setdefault(old, folder)
    if not found:
        return found
    listed = {real_path(folder): folder for folder in folders}
    for old, new in list(found.items()):
        if old not in listed:
            continue  # an old copy outside the listing: it is not listed, nothing to mark
        old_key, new_key = journal_key(listed[old]), keys[new]
        if (
            old_key is None
            or new_key is None
            or (old_key.session, old_key.nonce)
            != (
                new_key.session,
                new_key.nonce,
            )
        ):
            del found[old]
    return found


def mark_moved(old_dir: Path, new_dir: Path) -> bool:
    """Write the MOVED marker in `old_dir` naming `new_dir`; False if it cannot be written
    (the old disk is still read-only, or gone). Never through a symlinked folder."""
    if Path(old_dir).is_symlink() or not Path(old_dir).is_dir():
        return False
    try:
        write_private_atomic(Path(old_dir) / MOVED_MARKER, f"{new_dir}\n".encode())
    except OSError:
        return False
    return True


def mark_old_copies(session_dir: Path) -> None:
    """Mark every folder the session in `session_dir` moved on from, where the marker is
    missing and the folder still holds this session (best effort)."""
    key = journal_key(session_dir)
    if key is None:
        return
    for old in key.moved_from:
        folder = Path(old)
        if (folder / MOVED_MARKER).exists() or (folder / MOVED_MARKER).is_symlink():
            continue
        old_key = journal_key(folder)
        if old_key is not None and (old_key.session, old_key.nonce) == (key.session, key.nonce):
            mark_moved(folder, session_dir)


class OldCopies:
    """The folders a running session moved on from, until each is marked MOVED.

    The old folder is the one that just failed to write: until its marker is written, every
    later save tries again (`mark`), so a disk remounted writable gets it. A marked copy is
    never offered for resuming (which would fork the session)."""

    def __init__(self) -> None:
        self._unmarked: list[Path] = []

    def follow(self, old_dir: Path, new_dir: Path) -> None:
        """The journal moved from `old_dir` to `new_dir`: take the protocol copy along (best
        effort: resume and verify fall back to the pinned path) and mark the old folder."""
        carry_protocol_copy(old_dir, new_dir)
        self._unmarked.append(old_dir)
        self.mark(new_dir)

    def mark(self, session_dir: Path) -> None:
        """Write the MOVED marker, naming `session_dir`, in each old folder still unmarked."""
        if self._unmarked:
            self._unmarked = [old for old in self._unmarked if not mark_moved(old, session_dir)]
