"""What the simulated client's monitor shows at a moment: the scenario's keyframes joined by
straight lines, plus noise drawn from the scenario's seed (the same run after run), rounded
the way the protocol writes the measure and kept inside its entry range."""

from __future__ import annotations

import random

from kap_console.protocol.models import Protocol

from .scenario import Readings, Scenario


def interpolate(readings: Readings, minute: float) -> float:
    """The keyframes' value at `minute`: held before the first and after the last."""
    frames = readings.keyframes
    if minute <= frames[0].at:
        return frames[0].value
    for before, after in zip(frames, frames[1:], strict=False):
        if minute <= after.at:
            share = (minute - before.at) / (after.at - before.at)
            return before.value + share * (after.value - before.value)
    return frames[-1].value


def noise(scenario: Scenario, measure_id: str, minute: float, amplitude: float) -> float:
    """Up to ± `amplitude`, fixed for the scenario's seed, the measure and the whole minute."""
    if amplitude <= 0:
        return 0.0
    draw = random.Random(f"{scenario.seed}:{measure_id}:{int(minute // 1)}")
    return draw.uniform(-amplitude, amplitude)


def readings_at(scenario: Scenario, protocol: Protocol, minute: float) -> dict[str, float]:
    """Every measure the scenario describes, as the monitor shows it `minute` after the dose."""
    shown: dict[str, float] = {}
    measures = {measure.id: measure for measure in protocol.measures}
    for readings in scenario.readings:
        measure = measures.get(readings.measure)
        if measure is None:
            continue
        value = interpolate(readings, minute)
        value += noise(scenario, readings.measure, minute, readings.noise)
        decimals = measure.decimals if measure.kind == "number" else 0
        value = round(value, decimals)
        entry = measure.entry_range()
        if entry is not None:
            value = min(max(value, entry.min), entry.max)
        shown[readings.measure] = float(value)
    return shown


def due_incidents(scenario: Scenario, minute: float, shown: set[str]) -> list[str]:
    """Incidents whose time has come (at or before `minute`) and that were not shown yet."""
    return [i.id for i in scenario.incidents if i.at <= minute and i.id not in shown]
