"""The session timeline: one short line of plain words per event.

The timeline is what the facilitator scrolls during the session and what the integration
therapist reads afterwards, so each item says what happened in a few words ("BP 128/84, HR 76,
SpO2 98 %"), when it happened (`at`, the observed time) and when it was typed, and whether it
was later corrected or marked as entered in error.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cached_property
from typing import Any

from kap_console.protocol.models import Protocol
from kap_console.session import events as ev
from kap_console.session.timefmt import local_time
from kap_console.session.words import format_number, shorten

# An entry typed more than this after the moment it describes is marked late (ALCOA+:
# contemporaneous, and late entries say so).
LATE_ENTRY = timedelta(minutes=2)

# Short names for common measures, so a round fits on one line; others use their label.
SHORT_NAMES: Mapping[str, str] = {
    "hr": "HR",
    "rr": "RR",
    "spo2": "SpO2",
    "moaas": "MOAA/S",
    "rass": "RASS",
    "suds": "SUDS",
    "dissociation": "Dissociation",
    "nausea": "Nausea",
    "temp": "Temp",
}
# Units shown after the number: the others (mmHg, bpm, /min) are implied by the name.
SHOWN_UNITS = frozenset({"%", "°C", "kg"})


@dataclass(frozen=True)
class TimelineItem:
    """One line of the timeline: `summary` is its text, `at` when it happened.

    The summary is worded when first read, not when the item is made: a replay of a long
    journal builds every item, while a screen reads only the few lines it shows.
    """

    seq: int
    at: datetime | None
    recorded_at: datetime | None
    kind: str
    voided: bool = False
    amended: bool = False
    late: bool = False
    event: ev.EventBase | None = field(default=None, repr=False)
    protocol: Protocol | None = field(default=None, repr=False, compare=False)

    @cached_property
    def summary(self) -> str:
        if self.event is None or self.protocol is None:
            return self.kind
        return summarize(self.protocol, self.event)


def is_late_entry(observed_at: datetime | None, recorded_at: datetime | None) -> bool:
    """True when an entry was typed more than `LATE_ENTRY` after the moment it describes."""
    if observed_at is None or recorded_at is None:
        return False
    return recorded_at - observed_at > LATE_ENTRY


def timeline_item(
    protocol: Protocol,
    seq: int,
    event: ev.EventBase,
    *,
    voided: bool = False,
    amended: bool = False,
) -> TimelineItem:
    """The timeline line for `event` (pass the effective event, amendments applied)."""
    observed_at = event.observed_at
    recorded_at = event.recorded_at
    return TimelineItem(
        seq=seq,
        at=observed_at if observed_at is not None else recorded_at,
        recorded_at=recorded_at,
        kind=event.type,  # type: ignore[attr-defined]
        voided=voided,
        amended=amended,
        late=is_late_entry(observed_at, recorded_at),
        event=event,
        protocol=protocol,
    )


def format_value(protocol: Protocol, measure_id: str, value: ev.Value) -> str:
    """One measure's value in plain words: "98 %", "yes", "3"."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str):
        return shorten(value, 40)
    try:
        measure = protocol.measure(measure_id)
    except KeyError:
        return format_number(value)
    if measure.kind == "yes_no":
        return "yes" if value else "no"
    text = format_number(value, measure.decimals or None)
    if measure.unit in SHOWN_UNITS:
        text += f" {measure.unit}"
    return text


def measure_name(protocol: Protocol, measure_id: str) -> str:
    """A short display name for a measure."""
    if measure_id in SHORT_NAMES:
        return SHORT_NAMES[measure_id]
    try:
        return protocol.measure(measure_id).label
    except KeyError:
        return measure_id


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def short_label(label: str) -> str:
    """A label without its trailing explanation: "Early round (every 15 min)" → "Early round"."""
    cut = re.sub(r"\s*\([^()]*\)\s*$", "", label)
    return cut or label


def format_values(protocol: Protocol, values: Mapping[str, ev.Value]) -> str:
    """A round's values on one line; systolic and diastolic together as "BP 128/84"."""
    parts: list[str] = []
    sbp, dbp = values.get("sbp"), values.get("dbp")
    paired = _is_number(sbp) and _is_number(dbp)
    for measure_id, value in values.items():
        if paired and measure_id == "sbp":
            parts.append(
                f"BP {format_value(protocol, 'sbp', sbp)}/{format_value(protocol, 'dbp', dbp)}"  # type: ignore[arg-type]
            )
        elif paired and measure_id == "dbp":
            continue
        elif measure_id == "sbp":
            parts.append(f"SBP {format_value(protocol, measure_id, value)}")
        elif measure_id == "dbp":
            parts.append(f"DBP {format_value(protocol, measure_id, value)}")
        else:
            parts.append(
                f"{measure_name(protocol, measure_id)} {format_value(protocol, measure_id, value)}"
            )
    return ", ".join(parts)


