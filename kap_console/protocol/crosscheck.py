"""Rules that relate one part of a protocol to another.

Each problem is returned with the key path (`loc`) of the value that is wrong, so the loader
can point at its line in the file. These run only after the models have validated.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from .base import Range
from .models import Protocol

Loc = tuple[str | int, ...]

# Scale items each discharge scale has; item_minimums must name one of these.
SCALE_ITEMS: dict[str, tuple[str, ...]] = {
    "modified_aldrete": ("activity", "respiration", "circulation", "consciousness", "spo2"),
    "padss": ("vitals", "activity", "pain_nausea", "bleeding", "intake_output"),
}

# What a quantity in each unit can physically be: (lowest, highest or None). A range or a
# threshold outside it could never be met by a real reading, so it is a mistake in the file.
UNIT_DOMAINS: dict[str, tuple[float, float | None]] = {
    "%": (0, 100),
    "/10": (0, 10),
    "mmHg": (0, None),
    "bpm": (0, None),
    "/min": (0, None),
    "kg": (0, None),
    "cm": (0, None),
    "mg": (0, None),
    "min": (0, None),
}


@dataclass(frozen=True)
class CrossProblem:
    loc: Loc
    message: str


def _duplicates(items: Sequence[object], field: str, loc: Loc) -> Iterable[CrossProblem]:
    seen: dict[str, int] = {}
    for index, item in enumerate(items):
        key = getattr(item, field)
        if key in seen:
            yield CrossProblem(
                (*loc, index, field),
                f"duplicate {field} '{key}' (first used at {'.'.join(map(str, loc))}[{seen[key]}])",
            )
        else:
            seen[key] = index


def _outside_unit(unit: str | None, limits: Range | None, loc: Loc) -> Iterable[CrossProblem]:
    """A range reaching past what its unit can physically measure (below 0 mmHg, over 100 %)."""
    if unit is None or limits is None or unit.strip() not in UNIT_DOMAINS:
        return
    lowest, highest = UNIT_DOMAINS[unit.strip()]
    span = f"{lowest:g}..{highest:g}" if highest is not None else f"at least {lowest:g}"
    if limits.min < lowest:
        yield CrossProblem(
            (*loc, "min"), f"min ({limits.min:g}) is impossible in {unit.strip()} ({span})"
        )
    if highest is not None and limits.max > highest:
        yield CrossProblem(
            (*loc, "max"), f"max ({limits.max:g}) is impossible in {unit.strip()} ({span})"
        )


def _approval(protocol: Protocol) -> Iterable[CrossProblem]:
    """An approved version names who approved it and when; a draft names neither."""
    if protocol.status == "approved":
        missing = [key for key in ("approved_by", "approved_on") if getattr(protocol, key) is None]
        if missing:
            yield CrossProblem(
                ("status",),
                f'"approved" needs {" and ".join(missing)} (who approved this version, and '
                "on which day)",
            )
        return
    for key in ("approved_by", "approved_on"):
        if getattr(protocol, key) is not None:
            yield CrossProblem(
                (key,),
                f'{key} applies only to status = "approved"'
                + (" (this version is a draft)" if protocol.status == "draft" else ""),
            )


def cross_check(protocol: Protocol) -> list[CrossProblem]:
    """Every inter-part problem of a validated protocol, in file order where possible."""
    problems: list[CrossProblem] = list(_approval(protocol))
    add = problems.append

    for name in (
        "checklist",
        "intention_prompts",
        "measures",
        "schedule",
        "phases",
        "adverse_events",
        "reflection_prompts",
        "follow_up",
    ):
        problems.extend(_duplicates(getattr(protocol, name), "id", (name,)))
    problems.extend(_duplicates(protocol.consent.items, "id", ("consent", "items")))
    problems.extend(_duplicates(protocol.dosing.steps, "id", ("dosing", "steps")))
    problems.extend(_duplicates(protocol.discharge.checks, "id", ("discharge", "checks")))

    measure_ids = {m.id for m in protocol.measures}
    known = ", ".join(sorted(measure_ids))

    def check_ref(ref: str, loc: Loc) -> None:
        if ref not in measure_ids:
            add(CrossProblem(loc, f"unknown measure '{ref}' (known measures: {known})"))

    for i, ref in enumerate(protocol.baseline_measures):
        check_ref(ref, ("baseline_measures", i))
        if ref in protocol.baseline_measures[:i]:
            add(CrossProblem(("baseline_measures", i), f"measure '{ref}' is listed twice"))
    for r, spec in enumerate(protocol.schedule):
        for i, ref in enumerate(spec.measures):
            check_ref(ref, ("schedule", r, "measures", i))
        if len(set(spec.measures)) != len(spec.measures):
            add(CrossProblem(("schedule", r, "measures"), "a round lists the same measure twice"))
        window = protocol.window_minutes
        for i, minute in enumerate(spec.at_minutes):
            if minute > window:
                add(
                    CrossProblem(
                        ("schedule", r, "at_minutes", i),
                        f"round at {minute} min falls outside the session window ({window} min)",
                    )
                )
        if spec.until_minutes is not None and spec.until_minutes > window:
            add(
                CrossProblem(
                    ("schedule", r, "until_minutes"),
                    f"until_minutes = {spec.until_minutes} is past the session window ({window} min)",
                )
            )
    for i, ref in enumerate(protocol.discharge.at_most_baseline):
        check_ref(ref, ("discharge", "at_most_baseline", i))
        if ref in measure_ids and ref not in protocol.baseline_measures:
            add(
                CrossProblem(
                    ("discharge", "at_most_baseline", i),
                    f"measure '{ref}' is compared to baseline but is not in baseline_measures",
                )
            )

    for c, item in enumerate(protocol.checklist):
        problems.extend(_outside_unit(item.unit, item.range, ("checklist", c, "range")))
    for m, measure in enumerate(protocol.measures):
        problems.extend(_outside_unit(measure.unit, measure.range, ("measures", m, "range")))
        entry = measure.entry_range()
        if measure.kind == "scale":
            values = [level.value for level in measure.levels]
            if len(set(values)) != len(values):
                add(
                    CrossProblem(
                        ("measures", m, "levels"), "a scale lists the same level value twice"
                    )
                )
        for t, threshold in enumerate(measure.thresholds):
            if threshold.scope == "baseline" and measure.id not in protocol.baseline_measures:
                # A baseline-only threshold on a measure never taken at baseline never fires.
                add(
                    CrossProblem(
                        ("measures", m, "thresholds", t, "scope"),
                        f"a baseline threshold on '{measure.id}', which is not in "
                        "baseline_measures: it could never fire",
                    )
                )
            if entry is None:
                continue
            key = next(
                k
                for k in ("above", "at_least", "below", "at_most")
                if getattr(threshold, k) is not None
            )
            value = getattr(threshold, key)
            if not entry.contains(value):
                add(
                    CrossProblem(
                        ("measures", m, "thresholds", t, key),
                        f"threshold {value:g} lies outside the entry range of '{measure.id}' "
                        f"({entry.min:g}..{entry.max:g})",
                    )
                )

    discharge = protocol.discharge
    if discharge.min_minutes > protocol.window_minutes:
        add(
            CrossProblem(
                ("discharge", "min_minutes"),
                f"minimum monitoring time ({discharge.min_minutes} min) is longer than the session "
                f"window ({protocol.window_minutes} min)",
            )
        )
    for s, score in enumerate(discharge.scores):
        items = SCALE_ITEMS[score.scale]
        for scale_item, minimum in score.item_minimums.items():
            if scale_item not in items:
                add(
                    CrossProblem(
                        ("discharge", "scores", s, "item_minimums", scale_item),
                        f"'{scale_item}' is not an item of {score.scale} (items: {', '.join(items)})",
                    )
                )
            elif not 0 <= minimum <= 2:
                add(
                    CrossProblem(
                        ("discharge", "scores", s, "item_minimums", scale_item),
                        f"item minimum {minimum} is outside 0..2",
                    )
                )
    if len({s.scale for s in discharge.scores}) != len(discharge.scores):
        add(CrossProblem(("discharge", "scores"), "the same scale is listed twice"))

    for p, phase in enumerate(protocol.phases):
        if phase.expected_minutes > protocol.window_minutes:
            add(
                CrossProblem(
                    ("phases", p, "expected_minutes"),
                    f"phase expected at {phase.expected_minutes} min is past the session window "
                    f"({protocol.window_minutes} min)",
                )
            )

    drug = protocol.drug
    if drug.max_total_mg is not None and drug.max_total_mg < drug.dose_mg.min:
        add(
            CrossProblem(
                ("drug", "max_total_mg"), "max_total_mg is below the smallest allowed dose"
            )
        )
    booster = protocol.dosing.booster
    if booster is not None and booster.latest_minutes > protocol.window_minutes:
        add(
            CrossProblem(
                ("dosing", "booster", "latest_minutes"),
                f"booster window ends after the session window ({protocol.window_minutes} min)",
            )
        )
    devices = protocol.dosing.devices
    if devices is not None:
        smallest = devices.mg_per_device * devices.min_count
        largest = devices.mg_per_device * devices.max_count
        if largest < drug.dose_mg.min or smallest > drug.dose_mg.max:
            add(
                CrossProblem(
                    ("dosing", "devices"),
                    f"device doses ({smallest:g}..{largest:g} mg) never fall inside drug.dose_mg "
                    f"({drug.dose_mg.min:g}..{drug.dose_mg.max:g} mg)",
                )
            )
    return problems
