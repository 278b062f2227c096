"""The body's response over time, as one series per measure: what every vitals chart draws.

Readings are the effective values the record holds (amendments applied, voided rounds left
out), baseline included, each as minutes since T0 (the first dose; the session start when no
dose was given, with `t0_is_dose` False). Thresholds come from the exact protocol the session
ran (the pinned copy in the session folder) when it is there; without it, the record holds no
limits, only the alerts that fired, which are kept as marks either way.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from kap_console.session import RecordObservation, SessionRecord

if TYPE_CHECKING:
    from kap_console.protocol.models import Measure, Protocol

# The measures every chart tries to draw, in this order, when the session has them.
CHART_MEASURES = ("sbp", "dbp", "hr", "spo2")


@dataclass(frozen=True)
class Reading:
    minutes: float
    value: float
    observed_at: datetime
    seq: int
    round_id: str


@dataclass(frozen=True)
class ThresholdLine:
    level: str
    comparison: str  # ">", "≥", "<", "≤"
    limit: float
    scope: str
    message: str


@dataclass(frozen=True)
class MeasureSeries:
    id: str
    label: str
    unit: str
    readings: tuple[Reading, ...]
    thresholds: tuple[ThresholdLine, ...]


@dataclass(frozen=True)
class DoseMark:
    minutes: float
    kind: str
    dose_mg: float
    label: str


@dataclass(frozen=True)
class AlertMark:
    minutes: float
    measure_id: str
    level: str
    value: float
    acknowledged: bool


@dataclass(frozen=True)
class VitalsSeries:
    t0: datetime
    t0_is_dose: bool
    measures: tuple[MeasureSeries, ...]
    doses: tuple[DoseMark, ...]
    alerts: tuple[AlertMark, ...]
    thresholds_from_protocol: bool

    def measure(self, measure_id: str) -> MeasureSeries | None:
        return next((m for m in self.measures if m.id == measure_id), None)

    @property
    def span(self) -> tuple[float, float]:
        """The first and last minute anything happened (readings and doses)."""
        points = [r.minutes for m in self.measures for r in m.readings]
        points += [d.minutes for d in self.doses]
        return (min(points), max(points)) if points else (0.0, 0.0)


def minutes_since(t0: datetime, moment: datetime) -> float:
    return round((moment - t0).total_seconds() / 60, 2)


def effective_observations(record: SessionRecord) -> list[RecordObservation]:
    """Baseline and monitoring rounds not voided, in the order observed."""
    rounds = [*record.pre_session.baseline, *record.observations]
    return sorted((o for o in rounds if not o.voided), key=lambda o: (o.observed_at, o.seq))


def vitals_series(
    record: SessionRecord,
    session_dir: Path | None = None,
    protocol: Protocol | None = None,
) -> VitalsSeries:
    """Every numeric measure's readings, thresholds, dose and alert marks."""
    if protocol is None:
        from kap_console.integration.reading import pinned_protocol_for

        protocol = pinned_protocol_for(record, session_dir)
    t0 = record.session.dosed_at or record.session.started_at
    observations = effective_observations(record)
    readings: dict[str, list[Reading]] = {}
    for observation in observations:
        for measure_id, value in observation.values.items():
            if isinstance(value, bool) or not isinstance(value, int | float):
                continue
            readings.setdefault(measure_id, []).append(
                Reading(
                    minutes_since(t0, observation.observed_at),
                    float(value),
                    observation.observed_at,
                    observation.seq,
                    observation.round_id,
                )
            )
    measures: list[MeasureSeries] = []
    known: dict[str, Measure] = {}
    if protocol is not None:
        for measure in protocol.measures:
            if measure.kind in ("number", "scale"):
                known[measure.id] = measure
    order = [*known, *(m for m in readings if m not in known)]
    for measure_id in order:
        found = readings.get(measure_id, [])
        if not found and measure_id not in CHART_MEASURES:
            continue
        spec = known.get(measure_id)
        measures.append(
            MeasureSeries(
                id=measure_id,
                label=spec.label if spec is not None else measure_id,
                unit=(spec.unit or "") if spec is not None else "",
                readings=tuple(found),
                thresholds=_thresholds(spec),
            )
        )
    doses = tuple(
        DoseMark(
            minutes_since(t0, dose.observed_at),
            dose.kind,
            dose.dose_mg,
            _dose_label(dose.kind, dose.dose_mg, dose.device_number),
        )
        for dose in sorted(record.doses, key=lambda d: (d.observed_at, d.seq))
        if not dose.voided
    )
    alerts = tuple(
        AlertMark(
            minutes_since(t0, alert.observed_at),
            alert.measure_id,
            alert.level,
            alert.value,
            alert.acknowledged_at is not None,
        )
        for alert in record.alerts
        if not alert.voided
    )
    return VitalsSeries(
        t0=t0,
        t0_is_dose=record.session.dosed_at is not None,
        measures=tuple(measures),
        doses=doses,
        alerts=alerts,
        thresholds_from_protocol=protocol is not None,
    )


def _thresholds(measure: Measure | None) -> tuple[ThresholdLine, ...]:
    if measure is None:
        return ()
    lines = []
    for threshold in measure.thresholds:
        comparison, limit = threshold.comparison
        lines.append(
            ThresholdLine(threshold.level, comparison, limit, threshold.scope, threshold.message)
        )
    return tuple(lines)


def _dose_label(kind: str, dose_mg: float, device_number: int | None) -> str:
    if kind == "device" and device_number is not None:
        return f"device {device_number} ({dose_mg:g} mg)"
    return f"{kind} {dose_mg:g} mg"
