"""Checks an entry passes on its own, whatever else the session holds.

A value inside its measure's entry range, a checklist answer of the item's kind, a severity on
the term's grading. `validate_event` runs them before an entry is first journaled, and a
correction runs them again on the entry as corrected (`check_content`): the checks that depend
on the rest of the session were passed when the entry was first journaled.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from kap_console.protocol.models import Protocol
from kap_console.session import events as ev
from kap_console.session.scales import score
from kap_console.session.verdicts import Rejection


def id_list(items: Iterable[Any]) -> str:
    """The ids of `items` for a message: "sbp, dbp, hr" ("none" when there are none)."""
    return ", ".join(item.id for item in items) or "none"


def check_value(protocol: Protocol, measure_id: str, value: Any) -> Rejection | None:
    """Why `value` cannot be recorded for `measure_id` (None when it can).

    Messages name the measure and the protocol's limits, never the value itself (it may be
    whatever was typed): "sbp: outside 50–260 mmHg".
    """
    try:
        measure = protocol.measure(measure_id)
    except KeyError:
        known = ", ".join(m.id for m in protocol.measures)
        return Rejection(measure_id, f"not a measure of this protocol (measures: {known})")
    if measure.kind == "text":
        return None if isinstance(value, str) else Rejection(measure_id, "expected text")
    if measure.kind == "yes_no":
        if isinstance(value, bool) or (isinstance(value, int | float) and value in (0, 1)):
            return None
        return Rejection(measure_id, "expected yes or no")
    if isinstance(value, bool) or not isinstance(value, int | float):
        return Rejection(measure_id, "expected a number")
    if math.isnan(value) or math.isinf(value):
        return Rejection(measure_id, "not a finite number, so not a reading")
    if measure.kind == "scale":
        levels = sorted(level.value for level in measure.levels)
        if value not in levels:
            return Rejection(
                measure_id, f"not a level of {measure.label} ({levels[0]}–{levels[-1]})"
            )
        return None
    entry = measure.entry_range()
    if entry is not None and not entry.contains(value):
        unit = f" {measure.unit}" if measure.unit else ""
        return Rejection(measure_id, f"outside {entry.min:g}–{entry.max:g}{unit}")
    return None


def check_answer(protocol: Protocol, event: ev.CheckAnswered) -> Rejection | None:
    """Why `event` is not an answer its checklist item takes (None when it is)."""
    item = next((i for i in protocol.checklist if i.id == event.item_id), None)
    if item is None:
        return Rejection(
            "item_id",
            f"'{event.item_id}' is not a checklist item (items: {id_list(protocol.checklist)})",
        )
    answer = event.answer
    if answer is None:
        return None
    if item.kind == "yes_no" and not isinstance(answer, bool):
        return Rejection("answer", f"'{item.prompt}' needs yes or no")
    if item.kind == "number":
        if isinstance(answer, bool) or not isinstance(answer, int | float) or math.isnan(answer):
            return Rejection("answer", f"'{item.prompt}' needs a number")
        if item.range is not None and not item.range.contains(answer):
            unit = f" {item.unit}" if item.unit else ""
            return Rejection("answer", f"outside {item.range.min:g}–{item.range.max:g}{unit}")
    if item.kind in ("time", "text") and not isinstance(answer, str):
        return Rejection("answer", f"'{item.prompt}' needs text")
    return None


def term_grading(protocol: Protocol, term_id: str | None) -> str | None:
    """How the protocol grades the adverse-event term `term_id` (None when it does not list it)."""
    for term in protocol.adverse_events:
        if term.id == term_id:
            return term.grading
    return None


def check_severity(
    grading: str | None, severity: str | None, term_id: str | None
) -> Rejection | None:
    """Why `severity` is not on the term's `grading` (None when it is, or nothing is graded).
    Names the catalogue term by its id, never the term or severity as typed."""
    if severity is None or grading is None:
        return None
    if grading == "ctcae" and not severity.isdigit():
        return Rejection("severity", f"term '{term_id}' is graded 1–5 (CTCAE)")
    if grading == "mild_moderate_severe" and severity.isdigit():
        return Rejection("severity", f"term '{term_id}' is graded mild, moderate or severe")
    return None


def check_content(protocol: Protocol, event: ev.EventBase) -> Rejection | None:
    """What a corrected entry must still satisfy on its own: the rules that do not depend on
    what else the session holds (those were checked when it was first journaled)."""
    if isinstance(event, ev.ObservationRecorded):
        if event.round_id != ev.BASELINE_ROUND:
            try:
                offsets = protocol.round(event.round_id).offsets()
            except KeyError:
                return Rejection("round_id", f"'{event.round_id}' is not a round of this protocol")
            if event.due_minutes is not None and event.due_minutes not in offsets:
                return Rejection("due_minutes", f"the round is not due at {event.due_minutes} min")
        for measure_id, value in event.values.items():
            problem = check_value(protocol, measure_id, value)
            if problem is not None:
                return problem
    elif isinstance(event, ev.CheckAnswered):
        return check_answer(protocol, event)
    elif isinstance(event, ev.DoseGiven):
        if event.route not in protocol.drug.routes:
            return Rejection(
                "route",
                f"not allowed by this protocol (allowed: {', '.join(protocol.drug.routes)})",
            )
        bounds = protocol.drug.dose_mg
        if event.kind == "initial" and not bounds.contains(event.dose_mg):
            return Rejection("dose_mg", f"outside {bounds.min:g}–{bounds.max:g} mg")
    elif isinstance(event, ev.AdverseEventLogged):
        return check_severity(term_grading(protocol, event.term_id), event.severity, event.term_id)
    elif isinstance(event, ev.DischargeAssessed):
        return check_assessment(protocol, event)
    return None


def check_assessment(protocol: Protocol, assessment: ev.DischargeAssessed) -> Rejection | None:
    """Why `assessment` cannot be journaled: an unknown check or scale, an item outside 0–2."""
    known = {check.id for check in protocol.discharge.checks}
    for check_id in assessment.checks:
        if check_id not in known:
            return Rejection(
                "checks",
                f"'{check_id}' is not a discharge check (checks: {', '.join(sorted(known)) or 'none'})",
            )
    for scale, items in assessment.scores.items():
        try:
            score(scale, items)
        except ValueError as error:
            return Rejection(f"scores.{scale}", str(error))
    return None
