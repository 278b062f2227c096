"""The session engine: the one way a session's state changes.

Every facilitator action arrives here as an event. The engine checks it against the session's
rules, stamps it (recorded_at, recorded_by), appends it to the journal (durable when the call
returns), and only then folds it into the state the screen shows. An event whose write failed
is kept by the journal as pending and is not shown as saved: the engine raises SaveError, and
`continue_in` writes it again in a new journal segment, perhaps in another folder.

At close the record is built from the journal as re-read from disk, never from memory.

What the engine raises is in errors.py and the protocol a session is pinned to in pinning.py;
import those names from there.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kap_console import __version__, paths
from kap_console.paths import sessions_dir
from kap_console.protocol.loader import LoadedProtocol
from kap_console.protocol.models import Protocol
from kap_console.session import events as ev
from kap_console.session.clock import Clock
from kap_console.session.errors import (
    RejectedEntry,
    SaveError,
    SessionAlreadyClosed,
    SessionMoved,
    rejected_by_model,
    segment_reason,
)
from kap_console.session.gc_pause import collector_paused
from kap_console.session.journal.chain import ChainEnd, chain_end
from kap_console.session.journal.errors import JournalError, JournalWriteError
from kap_console.session.journal.writer import Journal
from kap_console.session.moves import continuation_of, mark_moved, mark_old_copies, moved_to
from kap_console.session.pinning import (
    PROTOCOL_COPY,
    carry_protocol_copy,
    keep_protocol_copy,
    pinned_protocol,
)
from kap_console.session.rules.alerts import alerts_for_observation, dosing_blocks, open_alerts
from kap_console.session.rules.discharge import DischargeStatus, discharge_status
from kap_console.session.rules.dosing import weight_on_record
from kap_console.session.rules.schedule import RoundSlots, RoundToOpen, round_slots, round_to_open
from kap_console.session.rules.steps import StepProgress, current_step
from kap_console.session.rules.validation import validate_event
from kap_console.session.state.builder import StateBuilder
from kap_console.session.state.snapshot import SessionState
from kap_console.session.storage import (
    LinkedSessionFolder,
    ensure_private_dir,
    fsync_dir,
    release_ballast,
    remove_stale_temporaries,
)

APP = f"kap-console {__version__}"
# Entries only the engine itself writes, never passed to `Session.commit`.
CONSOLE_ONLY = frozenset(
    {"session_started", "alert_raised", "record_written", "resumed", "segment_opened"}
)


@dataclass(frozen=True)
class CloseResult:
    record_path: Path
    sha256: str
    fingerprint: str
    journal_head: str
    event_count: int


class Session:
    """One dosing session: its protocol, clock, journal and current state."""

    def __init__(
        self,
        *,
        loaded: LoadedProtocol,
        clock: Clock,
        session_dir: Path,
        journal: Journal,
        started: ev.SessionStarted,
        entries: Iterable[tuple[int, ev.Event]],
    ) -> None:
        self.loaded = loaded
        self.protocol: Protocol = loaded.protocol
        self.clock = clock
        self.session_dir = session_dir
        self.session_id = started.session_id
        self.facilitator = started.facilitator
        self._journal = journal
        self._builder = StateBuilder(self.protocol)
        # Every event folded, in seq order: what the journal holds, so close can build the
        # record without parsing and folding the journal a second time (see `close`).
        self._events: list[tuple[int, ev.EventBase]] = []
        self._seq = 0
        self._snapshot: SessionState | None = None
        self._save_error: SaveError | None = None
        self._unmarked: list[Path] = []  # old copies of a moved session not yet marked MOVED
        for seq, event in entries:
            self._fold(seq, event)

    # -- opening ---------------------------------------------------------------------------

    @classmethod
    def start(
        cls,
        loaded: LoadedProtocol,
        *,
        data_dir: Path,
        client_code: str,
        facilitator: str,
        session_number: int,
        clock: Clock,
        training: bool = False,
        protocol_confirmed: Iterable[str] = (),
        practice: ev.PracticeIdentity | None = None,
    ) -> Session:
        """Create the session folder and journal, and record that the session started.
        `protocol_confirmed` names the cautions the facilitator confirmed (a draft protocol,
        uncommitted changes): see kap_console/protocol/approval.py.

        A practice session (`practice`, a scenario) is a training session: pass the practice
        folder (paths.practice_dir) as `data_dir` so it is never listed among real ones."""
        session_id = str(uuid.uuid4())
        now = clock.now()
        try:
            started = ev.SessionStarted(
                session_id=session_id,
                client_code=client_code,
                facilitator=facilitator,
                session_number=session_number,
                protocol=loaded.identity,
                training=training or practice is not None,
                app_version=__version__,
                protocol_confirmed=list[Any](protocol_confirmed),  # each name checked by the model
                practice=practice,
            )
        except ValueError as error:  # pydantic's ValidationError is a ValueError
            raise rejected_by_model(error) from None
        started = ev.stamped(started, now=now, by=facilitator)
        rejection = validate_event(
            loaded.protocol, StateBuilder(loaded.protocol).snapshot(), started
        )
        if rejection is not None:
            raise RejectedEntry(rejection.field, rejection.message)

        try:
            parent = ensure_private_dir(sessions_dir(data_dir))
            name = f"{now.strftime('%Y%m%dT%H%M%SZ')}-{client_code}-{secrets.token_hex(3)}"
            session_dir = parent / name
            session_dir.mkdir(mode=0o700)
            fsync_dir(parent)  # the new folder's name is durable only once its parent is synced
        except OSError as error:
            raise SaveError(error.errno, 0) from None
        keep_protocol_copy(loaded, session_dir)
        try:
            journal = Journal.create(
                session_dir, session_id=session_id, app=APP, now=now.isoformat()
            )
        except JournalWriteError as error:
            _remove_empty_session(session_dir)
            raise SaveError(error.errno, 0) from None
        session = cls(
            loaded=loaded,
            clock=clock,
            session_dir=session_dir,
            journal=journal,
            started=started,
            entries=(),
        )
        try:
            session._append(started)
        except SaveError:
            journal.close()
            raise
        return session

    @classmethod
    def resume(
        cls, session_dir: Path, *, clock: Clock, loaded: LoadedProtocol | None = None
    ) -> Session:
        """Reopen an unfinished session: replay its journal and record that it was reopened.

        A torn last line is set aside by the journal and described in the `resumed` event.
        The protocol is the one pinned at start (same SHA-256), unless `loaded` is given.
        """
        if Path(session_dir).is_symlink():
            raise LinkedSessionFolder(session_dir)
        elsewhere = moved_to(session_dir)
        if elsewhere is None:
            # The old disk may have been read-only when the session moved on, so the marker
            # may be missing: a continuation beside it or in the data folder says so too.
            found = continuation_of(Path(session_dir), also=[sessions_dir(paths.data_dir())])
            elsewhere = str(found) if found is not None else None
        if elsewhere is not None:
            raise SessionMoved(session_dir, elsewhere)
        with collector_paused(set_aside=True):
            return cls._replay(session_dir, clock=clock, loaded=loaded)

    @classmethod
    def _replay(cls, session_dir: Path, *, clock: Clock, loaded: LoadedProtocol | None) -> Session:
        journal, report = Journal.open(session_dir)
        try:
            entries = _events_from(report.entries)
            if not entries or not isinstance(entries[0][1], ev.SessionStarted):
                raise ValueError(f"{session_dir}: the journal does not begin with session_started")
            started: ev.SessionStarted = entries[0][1]
            if any(isinstance(event, ev.RecordWritten) for _, event in entries):
                _drop_ballast(session_dir)  # a crash may have come between the two
                raise SessionAlreadyClosed(
                    f"{session_dir}: this session is closed and its record written; "
                    "open the record instead (kap-console record show)"
                )
            if loaded is None:
                loaded = pinned_protocol(session_dir, started.protocol)
            session = cls(
                loaded=loaded,
                clock=clock,
                session_dir=session_dir,
                journal=journal,
                started=started,
                entries=entries,
            )
        except BaseException:
            journal.close()
            raise
        resumed = _resumed_event(report.torn_tail)
        session._append(ev.stamped(resumed, now=clock.now(), by=session.facilitator))
        mark_old_copies(Path(session_dir))  # a continuation: mark what it moved on from
        return session

    # -- reading -----------------------------------------------------------------------------

    @property
    def state(self) -> SessionState:
        """The state after every saved entry (cached until the next one)."""
        if self._snapshot is None:
            self._snapshot = self._builder.snapshot()
        return self._snapshot

    @property
    def save_error(self) -> SaveError | None:
        return self._save_error

    @property
    def unsaved(self) -> int:
        return len(self._journal.unsaved)

    @property
    def last_seq(self) -> int:
        return self._seq

    def round_slots(self) -> RoundSlots:
        return round_slots(self.protocol, self.state, self.clock.now())

    def round_to_open(self) -> RoundToOpen:
        """The round the "start round" key opens now, and why."""
        return round_to_open(self.protocol, self.state, self.clock.now())

    def current_step(self) -> StepProgress | None:
        """The dosing step that comes next (None before the dose or when all are done)."""
        return current_step(self.protocol, self.state)

    def weight_on_record(self) -> float | None:
        """The weight the session already holds, to offer for the next dose."""
        return weight_on_record(self.protocol, self.state)

    def discharge_status(self) -> DischargeStatus:
        return discharge_status(self.protocol, self.state, self.clock.now())

    def open_alerts(self) -> Any:
        return open_alerts(self.state)

    def dosing_blocks(self) -> Any:
        return dosing_blocks(self.protocol, self.state)

    def elapsed_since_dose(self) -> float | None:
        """Seconds since T0 (the first dose) on the session clock; None before dosing."""
        t0 = self.state.t0
        if t0 is None:
            return None
        return (self.clock.now() - t0).total_seconds()

    # -- changing ----------------------------------------------------------------------------

    def commit(self, event: ev.EventBase) -> ev.Committed:
        """Check, stamp, save and apply one entry; then save any alerts it raises.

        Raises RejectedEntry (nothing written) or SaveError (kept as pending, not applied).
        """
        kind = getattr(event, "type", "")
        if kind in CONSOLE_ONLY:
            raise RejectedEntry(None, f"a {kind.replace('_', ' ')} entry is made by the console")
        stamped = ev.stamped(event, now=self.clock.now(), by=self.facilitator)
        rejection = validate_event(self.protocol, self.state, stamped)
        if rejection is not None:
            raise RejectedEntry(rejection.field, rejection.message)
        seq = self._append(stamped)
        committed = ev.Committed(seq=seq, event=stamped, alerts=[])
        try:
            committed.alerts.extend(self._raise_alerts(seq, stamped))
        except SaveError as error:
            error.committed = committed
            raise
        return committed

    def continue_in(self, folder: Path | None = None) -> None:
        """Write the unsaved entries again in a new journal segment (in `folder`, if given)."""
        waiting = len(self._journal.unsaved)
        previous = self._journal.segment
        reason = segment_reason(self._save_error.errno if self._save_error else None)
        try:
            self._journal.continue_in(folder, now=self.clock.now().isoformat())
        except JournalWriteError as error:
            self._save_error = SaveError(error.errno, len(self._journal.unsaved))
            raise self._save_error from None
        self._save_error = None
        if self._journal.session_dir != self.session_dir:
            self._move_to(self._journal.session_dir)
        saved = self._journal.entries[len(self._journal.entries) - waiting :] if waiting else []
        events = [(entry.seq, ev.event_from_dict(entry.payload)) for entry in saved]
        for seq, event in events:
            self._fold(seq, event)
        # In the entries too (not only in the segment header), so the record lists it.
        opened = ev.SegmentOpened(previous_segment=previous, reason=reason)
        self._append(ev.stamped(opened, now=self.clock.now(), by=self.facilitator))
        for seq, event in events:
            self._raise_alerts(seq, event)

    def close(self, outcome: str = "completed", note: str = "") -> CloseResult:
        """End the session: record the close, write the record from the journal, and record
        the record's SHA-256 and the journal head it was built from."""
        if self.state.record_written is not None:
            _drop_ballast(self.session_dir)
            return self._close_result(self.state.record_written.event)
        if self._save_error is not None or self.unsaved:
            raise SaveError(self._save_error.errno if self._save_error else None, self.unsaved)
        if self.state.closed is None:
            self.commit(ev.SessionClosed(outcome=outcome, note=note))  # type: ignore[arg-type]
        # The journal is read back from disk and must end, entry for entry, at the hash of the
        # last line this session saved. The chain hashes every line's bytes, so the events on
        # disk are the ones folded here: the record is built from the journal as written,
        # without parsing and folding it again.
        # The record's code (its models, builder, writer) is imported here, at close: a
        # console left on the dashboard never holds it (benchmarks/bench_idle.py).
        from kap_console.session.record import model as rec
        from kap_console.session.record import writing
        from kap_console.session.record.build import record_fields

        with collector_paused():
            end = self._journal_on_disk()
            # The record's rows are made as they are written (see `record_fields`).
            fields = record_fields(
                self.protocol, None, events=self._events, state=self.state, journal_end=end
            )
            integrity: rec.Integrity = dict(fields)["integrity"]
            path = self.session_dir / rec.RECORD_NAME
            # What an earlier close left when it was cut short (the journal holds everything).
            remove_stale_temporaries(self.session_dir, rec.RECORD_NAME)
            try:
                sha256 = writing.write_record(fields, path)
            except OSError as error:  # the journal holds everything: close again, maybe elsewhere
                raise SaveError(error.errno, 0) from None
        written = ev.RecordWritten(
            record_path=rec.RECORD_NAME,
            record_sha256=sha256,
            journal_head=integrity.journal_head,
            event_count=integrity.event_count,
        )
        self._append(ev.stamped(written, now=self.clock.now(), by=self.facilitator))
        # Only now, with the record and its record_written entry durable, is the reserve for
        # a full disk no longer needed: a closed session keeps only what it needs.
        _drop_ballast(self.session_dir)
        return self._close_result(written)

    def release(self) -> None:
        """Close the journal and give up the session lock."""
        if self._unmarked:
            self._mark_old_copies()
        self._journal.close()

    # -- inside ------------------------------------------------------------------------------

    def _append(self, event: ev.EventBase) -> int:
        """Save one stamped event and fold it in; SaveError if it is not known durable."""
        try:
            entry = self._journal.append(ev.event_to_dict(event))
        except JournalWriteError as error:
            self._save_error = SaveError(error.errno, len(self._journal.unsaved))
            raise self._save_error from None
        self._fold(entry.seq, event)
        if self._unmarked:
            self._mark_old_copies()
        return entry.seq

    def _fold(self, seq: int, event: ev.EventBase) -> None:
        self._builder.apply(seq, event)
        self._events.append((seq, event))
        self._seq = seq
        self._snapshot = None

    def _raise_alerts(self, seq: int, event: ev.EventBase) -> list[tuple[int, ev.AlertRaised]]:
        if not isinstance(event, ev.ObservationRecorded):
            return []
        raised = []
        # After a write error an observation may be saved again with its alerts already
        # pending or saved: never raise the same alert twice for one reading.
        already = {(a.event.source_seq, a.measure_id, a.threshold_index) for a in self.state.alerts}
        for alert in alerts_for_observation(self.protocol, self.state, event, seq):
            if (alert.source_seq, alert.measure_id, alert.threshold_index) in already:
                continue
            stamped = ev.stamped(alert, now=self.clock.now(), by=self.facilitator)
            raised.append((self._append(stamped), stamped))
        return raised

    def _journal_on_disk(self) -> ChainEnd:
        """Where the journal read back from disk ends, checked against what was saved.

        Every line is checked (hash, seq, link), but none is kept: the record is built from
        the events folded as they were saved (see `close`)."""
        end = chain_end(self.session_dir)
        if end.torn or end.count != self._seq or end.head != self._last_durable_hash():
            raise JournalError(
                "the journal on disk does not end where this session's last save did; "
                "the record was not written. Keep the session folder as it is."
            )
        return end

    def _last_durable_hash(self) -> str | None:
        # Not `journal.head`: after a move with nothing pending, the head is the new segment's
        # header, which chains on from the last entry but is not one.
        last = self._journal.last_entry
        return last.h if last is not None else None

    def _move_to(self, new_dir: Path) -> None:
        """The journal moved to another folder: follow it, and take the protocol copy along
        (best effort: resume and verify fall back to the pinned path)."""
        old, self.session_dir = self.session_dir, new_dir
        carry_protocol_copy(old, new_dir)
        # Mark the old copy so it is never offered for resuming (which would fork the
        # session). The old folder is the one that just failed to write: until the marker
        # is written, every later save tries again (a disk remounted writable gets it).
        self._unmarked.append(old)
        self._mark_old_copies()

    def _mark_old_copies(self) -> None:
        self._unmarked = [old for old in self._unmarked if not mark_moved(old, self.session_dir)]

    def _close_result(self, written: ev.RecordWritten) -> CloseResult:
        from kap_console.session.record.reading import fingerprint

        return CloseResult(
            record_path=self.session_dir / written.record_path,
            sha256=written.record_sha256,
            fingerprint=fingerprint(written.record_sha256, written.event_count),
            journal_head=written.journal_head,
            event_count=written.event_count,
        )


