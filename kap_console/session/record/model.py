"""The session record: a TOML file built from the journal at close, read by integration.

The journal is the original record; `record.toml` is a copy derived from it and checked
against it (`kap-console record verify` rebuilds it and compares). Building is a pure
function of the protocol and the journal entries, so the same journal always gives the
same record.

Model → TOML mapping (kept in `record_to_toml_dict`):
- field names are TOML keys; sub-models are tables; lists of models are arrays of tables;
- times are TOML offset date-times in UTC (RFC 3339, the ISO 8601 profile TOML uses);
- TOML has no null: a field that is None is left out, and reads back as None.

Its text is written by toml_text.py and the file by writing.py; reading.py reads it back.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

RECORD_FORMAT: Literal[1] = 1
RECORD_NAME = "record.toml"

Scalar = bool | float | str


class RecordModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RecordEntry(RecordModel):
    """What every entry from the journal carries: where it is, when, and by whom."""

    seq: int
    observed_at: AwareDatetime
    recorded_at: AwareDatetime
    recorded_by: str
    late_entry: bool = Field(default=False, description="Typed well after the moment it describes.")
    amended_by: list[int] = Field(default_factory=list, description="Seqs of its amendments.")
    voided: bool = False
    void_reason: str | None = None


class PracticeScenario(RecordModel):
    """The scenario a practice session played (a simulated client)."""

    id: str
    version: str
    title: str = ""
    sha256: str
    path: str = ""
    speed: float | None = None


class SessionInfo(RecordModel):
    id: str
    client_code: str
    facilitator: str
    session_number: int
    training: bool
    app_version: str
    started_at: AwareDatetime
    dosed_at: AwareDatetime | None = Field(default=None, description="T0: the first dose.")
    closed_at: AwareDatetime | None = None
    duration_seconds: int | None = Field(default=None, description="From start to close.")
    outcome: str | None = None
    close_note: str | None = None
    # Set (true) only for practice on a scenario: a real record never carries these keys
    # (the TOML record drops None; the JSON export shows them as null).
    practice: bool | None = None
    scenario: PracticeScenario | None = None


class ProtocolInfo(RecordModel):
    id: str
    version: str
    title: str
    sha256: str
    path: str
    git_commit: str | None = None
    git_dirty: bool | None = None
    status: Literal["draft", "approved"] | None = Field(
        default=None, description="The protocol's approval status, as its file says."
    )
    approved_by: str | None = None
    approved_on: date | None = None
    confirmed: list[Literal["draft", "uncommitted_changes"]] | None = Field(
        default=None,
        description="What the facilitator confirmed going ahead with before the first entry "
        "(a draft protocol, uncommitted changes to its file); absent when nothing was asked.",
    )


class RecordChecklistAnswer(RecordEntry):
    item_id: str
    prompt: str | None = None
    answer: Scalar | None = None
    note: str = ""


class Decision(RecordEntry):
    decision: str
    reason: str
    decided_by: str
    overrides: list[str] = Field(default_factory=list)


class RecordObservation(RecordEntry):
    round_id: str
    due_minutes: int | None = None
    values: dict[str, Scalar]
    note: str = ""
    late: bool = False


class PreSession(RecordModel):
    checks: list[RecordChecklistAnswer] = Field(default_factory=list)
    baseline: list[RecordObservation] = Field(default_factory=list)
    decisions: list[Decision] = Field(default_factory=list)


class RecordIntention(RecordEntry):
    prompt_id: str | None = None
    prompt: str | None = None
    text: str
    revises_seq: int | None = None
    revised_by: int | None = Field(default=None, description="The revision that replaced it.")


class ConsentEntry(RecordEntry):
    touch: bool | None = None
    touch_where: str = ""
    stop_word: str = ""
    items: dict[str, Scalar] = Field(default_factory=dict)


class Dose(RecordEntry):
    kind: str
    drug: str
    route: str
    dose_mg: float
    weight_kg: float | None = None
    mg_per_kg: float | None = None
    lot: str = ""
    given_by: str
    checked_by: str = ""
    device_number: int | None = None


class RecordDosingStep(RecordEntry):
    step_id: str
    label: str | None = None
    status: str


class RoundFact(RecordModel):
    """A round done late or missed, as the schedule stood when the session ended."""

    round_id: str
    due_minutes: int | None = Field(default=None, description="None: the before-discharge round.")
    due_at: AwareDatetime | None = None
    seq: int | None = Field(default=None, description="The observation that answered it.")
    late_by_seconds: int | None = None
    text: str


class ScheduleFacts(RecordModel):
    late: list[RoundFact] = Field(default_factory=list)
    missed: list[RoundFact] = Field(default_factory=list)


class RecordAlert(RecordEntry):
    source_seq: int
    measure_id: str
    threshold_index: int
    level: str
    value: float
    message: str
    response: list[str] = Field(default_factory=list)
    acknowledged_seq: int | None = None
    acknowledged_at: AwareDatetime | None = None
    acknowledged_by: str | None = None
    acknowledge_note: str | None = None


class AdverseEventStatus(RecordModel):
    """An adverse event's fields that updates can change."""

    resolved_at: AwareDatetime | None = None
    severity: str
    serious: bool | None = None  # None: not assessed
    serious_criterion: str | None = None
    actions: list[str]
    treatment: str
    outcome: str


