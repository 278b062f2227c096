"""A protocol as facts a clinician reads: sections, entries named by their own labels, and
each setting in words with its unit ("Systolic BP urgent threshold: ≥ 180 mmHg").

Both the semantic diff (`diff.py`) and the canonical rendering git shows through
`textconv` are built from these facts, so a change reads the same in either. Every field of
every model is turned into a fact (a field without words of its own is named by its key), so
a field added to the format shows in diffs without touching this module.
"""

from __future__ import annotations

import datetime as dt
import typing
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from .models import (
    Booster,
    ChecklistItem,
    Devices,
    DosingStep,
    Measure,
    ObservationRound,
    Protocol,
    Range,
    Threshold,
)


@dataclass(frozen=True)
class Fact:
    """One setting: `key` is its field, `words` what it is called, `value` as written."""

    key: str
    words: str
    value: str
    unit: str = ""

    def line(self, subject: str = "") -> str:
        head = " ".join(part for part in (subject, self.words) if part)
        shown = with_unit(self.value, self.unit)
        return f"{head}: {shown}" if head else shown


@dataclass(frozen=True)
class Item:
    """An entry of a list (a checklist item, a round, a threshold…), matched by `key`."""

    key: str
    title: str
    summary: str = ""
    facts: tuple[Fact, ...] = ()
    children: tuple[Item, ...] = ()
    in_title: tuple[str, ...] = ()  # facts the title already says (not repeated below it)

    @property
    def described(self) -> str:
        return f"{self.title} ({self.summary})" if self.summary else self.title


@dataclass(frozen=True)
class Section:
    title: str
    facts: tuple[Fact, ...] = ()
    items: tuple[Item, ...] = field(default_factory=tuple)


def with_unit(value: str, unit: str) -> str:
    return f"{value} {unit}" if unit and value not in ("—", "") else value


# -- values in words ------------------------------------------------------------------------

WORDS = {
    "window_minutes": "monitored window",
    "baseline_measures": "baseline measures",
    "approved_by": "approved by",
    "approved_on": "approved on",
    "dose_mg": "dose per administration",
    "dose_mg_per_kg": "weight-based dose",
    "max_total_mg": "total of all doses at most",
    "blocks_dosing_when": "blocks dosing when the answer is",
    "touch": "touch consent asked",
    "stop_word": "stop word agreed",
    "duration_minutes": "duration",
    "starts_after": "starts after",
    "earliest_minutes": "window opens",
    "latest_minutes": "window closes",
    "max_count": "at most",
    "mg_per_device": "per device",
    "min_count": "fewest devices",
    "interval_minutes": "between devices",
    "decimals": "decimals",
    "prefill": "pre-filled with the last value",
    "blocks_dosing": "blocks dosing",
    "response": "response steps",
    "measures": "measures",
    "at_minutes": "at",
    "every_minutes": "every",
    "from_minutes": "from",
    "until_minutes": "until",
    "at_discharge": "also before discharge",
    "grace_minutes": "late after",
    "missed_after_minutes": "missed after",
    "expected_minutes": "expected at",
    "min_minutes": "minimum monitoring",
    "escort_required": "adult escort required",
    "at_most_baseline": "no higher than baseline",
    "at_least": "total at least",
    "item_minimums": "item minimums",
    "after_hours": "after",
}
UNITS = {
    "window_minutes": "min",
    "dose_mg": "mg",
    "dose_mg_per_kg": "mg/kg",
    "max_total_mg": "mg",
    "duration_minutes": "min",
    "interval_minutes": "min",
    "mg_per_device": "mg",
    "every_minutes": "min",
    "grace_minutes": "min",
    "missed_after_minutes": "min",
    "min_minutes": "min",
    "after_hours": "h",
}
# Minutes since T0, written T+40.
OFFSETS = {"at_minutes", "from_minutes", "until_minutes", "expected_minutes", "earliest_minutes"}
OFFSETS |= {"latest_minutes"}
COMPARISONS = ("above", "at_least", "below", "at_most")


def number(value: float) -> str:
    return f"{value:g}"


def text(value: str) -> str:
    """Free text in quotes, on one line."""
    return "'" + " ⏎ ".join(value.strip().splitlines()) + "'"


def value_words(key: str, value: Any, *, free_text: bool = False) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Range):
        return f"{number(value.min)}–{number(value.max)}"
    if key in OFFSETS:
        values = value if isinstance(value, list) else [value]
        return ", ".join(f"T+{minute}" for minute in values) if values else "—"
    if isinstance(value, int | float):
        return number(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str):
        if free_text:
            return text(value)
        return value.replace("_", "/") if key in ("kind", "grading") else value
    if isinstance(value, dict):
        return ", ".join(f"{k} ≥ {v}" for k, v in value.items()) or "—"
    if isinstance(value, list):
        if not value:
            return "—"
        if free_text:
            return "; ".join(text(item) for item in value)
        return ", ".join(str(item) for item in value)
    return str(value)


# Fields whose value is the practice's own words (shown in quotes).
FREE_TEXT = {"title", "disclaimer", "description", "form", "prompt", "help", "text", "label"}
FREE_TEXT |= {"message", "response", "term", "approved_by"}


def facts_of(
    model: BaseModel,
    *,
    skip: tuple[str, ...] = (),
    unit: str = "",
    words: dict[str, str] | None = None,
) -> tuple[Fact, ...]:
    """Every field of `model` not in `skip` (nested lists of tables are items, skipped)."""
    found = []
    for key, info in type(model).model_fields.items():
        if key in skip or _holds_tables(info.annotation):
            continue
        value = getattr(model, key)
        name = (words or {}).get(key) or WORDS.get(key) or key.replace("_", " ")
        shown = value_words(key, value, free_text=key in FREE_TEXT)
        found.append(Fact(key, name, shown, UNITS.get(key, unit if key == "range" else "")))
    return tuple(found)


def _holds_tables(annotation: Any) -> bool:
    """A field of tables (other than a range) is shown as entries, not as one fact."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation is not Range
    return any(_holds_tables(arg) for arg in typing.get_args(annotation))


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
