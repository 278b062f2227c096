"""A whole IM session, written once, for the engine, record and command tests."""

from __future__ import annotations

import errno
import hashlib
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from kap_console.session import events as ev

ROOT = Path(__file__).resolve().parent.parent
IM_PROTOCOL = ROOT / "protocols" / "im-ketamine-120.toml"
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
FACILITATOR = "R. Rivera"


def load_im_protocol():
    from kap_console.protocol.loader import load_protocol

    return load_protocol(IM_PROTOCOL, git=False)


def vitals(sbp: float = 124, dbp: float = 78, hr: float = 72, spo2: float = 98, rr: float = 14):
    return {"sbp": sbp, "dbp": dbp, "hr": hr, "spo2": spo2, "rr": rr}


def before_dose() -> list[tuple[float, Any]]:
    """(minutes to wait first, event) for the pre-session part, in order."""
    answers = {
        "consent_on_file": True,
        "fasting_food": True,
        "fasting_liquids": True,
        "substances_today": False,
        "sedating_medicines": False,
        "contraindications": False,
        "weight_kg": 70.0,
        "escort_name": "J. Doe 555-0100",
    }
    steps: list[tuple[float, Any]] = [
        (1, ev.CheckAnswered(item_id=item, answer=answer)) for item, answer in answers.items()
    ]
    steps += [
        (1, ev.ObservationRecorded(round_id=ev.BASELINE_ROUND, values={**vitals(), "suds": 4})),
        (1, ev.GoDecision(decision="go", reason="all checks passed", decided_by="Dr Chen")),
        (1, ev.IntentionRecorded(prompt_id="longing", text="To feel less alone")),
        (1, ev.IntentionRecorded(prompt_id="patterns", text="Loosen the urge to please")),
        (
            1,
            ev.ConsentRecorded(
                touch=True,
                touch_where="hand and shoulder",
                stop_word="lighthouse",
                items={"eyeshades_music": True, "grounding": "paced breathing"},
            ),
        ),
    ]
    return steps


def dose() -> ev.DoseGiven:
    return ev.DoseGiven(
        drug="ketamine",
        route="IM",
        dose_mg=40,
        weight_kg=70,
        mg_per_kg=round(40 / 70, 3),
        lot="LOT-7781",
        given_by="Dr Chen",
        checked_by=FACILITATOR,
    )


def early_round(due: int, **values: float) -> ev.ObservationRecorded:
    readings = {**vitals(), "moaas": 4.0, "dissociation": 2.0, "nausea": False}
    readings.update(values)
    return ev.ObservationRecorded(round_id="early", due_minutes=due, values=readings)


def ready_for_discharge() -> ev.DischargeAssessed:
    """Every discharge check confirmed, a full modified Aldrete (10), escort present."""
    aldrete = ("activity", "respiration", "circulation", "consciousness", "spo2")
    return ev.DischargeAssessed(
        checks={"oriented": True, "walks_steadily": True, "instructions_given": True},
        scores={"modified_aldrete": dict.fromkeys(aldrete, 2)},
        escort_present=True,
        escort_name="J. Doe",
    )


@dataclass
class FakeEntry:
    """A journal entry as the record builder sees it, without a journal."""

    seq: int
    payload: dict[str, Any]
    h: str
    segment: str = "journal-0001.jsonl"
    line: int = field(default=0)


def fake_entries(events: list[ev.EventBase], start: datetime = START) -> list[FakeEntry]:
    """Stamp each event a minute after the last and give it a made-up chained hash."""
    entries = []
    previous = "0" * 64
    for seq, event in enumerate(events, start=1):
        stamped = ev.stamped(event, now=start + timedelta(minutes=seq), by=FACILITATOR)
        previous = hashlib.sha256(f"{previous}{seq}".encode()).hexdigest()
        entries.append(FakeEntry(seq, ev.event_to_dict(stamped), previous, line=seq + 1))
    return entries


