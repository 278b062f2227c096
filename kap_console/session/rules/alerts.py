"""Alert rules: which readings trip a threshold, what holds the dose, how loud to be.

Every threshold comes from the protocol; nothing here knows what a "high" blood pressure is.
A room where a client is dosed is quiet, so escalation is gentle and explicit: a notice only
colours the header, a warning adds a banner, an urgent alert keeps the banner, and a bell is
offered only when an urgent alert has stayed unacknowledged for longer than the caller allows.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from kap_console.protocol.models import Protocol
from kap_console.protocol.monitoring import ALERT_LEVELS
from kap_console.session import events as ev
from kap_console.session.state.content import check_value
from kap_console.session.state.entries import Alert
from kap_console.session.state.ordering import UNTIMED
from kap_console.session.state.snapshot import SessionState
from kap_console.session.timefmt import local_time
from kap_console.session.verdicts import Rejection

Scope = Literal["baseline", "monitoring"]
Escalation = Literal["none", "colour", "banner", "bell"]
BlockKind = Literal["checklist", "baseline", "missing"]

# Higher is more severe; used to sort and to pick the loudest open alert.
LEVEL_RANK = {level: rank for rank, level in enumerate(ALERT_LEVELS)}


@dataclass(frozen=True)
class Tripped:
    """A threshold a value crosses."""

    measure_id: str
    threshold_index: int
    level: str
    value: float
    message: str
    response: tuple[str, ...]
    blocks_dosing: bool


@dataclass(frozen=True)
class Block:
    """Something that holds the dose until it is resolved or overridden with a reason.

    `id` is the checklist item or measure id, the name a go decision lists in `overrides`.
    """

    kind: BlockKind
    id: str
    message: str


def numeric(value: ev.Value | None) -> float | None:
    """A value as a number for threshold checks: yes/no count as 1/0, text has no number."""
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, int | float):
        return float(value)
    return None


def tripped(protocol: Protocol, measure_id: str, value: float, *, scope: Scope) -> list[Tripped]:
    """Every threshold of `measure_id` that `value` trips, for a baseline or monitoring reading.

    Thresholds with scope "any" apply to both. Raises KeyError for a measure the protocol
    does not have.
    """
    measure = protocol.measure(measure_id)
    found = []
    for index, threshold in enumerate(measure.thresholds):
        if threshold.scope not in ("any", scope):
            continue
        if threshold.trips(value):
            found.append(
                Tripped(
                    measure_id=measure_id,
                    threshold_index=index,
                    level=threshold.level,
                    value=value,
                    message=threshold.message,
                    response=tuple(threshold.response),
                    blocks_dosing=threshold.blocks_dosing,
                )
            )
    return found


def alerts_for_observation(
    protocol: Protocol,
    state: SessionState,
    observation: ev.ObservationRecorded,
    seq: int,
) -> list[ev.AlertRaised]:
    """The alerts the engine appends after journaling `observation` at `seq`.

    One alert per measure at most: the most severe threshold tripped (a systolic of 185 raises
    the urgent "180 or more" alert, not also the warning at 160). An alert is not raised again
    while the same measure and threshold already has an open alert; once acknowledged, a new
    reading that still trips it raises a new one. Text values and unknown measures are skipped.
    """
    scope: Scope = "baseline" if observation.round_id == ev.BASELINE_ROUND else "monitoring"
    still_open = {(a.measure_id, a.threshold_index) for a in state.alerts if a.open}
    raised = []
    for measure_id, raw in observation.values.items():
        value = numeric(raw)
        if value is None or check_value(protocol, measure_id, raw) is not None:
            continue
        hits = tripped(protocol, measure_id, value, scope=scope)
        if not hits:
            continue
        worst = max(hits, key=lambda hit: (LEVEL_RANK[hit.level], -hit.threshold_index))
        if (measure_id, worst.threshold_index) in still_open:
            continue
        raised.append(
            ev.AlertRaised(
                observed_at=observation.observed_at,
                source_seq=seq,
                measure_id=measure_id,
                threshold_index=worst.threshold_index,
                level=worst.level,  # type: ignore[arg-type]
                value=value,
                message=worst.message,
                response=list(worst.response),
            )
        )
    return raised


def open_alerts(state: SessionState) -> list[Alert]:
    """Alerts not yet acknowledged, most severe first, then oldest first."""
    alerts = [alert for alert in state.alerts if alert.open]
    return sorted(
        alerts,
        key=lambda alert: (
            -LEVEL_RANK.get(alert.level, 0),
            alert.raised_at or UNTIMED,
            alert.seq,
        ),
    )


def escalation(
    state: SessionState, now: datetime, *, bell_after_seconds: float | None = None
) -> Escalation:
    """How loudly the screen should speak now.

    notice → "colour"; warning → "banner"; urgent → "banner", or "bell" once an urgent alert
    has been open for more than `bell_after_seconds`. No bell unless that is given: whether to
    ring at all is the facilitator's setting, not a rule of the session.
    """
    alerts = open_alerts(state)
    if not alerts:
        return "none"
    loudest = alerts[0]
    if loudest.level == "notice":
        return "colour"
    if loudest.level == "warning" or bell_after_seconds is None:
        return "banner"
    for alert in alerts:
        if alert.level != "urgent":
            break
        raised = alert.raised_at
        if raised is not None and (now - raised).total_seconds() > bell_after_seconds:
            return "bell"
    return "banner"


def _answer_word(answer: ev.Value | None) -> str | None:
    if isinstance(answer, bool):
        return "yes" if answer else "no"
    if isinstance(answer, str) and answer.strip().lower() in ("yes", "no"):
        return answer.strip().lower()
    return None


def dosing_blocks(
    protocol: Protocol, state: SessionState, *, overrides: Iterable[str] | None = None
) -> list[Block]:
    """What holds the dose now, in protocol order: checklist answers that block, required
    checklist items not answered, baseline readings tripping a blocking threshold, required
    baseline measures not taken.

    A block named in `overrides` is cleared; by default the overrides are those of the latest
    go decision (a "go" that names them, with its reason).
    """
    if overrides is None:
        decision = state.go_decision
        overrides = decision.event.overrides if decision and decision.event.decision == "go" else ()
    cleared = set(overrides)
    blocks: list[Block] = []
    for item in protocol.checklist:
        answer = state.checklist.get(item.id)
        value = answer.answer if answer is not None else None
        if value is None or (isinstance(value, str) and not value.strip()):
            if item.required:
                blocks.append(Block("missing", item.id, f"Not answered: {item.prompt}"))
            continue
        if item.blocks_dosing_when is not None and _answer_word(value) == item.blocks_dosing_when:
            blocks.append(Block("checklist", item.id, f"{item.prompt}: {item.blocks_dosing_when}"))
    for measure_id in protocol.baseline_measures:
        try:
            measure = protocol.measure(measure_id)
        except KeyError:
            continue
        reading = state.baseline.get(measure_id)
        if reading is None:
            blocks.append(Block("missing", measure_id, f"No baseline {measure.label}"))
            continue
        value = numeric(reading.value)
        if value is None:
            continue
        for hit in tripped(protocol, measure_id, value, scope="baseline"):
            if hit.blocks_dosing:
                shown = f"{value:g}"
                blocks.append(
                    Block("baseline", measure_id, f"{measure.label} {shown}: {hit.message}")
                )
                break
    return [block for block in blocks if block.id not in cleared]


def check_go_decision(
    protocol: Protocol, state: SessionState, decision: ev.GoDecision
) -> Rejection | None:
    """Why `decision` cannot be journaled now (None when it can)."""
    if not decision.decided_by.strip():
        return Rejection("decided_by", "who decided?")
    if state.effective_doses:
        return Rejection(
            None, "a dose has already been given; the go/no-go decision comes before dosing"
        )
    if decision.decision == "no_go":
        return None if decision.reason.strip() else Rejection("reason", "say why it is a no-go")
    blocks = dosing_blocks(protocol, state, overrides=())
    blocking = {block.id for block in blocks}
    for name in decision.overrides:
        if name not in blocking:
            return Rejection("overrides", f"'{name}' is not holding the dose now")
    if decision.overrides and not decision.reason.strip():
        return Rejection("reason", "an override needs the reason it is safe to go on")
    remaining = [block for block in blocks if block.id not in set(decision.overrides)]
    if remaining:
        first = remaining[0]
        return Rejection(
            None,
            f"dosing is held: {first.message}. Resolve it, name '{first.id}' in overrides with a reason, or decide no-go",
        )
    return None


def check_acknowledgement(
    state: SessionState, acknowledgement: ev.AlertAcknowledged
) -> Rejection | None:
    """Why `acknowledgement` cannot be journaled (an unknown or already acknowledged alert)."""
    alert = next((a for a in state.alerts if a.seq == acknowledgement.alert_seq), None)
    if alert is None:
        return Rejection("alert_seq", f"#{acknowledgement.alert_seq} is not an alert")
    if alert.acknowledged_seq is not None:
        when = local_time(alert.acknowledged_at, missing="earlier")
        by = f" by {alert.acknowledged_by}" if alert.acknowledged_by else ""
        return Rejection("alert_seq", f"alert #{alert.seq} was already acknowledged at {when}{by}")
    if alert.source_voided:
        return Rejection(
            "alert_seq", f"alert #{alert.seq} came from a reading marked entered in error"
        )
    return None
