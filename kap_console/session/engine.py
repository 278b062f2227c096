"""The session engine: the one way a session's state changes.

Every facilitator action arrives here as an event. The engine checks it against the session's
rules, stamps it (recorded_at, recorded_by), appends it to the journal (durable when the call
returns), and only then folds it into the state the screen shows. An event whose write failed
is kept by the journal as pending and is not shown as saved: the engine raises SaveError, and
`continue_in` writes it again in a new journal segment, perhaps in another folder.

A new session's folder and journal are made, and a journal's lines read back as events, in
opening.py. At close the record is built from the events saved, once the journal re-read from
disk is shown to end where the last save did (closing.py). A session that continues in another
folder follows its journal there and marks the old copy (moves.py).

What the engine raises is in errors.py and the protocol a session is pinned to in pinning.py;
import those names from there.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from kap_console import __version__
from kap_console.protocol.loader import LoadedProtocol
from kap_console.protocol.models import Protocol
from kap_console.session import events as ev
from kap_console.session.clock import Clock
from kap_console.session.closing import (
    CloseResult,
    LastSave,
    close_result,
    drop_ballast,
    write_record,
)
from kap_console.session.errors import (
    RejectedEntry,
    SaveError,
    SessionAlreadyClosed,
    SessionMoved,
    rejected_by_model,
    segment_reason,
)
from kap_console.session.gc_pause import collector_paused
from kap_console.session.journal.errors import JournalWriteError
from kap_console.session.journal.writer import Journal
from kap_console.session.moves import OldCopies, mark_old_copies, moved_elsewhere
from kap_console.session.opening import events_from, new_journal, new_session_folder, resumed_event
from kap_console.session.pinning import pinned_protocol
from kap_console.session.rules.alerts import alerts_for_observation, dosing_blocks, open_alerts
from kap_console.session.rules.discharge import DischargeStatus, discharge_status
from kap_console.session.rules.dosing import weight_on_record
from kap_console.session.rules.schedule import RoundSlots, RoundToOpen, round_slots, round_to_open
from kap_console.session.rules.steps import StepProgress, current_step
from kap_console.session.rules.validation import validate_event
from kap_console.session.state.builder import StateBuilder
from kap_console.session.state.snapshot import SessionState
from kap_console.session.storage import LinkedSessionFolder

# Entries only the engine itself writes, never passed to `Session.commit`.
CONSOLE_ONLY = frozenset(
    {"session_started", "alert_raised", "record_written", "resumed", "segment_opened"}
)


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
        self._old_copies = OldCopies()  # of a moved session, until each is marked MOVED
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

        session_dir = new_session_folder(data_dir, now=now, client_code=client_code)
        journal = new_journal(loaded, session_dir, session_id=session_id, now=now)
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
        elsewhere = moved_elsewhere(session_dir)
        if elsewhere is not None:
            raise SessionMoved(session_dir, elsewhere)
        # pydantic builds validators on first use, and building them leaves garbage behind:
        # built here, before the pause, it is collected instead of set aside with the session.
        Protocol.model_rebuild()
        ev.event_adapter()
        with collector_paused(set_aside=True):
            return cls._replay(session_dir, clock=clock, loaded=loaded)

    @classmethod
    def _replay(cls, session_dir: Path, *, clock: Clock, loaded: LoadedProtocol | None) -> Session:
        journal, report = Journal.open(session_dir)
        try:
            entries = events_from(report.entries)
            if not entries or not isinstance(entries[0][1], ev.SessionStarted):
                raise ValueError(f"{session_dir}: the journal does not begin with session_started")
            started: ev.SessionStarted = entries[0][1]
            if any(isinstance(event, ev.RecordWritten) for _, event in entries):
                drop_ballast(session_dir)  # a crash may have come between the two
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
        resumed = resumed_event(report.torn_tail)
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
            # The journal moved to another folder: follow it.
            old, self.session_dir = self.session_dir, self._journal.session_dir
            self._old_copies.follow(old, self.session_dir)
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
            drop_ballast(self.session_dir)
            return close_result(self.session_dir, self.state.record_written.event)
        if self._save_error is not None or self.unsaved:
            raise SaveError(self._save_error.errno if self._save_error else None, self.unsaved)
        if self.state.closed is None:
            self.commit(ev.SessionClosed(outcome=outcome, note=note))  # type: ignore[arg-type]
        # Built from the events folded here, once the journal read back from disk is shown to
        # end at the hash of the last line this session saved (see closing.py).
        with collector_paused():
            written = write_record(
                self.protocol,
                self.session_dir,
                events=self._events,
                state=self.state,
                last_save=LastSave(self._seq, self._last_durable_hash()),
            )
        self._append(ev.stamped(written, now=self.clock.now(), by=self.facilitator))
        # Only now, with the record and its record_written entry durable, is the reserve for
        # a full disk no longer needed: a closed session keeps only what it needs.
        drop_ballast(self.session_dir)
        return close_result(self.session_dir, written)

    def release(self) -> None:
        """Close the journal and give up the session lock."""
        self._old_copies.mark(self.session_dir)
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
        self._old_copies.mark(self.session_dir)
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

    def _last_durable_hash(self) -> str | None:
        # Not `journal.head`: after a move with nothing pending, the head is the new segment's
        # header, which chains on from the last entry but is not one.
        last = self._journal.last_entry
        return last.h if last is not None else None
