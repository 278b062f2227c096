"""The journaled entries as the session sees them now.

An `Entry` is one journaled event with its corrections applied (`event`) beside what was first
typed (`original`), and its entered-in-error mark. The subclasses add the facts the session
derives for one kind of entry: an intention's revision, an alert's acknowledgement, an adverse
event's updates. `Amendment`, `Void` and `Ineffective` record the corrections themselves and
the events that changed nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from types import MappingProxyType
from typing import Any, Generic, TypeVar

from kap_console.session import events as ev
from kap_console.session.state.timeline import is_late_entry

E = TypeVar("E", bound=ev.EventBase)


@dataclass(frozen=True)
class Amendment:
    """A correction as journaled, and whether it took effect (`rejection` says why not)."""

    seq: int
    target_seq: int
    field: str
    old: Any
    new: Any
    reason: str
    recorded_by: str
    recorded_at: datetime | None
    applied: bool
    rejection: str = ""


@dataclass(frozen=True)
class Void:
    """An "entered in error" mark as journaled, and whether it took effect."""

    seq: int
    target_seq: int
    reason: str
    recorded_by: str
    recorded_at: datetime | None
    applied: bool
    rejection: str = ""


@dataclass(frozen=True)
class Ineffective:
    """A journaled event that changed nothing, and why (kept: the journal is the truth)."""

    seq: int
    kind: str
    reason: str


@dataclass(frozen=True)
class Entry(Generic[E]):
    """One journaled event as the session sees it now.

    `event` is the effective version (applied amendments), `original` what was first typed.
    """

    seq: int
    event: E
    original: E = field(repr=False)
    amendments: tuple[Amendment, ...] = ()
    voided: bool = False
    void_reason: str = ""
    voided_seq: int | None = None

    @property
    def kind(self) -> str:
        return self.event.type  # type: ignore[attr-defined,no-any-return]

    @property
    def observed_at(self) -> datetime | None:
        return self.event.observed_at

    @property
    def recorded_at(self) -> datetime | None:
        return self.original.recorded_at

    @property
    def recorded_by(self) -> str:
        return self.original.recorded_by

    @property
    def amended(self) -> bool:
        return bool(self.amendments)

    @property
    def late(self) -> bool:
        """Typed more than two minutes after the moment it describes."""
        return is_late_entry(self.observed_at, self.recorded_at)


@dataclass(frozen=True)
class ChecklistAnswer(Entry[ev.CheckAnswered]):
    @property
    def item_id(self) -> str:
        return self.event.item_id

    @property
    def answer(self) -> ev.Value | None:
        return self.event.answer

    @property
    def note(self) -> str:
        return self.event.note


@dataclass(frozen=True)
class Intention(Entry[ev.IntentionRecorded]):
    """An intention in the client's words; `revised_by` is the seq of the revision that
    replaced it (intentions are lightly held, and every revision is kept)."""

    revised_by: int | None = None

    @property
    def text(self) -> str:
        return self.event.text

    @property
    def prompt_id(self) -> str | None:
        return self.event.prompt_id

    @property
    def revises_seq(self) -> int | None:
        return self.event.revises_seq

    @property
    def current(self) -> bool:
        return not self.voided and self.revised_by is None


@dataclass(frozen=True)
class Observation(Entry[ev.ObservationRecorded]):
    @property
    def round_id(self) -> str:
        return self.event.round_id

    @property
    def due_minutes(self) -> int | None:
        return self.event.due_minutes

    @property
    def values(self) -> Mapping[str, ev.Value]:
        return MappingProxyType(self.event.values)

    @property
    def note(self) -> str:
        return self.event.note

    @property
    def baseline(self) -> bool:
        return self.event.round_id == ev.BASELINE_ROUND


@dataclass(frozen=True)
class Alert(Entry[ev.AlertRaised]):
    """A raised alert and what became of it. An alert closes when acknowledged, or when the
    observation that raised it is marked entered in error."""

    acknowledged_seq: int | None = None
    acknowledged_at: datetime | None = None
    acknowledged_by: str = ""
    acknowledgement_note: str = ""
    source_voided: bool = False

    @property
    def open(self) -> bool:
        return self.acknowledged_seq is None and not self.source_voided and not self.voided

    @property
    def level(self) -> str:
        return self.event.level

    @property
    def measure_id(self) -> str:
        return self.event.measure_id

    @property
    def threshold_index(self) -> int:
        return self.event.threshold_index

    @property
    def message(self) -> str:
        return self.event.message

    @property
    def value(self) -> float:
        return self.event.value

    @property
    def raised_at(self) -> datetime | None:
        """When the console raised it (falls back to when the reading was taken)."""
        return self.original.recorded_at or self.event.observed_at


@dataclass(frozen=True)
class AdverseEvent(Entry[ev.AdverseEventLogged]):
    """An adverse event; `current` is the logged event with its updates applied in order."""

    current: ev.AdverseEventLogged | None = None
    updates: tuple[Entry[ev.AdverseEventUpdated], ...] = ()

    @property
    def term(self) -> str:
        return self.effective.term

    @property
    def effective(self) -> ev.AdverseEventLogged:
        return self.current if self.current is not None else self.event


@dataclass(frozen=True)
class MeasureValue:
    """The latest effective value of a measure and where it came from."""

    measure_id: str
    value: ev.Value
    seq: int
    round_id: str
    observed_at: datetime | None


ENTRY_NAMES: Mapping[str, str] = {
    "session_started": "the session start",
    "check_answered": "a checklist answer",
    "go_decision": "a go/no-go decision",
    "intention_recorded": "an intention",
    "consent_recorded": "a consent record",
    "dose_given": "a dose",
    "step_marked": "a dosing step",
    "observation_recorded": "an observation",
    "alert_raised": "an alert",
    "alert_acknowledged": "an alert acknowledgement",
    "adverse_event_logged": "an adverse event",
    "adverse_event_updated": "an adverse event update",
    "note_added": "a note",
    "phase_marked": "a phase mark",
    "amended": "a correction",
    "voided": "an entered-in-error mark",
    "discharge_assessed": "a discharge assessment",
    "ready_to_leave": "a ready-to-leave time",
    "discharged": "a discharge",
    "reflection_recorded": "a reflection",
    "session_closed": "the session close",
    "record_written": "the record",
    "resumed": "a resume mark",
    "segment_opened": "a journal segment mark",
}


def entry_name(kind: str) -> str:
    """An entry kind in words, with its article: "an observation", "the session start"."""
    return ENTRY_NAMES.get(kind, f"a {kind.replace('_', ' ')}")


def alert_with_state(
    alert: Alert, index: Mapping[int, Entry[Any]], acknowledgement_seqs: Iterable[int]
) -> Alert:
    """`alert` as its source observation and its acknowledgements (seqs, in journal order)
    leave it: the first acknowledgement not entered in error is the one that counts."""
    source = index.get(alert.event.source_seq)
    acknowledgement: Entry[ev.AlertAcknowledged] | None = None
    for acknowledgement_seq in acknowledgement_seqs:
        candidate = index[acknowledgement_seq]
        if not candidate.voided:
            acknowledgement = candidate
            break
    return replace(
        alert,
        source_voided=bool(source is not None and source.voided),
        acknowledged_seq=acknowledgement.seq if acknowledgement else None,
        acknowledged_at=acknowledgement.observed_at if acknowledgement else None,
        acknowledged_by=acknowledgement.recorded_by if acknowledgement else "",
        acknowledgement_note=acknowledgement.event.note if acknowledgement else "",
    )


# What an adverse-event update may change.
_UPDATABLE = (
    "resolved_at",
    "severity",
    "serious",
    "serious_criterion",
    "actions",
    "treatment",
    "outcome",
)


def adverse_event_with_updates(
    adverse_event: AdverseEvent, index: Mapping[int, Entry[Any]], update_seqs: Iterable[int]
) -> AdverseEvent:
    """`adverse_event` with its updates (seqs, in journal order) applied in turn; an update
    entered in error is kept in `updates` but changes nothing."""
    current = adverse_event.event
    updates = []
    for update_seq in update_seqs:
        update = index[update_seq]
        updates.append(update)
        if update.voided:
            continue
        changes = {
            name: getattr(update.event, name)
            for name in _UPDATABLE
            if getattr(update.event, name) is not None
        }
        current = current.model_copy(update=changes)
    return replace(adverse_event, current=current, updates=tuple(updates))
