"""The protocol format: what a dosing session checks, asks and watches, and when.

A protocol is a TOML file that a practice keeps in git. These pydantic models are the
single definition of that format: the loader validates files against them, the JSON Schema
for editors is generated from them, and the session engine reads them.

The models are in three modules: `base.py` (what every model is made of: ids, text, minutes,
ranges), `monitoring.py` (when observation rounds fall due and what a reading trips), and this
one, the protocol's top level and the rest of its parts.

Field-level rules live with each model. Rules that relate one part of a protocol to another
(ids that must resolve, thresholds inside entry ranges, rounds inside the window) live in
`crosscheck.py`, so each can name the exact key that is wrong.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import Field, model_validator

from .base import Identifier, Minutes, Model, Range, Text
from .monitoring import ObservationRound, Threshold

FORMAT_VERSION: Literal[1] = 1

# Semantic Versioning 2.0.0 (https://semver.org): MAJOR.MINOR.PATCH, an optional
# pre-release (`-draft.1`) and build (`+clinic`). A changed protocol gets a higher one.
SEMVER_PATTERN = (
    r"^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)"
    r"(-(0|[1-9][0-9]*|[0-9]*[A-Za-z-][0-9A-Za-z-]*)(\.(0|[1-9][0-9]*|[0-9]*[A-Za-z-][0-9A-Za-z-]*))*)?"
    r"(\+[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$"
)
ApprovalStatus = Literal["draft", "approved"]

Route = Literal["IM", "IV", "SC", "SL", "buccal", "IN", "PO"]


class DoseRange(Range):
    """An inclusive range of doses: a dose is an amount given, so both ends are above 0."""

    min: float = Field(gt=0)
    max: float = Field(gt=0)


class Drug(Model):
    """The medicine, the routes this protocol allows, and dose bounds."""

    name: Literal["ketamine", "esketamine"]
    form: Text = Field(
        description="e.g. 'racemic ketamine hydrochloride' or 'esketamine nasal spray'"
    )
    routes: list[Route] = Field(min_length=1)
    dose_mg: DoseRange = Field(description="Allowed dose per administration, in mg.")
    dose_mg_per_kg: DoseRange | None = Field(
        default=None, description="Allowed weight-based dose; when set, the weight is required."
    )
    max_total_mg: float | None = Field(
        default=None, gt=0, description="Cap on the total of all doses."
    )


ChecklistKind = Literal["yes_no", "number", "time", "text"]


class ChecklistItem(Model):
    """One pre-session check. `blocks_dosing_when` names the answer that stops dosing
    (unless the decider overrides it with a reason)."""

    id: Identifier
    prompt: Text
    kind: ChecklistKind = "yes_no"
    required: bool = True
    unit: str | None = None
    range: Range | None = Field(default=None, description="Accepted values for a number item.")
    blocks_dosing_when: Literal["yes", "no"] | None = Field(
        default=None, description="For yes/no items: the answer that blocks dosing."
    )
    help: str | None = None

    @model_validator(mode="after")
    def _kind_fields(self) -> ChecklistItem:
        if self.blocks_dosing_when is not None and self.kind != "yes_no":
            raise ValueError('blocks_dosing_when applies only to kind = "yes_no"')
        if self.range is not None and self.kind != "number":
            raise ValueError('range applies only to kind = "number"')
        return self


class Prompt(Model):
    """A scripted prompt the facilitator reads aloud (intentions, reflections)."""

    id: Identifier
    text: Text
    help: str | None = None


class ConsentItem(Model):
    id: Identifier
    prompt: Text
    kind: Literal["yes_no", "text"] = "yes_no"
    required: bool = True


class Consent(Model):
    """What is agreed before dosing. Touch consent and a stop word are on by default."""

    touch: bool = True
    stop_word: bool = True
    items: list[ConsentItem] = Field(default_factory=list)


class DosingStep(Model):
    """A step after the dose, e.g. 'swish for 10–12 minutes, then spit' (a timed step)."""

    id: Identifier
    label: Text
    kind: Literal["instruction", "timed"] = "instruction"
    duration_minutes: float | None = Field(default=None, gt=0, le=120)
    starts_after: Literal["dose", "previous"] = "dose"

    @model_validator(mode="after")
    def _timed_needs_duration(self) -> DosingStep:
        if self.kind == "timed" and self.duration_minutes is None:
            raise ValueError("a timed step needs duration_minutes")
        if self.kind == "instruction" and self.duration_minutes is not None:
            raise ValueError('duration_minutes applies only to kind = "timed"')
        return self


class Booster(Model):
    """An optional additional dose within a window after T0."""

    earliest_minutes: Minutes
    latest_minutes: Minutes
    max_count: int = Field(default=1, ge=1, le=5)
    dose_mg: DoseRange

    @model_validator(mode="after")
    def _window(self) -> Booster:
        if self.earliest_minutes > self.latest_minutes:
            raise ValueError("earliest_minutes is after latest_minutes")
        return self


class Devices(Model):
    """Multi-device dosing (e.g. 28 mg nasal devices given some minutes apart)."""

    mg_per_device: float = Field(gt=0)
    min_count: int = Field(ge=1, le=10)
    max_count: int = Field(ge=1, le=10)
    interval_minutes: float = Field(ge=0, le=60)

    @model_validator(mode="after")
    def _counts(self) -> Devices:
        if self.min_count > self.max_count:
            raise ValueError("min_count is greater than max_count")
        return self


class Dosing(Model):
    steps: list[DosingStep] = Field(default_factory=list)
    booster: Booster | None = None
    devices: Devices | None = None


class ScaleLevel(Model):
    value: int
    label: Text


MeasureKind = Literal["number", "scale", "yes_no", "text"]


class Measure(Model):
    """Something observed in a round: a vital sign, a scale score, a yes/no, a free note."""

    id: Identifier
    label: Text
    kind: MeasureKind = "number"
    unit: str | None = None
    range: Range | None = Field(default=None, description="Physically plausible entry range.")
    decimals: int = Field(default=0, ge=0, le=3)
    levels: list[ScaleLevel] = Field(default_factory=list, description="For scales: each level.")
    thresholds: list[Threshold] = Field(default_factory=list)
    prefill: bool = Field(
        default=False,
        description="Show the last value as a hint in the empty field (never saved unless typed).",
    )
    help: str | None = None

    @model_validator(mode="after")
    def _kind_fields(self) -> Measure:
        if self.kind == "number" and self.range is None:
            raise ValueError("a number measure needs a range (the plausible entry range)")
        if self.kind == "scale" and len(self.levels) < 2:
            raise ValueError("a scale measure needs at least two levels")
        if self.kind != "scale" and self.levels:
            raise ValueError('levels apply only to kind = "scale"')
        if self.kind == "text" and self.thresholds:
            raise ValueError("a text measure cannot have thresholds")
        return self

    def entry_range(self) -> Range | None:
        """The accepted entry range: `range` for numbers, min..max level for scales, 0..1 for yes/no."""
        if self.kind == "number":
            return self.range
        if self.kind == "scale":
            values = [level.value for level in self.levels]
            return Range(min=min(values), max=max(values))
        if self.kind == "yes_no":
            return Range(min=0, max=1)
        return None


class Phase(Model):
    """A clinical phase marker expected at an offset from T0 (onset, peak, return…)."""

    id: Identifier
    label: Text
    expected_minutes: Minutes


class AdverseEventTerm(Model):
    """An entry of the protocol's adverse-event catalogue."""

    id: Identifier
    term: Text
    grading: Literal["ctcae", "mild_moderate_severe"] = "ctcae"
    help: str | None = None