def _clock(when: datetime | None) -> str:
    return local_time(when)


def _lookup_label(items: list[Any], item_id: str | None) -> str | None:
    for item in items:
        if item.id == item_id:
            return (
                getattr(item, "label", None)
                or getattr(item, "prompt", None)
                or getattr(item, "text", None)
            )
    return None


def _session_started(protocol: Protocol, e: ev.SessionStarted) -> str:
    training = " (training)" if e.training else ""
    return f"Session {e.session_number} started for {e.client_code} by {e.facilitator}{training}"


def _check_answered(protocol: Protocol, e: ev.CheckAnswered) -> str:
    prompt = _lookup_label(protocol.checklist, e.item_id) or e.item_id
    if e.answer is None:
        answer = "not answered"
    elif isinstance(e.answer, bool):
        answer = "yes" if e.answer else "no"
    elif isinstance(e.answer, float):
        answer = format_number(e.answer)
    else:
        answer = str(e.answer)
    note = f" ({e.note})" if e.note else ""
    return f"{shorten(prompt, 60)}: {answer}{note}"


def _go_decision(protocol: Protocol, e: ev.GoDecision) -> str:
    word = "GO" if e.decision == "go" else "NO-GO"
    text = f"{word} decided by {e.decided_by}"
    if e.overrides:
        text += f", overriding {', '.join(e.overrides)}"
    if e.reason:
        text += f": {e.reason}"
    return text


def _intention(protocol: Protocol, e: ev.IntentionRecorded) -> str:
    head = "Intention revised" if e.revises_seq is not None else "Intention"
    return f"{head}: “{e.text}”"


def _consent(protocol: Protocol, e: ev.ConsentRecorded) -> str:
    parts = []
    if e.touch is not None:
        parts.append(
            "touch "
            + ("yes" + (f" ({e.touch_where})" if e.touch_where else "") if e.touch else "no")
        )
    if e.stop_word:
        parts.append(f"stop word “{e.stop_word}”")
    for item_id, value in e.items.items():
        label = _lookup_label(protocol.consent.items, item_id) or item_id
        shown = ("yes" if value else "no") if isinstance(value, bool) else str(value)
        parts.append(f"{label}: {shown}")
    return "Consent: " + ("; ".join(parts) if parts else "recorded")


def _dose(protocol: Protocol, e: ev.DoseGiven) -> str:
    head = {"initial": "Dose", "booster": "Booster", "device": "Device"}[e.kind]
    if e.kind == "device" and e.device_number is not None:
        head += f" {e.device_number}"
    text = f"{head}: {format_number(e.dose_mg)} mg {e.route} {e.drug}"
    if e.mg_per_kg is not None:
        text += f" ({e.mg_per_kg:.2f} mg/kg)"
    elif e.weight_kg:
        text += f" ({e.dose_mg / e.weight_kg:.2f} mg/kg)"
    if e.lot:
        text += f", lot {e.lot}"
    text += f", given by {e.given_by}"
    if e.checked_by:
        text += f", checked by {e.checked_by}"
    return text


def _step(protocol: Protocol, e: ev.StepMarked) -> str:
    label = _lookup_label(protocol.dosing.steps, e.step_id) or e.step_id
    return f"{label}: {e.status}"


def _observation(protocol: Protocol, e: ev.ObservationRecorded) -> str:
    if e.round_id == ev.BASELINE_ROUND:
        head = "Baseline"
    else:
        try:
            head = short_label(protocol.round(e.round_id).label)
        except KeyError:
            head = e.round_id
        if e.due_minutes is not None:
            head += f" (T+{e.due_minutes})"
    text = f"{head}: {format_values(protocol, e.values)}" if e.values else head
    if e.note:
        text += f" — {e.note}"
    return text


def _alert_raised(protocol: Protocol, e: ev.AlertRaised) -> str:
    value = format_value(protocol, e.measure_id, e.value)
    return f"{e.level.upper()}: {e.message} ({measure_name(protocol, e.measure_id)} {value})"


def _alert_acknowledged(protocol: Protocol, e: ev.AlertAcknowledged) -> str:
    note = f": {e.note}" if e.note else ""
    return f"Alert #{e.alert_seq} acknowledged{note}"


def _severity(severity: str) -> str:
    return f"grade {severity}" if severity.isdigit() else severity


def _adverse_event(protocol: Protocol, e: ev.AdverseEventLogged) -> str:
    text = f"Adverse event: {e.term}, {_severity(e.severity)}"
    if e.serious:
        criterion = (e.serious_criterion or "").replace("_", " ")
        text += f", SERIOUS ({criterion})" if criterion else ", SERIOUS"
    actions = [a.replace("_", " ") for a in e.actions if a != "none"]
    if actions:
        text += f"; {', '.join(actions)}"
    return text


