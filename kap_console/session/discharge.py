"""Discharge: the recovery scales and whether the protocol's discharge criteria are met.

Both scales score each item 0, 1 or 2 and total 0–10 (never 1–3 per item: a public template
once shifted a scale by one and every total came out wrong, so the tests hold worked examples
with totals computed by hand).

Modified Aldrete: activity, respiration, circulation, consciousness, SpO2.
PADSS: vitals, activity (and mental status), pain and nausea, bleeding, intake and output.
Bleeding is about a surgical wound, which a KAP session does not have: marked not applicable
(or left out), it scores 2, as is common practice when PADSS is used outside surgery, and the
score says it was not applicable.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from types import MappingProxyType
from typing import Any

from kap_console.protocol.crosscheck import SCALE_ITEMS
from kap_console.protocol.models import Protocol, ScoreRequirement
from kap_console.session.timefmt import local_time

from . import events as ev
from .alerts import numeric, open_alerts
from .schedule import round_slots
from .state import SessionState

SCALE_NAMES: Mapping[str, str] = {"modified_aldrete": "Modified Aldrete", "padss": "PADSS"}
ITEM_MAX = 2
NOT_APPLICABLE = ("n/a", "na", "not applicable", "not_applicable")
PADSS_OPTIONAL = ("bleeding",)


@dataclass(frozen=True)
class ScaleScore:
    """A scale's total over the items given; `complete` when every item is there."""

    scale: str
    total: int
    items: Mapping[str, int]
    complete: bool
    missing: tuple[str, ...] = ()
    not_applicable: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return SCALE_NAMES.get(self.scale, self.scale)


@dataclass(frozen=True)
class Criterion:
    """One discharge criterion, in plain words."""

    name: str
    met: bool
    detail: str


@dataclass(frozen=True)
class DischargeStatus:
    met: bool
    criteria: tuple[Criterion, ...]
    minutes_since_t0: float | None

    @property
    def unmet(self) -> tuple[Criterion, ...]:
        return tuple(c for c in self.criteria if not c.met)


def _score(scale: str, items: Mapping[str, Any], optional: tuple[str, ...] = ()) -> ScaleScore:
    known = SCALE_ITEMS[scale]
    name = SCALE_NAMES[scale]
    scored: dict[str, int] = {}
    not_applicable = []
    for item, value in items.items():
        if item not in known:
            raise ValueError(f"'{item}' is not an item of {name} (items: {', '.join(known)})")
        if item in optional and (
            value is None or (isinstance(value, str) and value.strip().lower() in NOT_APPLICABLE)
        ):
            scored[item] = ITEM_MAX
            not_applicable.append(item)
            continue
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= ITEM_MAX:
            raise ValueError(f"{item}: {value!r} is outside 0–{ITEM_MAX}")
        scored[item] = value
    for item in optional:
        if item not in scored:
            scored[item] = ITEM_MAX
            not_applicable.append(item)
    missing = tuple(item for item in known if item not in scored)
    ordered = {item: scored[item] for item in known if item in scored}
    return ScaleScore(
        scale=scale,
        total=sum(ordered.values()),
        items=MappingProxyType(ordered),
        complete=not missing,
        missing=missing,
        not_applicable=tuple(not_applicable),
    )


def modified_aldrete(items: Mapping[str, int]) -> ScaleScore:
    """The modified Aldrete score: activity, respiration, circulation, consciousness, spo2,
    each 0–2, total 0–10. Raises ValueError naming an unknown item or a value outside 0–2."""
    return _score("modified_aldrete", items)


def padss(items: Mapping[str, Any]) -> ScaleScore:
    """The PADSS score: vitals, activity, pain_nausea, bleeding, intake_output, each 0–2.

    Bleeding marked not applicable ("n/a" or None) or left out scores 2 (no surgical wound);
    the score lists it in `not_applicable`. Raises ValueError as `modified_aldrete` does.
    """
    return _score("padss", items, optional=PADSS_OPTIONAL)


def score(scale: str, items: Mapping[str, Any]) -> ScaleScore:
    """The named scale's score ("modified_aldrete" or "padss")."""
    if scale == "modified_aldrete":
        return modified_aldrete(items)
    if scale == "padss":
        return padss(items)
    raise ValueError(f"'{scale}' is not a discharge scale (scales: {', '.join(SCALE_ITEMS)})")


