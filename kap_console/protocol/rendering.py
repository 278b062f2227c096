"""A protocol by section, in the order a session meets it, as facts (`facts.py`): and the
canonical rendering of those facts that git compares through `textconv`.

Entries are named by the protocol's own labels ("Systolic BP urgent threshold", "round
'BP peak check'") and keyed for matching across versions by id (thresholds by level and
scope, scale levels by value).
"""

from __future__ import annotations

from typing import Any

from .facts import (
    COMPARISONS,
    WORDS,
    Fact,
    Item,
    Section,
    facts_of,
    number,
    text,
    value_words,
    with_unit,
)
from .models import (
    Booster,
    ChecklistItem,
    Devices,
    DosingStep,
    Measure,
    Protocol,
)
from .monitoring import ObservationRound, Threshold

# -- the sections -----------------------------------------------------------------------------


def sections(protocol: Protocol) -> list[Section]:
    """The protocol in the order a session meets it."""
    labels = {measure.id: measure.label for measure in protocol.measures}
    return [
        Section("Protocol", _top(protocol, labels)),
        Section("Drug", facts_of(protocol.drug)),
        Section("Checklist", items=tuple(_checklist_item(item) for item in protocol.checklist)),
        Section("Intention prompts", items=_prompts(protocol.intention_prompts)),
        Section(
            "Consent",
            facts_of(protocol.consent),
            tuple(
                Item(
                    item.id,
                    text(item.prompt),
                    item.kind.replace("_", "/"),
                    facts_of(item),
                    in_title=("prompt",),
                )
                for item in protocol.consent.items
            ),
        ),
        Section("Dosing", items=_dosing(protocol)),
        Section("Measures", items=tuple(_measure(m) for m in protocol.measures)),
        Section("Schedule", items=tuple(_round(spec, labels) for spec in protocol.schedule)),
        Section(
            "Phases",
            items=tuple(
                Item(
                    p.id,
                    f"phase {text(p.label)}",
                    f"T+{p.expected_minutes}",
                    facts_of(p),
                    (),
                    ("label",),
                )
                for p in protocol.phases
            ),
        ),
        Section(
            "Adverse events",
            items=tuple(
                Item(t.id, text(t.term), t.grading.replace("_", "/"), facts_of(t), (), ("term",))
                for t in protocol.adverse_events
            ),
        ),
        Section("Discharge", *_discharge(protocol, labels)),
        Section("Reflection prompts", items=_prompts(protocol.reflection_prompts)),
        Section(
            "Follow-up",
            items=tuple(
                Item(
                    f.id,
                    text(f.label),
                    f"after {number(f.after_hours)} h",
                    facts_of(f),
                    (),
                    ("label",),
                )
                for f in protocol.follow_up
            ),
        ),
    ]


def _measure_names(ids: list[str], labels: dict[str, str]) -> str:
    return ", ".join(labels.get(measure_id, measure_id) for measure_id in ids) or "—"


def _top(protocol: Protocol, labels: dict[str, str]) -> tuple[Fact, ...]:
    facts = list(facts_of(protocol, skip=("baseline_measures",)))
    facts.append(
        Fact(
            "baseline_measures",
            "baseline measures",
            _measure_names(protocol.baseline_measures, labels),
        )
    )
    return tuple(facts)


def _checklist_item(item: ChecklistItem) -> Item:
    notes = []
    if item.blocks_dosing_when:
        notes.append("blocks dosing" if item.blocks_dosing_when == "no" else "blocks dosing if yes")
    elif item.kind != "yes_no":
        notes.append(item.kind)
    if item.kind == "number" and item.range is not None:
        notes.append(with_unit(value_words("range", item.range), item.unit or ""))
    if not item.required:
        notes.append("optional")
    return Item(
        item.id,
        text(item.prompt),
        ", ".join(notes),
        facts_of(item, unit=item.unit or "", words={"range": "accepted range"}),
        in_title=("prompt",),
    )


def _prompts(prompts: list[Any]) -> tuple[Item, ...]:
    return tuple(Item(p.id, text(p.text), "", facts_of(p), (), ("text",)) for p in prompts)


def _step(step: DosingStep) -> Item:
    summary = f"timed, {number(step.duration_minutes)} min" if step.duration_minutes else ""
    return Item(step.id, f"step {text(step.label)}", summary, facts_of(step), (), ("label",))


def _booster(booster: Booster) -> Item:
    summary = (
        f"T+{booster.earliest_minutes}–T+{booster.latest_minutes}, "
        f"{value_words('dose_mg', booster.dose_mg)} mg"
    )
    return Item(
        "booster", "booster", summary, facts_of(booster, words={"max_count": "count at most"})
    )


def _devices(devices: Devices) -> Item:
    summary = (
        f"{number(devices.mg_per_device)} mg each, {devices.min_count}–{devices.max_count} devices"
    )
    return Item(
        "devices", "devices", summary, facts_of(devices, words={"max_count": "most devices"})
    )


