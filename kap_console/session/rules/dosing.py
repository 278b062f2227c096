"""The rules a dose meets before it is journaled.

The first dose needs a go decision and nothing holding it, and a dose inside the protocol's
bounds (per kilogram when the protocol doses by weight); boosters come after it, inside their
window and count; devices are given one at a time; the session total stays under the cap.
"""

from __future__ import annotations

from datetime import datetime

from kap_console.protocol.models import Protocol
from kap_console.session import events as ev
from kap_console.session.state.content import id_list
from kap_console.session.state.snapshot import SessionState
from kap_console.session.verdicts import Rejection


def _clock(when: datetime | None) -> str:
    return when.strftime("%H:%M") if when is not None else "an earlier time"


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
