"""Where a session's journal chain ends, every line checked, none kept: what close needs.

At close the journal is read back from disk and must end, entry for entry, at the hash of
the last line the session saved. That needs every line checked as `read.scan_journal` checks
it (its own hash, its seq, its link to the line before), but not the lines themselves: the
record is built from the events folded as they were saved. A journal of one segment whose
lines all hold (every session that never hit a write error) is read a block at a time, so a
session of 100,000 entries never has its whole journal in memory at close; anything else (a
later segment, a bad or partial line) goes through `scan_journal`, which gives the same
answer or raises the same JournalDamaged.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from kap_console.file_reading import FileTooLarge, NotAFile, regular_file_blocks
from kap_console.session.journal.format import InvalidLine, parse_line
from kap_console.session.journal.read import (
    MAX_SEGMENT_BYTES,
    check_entry,
    check_first_header,
    list_segments,
    scan_journal,
)
from kap_console.session.storage import LinkedSessionFolder


@dataclass(frozen=True)
class ChainEnd:
    """How many entries the journal holds, the hash of the last (None without one), the
    segments holding them in order, and whether a torn tail follows them."""

    count: int
    head: str | None
    segments: tuple[str, ...]
    torn: bool


def chain_end(session_dir: Path) -> ChainEnd:
    """Check every line of the journal and say where its chain ends (see the module).

    Raises JournalDamaged as `scan_journal` does; a folder without a journal raises
    FileNotFoundError."""
    session_dir = Path(session_dir)
    if os.path.islink(session_dir):
        raise LinkedSessionFolder(session_dir)
    listed = list_segments(session_dir)
    if len(listed) == 1 and listed[0][0] == 1:
        found = _one_segment(session_dir / listed[0][1])
        if found is not None:
            return found
    state = scan_journal(session_dir, payloads=False)
    entries = state.entries
    return ChainEnd(
        count=len(entries),
        head=entries[-1].h if entries else None,
        segments=tuple(dict.fromkeys(entry.segment for entry in entries)),
        torn=state.torn is not None,
    )


def _one_segment(path: Path) -> ChainEnd | None:
    """The end of a one-segment journal whose every line holds, read a block at a time; None
    for anything else (left to `scan_journal` to name)."""
    count, tip, line_no = 0, "", 0
    rest = b""
    try:
        for block in regular_file_blocks(path, limit=MAX_SEGMENT_BYTES, follow_links=False):
            data = rest + block if rest else block
            start = 0
            while (newline := data.find(b"\n", start)) >= 0:
                obj = parse_line(data[start : newline + 1])
                line_no += 1
                if line_no == 1:
                    check_first_header(obj)
                else:
                    count += 1
                    check_entry(obj, count, tip)
                tip = obj["h"]
                start = newline + 1
            rest = data[start:]
    except (InvalidLine, NotAFile, FileTooLarge):
        return None
    if rest or line_no == 0:  # a partial last line, or no header: torn or damaged
        return None
    return ChainEnd(count, tip if count else None, (path.name,) if count else (), False)
