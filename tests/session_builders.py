"""Builders for session event sequences in tests.

`SessionScript` is a journal in memory that behaves as the engine does: each event is stamped,
checked with `validate_event`, folded, and an observation is followed by the alerts it raises.
`events_until_dosed(protocol, t0)` gives a plausible pre-session (checklist, baseline, go,
intentions, consent) ending with the first dose at `t0`; `obs(...)` builds one round.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

from kap_console.protocol.identity import ProtocolIdentity
from kap_console.protocol.models import Protocol
from kap_console.session import events as ev
from kap_console.session.rules.alerts import alerts_for_observation
from kap_console.session.rules.validation import validate_event
from kap_console.session.state.builder import StateBuilder
from kap_console.session.state.snapshot import SessionState
from kap_console.session.verdicts import Rejection

PROTOCOLS = Path(__file__).resolve().parents[1] / "protocols"
T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
FACILITATOR = "Alex Rivera"
PRESCRIBER = "Dr Sam Okafor"

# A calm client: baseline readings inside every example protocol's thresholds.
CALM_BASELINE: Mapping[str, ev.Value] = {
    "sbp": 128,
    "dbp": 82,
    "hr": 72,
    "spo2": 98,
    "rr": 14,
    "suds": 4,
    "temp": 36.6,
}
WEIGHT_KG = 70.0


@cache
def load_protocol(name: str) -> Protocol:
    """A bundled protocol by file name, e.g. "im-ketamine-120" or "training/quick-im-practice"."""
    path = PROTOCOLS / (name if name.endswith(".toml") else f"{name}.toml")
    with path.open("rb") as handle:
        return Protocol.model_validate(tomllib.load(handle))


def at(minutes: float, t0: datetime = T0) -> datetime:
    """The wall time `minutes` after (or before, if negative) T0."""
    return t0 + timedelta(minutes=minutes)


def identity(protocol: Protocol) -> ProtocolIdentity:
    return ProtocolIdentity(
        id=protocol.id,
        version=protocol.version,
        title=protocol.title,
        sha256="0" * 64,
        path=f"protocols/{protocol.id}.toml",
    )


def stamp(
    event: ev.EventBase,
    when: datetime,
    *,
    recorded_at: datetime | None = None,
    by: str = FACILITATOR,
) -> Any:
    """`event` observed at `when`, recorded at `recorded_at` (default: the same moment)."""
    update: dict[str, Any] = {"recorded_at": recorded_at or when}
    if event.observed_at is None:
        update["observed_at"] = when
    if not event.recorded_by:
        update["recorded_by"] = by
    return event.model_copy(update=update)


def obs(
    round_id: str,
    due: int | None,
    when: datetime,
    *,
    note: str = "",
    recorded_at: datetime | None = None,
    **values: ev.Value,
) -> ev.ObservationRecorded:
    """One observation round, stamped: obs("early", 15, at(15), sbp=128, dbp=84)."""
    event = ev.ObservationRecorded(
        round_id=round_id, due_minutes=due, values=dict(values), note=note
    )
    return stamp(event, when, recorded_at=recorded_at)


def session_started(
    protocol: Protocol, when: datetime, *, client_code: str = "KAP-0042"
) -> ev.SessionStarted:
    return stamp(
        ev.SessionStarted(
            session_id="session-0042-03",
            client_code=client_code,
            facilitator=FACILITATOR,
            session_number=3,
            protocol=identity(protocol),
            training=protocol.training,
        ),
        when,
    )


def good_answer(item: Any) -> ev.Value:
    """An answer to a checklist item that does not hold the dose."""
    if item.kind == "yes_no":
        return item.blocks_dosing_when == "no"
    if item.kind == "number":
        if "weight" in item.id:
            return WEIGHT_KG
        return (item.range.min + item.range.max) / 2 if item.range else 1.0
    if item.kind == "time":
        return "07:30"
    return "Jordan Lee, 555-0100"


def first_dose(protocol: Protocol, when: datetime) -> ev.DoseGiven:
    """A first dose inside the protocol's bounds (the first device, for device dosing)."""
    drug = protocol.drug
    devices = protocol.dosing.devices
    if devices is not None:
        event = ev.DoseGiven(
            kind="device",
            drug=drug.name,
            route=drug.routes[0],
            dose_mg=devices.mg_per_device,
            device_number=1,
            given_by="Client (observed)",
            checked_by=FACILITATOR,
            lot="LOT-7781",
        )
        return stamp(event, when)
    weight = None
    dose = (drug.dose_mg.min + drug.dose_mg.max) / 2
    if drug.dose_mg_per_kg is not None:
        weight = WEIGHT_KG
        per_kg = (drug.dose_mg_per_kg.min + drug.dose_mg_per_kg.max) / 2
        dose = min(max(round(per_kg * weight), drug.dose_mg.min), drug.dose_mg.max)
    if drug.max_total_mg is not None:
        dose = min(dose, drug.max_total_mg)
    event = ev.DoseGiven(
        kind="initial",
        drug=drug.name,
        route=drug.routes[0],
        dose_mg=dose,
        weight_kg=weight,
        given_by=PRESCRIBER,
        checked_by=FACILITATOR,
        lot="LOT-7781",
    )
    return stamp(event, when)


