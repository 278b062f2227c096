"""Closing a session: the record written from what the session saved, never from memory alone.

The engine folds every event as it is saved, so at close it holds the events the journal
holds. Before the record is built from them, the journal is read back from disk and must end,
entry for entry, at the hash of the last line the session saved: the chain hashes every
line's bytes, so the events on disk are then the ones folded, and the record is built from
the journal as written without parsing and folding it a second time.

`Session.close` (engine.py) saves the close and the `record_written` entry; what is here
writes the record and says what was written. Nothing here writes to the journal.

The record's code (its models, builder, writer) is imported when a record is written, not
with this module: a console left on the dashboard never holds it (benchmarks/bench_idle.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from kap_console.protocol.models import Protocol
from kap_console.session import events as ev
from kap_console.session.errors import SaveError
from kap_console.session.journal.chain import ChainEnd, chain_end
from kap_console.session.journal.errors import JournalError
from kap_console.session.state.snapshot import SessionState
from kap_console.session.storage import fsync_dir, release_ballast, remove_stale_temporaries


@dataclass(frozen=True)
class CloseResult:
    record_path: Path
    sha256: str
    fingerprint: str
    journal_head: str
    event_count: int


@dataclass(frozen=True)
class LastSave:
    """Where the session's own saves ended: how many entries, and the last one's hash."""

    count: int
    head: str | None


def write_record(
    protocol: Protocol,
    session_dir: Path,
    *,
    events: Sequence[tuple[int, ev.EventBase]],
    state: SessionState,
    last_save: LastSave,
) -> ev.RecordWritten:
    """Write the record of the session in `session_dir` from the events it saved (and the
    state they fold to), once the journal on disk is shown to end where `last_save` did.

    Returns the `record_written` entry to save (unstamped). Raises JournalError when the
    journal on disk does not end there, SaveError when the record cannot be written (the
    journal holds everything: close again, maybe elsewhere)."""
    from kap_console.session.record import model as rec
    from kap_console.session.record import writing
    from kap_console.session.record.build import record_fields

    end = journal_on_disk(session_dir, last_save)
    # The record's rows are made as they are written (see `record_fields`).
    fields = record_fields(protocol, None, events=events, state=state, journal_end=end)
    integrity: rec.Integrity = dict(fields)["integrity"]
    path = session_dir / rec.RECORD_NAME
    # What an earlier close left when it was cut short (the journal holds everything).
    remove_stale_temporaries(session_dir, rec.RECORD_NAME)
    try:
        sha256 = writing.write_record(fields, path)
    except OSError as error:
        raise SaveError(error.errno, 0) from None
    return ev.RecordWritten(
        record_path=rec.RECORD_NAME,
        record_sha256=sha256,
        journal_head=integrity.journal_head,
        event_count=integrity.event_count,
    )


def journal_on_disk(session_dir: Path, last_save: LastSave) -> ChainEnd:
    """Where the journal read back from disk ends, checked against what was saved.

    Every line is checked (hash, seq, link), but none is kept: the record is built from
    the events folded as they were saved (see `write_record`)."""
    end = chain_end(session_dir)
    if end.torn or end.count != last_save.count or end.head != last_save.head:
        raise JournalError(
            "the journal on disk does not end where this session's last save did; "
            "the record was not written. Keep the session folder as it is."
        )
    return end


def close_result(session_dir: Path, written: ev.RecordWritten) -> CloseResult:
    """What a close hands back, from its `record_written` entry."""
    from kap_console.session.record.reading import fingerprint

    return CloseResult(
        record_path=session_dir / written.record_path,
        sha256=written.record_sha256,
        fingerprint=fingerprint(written.record_sha256, written.event_count),
        journal_head=written.journal_head,
        event_count=written.event_count,
    )


def drop_ballast(session_dir: Path) -> None:
    """Delete a closed session's ballast and make that durable (best effort: it is space,
    not data)."""
    try:
        if release_ballast(session_dir):
            fsync_dir(session_dir)
    except OSError:
        pass
