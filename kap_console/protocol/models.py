"""The protocol format: what a dosing session checks, asks and watches, and when.

A protocol is a TOML file that a practice keeps in git. These pydantic models are the
single definition of that format: the loader validates files against them, the JSON Schema
for editors is generated from them, and the session engine reads them.

Field-level rules live here. Rules that relate one part of a protocol to another (ids that
must resolve, thresholds inside entry ranges, rounds inside the window) live in
`crosscheck.py`, so each can name the exact key that is wrong.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

FORMAT_VERSION: Literal[1] = 1

Identifier = Annotated[
    str,
    Field(
        pattern=r"^[a-z][a-z0-9_-]*$",
        min_length=1,
        max_length=64,
        description="Lower-case id: letters, digits, '_' and '-', starting with a letter.",
    ),
]
Text = Annotated[str, Field(min_length=1, max_length=2000)]
Minutes = Annotated[int, Field(ge=0, le=24 * 60, description="Minutes since T0 (first dose).")]

# Semantic Versioning 2.0.0 (https://semver.org): MAJOR.MINOR.PATCH, an optional
# pre-release (`-draft.1`) and build (`+clinic`). A changed protocol gets a higher one.
SEMVER_PATTERN = (
    r"^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)"
    r"(-(0|[1-9][0-9]*|[0-9]*[A-Za-z-][0-9A-Za-z-]*)(\.(0|[1-9][0-9]*|[0-9]*[A-Za-z-][0-9A-Za-z-]*))*)?"
    r"(\+[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$"
)
ApprovalStatus = Literal["draft", "approved"]

Route = Literal["IM", "IV", "SC", "SL", "buccal", "IN", "PO"]
AlertLevel = Literal["notice", "warning", "urgent"]
ALERT_LEVELS: tuple[str, ...] = ("notice", "warning", "urgent")


class Model(BaseModel):
    """Base for every protocol model: unknown keys are errors, loaded protocols are immutable.

    TOML can spell `inf` and `nan`; neither is a usable dose, range or threshold (a `nan`
    threshold never trips), so numbers must be finite."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True, allow_inf_nan=False)


class Range(Model):
    """An inclusive numeric range."""

    min: float
    max: float

    @model_validator(mode="after")
    def _ordered(self) -> Range:
        if self.min > self.max:
            raise ValueError(f"min ({self.min:g}) is greater than max ({self.max:g})")
        return self

    def contains(self, value: float) -> bool:
        return self.min <= value <= self.max


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


class Threshold(Model):
    """When a value trips an alert. Exactly one comparison is set.

    `scope` says when it applies: to baseline (pre-dose) readings, to monitoring readings,
    or both. A baseline threshold with `blocks_dosing = true` holds the dose until the
    decider overrides it with a reason.
    """

    level: AlertLevel
    above: float | None = None
    at_least: float | None = None
    below: float | None = None
    at_most: float | None = None
    message: Text
    response: list[Text] = Field(default_factory=list, description="Steps to take, in order.")
    scope: Literal["any", "baseline", "monitoring"] = "any"
    blocks_dosing: bool = False
    recheck_minutes: int | None = Field(
        default=None,
        ge=1,
        le=240,
        description=(
            "Once the alert is acknowledged while the value is still out of range: "
            "re-measure within this many minutes (the header counts it down)."
        ),
    )

    @model_validator(mode="after")
    def _one_comparison(self) -> Threshold:
        set_ = [
            k for k in ("above", "at_least", "below", "at_most") if getattr(self, k) is not None
        ]
        if len(set_) != 1:
            raise ValueError(
                "set exactly one of above, at_least, below, at_most"
                + (f" (found {', '.join(set_)})" if set_ else "")
            )
        if self.blocks_dosing and self.scope == "monitoring":
            raise ValueError('blocks_dosing needs scope = "baseline" or "any"')
        return self

    @property
    def comparison(self) -> tuple[str, float]:
        for key, symbol in (("above", ">"), ("at_least", "≥"), ("below", "<"), ("at_most", "≤")):
            value = getattr(self, key)
            if value is not None:
                return symbol, value
        raise AssertionError("validated threshold has a comparison")

    def trips(self, value: float) -> bool:
        symbol, limit = self.comparison
        return {
            ">": value > limit,
            "≥": value >= limit,
            "<": value < limit,
            "≤": value <= limit,
        }[symbol]


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


class ObservationRound(Model):
    """A kind of observation round and when it falls due, in minutes since T0.

    Rounds fall due at each of `at_minutes`, and every `every_minutes` from `from_minutes`
    up to and including `until_minutes`. `at_discharge` adds one round before discharge.
    A round is late once `grace_minutes` have passed, and missed once the next round of
    the same kind is due (or `missed_after_minutes`, if set).
    """

    id: Identifier
    label: Text
    measures: list[Identifier] = Field(min_length=1)
    at_minutes: list[Minutes] = Field(default_factory=list)
    every_minutes: int | None = Field(default=None, ge=1, le=240)
    from_minutes: Minutes | None = None
    until_minutes: Minutes | None = None
    at_discharge: bool = False
    required: bool = Field(
        default=False,
        description="Every slot of this round must be recorded before discharge (e.g. BP at 40 min).",
    )
    grace_minutes: int = Field(default=5, ge=0, le=60)
    missed_after_minutes: int | None = Field(default=None, ge=1, le=240)

    @model_validator(mode="after")
    def _has_times(self) -> ObservationRound:
        if not self.at_minutes and self.every_minutes is None and not self.at_discharge:
            raise ValueError("a round needs at_minutes, every_minutes or at_discharge")
        if self.every_minutes is not None and (
            self.from_minutes is None or self.until_minutes is None
        ):
            raise ValueError("every_minutes needs from_minutes and until_minutes")
        if self.every_minutes is None and (
            self.from_minutes is not None or self.until_minutes is not None
        ):
            raise ValueError("from_minutes/until_minutes apply only with every_minutes")
        if (
            self.from_minutes is not None
            and self.until_minutes is not None
            and self.from_minutes > self.until_minutes
        ):
            raise ValueError("from_minutes is after until_minutes")
        if len(set(self.at_minutes)) != len(self.at_minutes):
            raise ValueError("at_minutes lists the same minute twice")
        return self

    def offsets(self) -> list[int]:
        """Every scheduled offset in minutes since T0, sorted, without duplicates."""
        times = set(self.at_minutes)
        if self.every_minutes is not None:
            assert self.from_minutes is not None and self.until_minutes is not None
            times.update(range(self.from_minutes, self.until_minutes + 1, self.every_minutes))
        return sorted(times)


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