def pre_session_events(
    protocol: Protocol,
    t0: datetime = T0,
    *,
    baseline: Mapping[str, ev.Value] | None = None,
    answers: Mapping[str, ev.Value | None] | None = None,
    decision: str = "go",
    overrides: Iterable[str] = (),
    reason: str = "",
) -> list[ev.EventBase]:
    """Start, checklist, baseline, go/no-go, intentions and consent, all before `t0`."""
    values = (
        dict(baseline)
        if baseline is not None
        else {m: CALM_BASELINE[m] for m in protocol.baseline_measures if m in CALM_BASELINE}
    )
    events: list[ev.EventBase] = [session_started(protocol, at(-45, t0))]
    given = dict(answers or {})
    for index, item in enumerate(protocol.checklist):
        answer = given[item.id] if item.id in given else good_answer(item)
        events.append(
            stamp(ev.CheckAnswered(item_id=item.id, answer=answer), at(-40 + index * 0.25, t0))
        )
    if values:
        events.append(obs(ev.BASELINE_ROUND, None, at(-30, t0), **values))
    events.append(
        stamp(
            ev.GoDecision(
                decision=decision,  # type: ignore[arg-type]
                decided_by=PRESCRIBER,
                overrides=list(overrides),
                reason=reason or ("Checks clear" if decision == "go" else "Held today"),
            ),
            at(-20, t0),
        )
    )
    if decision != "go":
        return events
    for index, prompt in enumerate(protocol.intention_prompts):
        text = f"To meet what comes with curiosity ({prompt.id})"
        events.append(
            stamp(ev.IntentionRecorded(prompt_id=prompt.id, text=text), at(-15 + index, t0))
        )
    consent_items: dict[str, ev.Value] = {
        item.id: (True if item.kind == "yes_no" else "Paced breathing")
        for item in protocol.consent.items
    }
    events.append(
        stamp(
            ev.ConsentRecorded(
                touch=True, touch_where="shoulder", stop_word="pineapple", items=consent_items
            ),
            at(-5, t0),
        )
    )
    return events


def events_until_dosed(protocol: Protocol, t0: datetime = T0, **options: Any) -> list[ev.EventBase]:
    """A plausible pre-session ending with the first dose at `t0` (options as `pre_session_events`)."""
    return [*pre_session_events(protocol, t0, **options), first_dose(protocol, t0)]


def numbered(events: Iterable[ev.EventBase], start: int = 1) -> list[tuple[int, ev.EventBase]]:
    """(seq, event) pairs as the journal hands them to `fold`."""
    return list(enumerate(events, start))


class SessionScript:
    """A journal in memory that acts like the engine: stamp, check, fold, raise alerts.

    `add` raises AssertionError when `validate_event` refuses the event (pass check=False
    to journal it anyway, as a replay of a foreign journal might).
    """

    def __init__(self, protocol: Protocol, *, by: str = FACILITATOR) -> None:
        self.protocol = protocol
        self.by = by
        self.entries: list[tuple[int, ev.EventBase]] = []
        self.builder = StateBuilder(protocol)

    @property
    def state(self) -> SessionState:
        return self.builder.snapshot()

    @property
    def next_seq(self) -> int:
        return len(self.entries) + 1

    def verdict(self, event: ev.EventBase) -> Rejection | None:
        """What the rules say of `event` now: None, or the Rejection naming its field."""
        return validate_event(self.protocol, self.state, event)

    def check(self, event: ev.EventBase) -> str | None:
        """The verdict in words ("field: what is wrong"), as the facilitator reads it."""
        rejection = self.verdict(event)
        return None if rejection is None else str(rejection)

    def add(
        self,
        event: ev.EventBase,
        when: datetime | None = None,
        *,
        recorded_at: datetime | None = None,
        check: bool = True,
    ) -> int:
        """Journal `event` (stamped at `when` unless already stamped) and return its seq."""
        if when is not None or event.recorded_at is None:
            moment = when or event.observed_at
            assert moment is not None, "give a time for an unstamped event"
            event = stamp(event, moment, recorded_at=recorded_at, by=self.by)
        elif recorded_at is not None:
            event = event.model_copy(update={"recorded_at": recorded_at})
        if check:
            problem = self.check(event)
            assert problem is None, problem
        seq = self._append(event)
        if isinstance(event, ev.ObservationRecorded):
            for alert in alerts_for_observation(self.protocol, self.state, event, seq):
                self._append(
                    stamp(
                        alert, event.observed_at or T0, recorded_at=event.recorded_at, by="console"
                    )
                )
        return seq

    def add_all(self, events: Iterable[ev.EventBase]) -> list[int]:
        return [self.add(event) for event in events]

    def _append(self, event: ev.EventBase) -> int:
        seq = self.next_seq
        self.entries.append((seq, event))
        self.builder.apply(seq, event)
        return seq

    def seq_of(self, kind: str, nth: int = 0) -> int:
        """The seq of the nth event of `kind` ("dose_given", "alert_raised"…)."""
        found = [seq for seq, event in self.entries if event.type == kind]  # type: ignore[attr-defined]
        return found[nth]


def dosed_script(name: str = "im-ketamine-120", t0: datetime = T0, **options: Any) -> SessionScript:
    """A `SessionScript` for a bundled protocol, already through the first dose at `t0`."""
    script = SessionScript(load_protocol(name))
    script.add_all(events_until_dosed(script.protocol, t0, **options))
    return script
