"""What an alert still says after it is acknowledged, or after its reading was corrected.

Acknowledging an alert says "I have seen it and I am responding"; it does not make the value
normal. So an acknowledged alert *stands* while the latest reading of its measure still trips
the same threshold ("acknowledged · SpO2 88 % still low · recheck"), until a reading in range
arrives. The protocol may set `recheck_minutes` on the threshold: the re-measurement then
falls due that long after the latest reading (or the acknowledgement, if later).

An alert raised by a reading later amended keeps the value that raised it (that is what
happened); `correction_words` says so next to it ("raised by 185, corrected to 158").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from kap_console.protocol.models import Protocol
from kap_console.session.rules.alerts import LEVEL_RANK, numeric
from kap_console.session.state.entries import Alert
from kap_console.session.state.snapshot import SessionState
from kap_console.session.state.timeline import format_value, measure_name
from kap_console.session.words import format_number


@dataclass(frozen=True)
class StandingAlert:
    """An acknowledged alert whose measure is still out of range."""

    alert: Alert
    value: float
    words: str
    """`SpO2 88 % still low`."""
    recheck_at: datetime | None
    """When the protocol wants the measure again (None: no interval set)."""

    def recheck_left(self, now: datetime) -> timedelta | None:
        return None if self.recheck_at is None else self.recheck_at - now


def _direction(protocol: Protocol, alert: Alert) -> str:
    threshold = protocol.measure(alert.measure_id).thresholds[alert.threshold_index]
    symbol, _ = threshold.comparison
    return "low" if symbol in ("<", "≤") else "high"


def standing_alerts(protocol: Protocol, state: SessionState) -> list[StandingAlert]:
    """Acknowledged alerts still out of range, one per measure (the most severe), loudest first."""
    found: dict[str, StandingAlert] = {}
    for alert in state.alerts:
        if alert.acknowledged_seq is None or alert.voided or alert.source_voided:
            continue
        latest = state.last_values.get(alert.measure_id)
        value = numeric(latest.value) if latest is not None else None
        if latest is None or value is None:
            continue
        try:
            threshold = protocol.measure(alert.measure_id).thresholds[alert.threshold_index]
        except (KeyError, IndexError):
            continue
        if not threshold.trips(value):
            continue
        words = (
            f"{measure_name(protocol, alert.measure_id)} "
            f"{format_value(protocol, alert.measure_id, latest.value)} "
            f"still {_direction(protocol, alert)}"
        )
        recheck_at = None
        if threshold.recheck_minutes is not None:
            times = [t for t in (latest.observed_at, alert.acknowledged_at) if t is not None]
            if times:
                recheck_at = max(times) + timedelta(minutes=threshold.recheck_minutes)
        standing = StandingAlert(alert, value, words, recheck_at)
        kept = found.get(alert.measure_id)
        if kept is None or LEVEL_RANK.get(alert.level, 0) >= LEVEL_RANK.get(kept.alert.level, 0):
            found[alert.measure_id] = standing
    return sorted(found.values(), key=lambda s: -LEVEL_RANK.get(s.alert.level, 0))


def corrected_value(state: SessionState, alert: Alert) -> float | None:
    """The value of the alert's reading as amended since (None when it was not changed)."""
    source = state.entry(alert.event.source_seq)
    if source is None:
        return None
    values = getattr(source.event, "values", None) or {}
    now = numeric(values.get(alert.measure_id))
    if now is None or now == alert.event.value:
        return None
    return now


def correction_words(state: SessionState, alert: Alert) -> str:
    """`raised by 185, corrected to 158` ("" when the reading was not corrected)."""
    now = corrected_value(state, alert)
    if now is None:
        return ""
    return f"raised by {format_number(alert.event.value)}, corrected to {format_number(now)}"
