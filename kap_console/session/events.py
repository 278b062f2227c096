"""Every facilitator action as an event: one pydantic discriminated union.

Events are facts. Nothing is ever edited or deleted: a correction is an `Amended` event
(what it amends, old, new, reason), a removal is a `Voided` event ("entered in error").
Each event is attributable (`recorded_by`) and keeps `observed_at` (when it happened or was
measured) apart from `recorded_at` (when it was typed), so late entries say so.

The engine fills `observed_at`, `recorded_at` and `recorded_by` when a caller leaves them
unset; every event that reaches the journal has all three.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Annotated, Any, Literal, TypeVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, TypeAdapter

from kap_console.protocol.identity import ProtocolIdentity

# Values typed into a round: numbers (vitals, scales), yes/no, free text.
Value = bool | float | str
ShortText = Annotated[str, Field(max_length=200)]
LongText = Annotated[str, Field(max_length=20_000)]
CLIENT_CODE_PATTERN = r"^[A-Z0-9][A-Z0-9-]{2,23}$"
BASELINE_ROUND = "baseline"


class EventBase(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    observed_at: AwareDatetime | None = None
    recorded_at: AwareDatetime | None = None
    recorded_by: ShortText = ""


class PracticeIdentity(BaseModel):
    """The scenario a practice session plays (a simulated client): never a real session."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    scenario_id: str
    scenario_version: str
    scenario_title: str = ""
    scenario_sha256: str
    scenario_path: str = ""
    speed: float | None = None


class SessionStarted(EventBase):
    type: Literal["session_started"] = "session_started"
    session_id: str
    client_code: Annotated[str, Field(pattern=CLIENT_CODE_PATTERN)]
    facilitator: ShortText
    session_number: int = Field(ge=1, le=999)
    protocol: ProtocolIdentity
    training: bool = False
    app_version: str = ""
    protocol_confirmed: list[Literal["draft", "uncommitted_changes"]] = Field(
        default_factory=list,
        description="What the facilitator confirmed going ahead with before the first entry: "
        "a draft protocol, a protocol file with uncommitted changes.",
    )
    practice: PracticeIdentity | None = Field(
        default=None, description="Set only for practice on a scenario (a simulated client)."
    )


class CheckAnswered(EventBase):
    type: Literal["check_answered"] = "check_answered"
    item_id: str
    answer: Value | None
    note: LongText = ""


class GoDecision(EventBase):
    type: Literal["go_decision"] = "go_decision"
    decision: Literal["go", "no_go"]
    reason: LongText = ""
    decided_by: ShortText
    overrides: list[str] = Field(
        default_factory=list, description="Blocking items or thresholds overridden, by id."
    )


class IntentionRecorded(EventBase):
    type: Literal["intention_recorded"] = "intention_recorded"
    prompt_id: str | None = None
    text: LongText
    revises_seq: int | None = Field(default=None, description="The intention this one revises.")


class ConsentRecorded(EventBase):
    type: Literal["consent_recorded"] = "consent_recorded"
    touch: bool | None = None
    touch_where: ShortText = ""
    stop_word: ShortText = ""
    items: dict[str, Value] = Field(default_factory=dict)


class DoseGiven(EventBase):
    type: Literal["dose_given"] = "dose_given"
    kind: Literal["initial", "booster", "device"] = "initial"
    drug: str
    route: str
    dose_mg: float = Field(gt=0, le=2000)
    weight_kg: float | None = Field(default=None, gt=0, le=400)
    mg_per_kg: float | None = None
    lot: ShortText = ""
    given_by: ShortText
    checked_by: ShortText = ""
    device_number: int | None = None


class StepMarked(EventBase):
    """A dosing step started or done (e.g. sublingual swish started / spat)."""

    type: Literal["step_marked"] = "step_marked"
    step_id: str
    status: Literal["started", "done"]


class ObservationRecorded(EventBase):
    """One observation round (or the baseline, round_id = "baseline")."""

    type: Literal["observation_recorded"] = "observation_recorded"
    round_id: str
    due_minutes: int | None = Field(
        default=None, description="The scheduled offset (min since T0) this round answers."
    )
    values: dict[str, Value]
    note: LongText = ""


