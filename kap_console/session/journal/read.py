"""Reading a session's journal: every segment, the chain across them, torn tail or damage.

Recovery (`Journal.open`, and read-only in `read_journal` and `verify_chain`): every line must
parse, have its own hash right, the expected seq and the `prev` of the line before.

- Torn tail: when the invalid bytes at the end of the last segment are what an interrupted write
  leaves (a partial line, NUL padding, unreadable garbage), they are copied to
  `journal-000N.torn-<offset>` (fsynced), the segment is truncated to the last good line and
  fsynced, and `OpenReport.torn_tail` says so (offset, length, SHA-256 of the removed bytes).
  Only an append that had not returned can be torn, so nothing acknowledged is removed.
- Damage: anything else raises `JournalDamaged` naming the segment, line and seq, and nothing is
  changed. That includes an invalid line followed by a valid-looking one, and an invalid last
  region that is a whole line except for at most one byte (a complete line that was edited, a
  flipped byte, its newline changed) or that is itself a correctly hashed line out of place.
  A complete, newline-terminated line has been fsynced; it is never silently dropped. The one
  exception is a line holding a NUL byte: the journal never writes one (JSON escapes it) and
  zero-filled blocks are what a power cut leaves, so such a line is treated as torn (its bytes
  are still kept in the .torn copy).
- A missing newline is a torn write: the newline is the last byte written, and a line is only
  acknowledged after fsync, so a line without it was never acknowledged.

This module only reads and classifies; the writer (journal.py, with journal_files.py) sets a
torn tail aside, holding the lock while it does so.

What the chain cannot show: a truncated tail (whole lines removed from the end) or a last line
rewritten with its own hash recomputed; an edited earlier line whose own hash was recomputed shows
as a broken link at the next line. Anchor the head outside the machine (the fingerprint at close).
"""

from __future__ import annotations

import errno as errno_codes
import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kap_console.file_reading import FileTooLarge, NotAFile, read_regular_file
from kap_console.session.journal.errors import JournalDamaged
from kap_console.session.journal.format import (
    SEGMENT_PATTERN,
    ZERO_HASH,
    InvalidLine,
    edits_from_a_line,
    hash_matches,
    parse_line,
    segment_name,
)
from kap_console.session.storage import LinkedSessionFolder

# A segment past this is not one the console wrote (100,000 entries are about 40 MB).
MAX_SEGMENT_BYTES = 1 << 30

# --------------------------------------------------------------------------- results


@dataclass(frozen=True, slots=True)
class JournalLine:
    seq: int
    payload: dict[str, Any]
    h: str
    line: int
    segment: str


@dataclass(frozen=True)
class TornTail:
    segment: str
    offset: int
    length: int
    sha256: str
    copy_path: Path | None


@dataclass(frozen=True)
class OpenReport:
    entries: list[JournalLine]
    torn_tail: TornTail | None
    segments: tuple[str, ...] = ()  # the segment files read, in order


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    entries: int
    head: str
    problem: str | None = None
    segment: str | None = None
    line: int | None = None
    seq: int | None = None
    segments: int = 0
    torn_tail: TornTail | None = None


# --------------------------------------------------------------------------- torn tail or damage


def _is_damage(tail: bytes) -> bool:
    """Is an invalid end region damage (True) or what an interrupted append leaves (False)?

    Damage: some line in it is correctly hashed, or the region or one of its lines is a whole
    line but for at most one byte. A NUL byte marks a torn write (the journal never writes one;
    zero-filled blocks are what a power cut leaves), so a fragment holding one is torn.
    """
    if b"\0" not in tail and edits_from_a_line(tail) <= 1:
        return True
    start = 0
    while start < len(tail):
        newline = tail.find(b"\n", start)
        stop = len(tail) if newline < 0 else newline + 1
        fragment = tail[start:stop]
        if hash_matches(fragment):
            return True
        if b"\0" not in fragment and edits_from_a_line(fragment) <= 1:
            return True
        start = stop
    return False


# --------------------------------------------------------------------------- reading


@dataclass
class ScannedSegment:
    """One segment as read: its bytes, its header, and how far its lines hold up.

    `valid_end` is where its valid lines end; `durable_end` is where the effective sequence
    leaves it (before lines a later segment supersedes). `bad_*` describe its first invalid line.
    """

    name: str
    number: int
    data: bytes
    header: dict[str, Any]
    header_end: int
    valid_end: int = 0
    durable_end: int = 0
    bad_offset: int | None = None
    bad_line: int = 0
    bad_seq: int = 0
    bad_problem: str = ""


