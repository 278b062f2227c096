"""A plain-text summary of a protocol, for `kap-console protocol show` and for review.

It reads like the session it describes: what is checked and asked before dosing, how the
dose is given, what is watched and when it alerts, a timeline in minutes since T0 with
rounds and phases interleaved, and what discharge and follow-up need.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .approval import approval_line
from .base import Range
from .identity import ProtocolIdentity
from .models import Measure, Protocol
from .monitoring import Threshold

_INDENT = "  "


def summarize(protocol: Protocol, identity: ProtocolIdentity | None = None) -> str:
    """The whole summary as one string ending in a newline."""
    sections = [
        _heading(protocol, identity),
        _drug(protocol),
        _checklist(protocol),
        _prompts("Intention prompts", protocol.intention_prompts),
        _consent(protocol),
        _dosing(protocol),
        _measures(protocol),
        _timeline(protocol),
        _discharge(protocol),
        _adverse_events(protocol),
        _prompts("Reflection prompts", protocol.reflection_prompts),
        _follow_up(protocol),
    ]
    return "\n\n".join(section for section in sections if section) + "\n"


def _num(value: float) -> str:
    return f"{value:g}"


def _range(bounds: Range | None, unit: str | None = None) -> str:
    if bounds is None:
        return ""
    text = f"{_num(bounds.min)}–{_num(bounds.max)}"
    return f"{text} {unit}" if unit else text


def _section(title: str, lines: Iterable[str]) -> str:
    body = [_INDENT + line for line in lines]
    return "\n".join([title, *body]) if body else ""


def _heading(protocol: Protocol, identity: ProtocolIdentity | None) -> str:
    lines = [
        protocol.title,
        f"id {protocol.id} · version {protocol.version} · format {protocol.format} · "
        f"monitored window {protocol.window_minutes} min",
    ]
    flags = [
        flag for flag, on in (("EXAMPLE", protocol.example), ("TRAINING", protocol.training)) if on
    ]
    if protocol.disclaimer:
        lines.append(f"{' / '.join(flags) + ': ' if flags else ''}{protocol.disclaimer}")
    elif flags:
        lines.append(" / ".join(flags))
    if protocol.description:
        lines.append(protocol.description)
    approval = approval_line(protocol)
    if approval:
        lines.append(approval)
    if identity is not None:
        pin = f"file {identity.path} · sha256 {identity.sha256[:16]}…"
        if identity.git_commit:
            state = "uncommitted changes" if identity.git_dirty else "committed"
            pin += f" · git {identity.git_commit[:12]} ({state})"
        lines.append(pin)
    return "\n".join(lines)


def _drug(protocol: Protocol) -> str:
    drug = protocol.drug
    lines = [
        f"{drug.name}: {drug.form}",
        f"routes: {', '.join(drug.routes)}",
        f"dose per administration: {_range(drug.dose_mg, 'mg')}",
    ]
    if drug.dose_mg_per_kg is not None:
        lines.append(f"weight-based dose: {_range(drug.dose_mg_per_kg, 'mg/kg')} (weight required)")
    if drug.max_total_mg is not None:
        lines.append(f"total of all doses: at most {_num(drug.max_total_mg)} mg")
    return _section("Drug", lines)


def _checklist(protocol: Protocol) -> str:
    lines = []
    for item in protocol.checklist:
        if item.blocks_dosing_when:
            kind = f"blocks dosing if {item.blocks_dosing_when}"
        elif item.kind == "number":
            kind = " ".join(part for part in ("number", item.unit, _range(item.range)) if part)
        else:
            kind = item.kind.replace("_", "/")
        optional = "" if item.required else " (optional)"
        lines.append(f"[{kind}] {item.id}: {item.prompt}{optional}")
    return _section("Checklist before dosing", lines)


def _prompts(title: str, prompts: Iterable[Any]) -> str:
    return _section(title, (f"{prompt.id}: {prompt.text}" for prompt in prompts))


def _consent(protocol: Protocol) -> str:
    consent = protocol.consent
    lines = [
        f"touch consent: {'asked' if consent.touch else 'not asked'} · "
        f"stop word: {'agreed' if consent.stop_word else 'not used'}"
    ]
    for item in consent.items:
        optional = ", optional" if not item.required else ""
        lines.append(f"{item.id} ({item.kind.replace('_', '/')}{optional}): {item.prompt}")
    return _section("Consent", lines)


def _dosing(protocol: Protocol) -> str:
    dosing = protocol.dosing
    lines = []
    for number, step in enumerate(dosing.steps, start=1):
        timing = ""
        if step.kind == "timed" and step.duration_minutes is not None:
            start = "after the dose" if step.starts_after == "dose" else "after the previous step"
            timing = f" (timed: {_num(step.duration_minutes)} min, starts {start})"
        lines.append(f"{number}. {step.id}: {step.label}{timing}")
    if dosing.devices is not None:
        devices = dosing.devices
        lines.append(
            f"devices: {_num(devices.mg_per_device)} mg each, {devices.min_count}–{devices.max_count} "
            f"devices, {_num(devices.interval_minutes)} min apart "
            f"({_num(devices.mg_per_device * devices.min_count)}–"
            f"{_num(devices.mg_per_device * devices.max_count)} mg)"
        )
    if dosing.booster is not None:
        booster = dosing.booster
        lines.append(
            f"booster: T+{booster.earliest_minutes} to T+{booster.latest_minutes} min, "
            f"up to {booster.max_count}, {_range(booster.dose_mg, 'mg')} each"
        )
    return _section("Dosing", lines)


def _threshold_line(threshold: Threshold, unit: str | None) -> str:
    symbol, value = threshold.comparison
    notes = []
    if threshold.scope != "any":
        notes.append(f"{threshold.scope} only")
    if threshold.blocks_dosing:
        notes.append("blocks dosing")
    note = f" ({', '.join(notes)})" if notes else ""
    limit = f"{symbol} {_num(value)}{' ' + unit if unit else ''}"
    text = f"{threshold.level:<7} {limit}{note}: {threshold.message}"
    if threshold.response:
        text += " → " + "; ".join(threshold.response)
    return text


def _measure_line(measure: Measure, baseline: set[str]) -> str:
    parts = [measure.kind.replace("_", "/")]
    if measure.kind == "number":
        parts.append(_range(measure.range, measure.unit))
    elif measure.kind == "scale":
        values = sorted(level.value for level in measure.levels)
        parts.append(f"{values[0]}–{values[-1]}")
    if measure.id in baseline:
        parts.append("baseline")
    return f"{measure.id}: {measure.label} [{', '.join(p for p in parts if p)}]"


def _measures(protocol: Protocol) -> str:
    baseline = set(protocol.baseline_measures)
    lines = []
    for measure in protocol.measures:
        lines.append(_measure_line(measure, baseline))
        for threshold in measure.thresholds:
            unit = measure.unit if measure.kind == "number" else None
            lines.append(_INDENT + _threshold_line(threshold, unit))
    return _section("Measures and alert thresholds", lines)


def _timeline(protocol: Protocol) -> str:
    # (minute, order within the minute, text): dose first, then phases, rounds, then markers.
    entries: list[tuple[int, int, str]] = [(0, 0, "dose given (T0)")]
    step_end = 0.0
    for step in protocol.dosing.steps:
        if step.kind != "timed" or step.duration_minutes is None:
            continue
        start = step_end if step.starts_after == "previous" else 0.0
        step_end = start + step.duration_minutes
        entries.append((int(start), 1, f"step: {step.label} (until T+{_num(step_end)})"))
    booster = protocol.dosing.booster
    if booster is not None:
        entries.append((booster.earliest_minutes, 1, "booster window opens"))
        entries.append((booster.latest_minutes, 4, "booster window closes"))
    for phase in protocol.phases:
        entries.append((phase.expected_minutes, 2, f"phase: {phase.label}"))
    at_discharge = []
    for spec in protocol.schedule:
        what = f"{spec.id} round: {' '.join(spec.measures)}"
        for minute in spec.offsets():
            entries.append((minute, 3, what))
        if spec.at_discharge:
            at_discharge.append(what)
    minimum = protocol.discharge.min_minutes
    entries.append((minimum, 5, f"── discharge possible from here (minimum {minimum} min)"))
    entries.append((protocol.window_minutes, 6, "── end of the monitored window"))
    lines = []
    if protocol.baseline_measures:
        lines.append(f"{'before':<6} baseline: {' '.join(protocol.baseline_measures)}")
    for minute, _, text in sorted(entries, key=lambda entry: (entry[0], entry[1])):
        lines.append(f"{f'T+{minute}':<6} {text}")
    for what in at_discharge:
        lines.append(f"{'exit':<6} {what} (before discharge)")
    return _section("Timeline (minutes since T0, the first dose)", lines)


def _discharge(protocol: Protocol) -> str:
    discharge = protocol.discharge
    lines = [
        f"not before T+{discharge.min_minutes} min; adult escort "
        f"{'required' if discharge.escort_required else 'not required'}"
    ]
    for check in discharge.checks:
        lines.append(f"check {check.id}: {check.prompt}{'' if check.required else ' (optional)'}")
    for score in discharge.scores:
        text = f"score {score.scale.replace('_', ' ')} at least {score.at_least}"
        if score.item_minimums:
            items = ", ".join(
                f"{item} ≥ {minimum}" for item, minimum in score.item_minimums.items()
            )
            text += f" ({items})"
        lines.append(text)
    if discharge.at_most_baseline:
        lines.append(f"no higher than baseline: {', '.join(discharge.at_most_baseline)}")
    return _section("Discharge criteria", lines)


def _adverse_events(protocol: Protocol) -> str:
    grading = {"ctcae": "CTCAE grade 1–5", "mild_moderate_severe": "mild/moderate/severe"}
    return _section(
        "Adverse-event catalogue",
        (f"{term.id}: {term.term} ({grading[term.grading]})" for term in protocol.adverse_events),
    )


def _follow_up(protocol: Protocol) -> str:
    return _section(
        "Follow-up",
        (f"+{_num(item.after_hours)} h  {item.id}: {item.label}" for item in protocol.follow_up),
    )