def aldrete_circulation(sbp_now: float, sbp_baseline: float) -> int:
    """Circulation item: systolic within ±20 mmHg of baseline → 2, 20–50 away → 1, more → 0.
    Exactly 20 scores 2 and exactly 50 scores 1."""
    difference = abs(sbp_now - sbp_baseline)
    if difference <= 20:
        return 2
    if difference <= 50:
        return 1
    return 0


def aldrete_spo2(spo2: float, on_oxygen: bool = False) -> int:
    """SpO2 item: above 92 % on room air → 2; 90 % or more with oxygen (or 90–92 % on room
    air) → 1; below 90 % → 0."""
    if spo2 > 92 and not on_oxygen:
        return 2
    if spo2 >= 90:
        return 1
    return 0


def _percent_item(now: float, baseline: float) -> int:
    if baseline <= 0:
        raise ValueError(f"baseline {baseline:g} must be above 0 to compare")
    # Whole-number arithmetic so exactly 20 % and 40 % land on the right side.
    change = abs(now - baseline) * 100
    if change <= 20 * baseline:
        return 2
    if change <= 40 * baseline:
        return 1
    return 0


def padss_vitals(now: float | Mapping[str, float], baseline: float | Mapping[str, float]) -> int:
    """Vitals item: within 20 % of baseline → 2, 20–40 % → 1, more than 40 % → 0.

    Given mappings (e.g. {"sbp": …, "hr": …}), the worst of the measures both have counts.
    """
    if isinstance(now, Mapping) or isinstance(baseline, Mapping):
        if not (isinstance(now, Mapping) and isinstance(baseline, Mapping)):
            raise TypeError("give both readings as numbers or both as mappings")
        shared = [key for key in now if key in baseline]
        if not shared:
            raise ValueError("no measure is in both the readings and the baseline")
        return min(_percent_item(now[key], baseline[key]) for key in shared)
    return _percent_item(now, baseline)


# ---------------------------------------------------------------------------------------------
# Discharge criteria


def _time_criterion(protocol: Protocol, minutes: float | None) -> Criterion:
    needed = protocol.discharge.min_minutes
    if minutes is None:
        return Criterion("Time since the dose", False, "No dose recorded")
    whole = int(minutes)
    if minutes < needed:
        return Criterion(
            "Time since the dose", False, f"Only {whole} of {needed} minutes since the dose"
        )
    return Criterion(
        "Time since the dose", True, f"{whole} minutes since the dose (at least {needed})"
    )


def _score_criteria(
    requirement: ScoreRequirement, scores: Mapping[str, Mapping[str, int]] | None
) -> list[Criterion]:
    name = SCALE_NAMES[requirement.scale]
    if scores is None:
        return [Criterion(name, False, "No discharge assessment yet")]
    items = scores.get(requirement.scale)
    if items is None:
        return [Criterion(name, False, f"{name} not scored")]
    try:
        result = score(requirement.scale, items)
    except ValueError as error:
        return [Criterion(name, False, f"{name} cannot be scored: {error}")]
    if not result.complete:
        return [Criterion(name, False, f"{name} incomplete: missing {', '.join(result.missing)}")]
    criteria = []
    if result.total >= requirement.at_least:
        criteria.append(
            Criterion(name, True, f"{name} {result.total} (needs {requirement.at_least})")
        )
    else:
        criteria.append(
            Criterion(name, False, f"{name} {result.total} — needs {requirement.at_least}")
        )
    for item, minimum in requirement.item_minimums.items():
        value = result.items.get(item, 0)
        label = f"{name} {item.replace('_', ' ')}"
        if value >= minimum:
            criteria.append(Criterion(label, True, f"{label} {value} (needs {minimum})"))
        else:
            criteria.append(Criterion(label, False, f"{label} {value} — needs {minimum}"))
    return criteria


def _baseline_criterion(protocol: Protocol, state: SessionState, measure_id: str) -> Criterion:
    try:
        label = protocol.measure(measure_id).label
    except KeyError:
        label = measure_id
    name = f"{label} at or below baseline"
    baseline = state.baseline.get(measure_id)
    last = state.last_values.get(measure_id)
    base_value = numeric(baseline.value) if baseline else None
    if base_value is None:
        return Criterion(name, False, f"No baseline {label}")
    if last is None or last.round_id == ev.BASELINE_ROUND:
        return Criterion(name, False, f"No {label} since the dose (baseline {base_value:g})")
    value = numeric(last.value)
    if value is None:
        return Criterion(name, False, f"{label} is not a number")
    if value <= base_value:
        return Criterion(name, True, f"{label} {value:g} (baseline {base_value:g})")
    return Criterion(name, False, f"{label} {value:g} — baseline was {base_value:g}")