@dataclass
class JournalScan:
    """A whole journal as read and verified: the writer resumes from this."""

    session_id: str
    nonce: str
    app: str
    segments: list[ScannedSegment]
    entries: list[JournalLine]
    tips: list[str]  # tips[seq]: the chain head once the effective sequence reached seq
    torn: TornTail | None

    @property
    def head(self) -> str:
        return self.tips[-1]


def check_header_kind(header: dict[str, Any], number: int) -> None:
    """A parsed first line of segment `number` is a header of that segment (InvalidLine if not)."""
    if header.get("kind") != "header":
        raise InvalidLine("the first line is not a segment header")
    if header.get("segment") != number:
        raise InvalidLine("the header names another segment number")


def check_first_header(header: dict[str, Any]) -> None:
    """A parsed first line of segment 1 starts a session's chain (InvalidLine if not)."""
    check_header_kind(header, 1)
    nonce = header.get("nonce")
    if not (isinstance(nonce, str) and re.fullmatch(r"[0-9a-f]{64}", nonce)):
        raise InvalidLine("the header has no valid nonce")
    if not isinstance(header.get("session"), str):
        raise InvalidLine("the header names no session")
    if header["seq"] != 0 or header["prev"] != ZERO_HASH:
        raise InvalidLine("the first header must have seq 0 and an all-zero prev")
    if header.get("prev_segment") is not None:
        raise InvalidLine("the first header names a previous segment")


def check_entry(obj: dict[str, Any], seq: int, prev: str) -> None:
    """A parsed line inside a segment is the entry at `seq` chained to `prev` (InvalidLine if
    not)."""
    if obj.get("kind") != "entry":
        raise InvalidLine("a line that is not an entry inside a segment")
    if obj["seq"] != seq:
        raise InvalidLine(f"seq {obj['seq']} where {seq} was expected")
    if obj["prev"] != prev:
        raise InvalidLine("its prev is not the hash of the line before")
    if not isinstance(obj.get("data"), dict):
        raise InvalidLine("its data is not an object")


def list_segments(session_dir: Path) -> list[tuple[int, str]]:
    """The (number, file name) of every segment file in `session_dir`, in order."""
    found = []
    for name in os.listdir(session_dir):
        match = SEGMENT_PATTERN.match(name)
        if match:
            found.append((int(match.group(1)), name))
    return sorted(found)


# The payload of an entry read with `payloads=False`: checked like any other, not kept.
NOT_KEPT: dict[str, Any] = {}