def _events_from(lines: list[Any]) -> list[tuple[int, ev.Event]]:
    """The events of the journal lines read at resume, each line let go (and its payload
    with it) once it is an event: the payloads of a whole session and its events are never
    all alive at once. `lines` is left empty."""
    lines.reverse()
    events: list[tuple[int, ev.Event]] = []
    while lines:
        line = lines.pop()
        events.append((line.seq, ev.event_from_dict(line.payload)))
    return events


def _resumed_event(torn: Any) -> ev.Resumed:
    if torn is None:
        return ev.Resumed()
    return ev.Resumed(
        torn_offset=torn.offset,
        torn_bytes=torn.length,
        torn_sha256=torn.sha256,
        torn_copy=torn.copy_path.name if torn.copy_path is not None else None,
    )


def _drop_ballast(session_dir: Path) -> None:
    """Delete a closed session's ballast and make that durable (best effort: it is space,
    not data)."""
    try:
        if release_ballast(session_dir):
            fsync_dir(session_dir)
    except OSError:
        pass


def _remove_empty_session(session_dir: Path) -> None:
    """Undo a start whose journal could not be created: nothing was entered yet."""
    for name in (PROTOCOL_COPY, "lock", "ballast"):
        try:
            (session_dir / name).unlink()
        except OSError:
            pass
    try:
        session_dir.rmdir()
    except OSError:
        pass
