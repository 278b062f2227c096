"""Check a session record against its journal (what `kap-console record verify` runs).

The journal is the original; the record is intact when the chain verifies, the record's journal
head and entry count match the journal, the record equals one rebuilt from the journal, and the
journal's record_written entry holds the file's SHA-256. Problems name a file, line and key (or
journal seq) and never quote session text.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kap_console.session import events as ev
from kap_console.session.pinning import ProtocolUnavailable, pinned_protocol
from kap_console.session.record import model as rec
from kap_console.session.record import reading as record_reading
from kap_console.session.record.build import JournalLineFields, build_record


@dataclass(frozen=True)
class RecordCheck:
    """What `verify_record` found: `problems` is empty when the record is intact."""

    problems: list[str]
    record: rec.SessionRecord | None = None
    sha256: str | None = None  # of the record file's bytes, as read and parsed

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_record(session_dir: Path, record_path: Path | None = None) -> RecordCheck:
    """Check a record against its journal: the chain verifies; the record's journal head and
    event count match the journal; the record equals one rebuilt from the journal; and the
    journal's record_written entry holds the file's SHA-256. Problems name a line or seq;
    none quotes session text."""
    from kap_console.session.journal.errors import JournalDamaged
    from kap_console.session.journal.read import read_journal

    record_path = record_path or session_dir / rec.RECORD_NAME
    try:
        report = read_journal(session_dir)
    except JournalDamaged as damage:
        return RecordCheck(
            [f"{session_dir / damage.segment}:{damage.line}: seq {damage.seq}: {damage.problem}"]
        )
    except FileNotFoundError:
        return RecordCheck([f"{session_dir}: no session journal here"])
    try:
        # Read once: the bytes parsed are the bytes hashed below.
        data = record_reading.read_record_bytes(record_path)
        text = record_reading.record_text(record_path, data)
        record = record_reading.record_from_text(record_path, text)
    except record_reading.RecordError as error:
        return RecordCheck(list(error.problems))
    sha256 = hashlib.sha256(data).hexdigest()
    entries = report.entries
    count = record.integrity.event_count
    problems: list[str] = []

    def at(loc: tuple[str | int, ...], message: str) -> str:
        from kap_console.protocol.locate import scan
        from kap_console.protocol.problems import format_key

        line, col = scan(text).position(loc)
        return f"{record_path}:{line}:{col}: {format_key(loc)}: {message}"

    if count > len(entries) or count < 1:
        problems.append(
            at(
                ("integrity", "event_count"),
                f"the journal holds {len(entries)} entries, not {count}",
            )
        )
        return RecordCheck(problems, record, sha256)
    if entries[count - 1].h != record.integrity.journal_head:
        problems.append(
            at(
                ("integrity", "journal_head"),
                f"does not match the journal's hash at seq {entries[count - 1].seq}",
            )
        )
    from kap_console.protocol.problems import ProtocolError

    try:
        protocol = pinned_protocol(session_dir, _started(entries).protocol).protocol
        rebuilt = build_record(protocol, entries[:count])
    except (ProtocolUnavailable, ProtocolError, ValueError) as error:
        problems.append(f"{record_path}: cannot rebuild the record from the journal: {error}")
    else:
        difference = _first_difference(
            rec.record_to_toml_dict(record), rec.record_to_toml_dict(rebuilt), ()
        )
        if difference is not None:
            seq = _seq_at(rec.record_to_toml_dict(rebuilt), difference)
            source = f" (journal seq {seq})" if seq is not None else ""
            problems.append(at(difference, f"differs from the journal{source}"))
    written = [
        (entry.seq, entry.payload)
        for entry in entries[count:]
        if entry.payload.get("type") == "record_written"
        and entry.payload.get("journal_head") == record.integrity.journal_head
    ]
    if not written:
        problems.append(f"{record_path}: the journal has no record_written entry for this record")
    else:
        if written[-1][1].get("record_sha256") != sha256:
            problems.append(
                f"{record_path}: the file's SHA-256 ({sha256[:12]}…) is not the one the journal "
                f"holds at seq {written[-1][0]}: the file was changed after it was written"
            )
        problems.extend(_after_the_end(session_dir, report, written[-1][0]))
    return RecordCheck(problems, record, sha256)


def _after_the_end(session_dir: Path, report: Any, written_seq: int) -> list[str]:
    """Anything in the journal past the record_written entry: the console never writes there,
    so a line, a partial line or padding after it was put there later. Named by segment,
    line and seq, or by byte offset; never quoted."""
    entries = report.entries
    final = next(entry for entry in entries if entry.seq == written_seq)
    problems = []
    for entry in entries:
        if entry.seq > written_seq:
            problems.append(
                f"{session_dir / entry.segment}:{entry.line}: seq {entry.seq}: a journal line "
                f"after record_written (seq {written_seq}); nothing is written after the close"
            )
            break
    torn = report.torn_tail
    if torn is not None:
        problems.append(
            f"{session_dir / torn.segment}: {torn.length} byte(s) at byte offset {torn.offset} "
            f"after record_written (seq {written_seq}); nothing is written after the close"
        )
    segments = report.segments
    if segments and segments[-1] != final.segment and not problems:
        problems.append(
            f"{session_dir / segments[-1]}: a journal segment after the one holding "
            f"record_written (seq {written_seq}); nothing is written after the close"
        )
    return problems


def _started(entries: Sequence[JournalLineFields]) -> ev.SessionStarted:
    first = ev.event_from_dict(entries[0].payload) if entries else None
    if not isinstance(first, ev.SessionStarted):
        raise ValueError("the journal does not begin with session_started")
    return first


# Why a journaled correction could not take effect is the console's wording, not a fact of
# the session, and earlier versions worded it differently (quoting values): when the record
# and the rebuilt one both give a reason there, the wording may differ. That it did not take
# effect (`applied`, and the entry being listed) is still compared.
_WORDING = {("corrections", "rejection"), ("integrity", "ineffective", "reason")}


def _first_difference(a: Any, b: Any, loc: tuple[str | int, ...]) -> tuple[str | int, ...] | None:
    """The key path of the first place two TOML documents differ (None when equal)."""
    if isinstance(a, dict) and isinstance(b, dict):
        for key in [*a, *(k for k in b if k not in a)]:
            if key not in a or key not in b:
                return (*loc, key)
            named = tuple(part for part in (*loc, key) if isinstance(part, str))
            if named in _WORDING and isinstance(a[key], str) and isinstance(b[key], str):
                if a[key] and b[key]:
                    continue
            found = _first_difference(a[key], b[key], (*loc, key))
            if found is not None:
                return found
        return None
    if isinstance(a, list) and isinstance(b, list):
        for index, (x, y) in enumerate(zip(a, b, strict=False)):
            found = _first_difference(x, y, (*loc, index))
            if found is not None:
                return found
        return None if len(a) == len(b) else (*loc, min(len(a), len(b)))
    if type(a) is not type(b) or a != b:
        return loc
    return None


def _seq_at(document: dict[str, Any], loc: tuple[str | int, ...]) -> int | None:
    """The `seq` of the innermost entry on the path `loc`, if any."""
    node: Any = document
    seq = None
    for part in loc:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            break
        if isinstance(node, dict) and isinstance(node.get("seq"), int):
            seq = node["seq"]
    return seq
