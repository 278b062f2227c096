"""The rules a dose meets before it is journaled.

The first dose needs a go decision and nothing holding it, and a dose inside the protocol's
bounds (per kilogram when the protocol doses by weight); boosters come after it, inside their
window and count; devices are given one at a time; the session total stays under the cap.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from kap_console.protocol.models import Protocol
from kap_console.session import events as ev
from kap_console.session.rules.schedule import format_span
from kap_console.session.state.content import id_list
from kap_console.session.state.snapshot import SessionState
from kap_console.session.timefmt import local_time
from kap_console.session.verdicts import Rejection
from kap_console.session.words import format_number


def _clock(when: datetime | None) -> str:
    return local_time(when, missing="an earlier time")


def weight_on_record(protocol: Protocol, state: SessionState) -> float | None:
    """The client's weight the session already holds, for the next dose: the last dose's
    weight, else the checklist's number item in kg (None when neither is there)."""
    for dose in reversed(state.effective_doses):
        if dose.event.weight_kg is not None:
            return dose.event.weight_kg
    for item in protocol.checklist:
        if item.kind == "number" and (item.unit or "").lower() == "kg":
            answer = state.checklist.get(item.id)
            if answer is not None and isinstance(answer.answer, int | float):
                return float(answer.answer)
    return None


def _minutes_after_t0(state: SessionState, event: ev.EventBase) -> float | None:
    if state.t0 is None or event.observed_at is None:
        return None
    return (event.observed_at - state.t0).total_seconds() / 60


def check_dose(protocol: Protocol, state: SessionState, event: ev.DoseGiven) -> Rejection | None:
    """Why `event` should not be journaled now (None when it may)."""
    drug = protocol.drug
    if event.drug != drug.name:
        return Rejection("drug", f"this protocol gives {drug.name}")
    if event.route not in drug.routes:
        return Rejection(
            "route", f"not allowed by this protocol (allowed: {', '.join(drug.routes)})"
        )
    if not event.given_by.strip():
        return Rejection("given_by", "who gave the dose?")
    if event.kind == "booster":
        problem = _check_booster(protocol, state, event)
    elif event.kind == "device":
        problem = _check_device(protocol, state, event)
    else:
        problem = _check_first_dose(protocol, state, event)
    if problem is not None:
        return problem
    total = sum(d.event.dose_mg for d in state.effective_doses) + event.dose_mg
    if drug.max_total_mg is not None and total > drug.max_total_mg:
        return Rejection(
            "dose_mg",
            f"the session total would be {total:g} mg, above the protocol's cap of {drug.max_total_mg:g} mg",
        )
    return None


def _check_go_given(protocol: Protocol, state: SessionState) -> Rejection | None:
    """Before the first dose: a go decision, and nothing holding the dose."""
    from kap_console.session.rules.alerts import dosing_blocks

    if state.effective_doses:
        return None
    go = state.go_decision
    if go is None or go.event.decision != "go":
        return Rejection(None, "no go decision yet: dosing needs a go decision first")
    blocks = dosing_blocks(protocol, state)
    if blocks:
        return Rejection(None, f"dosing is held: {blocks[0].message}")
    return None


def _check_device(protocol: Protocol, state: SessionState, event: ev.DoseGiven) -> Rejection | None:
    devices = protocol.dosing.devices
    if devices is None:
        return Rejection("kind", "this protocol does not dose by device")
    problem = _check_go_given(protocol, state)
    if problem is not None:
        return problem
    count = sum(1 for d in state.effective_doses if d.event.kind == "device")
    if count >= devices.max_count:
        return Rejection(None, f"all {devices.max_count} devices have been given")
    if event.dose_mg != devices.mg_per_device:
        return Rejection("dose_mg", f"each device is {devices.mg_per_device:g} mg")
    if event.device_number is not None and event.device_number != count + 1:
        return Rejection("device_number", f"the next device is number {count + 1}")
    return None


def _check_first_dose(
    protocol: Protocol, state: SessionState, event: ev.DoseGiven
) -> Rejection | None:
    drug = protocol.drug
    if protocol.dosing.devices is not None:
        return Rejection("kind", "this protocol doses by device: record each device")
    first = next((d for d in state.effective_doses if d.event.kind == "initial"), None)
    if first is not None:
        return Rejection(
            "kind",
            f"the first dose was given at {_clock(first.observed_at)}; record a booster instead",
        )
    problem = _check_go_given(protocol, state)
    if problem is not None:
        return problem
    if not drug.dose_mg.contains(event.dose_mg):
        return Rejection("dose_mg", f"outside {drug.dose_mg.min:g}–{drug.dose_mg.max:g} mg")
    if drug.dose_mg_per_kg is None:
        return None
    if event.weight_kg is None:
        return Rejection("weight_kg", "this protocol doses by weight; enter the weight used")
    per_kg = event.dose_mg / event.weight_kg
    if event.mg_per_kg is not None and abs(event.mg_per_kg - per_kg) > 0.01:
        return Rejection("mg_per_kg", "does not match dose_mg divided by weight_kg")
    allowed = drug.dose_mg_per_kg
    # Rounded to the hundredth shown on screen, so a dose computed from the range passes.
    if not allowed.contains(round(per_kg, 2)):
        return Rejection(
            "dose_mg", f"per kg of weight_kg, outside {allowed.min:g}–{allowed.max:g} mg/kg"
        )
    return None


