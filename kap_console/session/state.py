"""The session state: a pure fold of the journal's events.

`fold(protocol, entries)` turns (seq, event) pairs into a read-only `SessionState`. The engine
keeps a `StateBuilder` and applies each new event as it is journaled; `fold` is the same
builder run over a whole journal, so a resumed session replays to exactly the state it had.

Corrections never edit an event. An `Amended` event names a target seq and a dotted field path
("values.sbp", "text", "severity"); the state shows the effective value and keeps the history.
A `Voided` event marks its target "entered in error": it stays visible, flagged, and drops out
of every effective fact (a voided observation no longer satisfies its round, a voided adverse
event is not counted). Corrections that cannot apply (unknown target or field, a stale `old`
value) are kept as ineffective rather than raising: the journal is the truth, and replay must
never fail. `validate_amendment` and `validate_event` give the same verdicts to the engine
before anything is journaled.

The builder is linear in the number of events: each event touches a few dictionaries, and a
snapshot rebuilds only the parts that changed since the previous snapshot.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from heapq import heappop, heappush
from types import MappingProxyType
from typing import Any, Generic, Literal, TypeVar

from pydantic import ValidationError

from kap_console.protocol.models import Protocol

from . import events as ev
from .timeline import TimelineItem, is_late_entry, timeline_item

Stage = Literal[
    "pre_session", "intentions", "dosing", "monitoring", "recovery", "discharged", "closed"
]
STAGES: tuple[Stage, ...] = (
    "pre_session",
    "intentions",
    "dosing",
    "monitoring",
    "recovery",
    "discharged",
    "closed",
)
RECOVERY_PHASE = "recovery"

E = TypeVar("E", bound=ev.EventBase)

# Entries about the console itself, or about other entries: correct them with a new entry.
NOT_AMENDABLE = frozenset(
    {
        "amended",
        "voided",
        "alert_raised",
        "session_closed",
        "record_written",
        "resumed",
        "segment_opened",
    }
)
NOT_VOIDABLE = NOT_AMENDABLE | {"session_started"}
# Stamped by the console, or links between entries: changing them would rewrite the audit trail.
FIXED_FIELDS = frozenset(
    {
        "type",
        "recorded_at",
        "recorded_by",
        "target_seq",
        "alert_seq",
        "revises_seq",
        "source_seq",
        "session_id",
        "protocol",
        "app_version",
    }
)


# ---------------------------------------------------------------------------------------------
# Records


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


@dataclass(frozen=True)
class SessionState:
    """Everything the session knows, read-only. Tuples are in journal order."""

    protocol: Protocol
    started: ev.SessionStarted | None
    client_code: str | None
    facilitator: str | None
    training: bool
    stage: Stage
    checklist: Mapping[str, ChecklistAnswer]
    checklist_history: tuple[ChecklistAnswer, ...]
    go_decisions: tuple[Entry[ev.GoDecision], ...]
    intentions: tuple[Intention, ...]
    consents: tuple[Entry[ev.ConsentRecorded], ...]
    doses: tuple[Entry[ev.DoseGiven], ...]
    t0: datetime | None
    steps: tuple[Entry[ev.StepMarked], ...]
    observations: tuple[Observation, ...]
    baseline: Mapping[str, MeasureValue]
    last_values: Mapping[str, MeasureValue]
    alerts: tuple[Alert, ...]
    adverse_events: tuple[AdverseEvent, ...]
    notes: tuple[Entry[ev.NoteAdded], ...]
    phases: tuple[Entry[ev.PhaseMarked], ...]
    discharge_assessments: tuple[Entry[ev.DischargeAssessed], ...]
    recovery_started_at: datetime | None
    ready_to_leave_at: datetime | None
    discharged: Entry[ev.Discharged] | None
    reflections: tuple[Entry[ev.ReflectionRecorded], ...]
    closed: Entry[ev.SessionClosed] | None
    record_written: Entry[ev.RecordWritten] | None
    amendments: tuple[Amendment, ...]
    voids: tuple[Void, ...]
    ineffective: tuple[Ineffective, ...]
    timeline: tuple[TimelineItem, ...]
    event_count: int
    last_seq: int | None
    index: Mapping[int, Entry[Any]] = field(repr=False)

    def entry(self, seq: int) -> Entry[Any] | None:
        """The entry journaled at `seq` (any kind), as it stands now."""
        return self.index.get(seq)

    @property
    def go_decision(self) -> Entry[ev.GoDecision] | None:
        """The latest go/no-go decision not entered in error."""
        return _latest(self.go_decisions)

    @property
    def consent(self) -> Entry[ev.ConsentRecorded] | None:
        """The latest consent record not entered in error."""
        return _latest(self.consents)

    @property
    def latest_assessment(self) -> Entry[ev.DischargeAssessed] | None:
        """The latest discharge assessment not entered in error."""
        return _latest(self.discharge_assessments)

    @property
    def current_intentions(self) -> tuple[Intention, ...]:
        """Each intention as last revised."""
        return tuple(i for i in self.intentions if i.current)

    @property
    def intention_chains(self) -> tuple[tuple[Intention, ...], ...]:
        """Each intention with its revisions, first wording to latest (entered-in-error ones left out)."""
        by_seq = {i.seq: i for i in self.intentions if not i.voided}
        chains = []
        for intention in by_seq.values():
            if intention.revises_seq in by_seq:
                continue
            chain = [intention]
            while chain[-1].revised_by in by_seq and by_seq[chain[-1].revised_by] not in chain:  # type: ignore[index]
                chain.append(by_seq[chain[-1].revised_by])  # type: ignore[index]
            chains.append(tuple(chain))
        return tuple(chains)

    @property
    def effective_doses(self) -> tuple[Entry[ev.DoseGiven], ...]:
        return tuple(d for d in self.doses if not d.voided)

    @property
    def effective_observations(self) -> tuple[Observation, ...]:
        return tuple(o for o in self.observations if not o.voided)

    @property
    def effective_adverse_events(self) -> tuple[AdverseEvent, ...]:
        return tuple(a for a in self.adverse_events if not a.voided)

    def minutes_since_t0(self, now: datetime) -> float | None:
        """Minutes from the first dose to `now` (None before any dose)."""
        if self.t0 is None:
            return None
        return (now - self.t0).total_seconds() / 60


def _latest(entries: Iterable[Entry[E]]) -> Entry[E] | None:
    found = None
    for entry in entries:
        if not entry.voided:
            found = entry
    return found


def _when(entry: Entry[Any]) -> tuple[float, int]:
    at = entry.observed_at
    return (at.timestamp() if at is not None else -math.inf, entry.seq)


# ---------------------------------------------------------------------------------------------
# Field paths for amendments


def _get_path(data: Any, path: list[str]) -> Any:
    for part in path:
        if isinstance(data, dict):
            if part not in data:
                raise KeyError(part)
            data = data[part]
        elif isinstance(data, list):
            if not part.isdigit() or int(part) >= len(data):
                raise KeyError(part)
            data = data[int(part)]
        else:
            raise KeyError(part)
    return data


def _set_path(data: Any, path: list[str], value: Any) -> None:
    for part in path[:-1]:
        data = data[int(part)] if isinstance(data, list) else data[part]
    last = path[-1]
    if isinstance(data, list):
        data[int(last)] = value
    else:
        data[last] = value


def _parse_time(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            return None
    return None


def same_value(current: Any, other: Any) -> bool:
    """Whether `other` (as typed, or as it came back from JSON) is the value `current`.

    Numbers compare by value (128 == 128.0) but a yes/no never equals a number, and times
    compare as instants whatever their spelling.
    """
    if isinstance(current, bool) or isinstance(other, bool):
        return isinstance(current, bool) and isinstance(other, bool) and current == other
    if isinstance(current, int | float) and isinstance(other, int | float):
        return float(current) == float(other)
    if isinstance(current, datetime):
        parsed = _parse_time(other)
        if parsed is None or parsed.tzinfo is None:
            return False
        return parsed == current
    if isinstance(current, list | tuple) and isinstance(other, list | tuple):
        return len(current) == len(other) and all(map(same_value, current, other))
    if isinstance(current, dict) and isinstance(other, dict):
        return current.keys() == other.keys() and all(
            same_value(current[k], other[k]) for k in current
        )
    return bool(current == other)


def _shown(value: Any) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return repr(value)


def check_value(protocol: Protocol, measure_id: str, value: Any) -> str | None:
    """Why `value` cannot be recorded for `measure_id` (None when it can).

    Messages name the measure: "sbp: 400 is outside 50–260 mmHg".
    """
    try:
        measure = protocol.measure(measure_id)
    except KeyError:
        known = ", ".join(m.id for m in protocol.measures)
        return f"{measure_id}: not a measure of this protocol (measures: {known})"
    if measure.kind == "text":
        return None if isinstance(value, str) else f"{measure_id}: expected text"
    if measure.kind == "yes_no":
        if isinstance(value, bool) or (isinstance(value, int | float) and value in (0, 1)):
            return None
        return f"{measure_id}: expected yes or no, got {value!r}"
    if isinstance(value, bool) or not isinstance(value, int | float):
        return f"{measure_id}: expected a number, got {value!r}"
    if math.isnan(value) or math.isinf(value):
        return f"{measure_id}: {value} is not a reading"
    if measure.kind == "scale":
        levels = sorted(level.value for level in measure.levels)
        if value not in levels:
            return (
                f"{measure_id}: {_shown(float(value))} is not a level of {measure.label} "
                f"({levels[0]}–{levels[-1]})"
            )
        return None
    entry = measure.entry_range()
    if entry is not None and not entry.contains(value):
        unit = f" {measure.unit}" if measure.unit else ""
        return f"{measure_id}: {value:g} is outside {entry.min:g}–{entry.max:g}{unit}"
    return None


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


def _check_amendment(
    protocol: Protocol, lookup: Callable[[int], Entry[Any] | None], amended: ev.Amended
) -> tuple[str | None, ev.EventBase | None]:
    """(error, None) when `amended` cannot apply, else (None, the target's new effective event)."""
    target = lookup(amended.target_seq)
    if target is None:
        return f"target_seq: there is no entry #{amended.target_seq} to amend", None
    if target.kind in NOT_AMENDABLE:
        return f"target_seq: {entry_name(target.kind)} cannot be amended", None
    if target.voided:
        return (
            f"target_seq: entry #{amended.target_seq} was marked entered in error and cannot be amended",
            None,
        )
    path = amended.field.split(".")
    event = target.event
    model = type(event)
    if path[0] in FIXED_FIELDS:
        return f"field: '{path[0]}' is kept as recorded and cannot be amended", None
    if path[0] not in model.model_fields:
        return f"field: {entry_name(target.kind)} has no '{path[0]}'", None
    data = event.model_dump()
    try:
        current = _get_path(data, path)
    except KeyError:
        return f"field: entry #{amended.target_seq} has no '{amended.field}'", None
    if not same_value(current, amended.old):
        return (
            f"old: {amended.field} is now {_shown(current)}, not {_shown(amended.old)} "
            "(it may have been corrected already)",
            None,
        )
    if same_value(current, amended.new):
        return f"new: {amended.field} is already {_shown(current)}", None
    _set_path(data, path, amended.new)
    try:
        effective = model.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or amended.field
        return f"new: {where}: {first['msg']}", None
    problem = _check_content(protocol, effective)
    if problem is not None:
        return f"new: {problem}", None
    return None, effective


def _check_content(protocol: Protocol, event: ev.EventBase) -> str | None:
    """What a corrected entry must still satisfy on its own: the rules that do not depend on
    what else the session holds (those were checked when it was first journaled)."""
    if isinstance(event, ev.ObservationRecorded):
        if event.round_id != ev.BASELINE_ROUND:
            try:
                offsets = protocol.round(event.round_id).offsets()
            except KeyError:
                return f"round_id: '{event.round_id}' is not a round of this protocol"
            if event.due_minutes is not None and event.due_minutes not in offsets:
                return f"due_minutes: the round is not due at {event.due_minutes} min"
        for measure_id, value in event.values.items():
            problem = check_value(protocol, measure_id, value)
            if problem is not None:
                return problem
    elif isinstance(event, ev.CheckAnswered):
        return _check_answer(protocol, None, event)
    elif isinstance(event, ev.DoseGiven):
        if event.route not in protocol.drug.routes:
            return f"route: {event.route} is not allowed by this protocol"
        bounds = protocol.drug.dose_mg
        if event.kind == "initial" and not bounds.contains(event.dose_mg):
            return f"dose_mg: {event.dose_mg:g} mg is outside {bounds.min:g}–{bounds.max:g} mg"
    elif isinstance(event, ev.AdverseEventLogged):
        return _check_severity(_grading(protocol, event.term_id), event.severity, event.term)
    elif isinstance(event, ev.DischargeAssessed):
        from .discharge import check_assessment

        return check_assessment(protocol, event)
    return None


def _check_void(lookup: Callable[[int], Entry[Any] | None], voided: ev.Voided) -> str | None:
    target = lookup(voided.target_seq)
    if target is None:
        return f"target_seq: there is no entry #{voided.target_seq} to mark entered in error"
    if target.kind in NOT_VOIDABLE:
        return f"target_seq: {entry_name(target.kind)} cannot be marked entered in error"
    if target.voided:
        return f"target_seq: entry #{voided.target_seq} is already marked entered in error"
    return None


def validate_amendment(state: SessionState, amended: ev.Amended) -> str | None:
    """Why `amended` cannot apply to `state` (None when it can).

    Rejected: an unknown or entered-in-error target, a kind of entry that is not corrected this
    way, a field the target does not have or that is kept as recorded, an `old` that is not the
    current effective value, a `new` equal to it or one the entry cannot hold.
    """
    error, _ = _check_amendment(state.protocol, state.index.get, amended)
    return error


# ---------------------------------------------------------------------------------------------
# The builder

_SECTIONS = (
    "session",
    "checklist",
    "go_decisions",
    "intentions",
    "consents",
    "doses",
    "steps",
    "observations",
    "alerts",
    "acknowledgements",
    "adverse_events",
    "adverse_event_updates",
    "notes",
    "phases",
    "discharge_assessments",
    "ready_to_leave",
    "discharges",
    "reflections",
    "closed",
    "record_written",
)

# Which section each kind of event is filed in, and the record class it becomes.
_FILING: dict[str, tuple[str, type[Entry[Any]]]] = {
    "session_started": ("session", Entry),
    "check_answered": ("checklist", ChecklistAnswer),
    "go_decision": ("go_decisions", Entry),
    "intention_recorded": ("intentions", Intention),
    "consent_recorded": ("consents", Entry),
    "dose_given": ("doses", Entry),
    "step_marked": ("steps", Entry),
    "observation_recorded": ("observations", Observation),
    "alert_raised": ("alerts", Alert),
    "alert_acknowledged": ("acknowledgements", Entry),
    "adverse_event_logged": ("adverse_events", AdverseEvent),
    "adverse_event_updated": ("adverse_event_updates", Entry),
    "note_added": ("notes", Entry),
    "phase_marked": ("phases", Entry),
    "discharge_assessed": ("discharge_assessments", Entry),
    "ready_to_leave": ("ready_to_leave", Entry),
    "discharged": ("discharges", Entry),
    "reflection_recorded": ("reflections", Entry),
    "session_closed": ("closed", Entry),
    "record_written": ("record_written", Entry),
}


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


class StateBuilder:
    """Applies journaled events one at a time; `snapshot()` gives the read-only state.

    Each `apply` costs a few dictionary and heap operations (a correction also rebuilds the
    records it touches), so replaying a journal is linear in its length, give or take a log
    factor. A snapshot reuses every part that has not changed since the previous snapshot and
    never shares anything the builder will change later.
    """

    def __init__(self, protocol: Protocol) -> None:
        self.protocol = protocol
        self._count = 0
        self._last_seq: int | None = None
        self._index: dict[int, Entry[Any]] = {}
        self._section_of: dict[int, str] = {}
        self._sections: dict[str, dict[int, Entry[Any]]] = {name: {} for name in _SECTIONS}
        # How many times each part has changed: a snapshot rebuilds a part only when it has.
        self._versions: dict[str, int] = {}
        self._cache: dict[str, tuple[tuple[int, ...], Any]] = {}
        self._snapshot: SessionState | None = None
        # The timeline kept in (observed time, seq) order as items arrive: nearly always an append.
        self._timeline: list[TimelineItem] = []
        self._timeline_keys: list[tuple[float, int]] = []
        self._timeline_key_of: dict[int, tuple[float, int]] = {}
        self._amendments: list[Amendment] = []
        self._voids: list[Void] = []
        self._ineffective: list[Ineffective] = []
        self._alerts_by_source: dict[int, list[int]] = {}
        self._acknowledgements_by_alert: dict[int, list[int]] = {}
        self._updates_by_adverse_event: dict[int, list[int]] = {}
        # For the latest values and the baseline: measure -> a heap of readings, latest first,
        # and the seq of the reading that holds the value now. A heap keeps "the latest reading
        # still in effect" cheap to find again when that reading is corrected or voided.
        self._readings: dict[str, dict[str, list[tuple[float, int]]]] = {"last": {}, "baseline": {}}
        self._holders: dict[str, dict[str, int]] = {"last": {}, "baseline": {}}

    # -- applying events ------------------------------------------------------------------

    def apply(self, seq: int, event: ev.EventBase) -> None:
        """Fold one journaled event into the state. Never raises for a well-formed event:
        what cannot take effect is recorded as ineffective."""
        kind: str = getattr(event, "type", "")
        if self._last_seq is not None and seq <= self._last_seq:
            self._note_ineffective(
                seq, kind, f"seq {seq} does not follow {self._last_seq}; left out"
            )
            return
        self._last_seq = seq
        self._count += 1
        self._snapshot = None
        self._add_timeline(timeline_item(self.protocol, seq, event))
        if isinstance(event, ev.Amended):
            self._amend(seq, event)
        elif isinstance(event, ev.Voided):
            self._void(seq, event)
        elif kind in _FILING:
            self._file(seq, kind, event)

    def _touch(self, *parts: str) -> None:
        versions = self._versions
        for part in parts:
            versions[part] = versions.get(part, 0) + 1
        self._snapshot = None

    def _note_ineffective(self, seq: int, kind: str, reason: str) -> None:
        self._ineffective.append(Ineffective(seq, kind, reason))
        self._touch("ineffective")

    def _store(self, section: str, entry: Entry[Any]) -> None:
        seq = entry.seq
        self._sections[section][seq] = entry
        self._index[seq] = entry
        self._section_of[seq] = section
        versions = self._versions
        versions[section] = versions.get(section, 0) + 1
        versions["index"] = versions.get("index", 0) + 1

    def _add_timeline(self, item: TimelineItem) -> None:
        """A new item: nearly always the latest, so nearly always an append."""
        key = (item.at.timestamp() if item.at is not None else -math.inf, item.seq)
        keys = self._timeline_keys
        self._timeline_key_of[item.seq] = key
        if not keys or key > keys[-1]:
            keys.append(key)
            self._timeline.append(item)
        else:
            position = bisect_left(keys, key)
            keys.insert(position, key)
            self._timeline.insert(position, item)
        versions = self._versions
        versions["timeline"] = versions.get("timeline", 0) + 1

    def _replace_timeline(self, item: TimelineItem) -> None:
        """A corrected item: in place, or moved if its observed time was corrected."""
        old = self._timeline_key_of[item.seq]
        position = bisect_left(self._timeline_keys, old)
        if self._timeline_keys[position] == (
            item.at.timestamp() if item.at is not None else -math.inf,
            item.seq,
        ):
            self._timeline[position] = item
            self._touch("timeline")
            return
        del self._timeline_keys[position]
        del self._timeline[position]
        self._add_timeline(item)

    def _file(self, seq: int, kind: str, event: ev.EventBase) -> None:
        section, record = _FILING[kind]
        if kind == "session_started" and self._sections["session"]:
            self._note_ineffective(seq, kind, "the session had already started")
            return
        if kind == "session_closed" and self._sections["closed"]:
            self._note_ineffective(seq, kind, "the session was already closed")
            return
        entry = record(seq=seq, event=event, original=event)
        # Links are kept only to entries that exist when the linking entry arrives, so a
        # later entry can never be reinterpreted by one that came before it.
        if isinstance(event, ev.AlertRaised):
            if isinstance(self._index.get(event.source_seq), Observation):
                self._alerts_by_source.setdefault(event.source_seq, []).append(seq)
            else:
                self._note_ineffective(
                    seq, kind, f"source #{event.source_seq} is not an observation"
                )
            entry = self._alert_with_state(entry)  # type: ignore[arg-type]
        self._store(section, entry)
        if isinstance(event, ev.ObservationRecorded):
            self._take_readings(entry)  # type: ignore[arg-type]
        elif isinstance(event, ev.AlertAcknowledged):
            alert = self._sections["alerts"].get(event.alert_seq)
            if alert is None:
                self._note_ineffective(seq, kind, f"there is no alert #{event.alert_seq}")
                return
            self._acknowledgements_by_alert.setdefault(event.alert_seq, []).append(seq)
            if alert.acknowledged_seq is not None:  # type: ignore[attr-defined]
                self._note_ineffective(
                    seq, kind, f"alert #{event.alert_seq} was already acknowledged"
                )
            else:
                self._refresh_alert(event.alert_seq)
        elif isinstance(event, ev.AdverseEventUpdated):
            if event.target_seq not in self._sections["adverse_events"]:
                self._note_ineffective(seq, kind, f"there is no adverse event #{event.target_seq}")
                return
            self._updates_by_adverse_event.setdefault(event.target_seq, []).append(seq)
            self._refresh_adverse_event(event.target_seq)
        elif isinstance(event, ev.IntentionRecorded) and event.revises_seq is not None:
            if event.revises_seq not in self._sections["intentions"]:
                self._note_ineffective(seq, kind, f"#{event.revises_seq} is not an intention")

    def _amend(self, seq: int, event: ev.Amended) -> None:
        error, effective = _check_amendment(self.protocol, self._index.get, event)
        amendment = Amendment(
            seq=seq,
            target_seq=event.target_seq,
            field=event.field,
            old=event.old,
            new=event.new,
            reason=event.reason,
            recorded_by=event.recorded_by,
            recorded_at=event.recorded_at,
            applied=error is None,
            rejection=error or "",
        )
        self._amendments.append(amendment)
        self._touch("amendments")
        if error is not None:
            self._note_ineffective(seq, "amended", error)
            return
        target = self._index[event.target_seq]
        self._replace(replace(target, event=effective, amendments=(*target.amendments, amendment)))

    def _void(self, seq: int, event: ev.Voided) -> None:
        error = _check_void(self._index.get, event)
        self._voids.append(
            Void(
                seq=seq,
                target_seq=event.target_seq,
                reason=event.reason,
                recorded_by=event.recorded_by,
                recorded_at=event.recorded_at,
                applied=error is None,
                rejection=error or "",
            )
        )
        self._touch("voids")
        if error is not None:
            self._note_ineffective(seq, "voided", error)
            return
        target = self._index[event.target_seq]
        self._replace(replace(target, voided=True, void_reason=event.reason, voided_seq=seq))

    def _replace(self, entry: Entry[Any]) -> None:
        """Put a corrected entry in place and refresh everything derived from it."""
        section = self._section_of[entry.seq]
        previous = self._index[entry.seq]
        if isinstance(entry, Alert):
            entry = self._alert_with_state(entry)
        elif isinstance(entry, AdverseEvent):
            entry = self._adverse_event_with_updates(entry)
        self._store(section, entry)
        self._replace_timeline(
            timeline_item(
                self.protocol, entry.seq, entry.event, voided=entry.voided, amended=entry.amended
            )
        )
        event = entry.event
        if isinstance(event, ev.ObservationRecorded):
            self._reading_changed(previous, entry)  # type: ignore[arg-type]
            for alert_seq in self._alerts_by_source.get(entry.seq, ()):
                self._refresh_alert(alert_seq)
        elif isinstance(event, ev.AlertAcknowledged):
            self._refresh_alert(event.alert_seq)
        elif isinstance(event, ev.AdverseEventUpdated):
            self._refresh_adverse_event(event.target_seq)

    def _alert_with_state(self, alert: Alert) -> Alert:
        source = self._index.get(alert.event.source_seq)
        acknowledgement: Entry[ev.AlertAcknowledged] | None = None
        for acknowledgement_seq in self._acknowledgements_by_alert.get(alert.seq, ()):
            candidate = self._index[acknowledgement_seq]
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

    def _refresh_alert(self, alert_seq: int) -> None:
        alert = self._sections["alerts"].get(alert_seq)
        if alert is not None:
            self._store("alerts", self._alert_with_state(alert))  # type: ignore[arg-type]

    def _adverse_event_with_updates(self, adverse_event: AdverseEvent) -> AdverseEvent:
        current = adverse_event.event
        updates = []
        for update_seq in self._updates_by_adverse_event.get(adverse_event.seq, ()):
            update = self._index[update_seq]
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

    def _refresh_adverse_event(self, adverse_event_seq: int) -> None:
        adverse_event = self._sections["adverse_events"].get(adverse_event_seq)
        if adverse_event is not None:
            self._store("adverse_events", self._adverse_event_with_updates(adverse_event))  # type: ignore[arg-type]

    def _take_readings(self, observation: Observation) -> None:
        """Offer an observation's values as the latest (and, for a baseline, baseline) values."""
        if observation.voided:
            return
        at = observation.event.observed_at
        key = (-at.timestamp() if at is not None else math.inf, -observation.seq)
        values = observation.event.values
        _offer(self._readings["last"], self._holders["last"], values, key)
        if observation.event.round_id == ev.BASELINE_ROUND:
            _offer(self._readings["baseline"], self._holders["baseline"], values, key)
        versions = self._versions
        versions["values"] = versions.get("values", 0) + 1

    def _reading_changed(self, previous: Observation, current: Observation) -> None:
        """A corrected or voided observation: offer its new values, then find again the latest
        reading still in effect for every measure it touched."""
        self._take_readings(current)
        for measure_id in set(previous.event.values) | set(current.event.values):
            for kind in ("last", "baseline"):
                self._settle(kind, measure_id)
        self._touch("values")

    def _settle(self, kind: str, measure_id: str) -> None:
        """Drop readings no longer in effect from the top of the heap; the top holds the value."""
        heap = self._readings[kind].get(measure_id)
        while heap:
            negative_time, negative_seq = heap[0]
            entry = self._index.get(-negative_seq)
            if (
                isinstance(entry, Observation)
                and not entry.voided
                and measure_id in entry.event.values
                and (kind == "last" or entry.event.round_id == ev.BASELINE_ROUND)
                and _when(entry) == (-negative_time, -negative_seq)
            ):
                self._holders[kind][measure_id] = entry.seq
                return
            heappop(heap)
        self._holders[kind].pop(measure_id, None)

    # -- snapshots ------------------------------------------------------------------------

    def _cached(self, name: str, build: Callable[[], Any], *depends: str) -> Any:
        """A part of the snapshot, rebuilt only when a part it reads has changed."""
        stamp = tuple(self._versions.get(part, 0) for part in depends or (name,))
        cached = self._cache.get(name)
        if cached is not None and cached[0] == stamp:
            return cached[1]
        value = build()
        self._cache[name] = (stamp, value)
        return value

    def _section(self, name: str) -> tuple[Entry[Any], ...]:
        return self._cached(name, lambda: tuple(self._sections[name].values()))  # type: ignore[no-any-return]

    def _values(self) -> tuple[Mapping[str, MeasureValue], Mapping[str, MeasureValue]]:
        found: dict[str, dict[str, MeasureValue]] = {"baseline": {}, "last": {}}
        for kind, holders in self._holders.items():
            for measure_id, seq in holders.items():
                entry = self._index[seq]
                found[kind][measure_id] = MeasureValue(
                    measure_id,
                    entry.event.values[measure_id],
                    seq,
                    entry.event.round_id,
                    entry.observed_at,
                )
        return MappingProxyType(found["baseline"]), MappingProxyType(found["last"])

    def snapshot(self) -> SessionState:
        """The state after every event applied so far (read-only; safe to keep)."""
        if self._snapshot is not None:
            return self._snapshot
        baseline, last_values = self._cached("values", self._values)
        session = self._section("session")
        started: ev.SessionStarted | None = session[0].event if session else None
        doses = self._section("doses")
        intentions = self._cached("intention_chains", self._intentions, "intentions")
        phases = self._section("phases")
        assessments = self._section("discharge_assessments")
        ready = self._section("ready_to_leave")
        discharged = _latest(self._section("discharges"))
        closed_section = self._section("closed")
        closed = closed_section[0] if closed_section else None
        written = _latest(self._section("record_written"))
        go_decisions = self._section("go_decisions")
        consents = self._section("consents")
        t0 = self._cached("t0", lambda: _earliest_time(doses), "doses")
        recovery_started_at = self._cached(
            "recovery_started_at",
            lambda: _earliest_time(
                [p for p in phases if p.event.phase_id == RECOVERY_PHASE], assessments, ready
            ),
            "phases",
            "discharge_assessments",
            "ready_to_leave",
        )
        ready_entry = _latest(ready)
        stage = _stage(
            protocol=self.protocol,
            closed=closed is not None,
            discharged=discharged is not None,
            recovery=recovery_started_at is not None,
            dosed=any(not d.voided for d in doses),
            go=_latest(go_decisions),
            consented=_latest(consents) is not None,
            intentions=intentions,
        )
        state = SessionState(
            protocol=self.protocol,
            started=started,
            client_code=started.client_code if started else None,
            facilitator=started.facilitator if started else None,
            training=bool(started.training) if started else self.protocol.training,
            stage=stage,
            checklist=self._cached("checklist_map", self._checklist_map, "checklist"),
            checklist_history=self._section("checklist"),  # type: ignore[arg-type]
            go_decisions=go_decisions,
            intentions=intentions,
            consents=consents,
            doses=doses,
            t0=t0,
            steps=self._section("steps"),
            observations=self._section("observations"),  # type: ignore[arg-type]
            baseline=baseline,
            last_values=last_values,
            alerts=self._section("alerts"),  # type: ignore[arg-type]
            adverse_events=self._section("adverse_events"),  # type: ignore[arg-type]
            notes=self._section("notes"),
            phases=phases,
            discharge_assessments=assessments,
            recovery_started_at=recovery_started_at,
            ready_to_leave_at=ready_entry.observed_at if ready_entry else None,
            discharged=discharged,
            reflections=self._section("reflections"),
            closed=closed,
            record_written=written,
            amendments=self._cached("amendments", lambda: tuple(self._amendments)),
            voids=self._cached("voids", lambda: tuple(self._voids)),
            ineffective=self._cached("ineffective", lambda: tuple(self._ineffective)),
            timeline=self._cached("timeline", lambda: tuple(self._timeline)),
            event_count=self._count,
            last_seq=self._last_seq,
            index=self._cached("index", lambda: MappingProxyType(dict(self._index))),
        )
        self._snapshot = state
        return state

    def _intentions(self) -> tuple[Intention, ...]:
        entries: tuple[Intention, ...] = self._section("intentions")  # type: ignore[assignment]
        revised_by: dict[int, int] = {}
        for intention in entries:
            revises = intention.event.revises_seq
            # A revision revises an earlier entry; anything else in a journal is ignored.
            if not intention.voided and revises is not None and revises < intention.seq:
                revised_by[revises] = intention.seq
        return tuple(
            intention
            if intention.revised_by == revised_by.get(intention.seq)
            else replace(intention, revised_by=revised_by.get(intention.seq))
            for intention in entries
        )

    def _checklist_map(self) -> Mapping[str, ChecklistAnswer]:
        answers: dict[str, ChecklistAnswer] = {}
        for answer in self._section("checklist"):
            if not answer.voided:
                answers[answer.event.item_id] = answer  # type: ignore[assignment]
        return MappingProxyType(answers)


def _offer(
    readings: dict[str, list[tuple[float, int]]],
    holders: dict[str, int],
    values: Mapping[str, Any],
    key: tuple[float, int],
) -> None:
    # The current top is always a reading in effect, so the new one holds only if it is later.
    for measure_id in values:
        heap = readings.get(measure_id)
        if heap is None:
            readings[measure_id] = [key]
            holders[measure_id] = -key[1]
            continue
        heappush(heap, key)
        if heap[0] is key:
            holders[measure_id] = -key[1]


def _earliest_time(*groups: Iterable[Entry[Any]]) -> datetime | None:
    found: datetime | None = None
    for group in groups:
        for entry in group:
            at = entry.observed_at
            if not entry.voided and at is not None and (found is None or at < found):
                found = at
    return found


def _stage(
    *,
    protocol: Protocol,
    closed: bool,
    discharged: bool,
    recovery: bool,
    dosed: bool,
    go: Entry[ev.GoDecision] | None,
    consented: bool,
    intentions: tuple[Intention, ...],
) -> Stage:
    """Where the session stands, from the facts alone (the latest fact wins, in session order)."""
    if closed:
        return "closed"
    if discharged:
        return "discharged"
    if recovery:
        return "recovery"
    if dosed:
        return "monitoring"
    if go is None or go.event.decision != "go":
        return "pre_session"
    intentions_done = not protocol.intention_prompts or any(i.current for i in intentions)
    if consented and intentions_done:
        return "dosing"
    return "intentions"


def fold(protocol: Protocol, entries: Iterable[tuple[int, ev.EventBase]]) -> SessionState:
    """The state after every (seq, event) in `entries`, in order. Pure: same input, same state."""
    builder = StateBuilder(protocol)
    for seq, event in entries:
        builder.apply(seq, event)
    return builder.snapshot()


# ---------------------------------------------------------------------------------------------
# Checks before journaling (rules about alerts and discharge live in alerts.py and discharge.py)

_BEFORE_START = frozenset({"session_started", "resumed", "segment_opened"})
_AFTER_CLOSE = frozenset({"record_written", "resumed", "segment_opened"})


def _ids(items: Iterable[Any]) -> str:
    return ", ".join(item.id for item in items) or "none"


def _clock(when: datetime | None) -> str:
    return when.strftime("%H:%M") if when is not None else "an earlier time"


def _minutes_after_t0(state: SessionState, event: ev.EventBase) -> float | None:
    if state.t0 is None or event.observed_at is None:
        return None
    return (event.observed_at - state.t0).total_seconds() / 60


def _check_session_started(
    protocol: Protocol, state: SessionState, event: ev.SessionStarted
) -> str | None:
    if state.started is not None:
        return "the session has already started"
    if event.protocol.id != protocol.id:
        return f"protocol: the session names '{event.protocol.id}' but '{protocol.id}' is loaded"
    return None


def _check_answer(
    protocol: Protocol, state: SessionState | None, event: ev.CheckAnswered
) -> str | None:
    item = next((i for i in protocol.checklist if i.id == event.item_id), None)
    if item is None:
        return f"item_id: '{event.item_id}' is not a checklist item (items: {_ids(protocol.checklist)})"
    answer = event.answer
    if answer is None:
        return None
    if item.kind == "yes_no" and not isinstance(answer, bool):
        return f"answer: '{item.prompt}' needs yes or no"
    if item.kind == "number":
        if isinstance(answer, bool) or not isinstance(answer, int | float) or math.isnan(answer):
            return f"answer: '{item.prompt}' needs a number"
        if item.range is not None and not item.range.contains(answer):
            unit = f" {item.unit}" if item.unit else ""
            return f"answer: {answer:g} is outside {item.range.min:g}–{item.range.max:g}{unit}"
    if item.kind in ("time", "text") and not isinstance(answer, str):
        return f"answer: '{item.prompt}' needs text"
    return None


def _check_intention(
    protocol: Protocol, state: SessionState, event: ev.IntentionRecorded
) -> str | None:
    if event.prompt_id is not None and event.prompt_id not in {
        p.id for p in protocol.intention_prompts
    }:
        return f"prompt_id: '{event.prompt_id}' is not an intention prompt (prompts: {_ids(protocol.intention_prompts)})"
    if not event.text.strip():
        return "text: the intention is empty"
    if event.revises_seq is not None:
        target = next((i for i in state.intentions if i.seq == event.revises_seq), None)
        if target is None:
            return f"revises_seq: #{event.revises_seq} is not an intention"
        if target.voided:
            return f"revises_seq: intention #{event.revises_seq} was marked entered in error"
        if target.revised_by is not None:
            return f"revises_seq: #{event.revises_seq} was already revised by #{target.revised_by}; revise the latest wording"
    return None


def _check_consent(
    protocol: Protocol, state: SessionState, event: ev.ConsentRecorded
) -> str | None:
    items = {item.id: item for item in protocol.consent.items}
    for item_id, value in event.items.items():
        item = items.get(item_id)
        if item is None:
            return (
                f"items: '{item_id}' is not a consent item (items: {_ids(protocol.consent.items)})"
            )
        if item.kind == "yes_no" and not isinstance(value, bool):
            return f"items.{item_id}: '{item.prompt}' needs yes or no"
    return None


def _check_dose(protocol: Protocol, state: SessionState, event: ev.DoseGiven) -> str | None:
    drug = protocol.drug
    if event.drug != drug.name:
        return f"drug: this protocol gives {drug.name}, not {event.drug}"
    if event.route not in drug.routes:
        return f"route: {event.route} is not allowed by this protocol (allowed: {', '.join(drug.routes)})"
    if not event.given_by.strip():
        return "given_by: who gave the dose?"
    if event.kind == "booster":
        problem = _check_booster(protocol, state, event)
    elif event.kind == "device":
        problem = _check_device(protocol, state, event)
    else:
        problem = _check_first_dose(protocol, state, event)
    if problem is not None:
        return problem
    total = sum(d.event.dose_mg for d in state.effective_doses) + event.dose_mg
    if drug.max_total_mg is not None and total > drug.max_total_mg:
        return (
            f"dose_mg: the session total would be {total:g} mg, above the protocol's cap of "
            f"{drug.max_total_mg:g} mg"
        )
    return None


def _check_go_given(protocol: Protocol, state: SessionState) -> str | None:
    """Before the first dose: a go decision, and nothing holding the dose."""
    from .alerts import dosing_blocks

    if state.effective_doses:
        return None
    go = state.go_decision
    if go is None or go.event.decision != "go":
        return "no go decision yet: dosing needs a go decision first"
    blocks = dosing_blocks(protocol, state)
    if blocks:
        return f"dosing is held: {blocks[0].message}"
    return None


def _check_device(protocol: Protocol, state: SessionState, event: ev.DoseGiven) -> str | None:
    devices = protocol.dosing.devices
    if devices is None:
        return "kind: this protocol does not dose by device"
    problem = _check_go_given(protocol, state)
    if problem is not None:
        return problem
    count = sum(1 for d in state.effective_doses if d.event.kind == "device")
    if count >= devices.max_count:
        return f"all {devices.max_count} devices have been given"
    if event.dose_mg != devices.mg_per_device:
        return f"dose_mg: each device is {devices.mg_per_device:g} mg"
    if event.device_number is not None and event.device_number != count + 1:
        return f"device_number: the next device is number {count + 1}"
    return None


def _check_first_dose(protocol: Protocol, state: SessionState, event: ev.DoseGiven) -> str | None:
    drug = protocol.drug
    if protocol.dosing.devices is not None:
        return "kind: this protocol doses by device: record each device"
    first = next((d for d in state.effective_doses if d.event.kind == "initial"), None)
    if first is not None:
        return f"kind: the first dose was given at {_clock(first.observed_at)}; record a booster instead"
    problem = _check_go_given(protocol, state)
    if problem is not None:
        return problem
    if not drug.dose_mg.contains(event.dose_mg):
        return (
            f"dose_mg: {event.dose_mg:g} mg is outside {drug.dose_mg.min:g}–{drug.dose_mg.max:g} mg"
        )
    if drug.dose_mg_per_kg is None:
        return None
    if event.weight_kg is None:
        return "weight_kg: this protocol doses by weight; enter the weight used"
    per_kg = event.dose_mg / event.weight_kg
    if event.mg_per_kg is not None and abs(event.mg_per_kg - per_kg) > 0.01:
        return (
            f"mg_per_kg: {event.mg_per_kg:g} does not match {event.dose_mg:g} mg for "
            f"{event.weight_kg:g} kg ({per_kg:.2f} mg/kg)"
        )
    allowed = drug.dose_mg_per_kg
    # Rounded to the hundredth shown on screen, so a dose computed from the range passes.
    if not allowed.contains(round(per_kg, 2)):
        return (
            f"dose_mg: {event.dose_mg:g} mg for {event.weight_kg:g} kg is {per_kg:.2f} mg/kg, "
            f"outside {allowed.min:g}–{allowed.max:g} mg/kg"
        )
    return None


def _check_booster(protocol: Protocol, state: SessionState, event: ev.DoseGiven) -> str | None:
    booster = protocol.dosing.booster
    if booster is None:
        return "kind: this protocol has no booster"
    if state.t0 is None:
        return "kind: a booster comes after the first dose"
    count = sum(1 for d in state.effective_doses if d.event.kind == "booster")
    if count >= booster.max_count:
        plural = "booster" if booster.max_count == 1 else "boosters"
        return f"the protocol allows {booster.max_count} {plural}, and {count} already given"
    minutes = _minutes_after_t0(state, event)
    if minutes is not None and not booster.earliest_minutes <= minutes <= booster.latest_minutes:
        return (
            f"a booster at {minutes:.0f} min is outside the window "
            f"{booster.earliest_minutes}–{booster.latest_minutes} min after the first dose"
        )
    if not booster.dose_mg.contains(event.dose_mg):
        return (
            f"dose_mg: a booster of {event.dose_mg:g} mg is outside "
            f"{booster.dose_mg.min:g}–{booster.dose_mg.max:g} mg"
        )
    return None


def _check_step(protocol: Protocol, state: SessionState, event: ev.StepMarked) -> str | None:
    if event.step_id not in {step.id for step in protocol.dosing.steps}:
        return f"step_id: '{event.step_id}' is not a dosing step (steps: {_ids(protocol.dosing.steps)})"
    if state.t0 is None:
        return "step_id: dosing steps come after the first dose"
    return None


def _check_observation(
    protocol: Protocol, state: SessionState, event: ev.ObservationRecorded
) -> str | None:
    if event.round_id == ev.BASELINE_ROUND:
        if event.due_minutes is not None:
            return "due_minutes: a baseline has no due time"
        if state.t0 is not None:
            return (
                "round_id: the baseline comes before the first dose; record this reading in a round"
            )
    else:
        try:
            spec = protocol.round(event.round_id)
        except KeyError:
            return (
                f"round_id: '{event.round_id}' is not a round of this protocol "
                f"(rounds: baseline, {_ids(protocol.schedule)})"
            )
        if state.t0 is None:
            return "round_id: no dose yet; record readings before the dose as the baseline"
        offsets = spec.offsets()
        if event.due_minutes is not None and event.due_minutes not in offsets:
            due = ", ".join(str(m) for m in offsets) or "discharge only"
            return f"due_minutes: the {spec.label} is not due at {event.due_minutes} min (due at: {due})"
    if not event.values and not event.note.strip():
        return "values: an observation needs at least one value or a note"
    for measure_id, value in event.values.items():
        problem = check_value(protocol, measure_id, value)
        if problem is not None:
            return problem
    return None


def _grading(protocol: Protocol, term_id: str | None) -> str | None:
    for term in protocol.adverse_events:
        if term.id == term_id:
            return term.grading
    return None


def _check_severity(grading: str | None, severity: str | None, term: str) -> str | None:
    if severity is None or grading is None:
        return None
    if grading == "ctcae" and not severity.isdigit():
        return f"severity: {term} is graded 1–5 (CTCAE), not '{severity}'"
    if grading == "mild_moderate_severe" and severity.isdigit():
        return f"severity: {term} is graded mild, moderate or severe, not '{severity}'"
    return None


def _check_adverse_event(
    protocol: Protocol, state: SessionState, event: ev.AdverseEventLogged
) -> str | None:
    if event.term_id is not None and _grading(protocol, event.term_id) is None:
        return f"term_id: '{event.term_id}' is not in the protocol's adverse-event list"
    problem = _check_severity(_grading(protocol, event.term_id), event.severity, event.term)
    if problem:
        return problem
    return _check_seriousness(
        event.serious, event.serious_criterion, event.onset_at, event.resolved_at
    ) or (_check_treatment(event.actions, event.treatment))


def _check_seriousness(
    serious: bool | None,
    criterion: str | None,
    onset_at: datetime | None,
    resolved_at: datetime | None,
) -> str | None:
    if serious and criterion is None:
        return "serious_criterion: a serious adverse event needs its criterion"
    if criterion is not None and serious is False:
        return "serious_criterion: applies only to a serious adverse event"
    if onset_at is not None and resolved_at is not None and resolved_at < onset_at:
        return "resolved_at: the event cannot resolve before its onset"
    return None


def _check_treatment(actions: list[str] | None, treatment: str | None) -> str | None:
    if actions and "treatment_given" in actions and not (treatment or "").strip():
        return "treatment: say what was given (what, dose, time)"
    return None


def _check_adverse_event_update(
    protocol: Protocol, state: SessionState, event: ev.AdverseEventUpdated
) -> str | None:
    target = next((a for a in state.adverse_events if a.seq == event.target_seq), None)
    if target is None:
        return f"target_seq: #{event.target_seq} is not an adverse event"
    if target.voided:
        return f"target_seq: adverse event #{event.target_seq} was marked entered in error"
    current = target.effective
    problem = _check_severity(_grading(protocol, current.term_id), event.severity, current.term)
    if problem:
        return problem
    serious = event.serious if event.serious is not None else current.serious
    criterion = (
        event.serious_criterion
        if event.serious_criterion is not None
        else current.serious_criterion
    )
    if event.serious is False and event.serious_criterion is None:
        criterion = None
    return _check_seriousness(serious, criterion, current.onset_at, event.resolved_at) or (
        _check_treatment(
            event.actions, event.treatment if event.treatment is not None else current.treatment
        )
    )


def _check_phase(protocol: Protocol, state: SessionState, event: ev.PhaseMarked) -> str | None:
    known = {phase.id for phase in protocol.phases} | {RECOVERY_PHASE}
    if event.phase_id not in known:
        return f"phase_id: '{event.phase_id}' is not a phase of this protocol (phases: {', '.join(sorted(known))})"
    if state.t0 is None:
        return "phase_id: phases are marked after the first dose"
    return None


def _check_void_event(protocol: Protocol, state: SessionState, event: ev.Voided) -> str | None:
    return _check_void(state.index.get, event)


def _check_amended(protocol: Protocol, state: SessionState, event: ev.Amended) -> str | None:
    return validate_amendment(state, event)


def _check_after_dose(protocol: Protocol, state: SessionState, event: ev.EventBase) -> str | None:
    return None if state.t0 is not None else "no dose has been given yet"


def _check_reflection(
    protocol: Protocol, state: SessionState, event: ev.ReflectionRecorded
) -> str | None:
    if event.prompt_id is not None and event.prompt_id not in {
        p.id for p in protocol.reflection_prompts
    }:
        return f"prompt_id: '{event.prompt_id}' is not a reflection prompt (prompts: {_ids(protocol.reflection_prompts)})"
    return None


def _check_closed(protocol: Protocol, state: SessionState, event: ev.SessionClosed) -> str | None:
    if event.outcome == "completed" and state.discharged is None:
        return (
            "outcome: a completed session needs the discharge first (or close it as stopped early)"
        )
    if event.outcome == "no_go" and state.effective_doses:
        return "outcome: a dose was given, so this is not a no-go session"
    return None


def _check_record_written(
    protocol: Protocol, state: SessionState, event: ev.RecordWritten
) -> str | None:
    return None if state.closed is not None else "the record is written after the session closes"


def _check_go_decision(protocol: Protocol, state: SessionState, event: ev.GoDecision) -> str | None:
    from .alerts import check_go_decision

    return check_go_decision(protocol, state, event)


def _check_acknowledged(
    protocol: Protocol, state: SessionState, event: ev.AlertAcknowledged
) -> str | None:
    from .alerts import check_acknowledgement

    return check_acknowledgement(state, event)


def _check_alert_raised(
    protocol: Protocol, state: SessionState, event: ev.AlertRaised
) -> str | None:
    source = state.entry(event.source_seq)
    if not isinstance(source, Observation):
        return f"source_seq: #{event.source_seq} is not an observation"
    try:
        thresholds = protocol.measure(event.measure_id).thresholds
    except KeyError:
        return f"measure_id: '{event.measure_id}' is not a measure of this protocol"
    if not 0 <= event.threshold_index < len(thresholds):
        return f"threshold_index: {event.measure_id} has no threshold {event.threshold_index}"
    return None


def _check_assessed(
    protocol: Protocol, state: SessionState, event: ev.DischargeAssessed
) -> str | None:
    from .discharge import check_assessment

    return _check_after_dose(protocol, state, event) or check_assessment(protocol, event)


def _check_discharged(protocol: Protocol, state: SessionState, event: ev.Discharged) -> str | None:
    from .discharge import check_discharge

    return check_discharge(protocol, state, event)


_CHECKS: dict[str, Callable[[Protocol, SessionState, Any], str | None]] = {
    "session_started": _check_session_started,
    "check_answered": _check_answer,
    "go_decision": _check_go_decision,
    "intention_recorded": _check_intention,
    "consent_recorded": _check_consent,
    "dose_given": _check_dose,
    "step_marked": _check_step,
    "observation_recorded": _check_observation,
    "alert_raised": _check_alert_raised,
    "alert_acknowledged": _check_acknowledged,
    "adverse_event_logged": _check_adverse_event,
    "adverse_event_updated": _check_adverse_event_update,
    "phase_marked": _check_phase,
    "amended": _check_amended,
    "voided": _check_void_event,
    "discharge_assessed": _check_assessed,
    "ready_to_leave": _check_after_dose,
    "discharged": _check_discharged,
    "reflection_recorded": _check_reflection,
    "session_closed": _check_closed,
    "record_written": _check_record_written,
}


def validate_event(protocol: Protocol, state: SessionState, event: ev.EventBase) -> str | None:
    """Why `event` should not be journaled now (None when it may), in plain words naming the field.

    Cheap checks the engine runs before journaling: values inside the measure's entry range,
    ids the protocol knows, doses inside the protocol's bounds, boosters inside their window,
    acknowledgements of open alerts, corrections that apply. Pass a stamped event (observed_at
    set) so the checks that count minutes since the first dose can run.
    """
    kind: str = getattr(event, "type", "")
    if state.started is None and kind not in _BEFORE_START:
        return "the session has not started yet"
    if state.closed is not None and kind not in _AFTER_CLOSE:
        return "the session is closed; nothing more can be added"
    check = _CHECKS.get(kind)
    return check(protocol, state, event) if check is not None else None