class AdverseEventUpdate(RecordEntry):
    target_seq: int
    resolved_at: AwareDatetime | None = None
    severity: str | None = None
    serious: bool | None = None
    serious_criterion: str | None = None
    actions: list[str] | None = None
    treatment: str | None = None
    outcome: str | None = None
    note: str = ""


class RecordAdverseEvent(RecordEntry):
    """As logged; `current` is the status after its updates."""

    term_id: str | None = None
    term: str
    onset_at: AwareDatetime
    resolved_at: AwareDatetime | None = None
    severity: str
    serious: bool | None = None  # None: not assessed
    serious_criterion: str | None = None
    relatedness: str
    actions: list[str]
    treatment: str
    outcome: str
    note: str
    updates: list[AdverseEventUpdate] = Field(default_factory=list)
    current: AdverseEventStatus


class Note(RecordEntry):
    text: str
    for_integration: bool
    client_quote: bool


class PhaseEntry(RecordEntry):
    phase_id: str
    label: str


class ScaleScore(RecordModel):
    items: dict[str, int]
    total: int
    complete: bool = True
    not_applicable: list[str] = Field(default_factory=list, description="Items scored 2 as N/A.")


class Assessment(RecordEntry):
    checks: dict[str, bool] = Field(default_factory=dict)
    scores: dict[str, ScaleScore] = Field(default_factory=dict)
    escort_present: bool
    escort_name: str = ""
    note: str = ""


class Criterion(RecordModel):
    name: str
    met: bool
    detail: str = ""


class Discharge(RecordModel):
    """Criteria as they stood when the client was discharged (or at the close, if not)."""

    assessments: list[Assessment] = Field(default_factory=list)
    criteria_met: bool | None = None
    criteria_as_of: AwareDatetime | None = None
    criteria: list[Criterion] = Field(default_factory=list)
    ready_to_leave_at: AwareDatetime | None = None
    discharged_at: AwareDatetime | None = None
    discharged_by: str | None = None
    instructions_given: bool | None = None
    criteria_override_reason: str | None = None


class Reflection(RecordEntry):
    prompt_id: str | None = None
    prompt: str | None = None
    text: str


class RecordFollowUp(RecordModel):
    id: str
    label: str
    after_hours: float
    due_at: AwareDatetime


class Correction(RecordModel):
    """One correction in the audit trail: an amendment (old → new) or a void."""

    seq: int
    kind: Literal["amended", "voided"]
    target_seq: int
    target_type: str
    field: str | None = None
    old: bool | int | float | str | None = Field(
        default=None, description="Lists and tables as JSON text."
    )
    new: bool | int | float | str | None = None
    reason: str
    recorded_by: str
    recorded_at: AwareDatetime
    applied: bool = True
    rejection: str | None = Field(default=None, description="Why it could not take effect.")