def scan_journal(session_dir: Path, *, payloads: bool = True) -> JournalScan:
    """Read and verify every segment. Raises JournalDamaged; reports (not repairs) a torn tail.

    With `payloads=False` every line is checked all the same, but the entries carry NOT_KEPT
    (empty) instead of their payloads: for a caller that needs the chain, not the contents."""
    session_dir = Path(session_dir)
    if os.path.islink(session_dir):
        raise LinkedSessionFolder(session_dir)
    listed = list_segments(session_dir)
    if not listed:
        raise FileNotFoundError(errno_codes.ENOENT, "no session journal here", str(session_dir))
    for expected, (number, _name) in enumerate(listed, start=1):
        if number != expected:
            raise JournalDamaged(
                segment_name(expected),
                0,
                0,
                "this segment file is missing although later ones exist",
            )
    segments: list[ScannedSegment] = []
    entries: list[JournalLine] = []
    ends: list[int] = []  # ends[i]: end offset of entries[i] in its segment
    tips: list[str] = []
    first: dict[str, Any] = {}

    def damaged(segment: str, line: int, problem: str) -> JournalDamaged:
        return JournalDamaged(
            segment,
            line,
            len(tips) if tips else 0,
            problem,
            entries_before=len(entries),
            head_before=tips[-1] if tips else "",
        )

    for number, name in listed:
        try:
            # Never through a link: a planted `journal-0001.jsonl` symlink is not this session's.
            data = read_regular_file(
                session_dir / name, limit=MAX_SEGMENT_BYTES, follow_links=False
            )
        except (NotAFile, FileTooLarge) as error:
            raise damaged(name, 0, f"{error.strerror}; it was not read") from None
        newline = data.find(b"\n")
        header_end = newline + 1 if newline >= 0 else len(data)
        try:
            header = parse_line(data[:header_end])
            if number == 1:
                check_first_header(header)
            else:
                check_header_kind(header, number)
                if (header.get("session"), header.get("nonce")) != (
                    first["session"],
                    first["nonce"],
                ):
                    raise InvalidLine("the header belongs to another session (session or nonce)")
                if header.get("prev_segment") != segments[-1].name:
                    raise InvalidLine(f"the header does not continue {segments[-1].name}")
        except InvalidLine as invalid:
            raise damaged(name, 1, f"segment header: {invalid}") from None

        if number == 1:
            first = header
            tips = [header["h"]]
        else:
            previous = segments[-1]
            resume_seq = header["seq"]
            if resume_seq < previous.header["seq"]:
                raise damaged(name, 1, "the header continues from before the previous segment")
            if resume_seq >= len(tips):
                if previous.bad_offset is not None:
                    raise JournalDamaged(
                        previous.name,
                        previous.bad_line,
                        previous.bad_seq,
                        previous.bad_problem,
                        entries_before=len(entries),
                        head_before=tips[-1],
                    )
                raise damaged(name, 1, f"the header continues from seq {resume_seq}, not held")
            if tips[resume_seq] != header["prev"]:
                raise damaged(name, 1, f"the header's prev is not the chain head at {resume_seq}")
            # Lines of the previous segment after resume_seq are superseded (re-appended here).
            del entries[resume_seq:], ends[resume_seq:], tips[resume_seq + 1 :]
            in_previous = bool(entries) and entries[-1].segment == previous.name
            previous.durable_end = ends[-1] if in_previous else previous.header_end
            tips[-1] = header["h"]

        segment = ScannedSegment(name, number, data, header, header_end)
        position, line_no = header_end, 1
        while position < len(data):
            newline = data.find(b"\n", position)
            stop = newline + 1 if newline >= 0 else len(data)
            line_no += 1
            try:
                obj = parse_line(data[position:stop])
                check_entry(obj, len(tips), tips[-1])
            except InvalidLine as invalid:
                segment.bad_offset, segment.bad_line = position, line_no
                segment.bad_seq, segment.bad_problem = len(tips), str(invalid)
                break
            payload = obj["data"] if payloads else NOT_KEPT
            entries.append(JournalLine(obj["seq"], payload, obj["h"], line_no, name))
            ends.append(stop)
            tips.append(obj["h"])
            position = stop
        segment.valid_end = position
        segment.durable_end = position
        segments.append(segment)

    last = segments[-1]
    torn = None
    if last.bad_offset is not None:
        tail = last.data[last.bad_offset :]
        if _is_damage(tail):
            raise JournalDamaged(
                last.name,
                last.bad_line,
                last.bad_seq,
                last.bad_problem,
                entries_before=len(entries),
                head_before=tips[-1],
            )
        torn = TornTail(
            last.name, last.bad_offset, len(tail), hashlib.sha256(tail).hexdigest(), None
        )
    return JournalScan(
        session_id=first["session"],
        nonce=first["nonce"],
        app=str(first.get("app", "")),
        segments=segments,
        entries=entries,
        tips=tips,
        torn=torn,
    )


def read_journal(session_dir: Path) -> OpenReport:
    """Read and verify a session's journal without repairing or locking it.

    For `record verify` and listings. A torn tail is reported (`copy_path` None) and left in
    place; damage raises JournalDamaged; a folder without a journal raises FileNotFoundError.
    """
    state = scan_journal(session_dir)
    return OpenReport(state.entries, state.torn, tuple(s.name for s in state.segments))


def verify_chain(session_dir: Path) -> VerifyResult:
    """Verify every line, hash and link. `ok` is True when the chain holds up to its head.

    A torn tail (an interrupted last append) does not make `ok` False; it is in `torn_tail`.
    """
    try:
        state = scan_journal(session_dir)
    except JournalDamaged as damage:
        return VerifyResult(
            ok=False,
            entries=damage.entries_before,
            head=damage.head_before,
            problem=damage.problem,
            segment=damage.segment,
            line=damage.line,
            seq=damage.seq,
        )
    except FileNotFoundError:
        return VerifyResult(ok=False, entries=0, head="", problem="no session journal here")
    return VerifyResult(
        ok=True,
        entries=len(state.entries),
        head=state.head,
        segments=len(state.segments),
        torn_tail=state.torn,
    )