class AlertRaised(EventBase):
    type: Literal["alert_raised"] = "alert_raised"
    source_seq: int = Field(description="The observation that tripped the threshold.")
    measure_id: str
    threshold_index: int
    level: Literal["notice", "warning", "urgent"]
    value: float
    message: str
    response: list[str] = Field(default_factory=list)


class AlertAcknowledged(EventBase):
    type: Literal["alert_acknowledged"] = "alert_acknowledged"
    alert_seq: int
    note: LongText = ""


Severity = Literal["1", "2", "3", "4", "5", "mild", "moderate", "severe"]
SeriousCriterion = Literal[
    "death", "life_threatening", "hospitalisation", "disability", "important_medical_event"
]
# "not_assessed": nobody chose a value when the event was logged (the form records that
# rather than a guess). Older journals never hold it; their values all stay valid.
Relatedness = Literal[
    "certain", "probable", "possible", "unlikely", "conditional", "unassessable", "not_assessed"
]
Action = Literal[
    "none",
    "dose_withheld",
    "session_stopped_early",
    "treatment_given",
    "emergency_services_called",
    "not_assessed",
]
Outcome = Literal[
    "recovered",
    "recovering",
    "not_recovered",
    "recovered_with_sequelae",
    "fatal",
    "unknown",
    "not_assessed",
]


class AdverseEventLogged(EventBase):
    type: Literal["adverse_event_logged"] = "adverse_event_logged"
    term_id: str | None = Field(default=None, description="From the protocol's catalogue.")
    term: ShortText = Field(min_length=1)
    onset_at: AwareDatetime
    resolved_at: AwareDatetime | None = None
    severity: Severity
    # None: not assessed (the form leaves it so when nobody answered). The defaults below are
    # what journals written before the form sent every field explicitly were read with.
    serious: bool | None = False
    serious_criterion: SeriousCriterion | None = None
    relatedness: Relatedness = "possible"
    actions: list[Action] = Field(default_factory=lambda: list[Action](["none"]))
    treatment: LongText = ""
    outcome: Outcome = "recovering"
    note: LongText = ""


class AdverseEventUpdated(EventBase):
    type: Literal["adverse_event_updated"] = "adverse_event_updated"
    target_seq: int
    resolved_at: AwareDatetime | None = None
    severity: Severity | None = None
    serious: bool | None = None
    serious_criterion: SeriousCriterion | None = None
    actions: list[Action] | None = None
    treatment: LongText | None = None
    outcome: Outcome | None = None
    note: LongText = ""


class NoteAdded(EventBase):
    type: Literal["note_added"] = "note_added"
    text: LongText = Field(min_length=1)
    for_integration: bool = False
    client_quote: bool = False


class PhaseMarked(EventBase):
    type: Literal["phase_marked"] = "phase_marked"
    phase_id: str
    label: ShortText = ""


class Amended(EventBase):
    type: Literal["amended"] = "amended"
    target_seq: int
    field: str
    old: Any = None
    new: Any = None
    reason: LongText = Field(min_length=1)


class Voided(EventBase):
    type: Literal["voided"] = "voided"
    target_seq: int
    reason: LongText = Field(min_length=1)


class DischargeAssessed(EventBase):
    type: Literal["discharge_assessed"] = "discharge_assessed"
    checks: dict[str, bool] = Field(default_factory=dict)
    scores: dict[str, dict[str, int]] = Field(
        default_factory=dict, description="Scale name -> item -> 0..2."
    )
    escort_present: bool = False
    escort_name: ShortText = ""
    note: LongText = ""


class ReadyToLeave(EventBase):
    """The time the client was ready to leave, recorded as it happens (observed_at)."""

    type: Literal["ready_to_leave"] = "ready_to_leave"


class Discharged(EventBase):
    type: Literal["discharged"] = "discharged"
    discharged_by: ShortText
    instructions_given: bool = True
    criteria_override_reason: LongText = ""


class ReflectionRecorded(EventBase):
    type: Literal["reflection_recorded"] = "reflection_recorded"
    prompt_id: str | None = None
    text: LongText