def _adverse_event_update(protocol: Protocol, e: ev.AdverseEventUpdated) -> str:
    changes = []
    if e.severity is not None:
        changes.append(_severity(e.severity))
    if e.outcome is not None:
        changes.append(e.outcome.replace("_", " "))
    if e.resolved_at is not None:
        changes.append(f"resolved {_clock(e.resolved_at)}")
    if e.serious:
        changes.append("serious")
    if e.actions:
        changes.extend(a.replace("_", " ") for a in e.actions if a != "none")
    if e.note:
        changes.append(e.note)
    return f"Adverse event #{e.target_seq} updated" + (f": {', '.join(changes)}" if changes else "")


def _note(protocol: Protocol, e: ev.NoteAdded) -> str:
    text = f"“{e.text}”" if e.client_quote else e.text
    return f"{text} [for integration]" if e.for_integration else text


def _phase(protocol: Protocol, e: ev.PhaseMarked) -> str:
    label = e.label or _lookup_label(protocol.phases, e.phase_id) or e.phase_id
    return f"Phase: {label}"


def _amended(protocol: Protocol, e: ev.Amended) -> str:
    from kap_console.session.state.field_words import field_label, value_words

    old, new = value_words(protocol, e.field, e.old), value_words(protocol, e.field, e.new)
    label = field_label(protocol, e.field)
    return f"Correction to #{e.target_seq} {label}: {old} → {new} ({e.reason})"


def _voided(protocol: Protocol, e: ev.Voided) -> str:
    return f"#{e.target_seq} marked entered in error: {e.reason}"


def _discharge_assessed(protocol: Protocol, e: ev.DischargeAssessed) -> str:
    parts = []
    for scale, items in e.scores.items():
        name = {"modified_aldrete": "Modified Aldrete", "padss": "PADSS"}.get(scale, scale)
        parts.append(f"{name} {sum(v for v in items.values() if isinstance(v, int))}")
    if e.checks:
        parts.append(f"{sum(1 for v in e.checks.values() if v)} of {len(e.checks)} checks")
    parts.append("escort present" if e.escort_present else "no escort yet")
    return "Discharge assessment: " + ", ".join(parts)


def _discharged(protocol: Protocol, e: ev.Discharged) -> str:
    text = f"Discharged by {e.discharged_by}"
    if e.criteria_override_reason:
        text += f" (criteria overridden: {e.criteria_override_reason})"
    return text


def _reflection(protocol: Protocol, e: ev.ReflectionRecorded) -> str:
    return f"Reflection: {e.text}"


def _closed(protocol: Protocol, e: ev.SessionClosed) -> str:
    text = f"Session closed ({e.outcome.replace('_', ' ')})"
    return f"{text}: {e.note}" if e.note else text


def _record_written(protocol: Protocol, e: ev.RecordWritten) -> str:
    return f"Record written (SHA-256 {e.record_sha256[:12]})"


def _resumed(protocol: Protocol, e: ev.Resumed) -> str:
    if e.torn_bytes:
        return f"Session resumed; a torn last line of {e.torn_bytes} bytes was set aside"
    return "Session resumed"


def _segment_opened(protocol: Protocol, e: ev.SegmentOpened) -> str:
    return f"Journal continued in a new segment: {e.reason}"


_SUMMARIES: dict[str, Callable[[Protocol, Any], str]] = {
    "session_started": _session_started,
    "check_answered": _check_answered,
    "go_decision": _go_decision,
    "intention_recorded": _intention,
    "consent_recorded": _consent,
    "dose_given": _dose,
    "step_marked": _step,
    "observation_recorded": _observation,
    "alert_raised": _alert_raised,
    "alert_acknowledged": _alert_acknowledged,
    "adverse_event_logged": _adverse_event,
    "adverse_event_updated": _adverse_event_update,
    "note_added": _note,
    "phase_marked": _phase,
    "amended": _amended,
    "voided": _voided,
    "discharge_assessed": _discharge_assessed,
    "ready_to_leave": lambda protocol, e: "Ready to leave",
    "discharged": _discharged,
    "reflection_recorded": _reflection,
    "session_closed": _closed,
    "record_written": _record_written,
    "resumed": _resumed,
    "practice_cue": lambda protocol, event: (
        f"Practice: monitor showed {', '.join(f'{k} {v:g}' for k, v in event.readings.items())}"
        if event.cue == "monitor"
        else f"Practice incident: {event.text}"
    ),
    "practice_answered": lambda protocol, event: f"Practice: answered {event.incident_id}",
    "segment_opened": _segment_opened,
}


def summarize(protocol: Protocol, event: ev.EventBase) -> str:
    """A short line of plain words for `event`, e.g. "Early round (T+15): BP 128/84, HR 76"."""
    summary = _SUMMARIES.get(getattr(event, "type", ""))
    if summary is None:
        return getattr(event, "type", type(event).__name__)
    return shorten(summary(protocol, event))
