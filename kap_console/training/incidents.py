"""Each incident of a practice run, judged from the journal and laid out on one timeline in
the steps simulation educators debrief clinical judgment with (the NCSBN Clinical Judgment
Measurement Model, condensed): recognise the cue, analyse, act, evaluate.

When the cue appeared is its practice_cue entry; the trainee's first response is the earlier
of their first key on the prompt (practice_answered) and their first entry after the cue.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from kap_console.session import events as ev

from .scenario import Expectation, Scenario

# How long after a cue the debrief looks for what the trainee did and what followed.
FOLLOW_MINUTES = 15
# Entries that are the trainee's own doing (not the console's or the scenario's).
ACTS = {
    "observation_recorded": "analyse",
    "alert_acknowledged": "act",
    "adverse_event_logged": "act",
    "adverse_event_updated": "act",
    "note_added": "act",
    "phase_marked": "act",
    "session_closed": "act",
    "discharged": "act",
}


@dataclass(frozen=True)
class ExpectationResult:
    expectation: Expectation
    done: bool
    at: datetime | None = None


@dataclass(frozen=True)
class Step:
    """One line of an incident's timeline."""

    at: datetime
    step: str  # cue, recognise, analyse, act, evaluate
    words: str


@dataclass
class IncidentResult:
    incident_id: str
    cue: str
    cue_at: datetime | None
    answered_at: datetime | None
    first_response_at: datetime | None
    results: list[ExpectationResult] = field(default_factory=list)
    timeline: list[Step] = field(default_factory=list)

    @property
    def shown(self) -> bool:
        return self.cue_at is not None


def _when(event: ev.EventBase) -> datetime:
    stamp = event.recorded_at or event.observed_at
    assert stamp is not None
    return stamp


def judge_incidents(
    scenario: Scenario, events: list[tuple[int, ev.Event]], state: Any
) -> list[IncidentResult]:
    cues = {
        e.incident_id: e
        for _, e in events
        if isinstance(e, ev.PracticeCue) and e.cue == "incident" and e.incident_id
    }
    answers: dict[str, datetime] = {}
    for _, event in events:
        if isinstance(event, ev.PracticeAnswered) and event.incident_id not in answers:
            answers[event.incident_id] = _when(event)
    results = []
    for incident in scenario.incidents:
        cue = cues.get(incident.id)
        if cue is None:
            results.append(
                IncidentResult(
                    incident.id,
                    incident.cue,
                    None,
                    None,
                    None,
                    [ExpectationResult(item, False) for item in incident.expect],
                )
            )
            continue
        cue_at = _when(cue)
        answered = answers.get(incident.id)
        first_entry = next(
            (_when(e) for _, e in events if getattr(e, "type", "") in ACTS and _when(e) >= cue_at),
            None,
        )
        first = min((t for t in (answered, first_entry) if t is not None), default=None)
        result = IncidentResult(incident.id, incident.cue, cue_at, answered, first)
        result.results = [_judge(item, cue_at, answered, state) for item in incident.expect]
        result.timeline = _timeline(cue_at, cue, answered, events, state)
        results.append(result)
    return results


def _window(item: Expectation, cue_at: datetime) -> datetime | None:
    return cue_at + timedelta(minutes=item.within_minutes) if item.within_minutes else None


def _judge(
    item: Expectation, cue_at: datetime, answered: datetime | None, state: Any
) -> ExpectationResult:
    until = _window(item, cue_at)

    def in_time(at: datetime | None, since: datetime = cue_at) -> bool:
        return at is not None and at >= since and (until is None or at <= until)

    if item.action == "notice":
        return ExpectationResult(item, in_time(answered), answered)
    if item.action == "note":
        for note in state.notes:
            if not note.voided and in_time(note.recorded_at):
                return ExpectationResult(item, True, note.recorded_at)
        return ExpectationResult(item, False)
    if item.action == "acknowledge":
        # The alert comes from the reading the trainee types, which may be a little before
        # the prompt shows: alerts raised up to the window before the cue count.
        lead = timedelta(minutes=item.within_minutes or FOLLOW_MINUTES)
        for alert in state.alerts:
            if alert.voided or alert.event.measure_id != item.measure:
                continue
            raised = alert.recorded_at
            if raised is None or raised < cue_at - lead:
                continue
            acknowledged = alert.acknowledged_at
            if acknowledged is not None and (until is None or acknowledged <= until):
                return ExpectationResult(item, True, acknowledged)
        return ExpectationResult(item, False)
    for adverse in state.adverse_events:
        if adverse.voided or adverse.event.term_id != item.term:
            continue
        if not in_time(adverse.recorded_at):
            continue
        actions = set(adverse.effective.actions)
        if set(item.actions) <= actions:
            return ExpectationResult(item, True, adverse.recorded_at)
    return ExpectationResult(item, False)


def _timeline(
    cue_at: datetime,
    cue: ev.PracticeCue,
    answered: datetime | None,
    events: list[tuple[int, ev.Event]],
    state: Any,
) -> list[Step]:
    """The cue, the first key on it, and every entry in the next FOLLOW_MINUTES: readings
    shown and typed (analyse), what the trainee did (act), and what came of it (evaluate:
    alerts raised or readings after the trainee's first act)."""
    from kap_console.session import summarize

    end = cue_at + timedelta(minutes=FOLLOW_MINUTES)
    steps = [Step(cue_at, "cue", cue.text)]
    if answered is not None:
        steps.append(Step(answered, "recognise", "first key on the prompt"))
    acted = False
    for _, event in events:
        kind = getattr(event, "type", "")
        at = _when(event)
        if at < cue_at or at > end or event is cue:
            continue
        if kind == "practice_cue" and isinstance(event, ev.PracticeCue):
            if event.cue == "monitor":
                words = summarize(state.protocol, event)
                steps.append(Step(at, "evaluate" if acted else "analyse", words))
            continue
        if kind == "alert_raised":
            steps.append(
                Step(at, "evaluate" if acted else "analyse", summarize(state.protocol, event))
            )
            continue
        step = ACTS.get(kind)
        if step is None:
            continue
        if step == "analyse" and acted:
            step = "evaluate"
        if step == "act":
            acted = True
        steps.append(Step(at, step, summarize(state.protocol, event)))
    return sorted(steps, key=lambda s: s.at)