class DischargeCheck(Model):
    id: Identifier
    prompt: Text
    required: bool = True


ScaleName = Literal["modified_aldrete", "padss"]


class ScoreRequirement(Model):
    """A discharge scale whose total must reach `at_least`; `item_minimums` can require
    particular items (e.g. respiration = 2)."""

    scale: ScaleName
    at_least: int = Field(ge=0, le=10)
    item_minimums: dict[str, int] = Field(default_factory=dict)


class DischargeCriteria(Model):
    min_minutes: Minutes
    checks: list[DischargeCheck] = Field(default_factory=list)
    scores: list[ScoreRequirement] = Field(default_factory=list)
    escort_required: bool = True
    at_most_baseline: list[Identifier] = Field(
        default_factory=list,
        description="Measures whose last value must be no higher than baseline (e.g. SUDS).",
    )


class FollowUp(Model):
    id: Identifier
    label: Text
    after_hours: float = Field(gt=0, le=24 * 90)


class Protocol(Model):
    """A session protocol. `example = true` marks a sample that is not clinical guidance."""

    format: Literal[1] = Field(default=FORMAT_VERSION, description="Protocol format version.")
    id: Identifier
    title: Text
    version: Annotated[
        str,
        Field(
            pattern=SEMVER_PATTERN,
            description="A semantic version (1.0.0, 1.1.0, 2.0.0-draft.1); raise it with every change.",
        ),
    ]
    status: ApprovalStatus | None = Field(
        default=None,
        description='"draft" or "approved"; an approved version names who approved it and when.',
    )
    approved_by: Text | None = Field(
        default=None, description='Who approved this version (with status = "approved").'
    )
    approved_on: date | None = Field(
        default=None, description="The day this version was approved, e.g. 2026-11-30."
    )
    example: bool = False
    disclaimer: str | None = None
    description: str | None = None
    training: bool = Field(default=False, description="A mock protocol for trainees.")
    window_minutes: int = Field(ge=10, le=12 * 60, description="The monitored window after T0.")
    drug: Drug
    checklist: list[ChecklistItem] = Field(default_factory=list)
    baseline_measures: list[Identifier] = Field(
        default_factory=list, description="Measures taken before dosing (baseline)."
    )
    intention_prompts: list[Prompt] = Field(default_factory=list)
    consent: Consent = Field(default_factory=Consent)
    dosing: Dosing = Field(default_factory=Dosing)
    measures: list[Measure] = Field(min_length=1)
    schedule: list[ObservationRound] = Field(min_length=1)
    phases: list[Phase] = Field(default_factory=list)
    adverse_events: list[AdverseEventTerm] = Field(default_factory=list)
    discharge: DischargeCriteria
    reflection_prompts: list[Prompt] = Field(default_factory=list)
    follow_up: list[FollowUp] = Field(default_factory=list)

    @model_validator(mode="after")
    def _example_says_so(self) -> Protocol:
        if self.example and not (self.disclaimer and self.disclaimer.strip()):
            raise ValueError(
                "an example protocol needs a disclaimer saying it is not clinical guidance"
            )
        return self

    def measure(self, measure_id: str) -> Measure:
        for measure in self.measures:
            if measure.id == measure_id:
                return measure
        raise KeyError(measure_id)

    def round(self, round_id: str) -> ObservationRound:
        for spec in self.schedule:
            if spec.id == round_id:
                return spec
        raise KeyError(round_id)
