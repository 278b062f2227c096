"""What a journal failure says: the errors the writer and the reader raise.

They live apart from both so that the reader (journal_read.py) and the writer (journal.py) can
share the `JournalError` base without importing each other. Messages never contain payload
text, and each one says what to do next.
"""

from __future__ import annotations

import errno as errno_codes
import os
from pathlib import Path
from typing import Any


class JournalError(Exception):
    """Base of every journal error."""


class JournalWriteError(JournalError):
    """A write, fsync or open failed: the payloads in `pending` are not known to be on disk.

    `errno` is the OS error code (ENOSPC, EIO, EROFS, …; a short write counts as ENOSPC).
    The message says what failed and what to do; it never contains payload text.
    """

    def __init__(
        self, code: int | None, unsaved: list[dict[str, Any]], *, action: str, path: Path | None
    ) -> None:
        self.errno = code or errno_codes.EIO
        self.unsaved = list(unsaved)
        self.action = action
        self.path = path
        name = errno_codes.errorcode.get(self.errno, str(self.errno))
        where = f" ({path})" if path else ""
        count = len(self.unsaved)
        waiting = (
            f"{count} entr{'y' if count == 1 else 'ies'} not saved yet, kept in memory only"
            if count
            else "nothing is waiting to be saved"
        )
        super().__init__(
            f"The session journal could not be saved: {action} failed{where}: "
            f"{name}, {os.strerror(self.errno)}. {waiting}. Keep the console open; free space "
            "or fix the drive, then continue the journal in a new segment, here or in another "
            "folder."
        )


class JournalDamaged(JournalError):
    """The journal is damaged before its end. Never repaired automatically.

    `segment` is the file name, `line` the 1-based line in it (0: the whole file), `seq` the
    seq expected at that place. `entries_before` and `head_before` describe the valid prefix.
    """

    def __init__(
        self,
        segment: str,
        line: int,
        seq: int,
        problem: str,
        *,
        entries_before: int = 0,
        head_before: str = "",
    ) -> None:
        self.segment = segment
        self.line = line
        self.seq = seq
        self.problem = problem
        self.entries_before = entries_before
        self.head_before = head_before
        place = f"{segment} line {line}" if line else segment
        super().__init__(
            f"The session journal is damaged at {place} (seq {seq}): {problem}. It was left "
            "unchanged; keep the session folder as it is and do not edit it. The entries "
            "before that line are intact."
        )
