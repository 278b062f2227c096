"""What a listing row needs from a journal, read without parsing every event.

A row needs the first entry (session_started), the adverse events not voided, the close and
whether the record was written. `row_fields` checks every line's own hash and its link to the
line before, as the full reader does, but decodes only the lines it needs (found by their
`"type":"…"` bytes) and builds no event models. It answers only for the plain case: one
segment, written by this version of the program, every line whole, hashed right, in sequence
and chained. For anything else (a torn or damaged line, a journal in several segments, one
written by another version, a field not as this version writes it) it answers None and the
catalog reads the journal fully (`read_journal` and the event models), which says exactly
what is wrong. So it never describes a journal differently from the full reader: a line
whose hash holds is the line the writer wrote (canonical JSON, `prev` just before `h`), and
the writer writes only events the models accepted.

Read-only, without the lock; a symlinked segment is not followed.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from hashlib import sha256
from pathlib import Path
from typing import Any

from kap_console.file_reading import read_regular_file
from kap_console.session.journal.format import FORMAT_VERSION, SEGMENT_PATTERN, ZERO_HASH
from kap_console.session.journal.read import MAX_SEGMENT_BYTES

# A line is `{"v":1,"seq":N,"kind":…,…,"prev":"<64 hex>","h":"<64 hex>"}` (journal.format);
# `h` hashes the bytes before `,"h":"` with `}` appended.
_HASH_KEY = b',"h":"'
_TAIL = len(_HASH_KEY) + 64 + len(b'"}')  # `,"h":"<64 hex>"}` (the newline is split off)
_PREV_KEY = b',"prev":"'
_HEADER_START = b'{"v":%d,"seq":0,"kind":"header",' % FORMAT_VERSION
_ENTRY_START = b'{"v":%d,"seq":%%d,"kind":"entry","data":{' % FORMAT_VERSION
_NONCE = re.compile(r"[0-9a-f]{64}")
# What a listing says of a session closed without its record (the full reading says it too).
NOT_WRITTEN = "closed, but the record was not written: resume to write it"


def _hash_of(line: bytes) -> bytes | None:
    """The stated hash of `line` (no newline) if it is right, else None."""
    if len(line) <= _TAIL or line[-_TAIL : -_TAIL + len(_HASH_KEY)] != _HASH_KEY:
        return None
    if not line.endswith(b'"}'):
        return None
    stated = line[-_TAIL + len(_HASH_KEY) : -2]
    if sha256(line[:-_TAIL] + b"}").hexdigest().encode("ascii") != stated:
        return None
    return stated


def _when(value: Any) -> datetime | None:
    """An aware datetime from its journal text; ValueError for anything else."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError("not a time")
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        raise ValueError("not an aware time")
    return parsed


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError("not text")
    return value


def row_fields(session_dir: Path, names: list[str], app: str) -> dict[str, Any] | None:
    """The row's fields from the journal in `session_dir` (whose files are `names`), or None
    when the journal is not the plain case and must be read fully. `app` is this program's
    name and version as the segment header states it ("kap-console 0.1.0")."""
    numbers = [(int(m.group(1)), m.group(0)) for m in map(SEGMENT_PATTERN.match, names) if m]
    if len(numbers) != 1 or numbers[0][0] != 1:
        return None
    try:
        data = read_regular_file(
            session_dir / numbers[0][1], limit=MAX_SEGMENT_BYTES, follow_links=False
        )
    except OSError:
        return None
    lines = data.split(b"\n")
    if lines.pop() != b"" or len(lines) < 2:
        return None  # a last line without its newline (torn), or no entry at all
    try:
        return _fields(lines, app)
    except (ValueError, KeyError, TypeError, AttributeError):
        return None


def _fields(lines: list[bytes], app: str) -> dict[str, Any] | None:
    header_line = lines[0]
    prev = _hash_of(header_line)
    if prev is None or not header_line.startswith(_HEADER_START):
        return None
    header = json.loads(header_line)
    if not (
        header.get("v") == FORMAT_VERSION
        and header.get("segment") == 1
        and isinstance(header.get("session"), str)
        and isinstance(header.get("nonce"), str)
        and _NONCE.fullmatch(header["nonce"])
        and header.get("prev") == ZERO_HASH
        and header.get("prev_segment") is None
        and header.get("app") == app
    ):
        return None
    count = len(lines)
    starts = _entry_starts(count)
    started: dict[str, Any] | None = None
    closed: dict[str, Any] | None = None
    written = False
    adverse: list[int] = []
    voided: set[int] = set()
    linked = _PREV_KEY + prev + b'"'
    for seq in range(1, count):
        line = lines[seq]
        # The line's own hash, then its place: its seq, and `prev` the hash of the line before.
        body = len(line) - _TAIL
        digest = sha256(line[:body] + b"}").hexdigest().encode("ascii")
        if (
            line[body:] != _HASH_KEY + digest + b'"}'
            or line[body - _PREV_LENGTH : body] != linked
            or not line.startswith(starts[seq])
        ):
            return None
        linked = _PREV_KEY + digest + b'"'
        # The first `"type":"` of a line is its payload's type: the keys before it hold
        # plain strings, and inside a JSON string a quote is always escaped.
        found = _TYPE.search(line, len(starts[seq]))
        if found is None:
            return None
        kind = found.group(1)
        if seq == 1:
            if kind != b"session_started":
                return None
            started = json.loads(line)["data"]
        elif kind not in _WANTED:
            continue
        elif kind == b"adverse_event_logged":
            adverse.append(seq)
        elif kind == b"record_written":
            written = True
        elif kind == b"voided":
            target = json.loads(line)["data"]["target_seq"]
            if type(target) is not int:
                return None
            voided.add(target)
        elif kind == b"session_closed" and closed is None:
            closed = json.loads(line)["data"]
    if started is None:
        return None
    return _row(started, closed, written, sum(1 for seq in adverse if seq not in voided))


_PREV_LENGTH = len(_PREV_KEY) + 64 + 1
_TYPE = re.compile(rb'"type":"([^"\\]*)"')
_WANTED = frozenset((b"adverse_event_logged", b"record_written", b"voided", b"session_closed"))
_STARTS: list[bytes] = []


def _entry_starts(count: int) -> list[bytes]:
    """How lines 0..count-1 begin (`{"v":1,"seq":N,"kind":"entry","data":{`), kept between
    folders: every journal numbers its lines alike."""
    while len(_STARTS) < count:
        _STARTS.append(_ENTRY_START % len(_STARTS))
    return _STARTS


def _row(
    started: dict[str, Any], closed: dict[str, Any] | None, written: bool, adverse: int
) -> dict[str, Any]:
    started_at = _when(started["observed_at"])
    protocol = started["protocol"]
    practice = started["practice"]
    training = started["training"]
    if type(training) is not bool or not (practice is None or isinstance(practice, dict)):
        raise ValueError("not as this version writes it")
    duration, outcome, problem = None, None, None
    if closed is not None:
        outcome = _text(closed["outcome"])
        closed_at = _when(closed["observed_at"])
        if closed_at and started_at:
            duration = closed_at - started_at
        if not written:
            problem = NOT_WRITTEN
    return {
        "started_at": started_at,
        "client_code": _text(started["client_code"]),
        "protocol_id": _text(protocol["id"]),
        "protocol_version": _text(protocol["version"]),
        "duration": duration,
        "adverse_event_count": adverse,
        "state": "closed" if closed is not None and written else "open",
        "problem": problem,
        "training": training,
        "outcome": outcome,
        "practice": practice is not None,
        "scenario_id": _text(practice["scenario_id"]) if practice is not None else None,
    }
