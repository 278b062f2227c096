"""What the integration therapist reads about one session, in plain words, from its record.

Built from the `SessionRecord` alone (and never written back): intentions in the client's own
words, the timeline with notes and quotes tagged for integration marked with a star (a mark,
not colour alone), adverse events open first, alerts with how they were answered, the
discharge summary, reflections and the follow-up plan. The review screen shows these lines;
the course and the "last session" panel reuse the small helpers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from kap_console.session import SHORT_NAMES, SHOWN_UNITS, RecordAdverseEvent, SessionRecord

MARK = "★"
SEVERITY_RANK = {"mild": 1, "moderate": 2, "severe": 3}
CLOSED_OUTCOMES = frozenset({"recovered", "recovered_with_sequelae", "fatal"})
UNITS = {"spo2": "%", "temp": "°C"}


@dataclass(frozen=True)
class Line:
    """One line of a review section; `marked` lines are tagged for integration (★)."""

    text: str
    when: str = ""
    marked: bool = False
    warn: bool = False


@dataclass
class Review:
    """Every section of the review of one session, as lines of words."""

    title: str
    intentions: list[Line] = field(default_factory=list)
    timeline: list[Line] = field(default_factory=list)
    adverse_events: list[Line] = field(default_factory=list)
    alerts: list[Line] = field(default_factory=list)
    discharge: list[Line] = field(default_factory=list)
    reflections: list[Line] = field(default_factory=list)
    follow_up: list[Line] = field(default_factory=list)


def elapsed(at: datetime | None, t0: datetime | None) -> str:
    """`T+35` minutes since the first dose, `T-12` before it; the clock time without T0."""
    if at is None:
        return ""
    if t0 is None:
        return at.strftime("%H:%M")
    minutes = int((at - t0).total_seconds() // 60)
    return f"T{minutes:+d}"


def number(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def readings_text(values: Mapping[str, Any]) -> str:
    """`BP 124/78, HR 74, SpO2 98 %, MOAA/S 4`: one round's readings in a few words."""
    parts = []
    if "sbp" in values or "dbp" in values:
        parts.append(f"BP {number(values.get('sbp', '?'))}/{number(values.get('dbp', '?'))}")
    for key, value in values.items():
        if key in ("sbp", "dbp"):
            continue
        name = SHORT_NAMES.get(key, key.replace("_", " "))
        if isinstance(value, bool):
            parts.append(f"{name} {'yes' if value else 'no'}")
        elif isinstance(value, str):
            parts.append(f"{name}: {value}")
        else:
            unit = UNITS.get(key, "")
            parts.append(f"{name} {number(value)}" + (f" {unit}" if unit in SHOWN_UNITS else ""))
    return ", ".join(parts)


def severity_rank(severity: str) -> int:
    return int(severity) if severity.isdigit() else SEVERITY_RANK.get(severity, 0)


def severity_words(severity: str) -> str:
    return f"grade {severity}" if severity.isdigit() else severity


def is_open(event: RecordAdverseEvent) -> bool:
    """An adverse event not resolved by the end of the record."""
    return event.current.resolved_at is None and event.current.outcome not in CLOSED_OUTCOMES


def live_intentions(record: SessionRecord) -> list[Any]:
    """The intentions as they stand: not voided and not replaced by a revision."""
    return [i for i in record.intentions if not i.voided and i.revised_by is None]


def first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else ""


def dose_text(dose: Any) -> str:
    per_kg = f" ({dose.mg_per_kg:g} mg/kg)" if dose.mg_per_kg else ""
    what = f"device {dose.device_number}" if dose.device_number else dose.kind
    return f"{what}: {dose.drug} {dose.dose_mg:g} mg{per_kg} {dose.route}"


def build_review(record: SessionRecord) -> Review:
    """The review of `record`: every section the integration therapist reads."""
    s = record.session
    t0 = s.dosed_at
    title = (
        f"{s.client_code} · session {s.session_number} · {s.started_at:%Y-%m-%d} · "
        f"{record.protocol.id} {record.protocol.version}" + (" · TRAINING" if s.training else "")
    )
    review = Review(title=title)
    for intention in live_intentions(record):
        revised = " (revised)" if intention.revises_seq is not None else ""
        review.intentions.append(
            Line(f"“{intention.text}”{revised}", elapsed(intention.observed_at, t0))
        )
        if intention.prompt:
            review.intentions.append(Line(f"  asked: {intention.prompt}"))
    review.timeline = _timeline(record)
    review.adverse_events = _adverse_events(record)
    review.alerts = _alerts(record)
    review.discharge = _discharge(record)
    review.reflections = [
        Line(r.text + (f"  ({r.prompt})" if r.prompt else ""), elapsed(r.observed_at, t0))
        for r in record.reflections
        if not r.voided
    ]
    review.follow_up = [
        Line(f"{item.label}: due {item.due_at:%Y-%m-%d %H:%M} UTC") for item in record.follow_up
    ]
    return review