def new_clock():
    from kap_console.session.clock import SimulatedClock

    return SimulatedClock(START, speed=0)


def start_session(data_dir: Path, clock=None, *, client_code: str = "KAP-0042"):
    """A started session with the pre-session done (checks, baseline, go, intentions,
    consent), not yet dosed. Each entry a minute after the last."""
    from kap_console.session.engine import Session

    clock = clock or new_clock()
    session = Session.start(
        load_im_protocol(),
        data_dir=data_dir,
        client_code=client_code,
        facilitator=FACILITATOR,
        session_number=3,
        clock=clock,
    )
    for minutes, event in before_dose():
        clock.advance(60 * minutes)
        session.commit(event)
    return session


def dosed_session(data_dir: Path, clock=None, **kwargs):
    """A session right after the first dose (T0 = now)."""
    clock = clock or new_clock()
    session = start_session(data_dir, clock, **kwargs)
    clock.advance(60)
    session.commit(dose())
    return session


def at_minute(session, minute: float) -> None:
    """Move the session's clock to `minute` after T0."""
    target = session.state.t0 + timedelta(minutes=minute)
    session.clock.set(target)


def whole_session(data_dir: Path, clock=None, *, client_code: str = "KAP-0042"):
    """A whole IM session, from the checklist to the close. Returns (session, close result)."""
    session = dosed_session(data_dir, clock, client_code=client_code)
    at_minute(session, 1)
    session.commit(ev.StepMarked(step_id="rest_after_injection", status="done"))
    at_minute(session, 15)
    first_round = session.commit(early_round(15))
    at_minute(session, 20)
    session.commit(ev.PhaseMarked(phase_id="peak", label="Peak"))
    at_minute(session, 22)
    session.commit(
        ev.Amended(
            target_seq=first_round.seq, field="values.hr", old=72.0, new=74.0, reason="misread"
        )
    )
    at_minute(session, 30)
    session.commit(early_round(30))
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
    high = session.commit(early_round(45, sbp=182, nausea=True))
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
    session.commit(early_round(60))
    at_minute(session, 90)
    late = {**vitals(), "moaas": 5.0, "dissociation": 0.0, "suds": 3.0, "note": "calm"}
    recover_and_discharge(session, late)
    at_minute(session, 127)
    return session, session.close()


def recover_and_discharge(session, late: dict) -> None:
    """From the T+90 round to the discharge and a first reflection, as an IM session goes:
    the late rounds at 90 and 120 (`late`: their readings), recovery, the before-discharge
    round, the assessment, ready to leave, discharge at T+125."""
    session.commit(ev.ObservationRecorded(round_id="late", due_minutes=90, values=late))
    at_minute(session, 95)
    session.commit(ev.PhaseMarked(phase_id="recovery", label="Recovery"))
    at_minute(session, 120)
    session.commit(ev.ObservationRecorded(round_id="late", due_minutes=120, values=late))
    at_minute(session, 121)
    session.commit(
        ev.ObservationRecorded(round_id="pre_discharge", values={**vitals(), "suds": 3.0})
    )
    at_minute(session, 122)
    session.commit(ready_for_discharge())
    at_minute(session, 123)
    session.commit(ev.ReadyToLeave())
    at_minute(session, 125)
    session.commit(ev.Discharged(discharged_by="Dr Chen"))
    at_minute(session, 126)
    session.commit(ev.ReflectionRecorded(prompt_id="what_helped", text="Music and the hand"))


def fail_fsync_once(monkeypatch, code: int = errno.ENOSPC) -> None:
    """The next fsync fails with `code` (a full disk by default), as a failing disk would;
    every later one works."""
    real = os.fsync
    failed: list[bool] = []

    def fsync(fd):
        if not failed:
            failed.append(True)
            raise OSError(code, os.strerror(code))
        return real(fd)

    monkeypatch.setattr(os, "fsync", fsync)
