"""What the engine raises when a session cannot do what was asked, in words a facilitator can
act on: a save that failed (and what to do next), an entry the rules refused (naming the field),
a closed session, or an old copy of a session that continued elsewhere."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kap_console.session.events import Committed


class SaveError(Exception):
    """Writing to the journal failed. Nothing is lost: the unsaved entries are kept in memory
    and written again by `Session.continue_in`. No session text appears in the message."""

    def __init__(self, errno: int | None, unsaved_count: int, committed: Committed | None = None):
        self.errno = errno
        self.unsaved_count = unsaved_count
        # Set when the entry itself was saved but an alert it raised was not.
        self.committed = committed
        reason = _errno_words(errno)
        if unsaved_count:
            entries = "1 entry is" if unsaved_count == 1 else f"{unsaved_count} entries are"
            kept = f"{entries} kept in memory until they can be written"
        else:
            kept = "every entry so far is saved in the journal"
        self.message = (
            f"Could not save to the session folder ({reason}). Nothing is lost: {kept}. "
            "Choose another folder (for example a USB drive) to continue saving there, or try "
            "this folder again; if that fails too, note the entries on paper."
        )
        super().__init__(self.message)


class RejectedEntry(Exception):
    """An entry failed the session's rules before anything was written."""

    def __init__(self, field: str | None, message: str) -> None:
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}" if field else message)


class SessionAlreadyClosed(Exception):
    """The session's record has been written; a closed session is not reopened."""


class SessionMoved(Exception):
    """This folder holds an old copy of a session that continued in another folder (after a
    save error); resuming the copy would fork the session, so it is refused."""

    def __init__(self, session_dir: Path, moved_to: str) -> None:
        super().__init__(
            f"{session_dir}: this session continued in {moved_to} after a save error; "
            "resume it there (kap-console run --data-dir pointing at that folder's data folder)"
        )
        self.moved_to = moved_to


def segment_reason(errno: int | None) -> str:
    """Why the journal went on in a new segment, as the record states it: the failed write's
    error code, or (no code) a move to another folder."""
    import errno as codes

    if errno is None:
        return "moved to another folder"
    return f"write error {codes.errorcode.get(errno, str(errno))}"


def _errno_words(errno: int | None) -> str:
    import errno as codes
    import os

    if errno == codes.ENOSPC:
        return "the disk is full"
    if errno == codes.EROFS:
        return "the disk became read-only"
    if errno == codes.EIO:
        return "the disk reported an input/output error"
    if errno is None:
        return "the write did not complete"
    return os.strerror(errno).lower()


def rejected_by_model(error: Any) -> RejectedEntry:
    """An entry that failed its model's validation (pydantic): its first problem, naming the
    field when there is one."""
    first = error.errors(include_url=False)[0]
    field = ".".join(str(part) for part in first["loc"]) or None
    return RejectedEntry(field, first["msg"])
