"""The debrief's arithmetic from a journal written through the engine (no screen): late
rounds say by how much, alerts left open or acknowledged late, caps, preparation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from kap_console import paths
from kap_console.protocol.loader import load_protocol
from kap_console.session import events as ev
from kap_console.session.clock import SimulatedClock
from kap_console.session.engine import Session
from kap_console.training.debrief import debrief_session
from kap_console.training.debrief_text import debrief_markdown
from kap_console.training.loader import load_scenario

ROOT = Path(__file__).resolve().parents[2]
PROTOCOL = load_protocol(ROOT / "protocols" / "training" / "im-practice-60.toml")
SCENARIO = load_scenario(ROOT / "scenarios" / "hypertension-40.toml")
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
CALM = {"sbp": 128.0, "dbp": 82.0, "hr": 72.0, "spo2": 98.0}


def _session(tmp_path: Path) -> tuple[Session, SimulatedClock]:
    clock = SimulatedClock(START, speed=0)
    session = Session.start(
        PROTOCOL,
        data_dir=paths.practice_dir(tmp_path),
        client_code="PRACTICE-01",
        facilitator="T. Trainee",
        session_number=1,
        clock=clock,
        practice=ev.PracticeIdentity(
            scenario_id="hypertension-40", scenario_version="1.0.0", scenario_sha256="0" * 64
        ),
    )
    return session, clock


def _dose(session: Session, clock: SimulatedClock, *, prepared: bool) -> datetime:
    session.commit(ev.CheckAnswered(item_id="consent_on_file", answer=True))
    session.commit(ev.CheckAnswered(item_id="escort_name", answer="J. Doe"))
    session.commit(ev.ObservationRecorded(round_id="baseline", values=CALM))
    session.commit(ev.GoDecision(decision="go", reason="clear", decided_by="Dr Chen"))
    if prepared:
        session.commit(ev.IntentionRecorded(prompt_id="hope", text="to rest"))
    session.commit(ev.ConsentRecorded(touch=False, stop_word="lighthouse"))
    clock.advance(60)
    session.commit(ev.DoseGiven(drug="ketamine", route="IM", dose_mg=40, given_by="Dr Chen"))
    return clock.now()


def _round(session: Session, clock: SimulatedClock, at: datetime, values: dict) -> None:
    clock.set(at)
    shown = {k: float(v) for k, v in values.items()}
    session.commit(ev.PracticeCue(cue="monitor", minute=0, round_id="check", readings=shown))
    session.commit(ev.ObservationRecorded(round_id="check", values=values))


def test_late_rounds_open_alerts_and_missing_intentions_cost_what_the_rubric_says(
    tmp_path,
) -> None:
    session, clock = _session(tmp_path)
    t0 = _dose(session, clock, prepared=False)
    rubric = SCENARIO.scenario.rubric
    _round(session, clock, t0 + timedelta(minutes=10), CALM)
    _round(session, clock, t0 + timedelta(minutes=26), CALM)  # the T+20 round, 6 min late
    _round(session, clock, t0 + timedelta(minutes=30), CALM)
    # T+40: 168/104 trips two warnings; only the systolic one is acknowledged, 12 min on.
    _round(session, clock, t0 + timedelta(minutes=40), {**CALM, "sbp": 168.0, "dbp": 104.0})
    systolic = next(a for a in session.state.alerts if a.event.measure_id == "sbp")
    clock.advance(12 * 60)
    session.commit(ev.AlertAcknowledged(alert_seq=systolic.seq))
    clock.set(t0 + timedelta(minutes=70))
    session.close(outcome="stopped_early")
    session.release()

    debrief = debrief_session(session.session_dir, SCENARIO.scenario, PROTOCOL.protocol)
    statuses = [(r.when, r.status, r.late_by_seconds) for r in debrief.rounds]
    assert statuses[:5] == [
        ("T+10", "on time", None),
        ("T+20", "late", 6 * 60),
        ("T+30", "on time", None),
        ("T+40", "on time", None),
        ("T+50", "missed", None),
    ]
    [sbp, dbp] = debrief.alerts
    assert (sbp.measure_id, sbp.seconds_to_acknowledge, sbp.in_time) == ("sbp", 720, False)
    assert (dbp.measure_id, dbp.acknowledged_at) == ("dbp", None)
    lost = {part.name: part.lost for part in debrief.parts}
    # Rounds: T+20 late, T+50 and the before-discharge round missed.
    assert lost["Rounds"] == rubric.late_round + 2 * rubric.missed_round
    # Alerts: systolic acknowledged after the scenario's 10 minutes, diastolic never.
    assert lost["Alerts"] == min(rubric.alerts_cap, rubric.alert_late + rubric.alert_unacknowledged)
    assert lost["Preparation"] == rubric.intentions_before_dose
    assert lost["Transcription"] == 0 and lost["Discharge"] == 0
    # The incident: the prompt was never shown (no practice app), so nothing of it was done.
    assert lost["Incidents"] == 30
    assert debrief.score == 100 - sum(lost.values())
    text = debrief_markdown(debrief)
    assert "| Practice round | T+20 | late by 6:00 |" in text
    assert f"Score: 100 − {sum(lost.values())} = **{debrief.score}**" in text


def test_a_part_never_loses_more_than_its_cap(tmp_path) -> None:
    session, clock = _session(tmp_path)
    t0 = _dose(session, clock, prepared=True)
    wrong = {"sbp": 100.0, "dbp": 60.0, "hr": 50.0, "spo2": 95.0}
    for minute in (10, 20, 30):
        clock.set(t0 + timedelta(minutes=minute))
        shown = {k: v + 7 for k, v in wrong.items()}
        session.commit(
            ev.PracticeCue(cue="monitor", minute=minute, round_id="check", readings=shown)
        )
        session.commit(ev.ObservationRecorded(round_id="check", values=wrong))
    clock.set(t0 + timedelta(minutes=31))
    session.close(outcome="stopped_early")
    session.release()
    debrief = debrief_session(session.session_dir, SCENARIO.scenario, PROTOCOL.protocol)
    [transcription] = [p for p in debrief.parts if p.name == "Transcription"]
    assert len(transcription.faults) == 12  # four readings in each of three rounds
    assert transcription.lost == transcription.cap == SCENARIO.scenario.rubric.transcription_cap
