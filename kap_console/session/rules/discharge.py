"""Discharge: whether the protocol's discharge criteria are met, criterion by criterion, and
the checks a discharge must pass. The scales themselves are scored in `kap_console.session.scales`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from kap_console.protocol.models import Protocol, ScoreRequirement
from kap_console.session import events as ev
from kap_console.session.rules.alerts import numeric, open_alerts
from kap_console.session.rules.schedule import round_slots
from kap_console.session.scales import SCALE_NAMES, score
from kap_console.session.state.snapshot import SessionState
from kap_console.session.timefmt import local_time
from kap_console.session.verdicts import Rejection


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
            if slot.round_id in required and slot.due_at is not None and slot.due_at <= now:
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


def check_discharge(
    protocol: Protocol, state: SessionState, discharged: ev.Discharged
) -> Rejection | None:
    """Why `discharged` cannot be journaled: no dose, already discharged, no name, or criteria
    not met without a reason to override them (checked at the event's observed time)."""
    if state.t0 is None:
        return Rejection(None, "no dose was given; close the session instead")
    if state.discharged is not None:
        when = state.discharged.observed_at
        return Rejection(
            None,
            f"the client was already discharged at {local_time(when, missing='an earlier time')}",
        )
    if not discharged.discharged_by.strip():
        return Rejection("discharged_by", "who discharged the client?")
    if discharged.observed_at is None or discharged.criteria_override_reason.strip():
        return None
    status = discharge_status(protocol, state, discharged.observed_at)
    if not status.met:
        details = "; ".join(c.detail for c in status.unmet)
        return Rejection(
            None,
            f"discharge criteria not met ({details}); give criteria_override_reason to discharge anyway",
        )
    return None