def _dosing(protocol: Protocol) -> tuple[Item, ...]:
    items = [_step(step) for step in protocol.dosing.steps]
    if protocol.dosing.booster is not None:
        items.append(_booster(protocol.dosing.booster))
    if protocol.dosing.devices is not None:
        items.append(_devices(protocol.dosing.devices))
    return tuple(items)


def _limit(threshold: Threshold) -> str:
    symbol, value = threshold.comparison
    return f"{symbol} {number(value)}"


def _thresholds(measure: Measure) -> tuple[Item, ...]:
    unit = (measure.unit or "") if measure.kind == "number" else ""
    counts: dict[tuple[str, str], int] = {}
    for threshold in measure.thresholds:
        counts[(threshold.level, threshold.scope)] = (
            counts.get((threshold.level, threshold.scope), 0) + 1
        )
    seen: dict[tuple[str, str], int] = {}
    items = []
    for threshold in measure.thresholds:
        group = (threshold.level, threshold.scope)
        seen[group] = seen.get(group, 0) + 1
        same_level = sum(n for (level, _), n in counts.items() if level == threshold.level)
        title = f"{measure.label} {threshold.level} threshold"
        if same_level > 1:
            title += f" ({threshold.scope})" if counts[group] == 1 else f" #{seen[group]}"
        facts = (Fact("limit", "", _limit(threshold), unit),) + facts_of(
            threshold, skip=COMPARISONS + ("level",)
        )
        items.append(
            Item(
                f"{threshold.level}:{threshold.scope}:{seen[group]}",
                title,
                with_unit(_limit(threshold), unit),
                facts,
                in_title=("limit",),
            )
        )
    return tuple(items)


def _measure(measure: Measure) -> Item:
    levels = tuple(
        Item(
            f"level:{level.value}",
            f"{measure.label} level {level.value}",
            text(level.label),
            (Fact("label", "label", text(level.label)),),
            in_title=("label",),
        )
        for level in measure.levels
    )
    summary = measure.kind.replace("_", "/")
    if measure.range is not None:
        summary += ", " + with_unit(value_words("range", measure.range), measure.unit or "")
    return Item(
        measure.id,
        text(measure.label).strip("'"),
        summary,
        facts_of(measure, unit=measure.unit or "", words={"range": "entry range"}),
        levels + _thresholds(measure),
        ("label",),
    )


def round_times(spec: ObservationRound) -> str:
    parts = []
    if spec.at_minutes:
        parts.append("at " + value_words("at_minutes", spec.at_minutes))
    if spec.every_minutes is not None:
        parts.append(f"every {spec.every_minutes} min T+{spec.from_minutes}–T+{spec.until_minutes}")
    if spec.at_discharge:
        parts.append("before discharge")
    return ", ".join(parts)


def _round(spec: ObservationRound, labels: dict[str, str]) -> Item:
    facts = [
        Fact("measures", "measures", _measure_names(spec.measures, labels))
        if fact.key == "measures"
        else fact
        for fact in facts_of(spec)
    ]
    return Item(
        spec.id, f"round {text(spec.label)}", round_times(spec), tuple(facts), (), ("label",)
    )


def _discharge(
    protocol: Protocol, labels: dict[str, str]
) -> tuple[tuple[Fact, ...], tuple[Item, ...]]:
    discharge = protocol.discharge
    facts = [
        Fact(
            "at_most_baseline",
            WORDS["at_most_baseline"],
            _measure_names(discharge.at_most_baseline, labels),
        )
        if fact.key == "at_most_baseline"
        else fact
        for fact in facts_of(discharge)
    ]
    items = [
        Item(
            check.id,
            f"check {text(check.prompt)}",
            "" if check.required else "optional",
            facts_of(check),
            in_title=("prompt",),
        )
        for check in discharge.checks
    ]
    items += [
        Item(
            f"score:{score.scale}",
            f"{score.scale.replace('_', ' ')} score",
            f"at least {score.at_least}",
            facts_of(score),
        )
        for score in discharge.scores
    ]
    return tuple(facts), tuple(items)


# -- the canonical rendering ------------------------------------------------------------------


def render(protocol: Protocol) -> str:
    """Every setting of the protocol, grouped as `protocol show` groups them: what git
    compares through `textconv`. Entries start with `- ` (the diff driver's `xfuncname`, so a
    hunk header names the entry it is in); settings left unset are left out."""
    lines = [f"kap-console protocol {protocol.id} version {protocol.version}"]
    for section in sections(protocol):
        lines.append("")
        lines.append(f"## {section.title}")
        lines.extend(fact.line() for fact in section.facts if fact.value != "—")
        for item in section.items:
            lines.extend(_item_lines(item, "    "))
    return "\n".join(lines) + "\n"


def _item_lines(item: Item, indent: str) -> list[str]:
    lines = [f"- {item.described}"]
    lines.extend(
        indent + fact.line()
        for fact in item.facts
        if fact.value != "—" and fact.key not in item.in_title
    )
    for child in item.children:
        lines.extend(_item_lines(child, indent))
    return lines