class PracticeCue(EventBase):
    """Practice only: what the scenario showed the trainee, as it was shown.

    `monitor`: the simulated monitor's readings when a round was opened; `incident`: an
    incident's prompt. The debrief is computed from these and the other entries."""

    type: Literal["practice_cue"] = "practice_cue"
    cue: Literal["monitor", "incident"]
    minute: float = Field(description="Minutes since T0 on the scenario's clock.")
    incident_id: str | None = None
    round_id: str | None = None
    readings: dict[str, float] = Field(default_factory=dict)
    text: LongText = ""


class PracticeAnswered(EventBase):
    """Practice only: the trainee's first key on an incident's prompt."""

    type: Literal["practice_answered"] = "practice_answered"
    incident_id: str


class SessionClosed(EventBase):
    type: Literal["session_closed"] = "session_closed"
    outcome: Literal["completed", "stopped_early", "no_go"] = "completed"
    note: LongText = ""


class RecordWritten(EventBase):
    """The final record was written: its SHA-256 and the journal head it was built from."""

    type: Literal["record_written"] = "record_written"
    record_path: str
    record_sha256: str
    journal_head: str
    event_count: int


class Resumed(EventBase):
    """The journal was reopened; a torn tail, if any, was set aside (never guessed at)."""

    type: Literal["resumed"] = "resumed"
    torn_offset: int | None = None
    torn_bytes: int = 0
    torn_sha256: str | None = None
    torn_copy: str | None = None


class SegmentOpened(EventBase):
    """Writing continued in a new journal segment after a write error."""

    type: Literal["segment_opened"] = "segment_opened"
    previous_segment: str
    reason: str


Event = Annotated[
    SessionStarted
    | CheckAnswered
    | GoDecision
    | IntentionRecorded
    | ConsentRecorded
    | DoseGiven
    | StepMarked
    | ObservationRecorded
    | AlertRaised
    | AlertAcknowledged
    | AdverseEventLogged
    | AdverseEventUpdated
    | NoteAdded
    | PhaseMarked
    | Amended
    | Voided
    | DischargeAssessed
    | ReadyToLeave
    | Discharged
    | ReflectionRecorded
    | PracticeCue
    | PracticeAnswered
    | SessionClosed
    | RecordWritten
    | Resumed
    | SegmentOpened,
    Field(discriminator="type"),
]


@cache
def event_adapter() -> TypeAdapter[Event]:
    """The validator of the whole union, built the first time a journal line is parsed
    (resume, verify, a listing, close from disk): an event made in the room is built from
    its own class, and a session started and never resumed never needs this one."""
    return TypeAdapter(Event)


Stamped = TypeVar("Stamped", bound=EventBase)


# One set of "fields given" per distinct set, shared by every event parsed with it (see below).
_FIELDS_GIVEN: dict[frozenset[str], set[str]] = {}


def event_from_dict(data: dict[str, Any]) -> Event:
    """Validate a journal payload back into its event model.

    pydantic gives every model its own set of the fields it was given (about 700 bytes for
    an observation, more than half of it): a replayed session of 100,000 events held 100,000
    copies of a handful of sets. Events are frozen, so nothing changes that set in place
    (`model_copy` copies it before adding to it), and parsed events share one per distinct
    set."""
    event = event_adapter().validate_python(data)
    given = event.__pydantic_fields_set__
    shared = _FIELDS_GIVEN.setdefault(frozenset(given), given)
    if shared is not given:
        object.__setattr__(event, "__pydantic_fields_set__", shared)
    return event


def event_to_dict(event: EventBase) -> dict[str, Any]:
    """The JSON-ready payload of an event (datetimes as ISO 8601 with offset)."""
    return event.model_dump(mode="json")


def stamped(event: Stamped, *, now: datetime, by: str) -> Stamped:
    """The event with recorded_at = now, observed_at defaulting to now, recorded_by to `by`."""
    update: dict[str, Any] = {"recorded_at": now}
    if event.observed_at is None:
        update["observed_at"] = now
    if not event.recorded_by:
        update["recorded_by"] = by
    return event.model_copy(update=update)


@dataclass(frozen=True)
class Committed:
    """An event the engine committed: its journal sequence number, the event as stamped and
    journaled, and the alerts it raised (each with its own sequence number)."""

    seq: int
    event: EventBase
    alerts: list[tuple[int, AlertRaised]]
