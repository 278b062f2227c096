"""The vitals chart as inline SVG: BP and heart rate above, SpO2 below, minutes since T0 across.

Each measure has its own marker shape as well as its colour (never colour alone), the
protocol's monitoring thresholds are dashed lines labelled in words, and each dose is a
vertical line labelled with what was given. No script, no external asset.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from html import escape

from kap_console.integration.vitals import MeasureSeries, VitalsSeries

WIDTH, LEFT, RIGHT = 760, 56, 150
TOP_PANEL = (36, 226)  # y of the top and bottom edges
LOW_PANEL = (262, 352)
HEIGHT = 416

STYLE = {
    "sbp": ("#b3261e", "triangle", "Systolic"),
    "dbp": ("#1d4f91", "down", "Diastolic"),
    "hr": ("#2e6b30", "circle", "Heart rate"),
    "spo2": ("#6b2a8c", "square", "SpO2"),
}
LEVEL_COLOUR = {"urgent": "#b3261e", "warning": "#a85c00", "notice": "#5f6368"}


def vitals_svg(series: VitalsSeries) -> str:
    upper = [m for m in (series.measure(i) for i in ("sbp", "dbp", "hr")) if m and m.readings]
    lower = [m for m in (series.measure("spo2"),) if m and m.readings]
    start, end = series.span
    start, end = min(start, 0.0), max(end, start + 10)
    x_of = _scale(start, end, LEFT, WIDTH - RIGHT)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" id="vitals-chart" role="img" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" '
        f'font-family="sans-serif" font-size="11">',
        "<title>Vitals over time: blood pressure, heart rate and SpO2, with alert thresholds "
        "and dose times</title>",
        f'<rect x="0" y="0" width="{WIDTH}" height="{HEIGHT}" fill="#ffffff"/>',
    ]
    parts += _panel(upper, series, TOP_PANEL, x_of, "mmHg / bpm", floor=40, ceiling=200)
    parts += _panel(lower, series, LOW_PANEL, x_of, "SpO2 %", floor=85, ceiling=100)
    parts += _time_axis(start, end, x_of, series.t0_is_dose)
    for index, dose in enumerate(series.doses):
        x = x_of(dose.minutes)
        parts.append(
            f'<line x1="{x:.1f}" y1="{TOP_PANEL[0]}" x2="{x:.1f}" y2="{LOW_PANEL[1]}" '
            'stroke="#222" stroke-width="1.5" stroke-dasharray="2 3"/>'
        )
        parts.append(
            f'<text x="{x + 3:.1f}" y="{TOP_PANEL[0] - 6 - 12 * (index % 2)}" fill="#222">'
            f"▼ {escape(dose.label)}</text>"
        )
    parts += _legend([*upper, *lower])
    parts.append("</svg>")
    return "\n".join(parts)


def _scale(lo: float, hi: float, out_lo: float, out_hi: float) -> Callable[[float], float]:
    span = (hi - lo) or 1.0
    return lambda v: out_lo + (v - lo) / span * (out_hi - out_lo)


def _panel(
    measures: Sequence[MeasureSeries],
    series: VitalsSeries,
    edges: tuple[int, int],
    x_of: Callable[[float], float],
    unit: str,
    *,
    floor: float,
    ceiling: float,
) -> list[str]:
    top, bottom = edges
    lines = [t for m in measures for t in m.thresholds if t.scope != "baseline"]
    values = [r.value for m in measures for r in m.readings] + [t.limit for t in lines]
    lo = min([floor, *values]) if values else floor
    hi = max([ceiling, *values]) if values else ceiling
    lo, hi = lo - (hi - lo) * 0.05, hi + (hi - lo) * 0.05
    y_of = _scale(lo, hi, bottom, top)
    right = WIDTH - RIGHT
    parts = [
        f'<rect x="{LEFT}" y="{top}" width="{right - LEFT}" height="{bottom - top}" '
        'fill="#fafafa" stroke="#999"/>',
        f'<text x="{right - 4}" y="{top + 12}" text-anchor="end" fill="#333">{escape(unit)}</text>',
    ]
    for tick in _ticks(lo, hi, 5):
        y = y_of(tick)
        parts.append(
            f'<line x1="{LEFT - 4}" y1="{y:.1f}" x2="{right}" y2="{y:.1f}" stroke="#e3e3e3"/>'
        )
        parts.append(
            f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">{tick + 0.0:g}</text>'
        )
    if not measures:
        middle = (top + bottom) / 2
        parts.append(
            f'<text x="{(LEFT + right) / 2}" y="{middle}" text-anchor="middle">no readings</text>'
        )
        return parts
    labels: list[tuple[float, str, str]] = []
    for measure in measures:
        for threshold in measure.thresholds:
            if threshold.scope == "baseline":
                continue
            y = y_of(threshold.limit)
            colour = LEVEL_COLOUR.get(threshold.level, "#5f6368")
            label = f"{STYLE.get(measure.id, ('', '', measure.label))[2]} {threshold.comparison} {threshold.limit:g} ({threshold.level})"
            parts.append(
                f'<line class="threshold" x1="{LEFT}" y1="{y:.1f}" x2="{right}" y2="{y:.1f}" '
                f'stroke="{colour}" stroke-width="1.2" stroke-dasharray="6 4"/>'
            )
            labels.append((y, colour, label))
    parts += _threshold_labels(labels, right + 4)
    for measure in measures:
        colour, shape, _ = STYLE.get(measure.id, ("#333", "circle", measure.label))
        points = [(x_of(r.minutes), y_of(r.value)) for r in measure.readings]
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
        parts.append(
            f'<polyline class="series" data-measure="{measure.id}" points="{path}" fill="none" '
            f'stroke="{colour}" stroke-width="2"/>'
        )
        parts += [_marker(shape, x, y, colour) for x, y in points]
    drawn = {m.id for m in measures}
    for alert in series.alerts:
        if alert.measure_id in drawn:
            x, y = x_of(alert.minutes), y_of(alert.value)
            colour = LEVEL_COLOUR.get(alert.level, "#5f6368")
            parts.append(
                f'<circle class="alert" cx="{x:.1f}" cy="{y:.1f}" r="9" fill="none" '
                f'stroke="{colour}" stroke-width="2"><title>{escape(alert.level)} alert'
                f"{'' if alert.acknowledged else ', not answered'}</title></circle>"
            )
    return parts


def _threshold_labels(labels: list[tuple[float, str, str]], x: float) -> list[str]:
    """Labels beside their lines, pushed apart so that none overlaps the next."""
    parts, last = [], -1e9
    for y, colour, label in sorted(labels):
        y = max(y + 4, last + 11)
        last = y
        parts.append(f'<text x="{x}" y="{y:.1f}" fill="{colour}">{escape(label)}</text>')
    return parts


def _marker(shape: str, x: float, y: float, colour: str) -> str:
    if shape == "triangle":
        return f'<polygon points="{x:.1f},{y - 5:.1f} {x - 5:.1f},{y + 4:.1f} {x + 5:.1f},{y + 4:.1f}" fill="{colour}"/>'
    if shape == "down":
        return f'<polygon points="{x:.1f},{y + 5:.1f} {x - 5:.1f},{y - 4:.1f} {x + 5:.1f},{y - 4:.1f}" fill="{colour}"/>'
    if shape == "square":
        return f'<rect x="{x - 4:.1f}" y="{y - 4:.1f}" width="8" height="8" fill="{colour}"/>'
    return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{colour}"/>'


def _time_axis(
    start: float, end: float, x_of: Callable[[float], float], from_dose: bool
) -> list[str]:
    parts = []
    y = LOW_PANEL[1]
    for tick in _ticks(start, end, 8):
        x = x_of(tick)
        parts.append(f'<line x1="{x:.1f}" y1="{y}" x2="{x:.1f}" y2="{y + 4}" stroke="#555"/>')
        parts.append(f'<text x="{x:.1f}" y="{y + 16}" text-anchor="middle">{tick + 0.0:g}</text>')
    origin = "the first dose (T0)" if from_dose else "the session started (no dose was given)"
    parts.append(
        f'<text x="{(LEFT + WIDTH - RIGHT) / 2}" y="{y + 32}" text-anchor="middle">'
        f"minutes since {origin}</text>"
    )
    return parts


def _legend(measures: Sequence[MeasureSeries]) -> list[str]:
    """One row under the time axis: marker and name of each measure drawn."""
    parts = []
    y = HEIGHT - 12
    for index, measure in enumerate(measures):
        colour, shape, name = STYLE.get(measure.id, ("#333", "circle", measure.label))
        x = LEFT + index * 120
        parts.append(_marker(shape, x + 4, y - 4, colour))
        parts.append(f'<text x="{x + 14}" y="{y}">{escape(name)}</text>')
    x = LEFT + len(measures) * 120
    parts.append(
        f'<circle cx="{x + 4}" cy="{y - 4}" r="6" fill="none" stroke="#5f6368" stroke-width="2"/>'
    )
    parts.append(f'<text x="{x + 14}" y="{y}">alert raised</text>')
    return parts


def _ticks(lo: float, hi: float, count: int) -> list[float]:
    """Round tick values inside [lo, hi]."""
    raw = (hi - lo) / max(count, 1)
    step = next(s for s in (1, 2, 5, 10, 15, 20, 30, 50, 60, 100, 120, 200, 500, 10**6) if s >= raw)
    first = -(-lo // step) * step
    ticks, value = [], first
    while value <= hi:
        ticks.append(float(value))
        value += step
    return ticks
