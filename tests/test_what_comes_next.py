"""What comes next, as the engine computes it for the screens to show: the round the "start
round" key opens, the dosing step to mark, and the weight to offer for a dose.

IM example protocol: "early" rounds at 15, 30, 45, 60 min (grace 5), "late" at 90 and 120,
and a before-discharge round. Sublingual example: swish (timed, 12 min), spit, settle.
"""

from __future__ import annotations

from datetime import timedelta

from session_builders import (
    WEIGHT_KG,
    SessionScript,
    at,
    dosed_script,
    first_dose,
    load_protocol,
    obs,
    pre_session_events,
    stamp,
)

from kap_console.session import events as ev
from kap_console.session.rules.dosing import weight_on_record
from kap_console.session.rules.schedule import RoundToOpen, round_slots, round_to_open
from kap_console.session.rules.steps import current_step, step_progress

IM = "im-ketamine-120"
SUBLINGUAL = "sublingual-ketamine-180"


def test_before_the_dose_the_round_to_open_is_the_baseline() -> None:
    script = SessionScript(load_protocol(IM))
    script.add_all(pre_session_events(script.protocol))
    assert round_to_open(script.protocol, script.state, at(-1)) == RoundToOpen(
        ev.BASELINE_ROUND, None, "baseline"
    )


def test_a_round_due_now_opens_with_its_due_time() -> None:
    script = dosed_script(IM)
    choice = round_to_open(script.protocol, script.state, at(15))
    assert (choice.round_id, choice.due_minutes, choice.reason) == ("early", 15, "due")
    assert choice.slot == round_slots(script.protocol, script.state, at(15)).next_due


def test_a_late_round_opens_late_with_its_due_time() -> None:
    script = dosed_script(IM)
    choice = round_to_open(script.protocol, script.state, at(23))
    assert (choice.round_id, choice.due_minutes, choice.reason) == ("early", 15, "late")
    assert choice.slot is not None and choice.slot.late_by == timedelta(minutes=8)


def test_an_early_reading_opens_the_next_round_without_forcing_its_slot() -> None:
    script = dosed_script(IM)
    choice = round_to_open(script.protocol, script.state, at(5))
    assert (choice.round_id, choice.due_minutes, choice.reason) == ("early", None, "upcoming")
    assert choice.countdown == timedelta(minutes=10)


def test_with_nothing_left_to_do_an_extra_reading_goes_in_the_before_discharge_round() -> None:
    script = dosed_script(IM)
    for minute in (15, 30, 45, 60):
        script.add(obs("early", minute, at(minute), hr=70))
    for minute in (90, 120):
        script.add(obs("late", minute, at(minute), hr=70))
    script.add(ev.PhaseMarked(phase_id="recovery", label="Recovery"), at(121))
    script.add(obs("pre_discharge", None, at(122), hr=70))
    choice = round_to_open(script.protocol, script.state, at(125))
    assert choice == RoundToOpen("pre_discharge", None, "extra")


def test_the_current_step_walks_the_protocols_steps_in_order() -> None:
    protocol = load_protocol(SUBLINGUAL)
    script = SessionScript(protocol)
    script.add_all(pre_session_events(protocol))
    assert current_step(protocol, script.state) is None  # before the dose
    script.add(first_dose(protocol, at(0)))
    step = current_step(protocol, script.state)
    assert step is not None and (step.step.id, step.status) == ("swish", None)
    script.add(ev.StepMarked(step_id="swish", status="started"), at(1))
    step = current_step(protocol, script.state)
    assert step is not None and (step.step.id, step.status, step.marked_at) == (
        "swish",
        "started",
        at(1),
    )
    script.add(ev.StepMarked(step_id="swish", status="done"), at(13))
    step = current_step(protocol, script.state)
    assert step is not None and step.step.id == "spit"
    for step_id in ("spit", "settle"):
        script.add(ev.StepMarked(step_id=step_id, status="done"), at(14))
    assert current_step(protocol, script.state) is None
    assert [p.status for p in step_progress(protocol, script.state)] == ["done"] * 3


def test_a_step_marked_in_error_is_not_counted() -> None:
    protocol = load_protocol(SUBLINGUAL)
    script = dosed_script(SUBLINGUAL)
    seq = script.add(ev.StepMarked(step_id="swish", status="done"), at(1))
    script.add(ev.Voided(target_seq=seq, reason="wrong step"), at(2))
    step = current_step(protocol, script.state)
    assert step is not None and (step.step.id, step.status) == ("swish", None)


def test_the_weight_on_record_is_the_checklists_then_the_last_doses() -> None:
    protocol = load_protocol(IM)
    script = SessionScript(protocol)
    assert weight_on_record(protocol, script.state) is None
    script.add_all(pre_session_events(protocol))
    assert weight_on_record(protocol, script.state) == WEIGHT_KG
    dose = first_dose(protocol, at(0))
    script.add(stamp(dose.model_copy(update={"weight_kg": 72.0, "mg_per_kg": None}), at(0)))
    assert weight_on_record(protocol, script.state) == 72.0
