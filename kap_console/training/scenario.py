"""The scenario format: a simulated client for practice, and how a practice run is scored.

A scenario is a TOML file. It names the training protocol(s) it fits, describes what the
"monitor" shows for each measure over time (keyframes at minutes since the dose, joined by
straight lines, with optional noise drawn from a seed so every run is the same), the timed
incidents a trainee must notice and answer, and the rubric: how many points each part of
the debrief is worth. Every weight lives here, never in code; the parts must add up to 100.

Rules that relate one part to another (ids given once, keyframes in time order, the rubric
adding up to 100) are checked in `loader.cross_problems`; rules that need the protocol
(measure ids, adverse-event terms) in `loader.fit_problems`; each is placed at its key.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from kap_console.protocol.base import Identifier, Text
from kap_console.protocol.models import SEMVER_PATTERN

FORMAT_VERSION = 1

Points = Annotated[int, Field(ge=0, le=100, description="Points out of 100.")]
# Minutes since T0 (the first dose); negative minutes are before it (the baseline).
SceneMinutes = Annotated[float, Field(ge=-120, le=24 * 60)]


class Model(BaseModel):
    """Base for every scenario model: unknown keys are errors, numbers are finite."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True, allow_inf_nan=False)


class Keyframe(Model):
    """What the monitor shows at one moment (minutes since the dose)."""

    at: SceneMinutes
    value: float


class Readings(Model):
    """One measure over time: keyframes (in time order) joined by straight lines; before the
    first and after the last the value holds. `noise` adds up to ± that much, the same on
    every run."""

    measure: Identifier
    keyframes: list[Keyframe] = Field(min_length=1)
    noise: float = Field(default=0, ge=0, le=50)


ActionKind = Literal["notice", "acknowledge", "adverse_event", "note"]
AdverseAction = Literal[
    "none", "dose_withheld", "session_stopped_early", "treatment_given", "emergency_services_called"
]


class Expectation(Model):
    """One thing the trainee is expected to do about an incident, and what it is worth.

    - notice: answer the incident's prompt (the first key on it).
    - acknowledge: acknowledge the alert raised on `measure` (after typing the reading).
    - adverse_event: log the adverse event `term` (a term id of the protocol's catalogue),
      with every action in `actions` among its actions (e.g. emergency_services_called).
    - note: add a note.
    Done within `within_minutes` of the cue, when set.
    """

    action: ActionKind
    points: Points
    term: Identifier | None = None
    measure: Identifier | None = None
    actions: list[AdverseAction] = Field(default_factory=list)
    within_minutes: float | None = Field(default=None, gt=0, le=240)
    label: Text | None = Field(default=None, description="What to call it in the debrief.")

    @model_validator(mode="after")
    def _fields_for_action(self) -> Expectation:
        if self.action == "adverse_event" and self.term is None:
            raise ValueError("an adverse_event expectation needs term (a protocol term id)")
        if self.action != "adverse_event" and (self.term is not None or self.actions):
            raise ValueError('term and actions apply only to action = "adverse_event"')
        if self.action == "acknowledge" and self.measure is None:
            raise ValueError("an acknowledge expectation needs measure (whose alert)")
        if self.action != "acknowledge" and self.measure is not None:
            raise ValueError('measure applies only to action = "acknowledge"')
        return self

    def describe(self) -> str:
        if self.label:
            return self.label
        if self.action == "notice":
            return "answer the prompt"
        if self.action == "acknowledge":
            return f"acknowledge the {self.measure} alert"
        if self.action == "note":
            return "add a note"
        extra = f" ({', '.join(self.actions)})" if self.actions else ""
        return f"log the adverse event '{self.term}'{extra}"


class Incident(Model):
    """Something that happens to the client at a time: shown to the trainee as a prompt."""

    id: Identifier
    at: SceneMinutes
    cue: Text = Field(description="What the trainee sees or hears, in words.")
    expect: list[Expectation] = Field(min_length=1)


class Rubric(Model):
    """Points of the debrief's score. Each part loses points per fault, never more than
    its cap; the caps, the preparation points and every expectation's points add up to 100."""

    late_round: Points = Field(description="Lost for each round done late.")
    missed_round: Points = Field(description="Lost for each round missed.")
    rounds_cap: Points
    transcription_error: Points = Field(
        description="Lost for each reading typed differently from what the monitor showed."
    )
    transcription_cap: Points
    alert_unacknowledged: Points = Field(description="Lost for each alert never acknowledged.")
    alert_late: Points = Field(description="Lost for each alert acknowledged too late.")
    acknowledge_within_minutes: float = Field(gt=0, le=240)
    alerts_cap: Points
    early_discharge: Points = Field(description="Lost when discharge came before the criteria.")
    intentions_before_dose: Points
    consent_before_dose: Points


class Scenario(Model):
    """A practice scenario: which protocols it fits, the client's readings, the incidents."""

    format: Literal[1] = Field(description="Scenario format version; this release reads 1.")
    id: Identifier
    title: Text
    version: Annotated[
        str, Field(pattern=SEMVER_PATTERN, description="A semantic version (1.0.0).")
    ]
    description: Text | None = None
    protocols: list[Identifier] = Field(min_length=1, description="Protocol ids it fits.")
    seed: int = Field(default=0, ge=0, le=2**31, description="Noise seed (same seed, same run).")
    readings: list[Readings] = Field(default_factory=list)
    incidents: list[Incident] = Field(default_factory=list)
    rubric: Rubric

    def total_points(self) -> int:
        """What the rubric's parts add up to (a valid scenario: 100)."""
        rubric = self.rubric
        return (
            rubric.rounds_cap
            + rubric.transcription_cap
            + rubric.alerts_cap
            + rubric.early_discharge
            + rubric.intentions_before_dose
            + rubric.consent_before_dose
            + sum(item.points for incident in self.incidents for item in incident.expect)
        )

    def incident(self, incident_id: str) -> Incident:
        for incident in self.incidents:
            if incident.id == incident_id:
                return incident
        raise KeyError(incident_id)
