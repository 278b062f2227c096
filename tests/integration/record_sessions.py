"""Whole sessions run through the engine, closed, for the reading and export tests.

`im_session` is the IM session of `record_helpers.whole_session` (an amendment, a void, an
adverse event resolved, an urgent alert acknowledged, a client quote) with two more notes for
integration, a revised intention and a second reflection. `esketamine_session` gives two
devices five minutes apart, the 40-minute BP round, a serious adverse event left open and an
unanswered alert. Both run on a simulated clock, so every run gives the same record.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from record_helpers import (
    FACILITATOR,
    ROOT,
    at_minute,
    new_clock,
    recover_and_discharge,
)

from kap_console.session import events as ev

ESKETAMINE_PROTOCOL = ROOT / "protocols" / "esketamine-120.toml"


def im_session(data_dir: Path, *, client_code: str = "KAP-0042") -> Path:
    """A closed IM session with everything integration reads; returns its folder."""
    from record_helpers import dosed_session

    clock = new_clock()
    session = dosed_session(data_dir, clock, client_code=client_code)
    first_intention = next(i.seq for i in session.state.intentions if i.prompt_id == "longing")
    at_minute(session, 1)
    session.commit(ev.StepMarked(step_id="rest_after_injection", status="done"))
    at_minute(session, 15)
    from record_helpers import early_round, vitals

    first_round = session.commit(early_round(15))
    at_minute(session, 20)
    session.commit(ev.PhaseMarked(phase_id="peak", label="Peak"))
    at_minute(session, 22)
    session.commit(
        ev.Amended(
            target_seq=first_round.seq, field="values.hr", old=72.0, new=74.0, reason="misread"
        )
    )
    at_minute(session, 25)
    session.commit(
        ev.NoteAdded(
            text="Hands opened and the breathing slowed with the cello", for_integration=True
        )
    )
    at_minute(session, 30)
    session.commit(early_round(30, sbp=150, dbp=92, hr=88))
    at_minute(session, 35)
    nausea = session.commit(
        ev.AdverseEventLogged(
            term_id="nausea_vomiting",
            term="Nausea or vomiting",
            onset_at=session.clock.now(),
            severity="1",
        )
    )
    at_minute(session, 46)
    high = session.commit(early_round(45, sbp=182, dbp=104, hr=96, nausea=True))
    at_minute(session, 48)
    for seq, _alert in high.alerts:
        session.commit(ev.AlertAcknowledged(alert_seq=seq, note="prescriber called"))
    at_minute(session, 50)
    session.commit(
        ev.AdverseEventUpdated(
            target_seq=nausea.seq, outcome="recovered", resolved_at=session.clock.now()
        )
    )
    wrong = session.commit(ev.NoteAdded(text="Typed into the wrong session"))
    session.commit(ev.Voided(target_seq=wrong.seq, reason="entered in error"))
    at_minute(session, 55)
    session.commit(
        ev.NoteAdded(text="Said: “I am the ocean”", client_quote=True, for_integration=True)
    )
    at_minute(session, 60)
    session.commit(early_round(60, sbp=138, dbp=86, hr=80))
    at_minute(session, 70)
    session.commit(
        ev.IntentionRecorded(
            prompt_id="longing",
            text="To feel less alone, and to let that be enough",
            revises_seq=first_intention,
        )
    )
    at_minute(session, 90)
    late = {
        **vitals(sbp=130, dbp=82),
        "moaas": 5.0,
        "dissociation": 0.0,
        "suds": 3.0,
        "note": "calm",
    }
    recover_and_discharge(session, late)
    session.commit(
        ev.ReflectionRecorded(
            prompt_id="for_integration", text="The ocean image came back three times"
        )
    )
    at_minute(session, 127)
    session.close()
    session.release()
    return session.session_dir


def esketamine_session(data_dir: Path, *, client_code: str = "KAP-0077") -> Path:
    """A closed esketamine session: two devices, BP at 40 min, an open serious event."""
    from kap_console.protocol.loader import load_protocol
    from kap_console.session.engine import Session

    clock = new_clock()
    session = Session.start(
        load_protocol(ESKETAMINE_PROTOCOL, git=False),
        data_dir=data_dir,
        client_code=client_code,
        facilitator=FACILITATOR,
        session_number=1,
        clock=clock,
    )
    answers: dict[str, ev.Value] = {
        "consent_on_file": True,
        "benzodiazepines": False,
        "non_benzo_hypnotics": False,
        "psychostimulants": False,
        "maois": False,
        "opioids": False,
        "fasting_food": True,
        "fasting_liquids": True,
        "nasal_spray_recent": False,
        "contraindications": False,
        "nose_blown": True,
        "prescriber_on_site": True,
        "escort_name": "M. Ito 555-0142",
    }
    baseline = {"sbp": 126, "dbp": 80, "hr": 70, "spo2": 98, "rr": 14, "suds": 5}

    def minute_later(event: ev.EventBase):
        clock.advance(60)
        return session.commit(event)

    for item, answer in answers.items():
        minute_later(ev.CheckAnswered(item_id=item, answer=answer))
    minute_later(ev.ObservationRecorded(round_id=ev.BASELINE_ROUND, values=baseline))
    minute_later(ev.GoDecision(decision="go", reason="checks clear", decided_by="Dr Chen"))
    minute_later(ev.IntentionRecorded(prompt_id="longing", text="Some quiet in my head"))
    minute_later(ev.IntentionRecorded(prompt_id="why", text="Nothing else has lifted the fog"))
    minute_later(
        ev.ConsentRecorded(touch=False, stop_word="harbour", items={"eyeshades_music": True})
    )
    for number in (1, 2):
        clock.advance(60 if number == 1 else 5 * 60)  # devices five minutes apart
        session.commit(
            ev.DoseGiven(
                kind="device",
                drug="esketamine",
                route="IN",
                dose_mg=28,
                device_number=number,
                lot="ES-2291",
                given_by="Client (observed)",
                checked_by=FACILITATOR,
            )
        )
    session.commit(ev.StepMarked(step_id="observed_devices", status="done"))
    watch = {"spo2": 97, "moaas": 4, "dissociation": 2, "rr": 14, "nausea": False}
    for minute in (15, 30, 45, 60, 75, 90, 105, 120):
        at_minute(session, minute)
        values = dict(watch)
        if minute >= 90:
            values.update(moaas=5, dissociation=0)
        session.commit(ev.ObservationRecorded(round_id="watch", due_minutes=minute, values=values))
        if minute in (30, 60, 90, 120):
            at_minute(session, minute + 1)
            sbp = {30: 150, 60: 140, 90: 132, 120: 128}[minute]
            bp = {"sbp": sbp, "dbp": 88, "hr": 78, "suds": 3}
            session.commit(ev.ObservationRecorded(round_id="bp", due_minutes=minute, values=bp))
        if minute == 30:
            at_minute(session, 40)
            session.commit(
                ev.ObservationRecorded(
                    round_id="bp_40", due_minutes=40, values={"sbp": 172, "dbp": 102, "hr": 90}
                )
            )
            at_minute(session, 41)
            session.commit(
                ev.AdverseEventLogged(
                    term_id="hypertension",
                    term="Raised blood pressure",
                    onset_at=session.clock.now() - timedelta(minutes=1),
                    severity="3",
                    serious=True,
                    serious_criterion="important_medical_event",
                    relatedness="probable",
                    actions=["treatment_given"],
                    treatment="Rest in a quiet room; prescriber reviewed",
                    outcome="recovering",
                )
            )
            at_minute(session, 42)
            session.commit(
                ev.NoteAdded(text="Asked for the music to stay on", for_integration=True)
            )
    at_minute(session, 124)
    pre = {
        "sbp": 128,
        "dbp": 84,
        "hr": 74,
        "spo2": 98,
        "rr": 14,
        "moaas": 5,
        "dissociation": 0,
        "suds": 2,
    }
    session.commit(ev.ObservationRecorded(round_id="pre_discharge", values=pre))
    at_minute(session, 126)
    checks = {
        "sedation_resolved": True,
        "dissociation_resolved": True,
        "no_respiratory_depression": True,
        "bp_decreasing_stable": True,
        "ready_time_answered": True,
        "instructions_given": True,
    }
    session.commit(ev.DischargeAssessed(checks=checks, escort_present=True, escort_name="M. Ito"))
    at_minute(session, 127)
    session.commit(ev.ReadyToLeave())
    at_minute(session, 130)
    session.commit(ev.Discharged(discharged_by="Dr Chen"))
    at_minute(session, 131)
    session.commit(ev.ReflectionRecorded(prompt_id="what_helped", text="Staying with the breath"))
    session.close()
    session.release()
    return session.session_dir


def no_go_session(
    data_dir: Path, *, client_code: str = "KAP-0042", training: bool = False, start=None
) -> Path:
    """A session held at the go/no-go decision (baseline BP too high) and closed as no-go."""
    from record_helpers import before_dose, load_im_protocol

    from kap_console.session.engine import Session

    clock = new_clock() if start is None else _clock_at(start)
    session = Session.start(
        load_im_protocol(),
        data_dir=data_dir,
        client_code=client_code,
        facilitator=FACILITATOR,
        session_number=2,
        clock=clock,
        training=training,
    )
    for _minutes, event in before_dose():
        if isinstance(event, ev.GoDecision):
            break
        if isinstance(event, ev.ObservationRecorded) and event.round_id == ev.BASELINE_ROUND:
            event = event.model_copy(update={"values": {**event.values, "sbp": 168.0, "dbp": 98.0}})
        clock.advance(60)
        session.commit(event)
    clock.advance(60)
    session.commit(
        ev.GoDecision(decision="no_go", reason="BP stayed high after rest", decided_by="Dr Chen")
    )
    clock.advance(60)
    session.close(outcome="no_go", note="Rebooked for next week")
    session.release()
    return session.session_dir


def _clock_at(start):
    from kap_console.session.clock import SimulatedClock

    return SimulatedClock(start, speed=0)
