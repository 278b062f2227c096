"""The debrief of a practice session, computed from its journal and its scenario only.

Never from screen state: what the monitor showed and when each incident's prompt appeared
are journaled (practice_cue), as is the trainee's first key on a prompt (practice_answered).
The record's own rules give the rounds (on time, late, missed), the alerts and their
acknowledgements, the adverse events and whether discharge met its criteria. The score is
100 minus what the scenario's rubric takes off, part by part, never more than a part's cap.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from kap_console.protocol.models import Protocol
from kap_console.session import events as ev

from .incidents import IncidentResult, judge_incidents
from .scenario import Scenario


@dataclass(frozen=True)
class RoundResult:
    round_id: str
    label: str
    when: str
    status: str  # "on time", "late", "missed"
    late_by_seconds: int | None = None


@dataclass(frozen=True)
class AlertResult:
    seq: int
    measure_id: str
    level: str
    message: str
    raised_at: datetime
    acknowledged_at: datetime | None
    seconds_to_acknowledge: int | None
    in_time: bool


@dataclass(frozen=True)
class Transcription:
    round_id: str
    measure_id: str
    shown: float
    typed: Any  # None: left blank
    matches: bool


@dataclass(frozen=True)
class Deduction:
    part: str
    reason: str
    points: int


@dataclass(frozen=True)
class Part:
    """One part of the rubric: its cap, what it lost (capped) and the faults behind it."""

    name: str
    rule: str
    cap: int
    lost: int
    faults: tuple[Deduction, ...]


@dataclass
class Debrief:
    scenario: Scenario
    protocol_id: str
    trainee: str
    client_code: str
    t0: datetime | None
    rounds: list[RoundResult] = field(default_factory=list)
    alerts: list[AlertResult] = field(default_factory=list)
    transcriptions: list[Transcription] = field(default_factory=list)
    incidents: list[IncidentResult] = field(default_factory=list)
    adverse_events: list[str] = field(default_factory=list)
    discharged_early: bool | None = None
    intentions_before_dose: bool | None = None
    consent_before_dose: bool | None = None
    parts: list[Part] = field(default_factory=list)

    @property
    def score(self) -> int:
        return 100 - sum(part.lost for part in self.parts)

    @property
    def missed(self) -> list[str]:
        """What was missed, in a few words each (for the class report)."""
        return [fault.reason for part in self.parts for fault in part.faults]


def read_events(session_dir: Path) -> list[tuple[int, ev.Event]]:
    from kap_console.session import read_journal

    return [(e.seq, ev.event_from_dict(e.payload)) for e in read_journal(session_dir).entries]


def debrief_session(session_dir: Path, scenario: Scenario, protocol: Protocol) -> Debrief:
    """The debrief of the practice session in `session_dir` (its journal, read from disk)."""
    from kap_console.session import read_journal

    entries = read_journal(session_dir).entries
    return debrief_entries(entries, scenario, protocol)


def debrief_entries(entries: list[Any], scenario: Scenario, protocol: Protocol) -> Debrief:
    from kap_console.session import build_record, fold

    events = [(entry.seq, ev.event_from_dict(entry.payload)) for entry in entries]
    state = fold(protocol, events)
    record = build_record(protocol, entries, events=events, state=state)
    started = events[0][1]
    assert isinstance(started, ev.SessionStarted)
    rubric = scenario.rubric
    debrief = Debrief(
        scenario=scenario,
        protocol_id=protocol.id,
        trainee=started.facilitator,
        client_code=started.client_code,
        t0=state.t0,
    )
    debrief.rounds = _rounds(protocol, state, record)
    debrief.alerts = _alerts(record, rubric.acknowledge_within_minutes)
    debrief.transcriptions = _transcriptions(events, state)
    debrief.incidents = judge_incidents(scenario, events, state)
    debrief.adverse_events = [
        f"{a.term} ({a.term_id or 'free text'})" for a in record.adverse_events if not a.voided
    ]
    discharge = record.discharge
    if discharge.discharged_at is not None:
        debrief.discharged_early = discharge.criteria_met is False
    debrief.intentions_before_dose, debrief.consent_before_dose = _before_dose(state)
    debrief.parts = _score(debrief)
    return debrief


def _rounds(protocol: Protocol, state: Any, record: Any) -> list[RoundResult]:
    from kap_console.session import round_slots

    as_of = record.session.closed_at or state.timeline[-1].recorded_at
    results = []
    for slot in round_slots(protocol, state, as_of).slots:
        if slot.status == "missed":
            results.append(RoundResult(slot.round_id, slot.name, slot.when, "missed"))
        elif slot.status == "done" and slot.late_by is not None:
            late = int(slot.late_by.total_seconds())
            results.append(RoundResult(slot.round_id, slot.name, slot.when, "late", late))
        elif slot.status == "done":
            results.append(RoundResult(slot.round_id, slot.name, slot.when, "on time"))
        elif slot.status in ("due", "late"):
            results.append(RoundResult(slot.round_id, slot.name, slot.when, "missed"))
    return results


def _alerts(record: Any, within_minutes: float) -> list[AlertResult]:
    results = []
    for alert in record.alerts:
        if alert.voided:
            continue
        seconds = None
        if alert.acknowledged_at is not None:
            seconds = int((alert.acknowledged_at - alert.recorded_at).total_seconds())
        in_time = seconds is not None and seconds <= within_minutes * 60
        results.append(
            AlertResult(
                alert.seq,
                alert.measure_id,
                alert.level,
                alert.message,
                alert.recorded_at,
                alert.acknowledged_at,
                seconds,
                in_time,
            )
        )
    return results


def _transcriptions(events: list[tuple[int, ev.Event]], state: Any) -> list[Transcription]:
    """Each monitor reading shown against what was typed in the round saved after it."""
    observations = {o.seq: o for o in state.observations if not o.voided}
    results = []
    for index, (_seq, event) in enumerate(events):
        if not isinstance(event, ev.PracticeCue) or event.cue != "monitor":
            continue
        answer = None
        for later_seq, later in events[index + 1 :]:
            if isinstance(later, ev.PracticeCue) and later.cue == "monitor":
                break
            if isinstance(later, ev.ObservationRecorded) and later_seq in observations:
                answer = observations[later_seq]
                break
        if answer is None:
            continue  # the round was opened and closed without saving: nothing typed
        values = answer.event.values
        for measure_id, shown in event.readings.items():
            typed = values.get(measure_id)
            matches = isinstance(typed, int | float) and not isinstance(typed, bool)
            matches = matches and abs(float(typed) - shown) < 1e-9
            results.append(
                Transcription(answer.event.round_id, measure_id, shown, typed, bool(matches))
            )
    return results


def _before_dose(state: Any) -> tuple[bool | None, bool | None]:
    doses = [d for d in state.doses if not d.voided]
    if not doses:
        return None, None
    first = min(dose.seq for dose in doses)
    intentions = any(i.seq < first for i in state.intentions if not i.voided)
    consent = any(c.seq < first for c in state.consents if not c.voided)
    return intentions, consent


def _capped(name: str, rule: str, cap: int, faults: list[Deduction]) -> Part:
    return Part(name, rule, cap, min(cap, sum(f.points for f in faults)), tuple(faults))


def _score(debrief: Debrief) -> list[Part]:
    rubric = debrief.scenario.rubric
    rounds = []
    for result in debrief.rounds:
        if result.status == "missed":
            rounds.append(
                Deduction("rounds", f"{result.label} at {result.when} missed", rubric.missed_round)
            )
        elif result.status == "late":
            minutes = (result.late_by_seconds or 0) // 60
            rounds.append(
                Deduction(
                    "rounds",
                    f"{result.label} at {result.when} {minutes} min late",
                    rubric.late_round,
                )
            )
    transcription = [
        Deduction(
            "transcription",
            f"{t.measure_id} typed {t.typed!s} but the monitor showed {t.shown:g}",
            rubric.transcription_error,
        )
        for t in debrief.transcriptions
        if not t.matches and t.typed is not None
    ]
    alerts = []
    for alert in debrief.alerts:
        if alert.acknowledged_at is None:
            alerts.append(
                Deduction(
                    "alerts",
                    f"{alert.level} {alert.measure_id} alert never acknowledged",
                    rubric.alert_unacknowledged,
                )
            )
        elif not alert.in_time:
            alerts.append(
                Deduction(
                    "alerts",
                    f"{alert.level} {alert.measure_id} alert acknowledged after "
                    f"{_span(alert.seconds_to_acknowledge or 0)}",
                    rubric.alert_late,
                )
            )
    incidents = [
        Deduction(
            "incidents",
            f"{incident.incident_id}: did not {result.expectation.describe()}",
            result.expectation.points,
        )
        for incident in debrief.incidents
        for result in incident.results
        if not result.done
    ]
    discharge = (
        [Deduction("discharge", "discharged before the criteria were met", rubric.early_discharge)]
        if debrief.discharged_early
        else []
    )
    preparation = []
    if debrief.intentions_before_dose is False:
        preparation.append(
            Deduction("preparation", "no intention before the dose", rubric.intentions_before_dose)
        )
    if debrief.consent_before_dose is False:
        preparation.append(
            Deduction("preparation", "no consent before the dose", rubric.consent_before_dose)
        )
    incident_points = sum(i.points for x in debrief.scenario.incidents for i in x.expect)
    return [
        _capped(
            "Rounds",
            f"−{rubric.missed_round} each missed, −{rubric.late_round} each late",
            rubric.rounds_cap,
            rounds,
        ),
        _capped(
            "Transcription",
            f"−{rubric.transcription_error} each reading typed unlike the monitor",
            rubric.transcription_cap,
            transcription,
        ),
        _capped(
            "Alerts",
            f"−{rubric.alert_unacknowledged} each never acknowledged, −{rubric.alert_late} each "
            f"acknowledged after {rubric.acknowledge_within_minutes:g} min",
            rubric.alerts_cap,
            alerts,
        ),
        _capped("Incidents", "each expected action's points", incident_points, incidents),
        _capped(
            "Discharge",
            f"−{rubric.early_discharge} if discharged before the criteria were met",
            rubric.early_discharge,
            discharge,
        ),
        _capped(
            "Preparation",
            f"−{rubric.intentions_before_dose} no intention, −{rubric.consent_before_dose} no "
            "consent before the dose",
            rubric.intentions_before_dose + rubric.consent_before_dose,
            preparation,
        ),
    ]


def _span(seconds: int) -> str:
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes}:{secs:02d}"


def next_moment(session: Any, scenario: Scenario) -> tuple[datetime | None, str]:
    """Where "jump" takes the practice clock: the next round due, or the next incident when it
    comes first; (None, why) when there is nothing to jump to."""
    state = session.state
    if state.t0 is None:
        return None, "Nothing to jump to before the dose"
    now = session.clock.now()
    view = session.round_slots()
    if view.waiting:
        return None, f"{view.waiting[0].name} is due now: open it (o)"
    candidates: list[tuple[datetime, str]] = [
        (slot.due_at, f"{slot.name} at {slot.when}")
        for slot in view.slots
        if slot.status == "upcoming" and slot.due_at is not None and slot.due_at > now
    ]
    shown = {
        item.event.incident_id
        for item in state.timeline
        if item.kind == "practice_cue" and item.event is not None
    }
    for incident in scenario.incidents:
        at = state.t0 + timedelta(minutes=incident.at)
        if incident.id not in shown and at > now:
            candidates.append((at, "what happens next"))
    if not candidates:
        return None, "No more rounds to jump to"
    return min(candidates, key=lambda c: c[0])