class RecordIneffective(RecordModel):
    """A journaled entry that changed nothing (kept: the journal is the truth)."""

    seq: int
    kind: str
    reason: str


class Reopened(RecordModel):
    """The journal was reopened after a stop; a torn tail, if any, was set aside."""

    seq: int
    recorded_at: AwareDatetime
    torn_offset: int | None = None
    torn_bytes: int = 0
    torn_sha256: str | None = None
    torn_copy: str | None = None


class SegmentChange(RecordModel):
    seq: int
    recorded_at: AwareDatetime
    previous_segment: str
    reason: str


class Integrity(RecordModel):
    journal_head: str = Field(description="The hash of the last journal line the record holds.")
    event_count: int
    segments: list[str]
    resumes: list[Reopened] = Field(default_factory=list)
    segment_changes: list[SegmentChange] = Field(default_factory=list)
    ineffective: list[RecordIneffective] = Field(default_factory=list)


class SessionRecord(RecordModel):
    format: Literal[1] = RECORD_FORMAT
    session: SessionInfo
    protocol: ProtocolInfo
    pre_session: PreSession = Field(default_factory=PreSession)
    intentions: list[RecordIntention] = Field(default_factory=list)
    consent: list[ConsentEntry] = Field(default_factory=list)
    doses: list[Dose] = Field(default_factory=list)
    dosing_steps: list[RecordDosingStep] = Field(default_factory=list)
    observations: list[RecordObservation] = Field(default_factory=list)
    schedule: ScheduleFacts = Field(default_factory=ScheduleFacts)
    alerts: list[RecordAlert] = Field(default_factory=list)
    adverse_events: list[RecordAdverseEvent] = Field(default_factory=list)
    notes: list[Note] = Field(default_factory=list)
    phases: list[PhaseEntry] = Field(default_factory=list)
    discharge: Discharge = Field(default_factory=Discharge)
    reflections: list[Reflection] = Field(default_factory=list)
    follow_up: list[RecordFollowUp] = Field(default_factory=list)
    corrections: list[Correction] = Field(default_factory=list)
    integrity: Integrity


HEADER = (
    "# kap-console session record, derived from the journal in this folder.\n"
    "# Check it against the journal with: kap-console record verify <this folder>\n\n"
)


class RecordWriteError(Exception):
    """The record could not be written faithfully; the journal still holds everything."""


def record_to_toml_dict(record: SessionRecord) -> dict[str, Any]:
    """The TOML document of a record: the model dump without None, times in UTC."""
    return _toml_ready(record.model_dump(mode="python", exclude_none=True))


_PLAIN = frozenset({str, int, float, bool})


class _EmptyInList(Exception):
    pass


def _toml_ready(document: dict[str, Any]) -> dict[str, Any]:
    """`document` as TOML can hold it: no None (left out), datetimes in UTC. A list holding
    None cannot be written: RecordWriteError names where."""
    try:
        ready: dict[str, Any] = _ready(document)
        return ready
    except _EmptyInList:
        raise RecordWriteError(f"{empty_in_list(document)}: a list holds an empty value") from None


def _ready(value: Any) -> Any:
    # Hot at close: every value of the record passes here, so scalars are not called for.
    kind = type(value)
    if kind is dict:
        return {k: v if type(v) in _PLAIN else _ready(v) for k, v in value.items() if v is not None}
    if kind is list:
        if None in value:
            raise _EmptyInList
        return [v if type(v) in _PLAIN else _ready(v) for v in value]
    if isinstance(value, datetime):
        return value.astimezone(UTC)
    return value


def empty_in_list(value: Any, where: str = "") -> str:
    """The key path of the first list (at or below `value`) that holds None."""
    if isinstance(value, dict):
        for key, item in value.items():
            found = empty_in_list(item, f"{where}.{key}")
            if found:
                return found
    elif isinstance(value, list):
        if None in value:
            return where.lstrip(".") or "(top)"
        for index, item in enumerate(value):
            found = empty_in_list(item, f"{where}[{index}]")
            if found:
                return found
    return ""