def discharge_status(protocol: Protocol, state: SessionState, now: datetime) -> DischargeStatus:
    """Whether the protocol's discharge criteria are met at `now`, each criterion in plain words.

    Criteria: the minimum minutes since T0; every required check confirmed in the latest
    assessment; each scale's total and item minimums; the escort, when required; each
    "at most baseline" measure's last reading since the dose no higher than its baseline; no
    open urgent alert; every "before discharge" round done; every slot of a required round
    that has fallen due recorded.
    """
    criteria: list[Criterion] = []
    rules = protocol.discharge
    minutes = state.minutes_since_t0(now)
    criteria.append(_time_criterion(protocol, minutes))

    assessment = state.latest_assessment
    event = assessment.event if assessment is not None else None
    for check in rules.checks:
        if not check.required:
            continue
        if event is None:
            criteria.append(Criterion(check.prompt, False, "No discharge assessment yet"))
        elif event.checks.get(check.id) is True:
            criteria.append(Criterion(check.prompt, True, "Confirmed"))
        else:
            criteria.append(Criterion(check.prompt, False, "Not confirmed"))
    for requirement in rules.scores:
        criteria.extend(_score_criteria(requirement, event.scores if event is not None else None))
    if rules.escort_required:
        if event is None:
            criteria.append(Criterion("Escort", False, "No discharge assessment yet"))
        elif event.escort_present:
            who = f": {event.escort_name}" if event.escort_name else ""
            criteria.append(Criterion("Escort", True, f"Escort present{who}"))
        else:
            criteria.append(Criterion("Escort", False, "No escort present"))
    for measure_id in rules.at_most_baseline:
        criteria.append(_baseline_criterion(protocol, state, measure_id))

    urgent = [alert for alert in open_alerts(state) if alert.level == "urgent"]
    if urgent:
        more = f" (+{len(urgent) - 1} more)" if len(urgent) > 1 else ""
        criteria.append(
            Criterion(
                "No open urgent alert", False, f"Open urgent alert: {urgent[0].message}{more}"
            )
        )
    else:
        criteria.append(Criterion("No open urgent alert", True, "None open"))

    required = {spec.id for spec in protocol.schedule if spec.required}
    for slot in round_slots(protocol, state, now).slots:
        if slot.due_minutes is not None:
            if slot.round_id in required and slot.due_at <= now:
                done = slot.status == "done"
                detail = "recorded" if done else f"not recorded ({slot.status})"
                criteria.append(
                    Criterion(f"{slot.label} at T+{slot.due_minutes}", done, f"Required: {detail}")
                )
            continue
        if slot.status == "done":
            criteria.append(Criterion(slot.label, True, f"{slot.name} recorded"))
        else:
            criteria.append(Criterion(slot.label, False, f"{slot.name} not yet recorded"))
    return DischargeStatus(
        met=all(c.met for c in criteria),
        criteria=tuple(criteria),
        minutes_since_t0=minutes,
    )


def check_assessment(protocol: Protocol, assessment: ev.DischargeAssessed) -> str | None:
    """Why `assessment` cannot be journaled: an unknown check or scale, an item outside 0–2."""
    known = {check.id for check in protocol.discharge.checks}
    for check_id in assessment.checks:
        if check_id not in known:
            return f"checks: '{check_id}' is not a discharge check (checks: {', '.join(sorted(known)) or 'none'})"
    for scale, items in assessment.scores.items():
        try:
            score(scale, items)
        except ValueError as error:
            return f"scores.{scale}: {error}"
    return None


def check_discharge(
    protocol: Protocol, state: SessionState, discharged: ev.Discharged
) -> str | None:
    """Why `discharged` cannot be journaled: no dose, already discharged, no name, or criteria
    not met without a reason to override them (checked at the event's observed time)."""
    if state.t0 is None:
        return "no dose was given; close the session instead"
    if state.discharged is not None:
        when = state.discharged.observed_at
        return f"the client was already discharged at {local_time(when, missing='an earlier time')}"
    if not discharged.discharged_by.strip():
        return "discharged_by: who discharged the client?"
    if discharged.observed_at is None or discharged.criteria_override_reason.strip():
        return None
    status = discharge_status(protocol, state, discharged.observed_at)
    if not status.met:
        details = "; ".join(c.detail for c in status.unmet)
        return f"discharge criteria not met ({details}); give criteria_override_reason to discharge anyway"
    return None
