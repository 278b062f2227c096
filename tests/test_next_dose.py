"""The next dose or device, and when it may be given: one view, computed in the core."""

from __future__ import annotations

from datetime import timedelta

from session_builders import T0, at, dosed_script

from kap_console.session import events as ev
from kap_console.session.rules.dosing import next_dose


def device(script, number: int, minutes: float) -> None:
    devices = script.protocol.dosing.devices
    script.add(
        ev.DoseGiven(
            kind="device",
            drug=script.protocol.drug.name,
            route=script.protocol.drug.routes[0],
            dose_mg=devices.mg_per_device,
            given_by="Dr Chen",
            device_number=number,
        ),
        at(minutes),
    )


def test_the_second_device_may_follow_only_after_the_protocols_interval():
    script = dosed_script("esketamine-120")
    plan = next_dose(script.protocol, script.state)
    assert (plan.kind, plan.number) == ("device", 2)
    assert plan.may_from == T0 + timedelta(minutes=5)
    assert plan.wait(at(3)) == timedelta(minutes=2)
    assert "(in 02:00)" in plan.sentence(at(3))
    assert "(in 01:30)" in plan.sentence(at(3.5))  # computed from the clock, not stored
    assert plan.wait(at(5)) is None and plan.sentence(at(5)).endswith("may be given now")


def test_after_the_last_device_no_dose_is_offered():
    script = dosed_script("esketamine-120")
    devices = script.protocol.dosing.devices
    for number in range(2, devices.max_count + 1):
        device(script, number, 5 * (number - 1))
    plan = next_dose(script.protocol, script.state)
    assert plan.kind is None and plan.summary == f"All {devices.max_count} devices given"


def test_a_booster_window_opens_and_closes_with_the_clock():
    script = dosed_script("im-ketamine-120")
    booster = script.protocol.dosing.booster
    plan = next_dose(script.protocol, script.state)
    if booster is None:
        assert plan.kind is None
        return
    assert plan.kind == "booster"
    assert "opens in" in plan.sentence(at(booster.earliest_minutes - 1))
    assert "open now" in plan.sentence(at(booster.earliest_minutes))
    assert "closed" in plan.sentence(at(booster.latest_minutes + 1))