def _timeline(record: SessionRecord) -> list[Line]:
    t0 = record.session.dosed_at
    items: list[tuple[datetime, int, Line]] = []

    def add(entry: Any, text: str, *, marked: bool = False, warn: bool = False) -> None:
        if entry.voided:
            return
        amended = " (amended)" if entry.amended_by else ""
        late = " (typed late)" if entry.late_entry else ""
        line = Line(text + amended + late, elapsed(entry.observed_at, t0), marked, warn)
        items.append((entry.observed_at, entry.seq, line))

    for baseline in record.pre_session.baseline:
        add(baseline, f"Baseline {readings_text(baseline.values)}")
    for decision in record.pre_session.decisions:
        add(decision, f"Decision: {decision.decision.replace('_', '-')} by {decision.decided_by}")
    for dose in record.doses:
        add(dose, f"Dose {dose_text(dose)}")
    for step in record.dosing_steps:
        add(step, f"Step {step.label or step.step_id}: {step.status}")
    for observation in record.observations:
        late = " (round late)" if observation.late else ""
        note = f" · {observation.note}" if observation.note else ""
        add(observation, f"Round {readings_text(observation.values)}{late}{note}")
    for alert in record.alerts:
        add(alert, f"ALERT {alert.level}: {alert.message}", warn=True)
    for event in record.adverse_events:
        add(event, f"Adverse event: {event.term}, {severity_words(event.severity)}", warn=True)
    for written in record.notes:
        kind = "Client quote" if written.client_quote else "Note"
        mark = written.for_integration or written.client_quote
        add(written, f"{MARK + ' ' if mark else ''}{kind}: {written.text}", marked=mark)
    for phase in record.phases:
        add(phase, f"Phase: {phase.label or phase.phase_id}")
    for assessment in record.discharge.assessments:
        scores = ", ".join(f"{name} {score.total}" for name, score in assessment.scores.items())
        add(assessment, "Discharge assessed" + (f": {scores}" if scores else ""))
    items.sort(key=lambda item: (item[0], item[1]))
    lines = [line for _, _, line in items]
    discharge = record.discharge
    if discharge.ready_to_leave_at is not None:
        lines.append(Line("Ready to leave", elapsed(discharge.ready_to_leave_at, t0)))
    if discharge.discharged_at is not None:
        lines.append(
            Line(f"Discharged by {discharge.discharged_by}", elapsed(discharge.discharged_at, t0))
        )
    return lines


def _adverse_events(record: SessionRecord) -> list[Line]:
    t0 = record.session.dosed_at
    events = [e for e in record.adverse_events if not e.voided]
    events.sort(key=lambda e: (not is_open(e), e.onset_at))
    lines = []
    for event in events:
        current = event.current
        status = "OPEN" if is_open(event) else "resolved"
        serious = f", SERIOUS ({current.serious_criterion or 'criterion not given'})"
        lines.append(
            Line(
                f"{status}: {event.term}, {severity_words(current.severity)}"
                + (serious if current.serious else "")
                + f", {event.relatedness} related, outcome {current.outcome.replace('_', ' ')}",
                elapsed(event.onset_at, t0),
                warn=is_open(event),
            )
        )
        actions = [a.replace("_", " ") for a in current.actions if a != "none"]
        if actions or current.treatment:
            detail = ", ".join(actions) + (f" — {current.treatment}" if current.treatment else "")
            lines.append(Line(f"  action: {detail}"))
        if current.resolved_at is not None:
            lines.append(Line(f"  resolved {elapsed(current.resolved_at, t0)}"))
    return lines


def _alerts(record: SessionRecord) -> list[Line]:
    t0 = record.session.dosed_at
    lines = []
    for alert in record.alerts:
        if alert.voided:
            continue
        lines.append(
            Line(
                f"{alert.level}: {alert.message} ({number(alert.value)})",
                elapsed(alert.observed_at, t0),
                warn=alert.acknowledged_at is None,
            )
        )
        if alert.acknowledged_at is None:
            lines.append(Line("  NOT ANSWERED", warn=True))
        else:
            note = f": {alert.acknowledge_note}" if alert.acknowledge_note else ""
            lines.append(
                Line(
                    f"  answered {elapsed(alert.acknowledged_at, t0)} by "
                    f"{alert.acknowledged_by}{note}"
                )
            )
    return lines


def minutes_to_ready(record: SessionRecord) -> int | None:
    """Minutes from the first dose to the moment the client was ready to leave."""
    ready, t0 = record.discharge.ready_to_leave_at, record.session.dosed_at
    if ready is None or t0 is None:
        return None
    return int((ready - t0).total_seconds() // 60)


def _discharge(record: SessionRecord) -> list[Line]:
    d = record.discharge
    t0 = record.session.dosed_at
    met = {True: "criteria met", False: "criteria NOT met", None: "not assessed"}
    lines = [Line(f"Discharge {met[d.criteria_met]}", warn=d.criteria_met is False)]
    ready = minutes_to_ready(record)
    if d.ready_to_leave_at is not None:
        after = f" ({ready} min after the first dose)" if ready is not None else ""
        lines.append(Line(f"Ready to leave {d.ready_to_leave_at:%H:%M} UTC{after}"))
    else:
        lines.append(Line("Ready to leave: not recorded", warn=True))
    live = [a for a in d.assessments if not a.voided]
    if live:
        last = live[-1]
        for name, score in last.scores.items():
            complete = "" if score.complete else " (incomplete)"
            lines.append(Line(f"{name.replace('_', ' ')}: {score.total}{complete}"))
        escort = "present" if last.escort_present else "NOT present"
        name = f" ({last.escort_name})" if last.escort_name else ""
        lines.append(Line(f"Escort {escort}{name}", warn=not last.escort_present))
    for criterion in d.criteria:
        if not criterion.met:
            lines.append(
                Line(f"  not met: {criterion.name} {criterion.detail}".rstrip(), warn=True)
            )
    if d.discharged_at is not None:
        lines.append(
            Line(
                f"Discharged {d.discharged_at:%H:%M} UTC by {d.discharged_by}",
                elapsed(d.discharged_at, t0),
            )
        )
    if d.criteria_override_reason:
        lines.append(Line(f"  criteria overridden: {d.criteria_override_reason}", warn=True))
    outcome = record.session.outcome
    if outcome and outcome != "completed":
        lines.append(Line(f"Session outcome: {outcome.replace('_', ' ')}", warn=True))
    return lines