def _check_booster(
    protocol: Protocol, state: SessionState, event: ev.DoseGiven
) -> Rejection | None:
    booster = protocol.dosing.booster
    if booster is None:
        return Rejection("kind", "this protocol has no booster")
    if state.t0 is None:
        return Rejection("kind", "a booster comes after the first dose")
    count = sum(1 for d in state.effective_doses if d.event.kind == "booster")
    if count >= booster.max_count:
        plural = "booster" if booster.max_count == 1 else "boosters"
        return Rejection(
            None, f"the protocol allows {booster.max_count} {plural}, and {count} already given"
        )
    minutes = _minutes_after_t0(state, event)
    if minutes is not None and not booster.earliest_minutes <= minutes <= booster.latest_minutes:
        return Rejection(
            None,
            f"a booster at {minutes:.0f} min is outside the window {booster.earliest_minutes}–{booster.latest_minutes} min after the first dose",
        )
    if not booster.dose_mg.contains(event.dose_mg):
        return Rejection(
            "dose_mg", f"outside {booster.dose_mg.min:g}–{booster.dose_mg.max:g} mg for a booster"
        )
    return None


def check_step(protocol: Protocol, state: SessionState, event: ev.StepMarked) -> Rejection | None:
    """Why the dosing step `event` should not be marked now (None when it may)."""
    if event.step_id not in {step.id for step in protocol.dosing.steps}:
        return Rejection(
            "step_id",
            f"'{event.step_id}' is not a dosing step (steps: {id_list(protocol.dosing.steps)})",
        )
    if state.t0 is None:
        return Rejection("step_id", "dosing steps come after the first dose")
    return None


@dataclass(frozen=True)
class NextDose:
    """The next dose or device, and when it may be given: a view for the screens.

    `kind` is "initial", "device" or "booster"; None when the protocol allows no further
    dose (`summary` says why). `may_from` is the earliest moment it may be given (the next
    device `interval_minutes` after the last one; a booster's window opening); `until` is
    when a booster's window closes. `sentence(now)` is computed from the clock each time it
    is asked, so a countdown shown with it runs live.
    """

    kind: str | None
    number: int | None
    summary: str
    may_from: datetime | None = None
    until: datetime | None = None
    interval_minutes: float | None = None

    def wait(self, now: datetime) -> timedelta | None:
        """How long until it may be given (None when it may be given now)."""
        if self.may_from is None or now >= self.may_from:
            return None
        return self.may_from - now

    def sentence(self, now: datetime) -> str:
        wait = self.wait(now)
        if self.kind == "device" and self.may_from is not None:
            if wait is not None:
                return (
                    f"{self.summary} · next from {local_time(self.may_from, seconds=True)} "
                    f"(in {format_span(wait)})"
                )
            return f"{self.summary} · may be given now"
        if self.kind == "booster":
            if wait is not None:
                where = f"opens in {format_span(wait)}"
            elif self.until is not None and now > self.until:
                where = "closed"
            else:
                where = "open now"
            return self.summary.replace("{where}", where)
        return self.summary


def next_dose(protocol: Protocol, state: SessionState) -> NextDose:
    """Which dose comes next, and when it may be given."""
    given = state.effective_doses
    devices = protocol.dosing.devices
    if devices is not None:
        done = [dose for dose in given if dose.event.kind == "device"]
        if len(done) >= devices.max_count:
            return NextDose(None, None, f"All {devices.max_count} devices given")
        summary = (
            f"Device {len(done) + 1} ({format_number(devices.mg_per_device)} mg); "
            f"{devices.min_count}–{devices.max_count} devices, "
            f"{format_number(devices.interval_minutes)} min apart"
        )
        times = [dose.observed_at for dose in done if dose.observed_at is not None]
        may_from = max(times) + timedelta(minutes=devices.interval_minutes) if times else None
        return NextDose(
            "device",
            len(done) + 1,
            summary,
            may_from=may_from,
            interval_minutes=devices.interval_minutes,
        )
    if not given:
        return NextDose("initial", 1, "First dose: confirming it sets T0")
    booster = protocol.dosing.booster
    if booster is None:
        return NextDose(None, None, "This protocol has no booster")
    count = sum(1 for dose in given if dose.event.kind == "booster")
    if count >= booster.max_count:
        return NextDose(None, None, "The protocol's boosters have been given")
    assert state.t0 is not None
    summary = (
        f"Booster {count + 1} of {booster.max_count}: window "
        f"T+{booster.earliest_minutes}–{booster.latest_minutes} min ({{where}}); "
        f"{format_number(booster.dose_mg.min)}–{format_number(booster.dose_mg.max)} mg"
    )
    return NextDose(
        "booster",
        count + 1,
        summary,
        may_from=state.t0 + timedelta(minutes=booster.earliest_minutes),
        until=state.t0 + timedelta(minutes=booster.latest_minutes),
    )
