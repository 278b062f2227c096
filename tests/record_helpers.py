"""A whole IM session, written once, for the engine, record and command tests."""

from __future__ import annotations

import hashlib
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
