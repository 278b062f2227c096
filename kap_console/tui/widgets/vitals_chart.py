"""A chart drawn with characters: readings over time, alert thresholds and dose times.

Each panel is one scale (blood pressure, heart rate, SpO2; or dose and peak BP per session in
the course). Readings are letters (S systolic, D diastolic, H heart rate, O SpO2, …) joined by
braille dots, so a series is told apart by its mark, not by colour. A threshold is a dashed row
labelled on the right (`≥160 warning`); a dose is a dotted column with ▼ above the plot and its
label in the legend. `render_panel` is pure (text in, text out) so tests read what it draws.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from rich.style import Style
from rich.text import Text
from textual.widget import Widget

BRAILLE_BASE = 0x2800
# Dot bits of a braille cell by (column 0..1, row 0..3).
BRAILLE_DOTS = ((0x01, 0x02, 0x04, 0x40), (0x08, 0x10, 0x20, 0x80))
THRESHOLD_CHAR = "┄"
DOSE_CHAR = "┊"
DOSE_MARK = "▼"
AXIS_WIDTH = 6  # "  160┤"
LABEL_WIDTH = 14


@dataclass(frozen=True)
class ChartSeries:
    label: str
    mark: str
    points: tuple[tuple[float, float], ...]


@dataclass(frozen=True)
class ChartLine:
    """A horizontal line across the plot: an alert threshold."""

    value: float
    label: str
    short: str = ""  # used when two thresholds share a row


@dataclass(frozen=True)
class ChartMarker:
    """A vertical line through the plot: a dose."""

    x: float
    label: str


@dataclass(frozen=True)
class ChartPanel:
    title: str
    series: tuple[ChartSeries, ...]
    thresholds: tuple[ChartLine, ...] = ()
    markers: tuple[ChartMarker, ...] = ()
    x_label: str = "min since first dose"
    x_ticks: tuple[tuple[float, str], ...] = ()
    height: int = 8
    x_range: tuple[float, float] | None = None
    y_include: tuple[float, ...] = ()


@dataclass
class _Grid:
    width: int
    height: int
    chars: list[list[str]] = field(default_factory=list)
    kinds: list[list[str]] = field(default_factory=list)
    dots: list[list[int]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.chars = [[" "] * self.width for _ in range(self.height)]
        self.kinds = [["blank"] * self.width for _ in range(self.height)]
        self.dots = [[0] * self.width for _ in range(self.height)]

    def put(self, row: int, col: int, char: str, kind: str) -> None:
        if 0 <= row < self.height and 0 <= col < self.width:
            self.chars[row][col] = char
            self.kinds[row][col] = kind


def _nice_step(span: float, count: int) -> float:
    raw = span / max(count, 1)
    magnitude = 10 ** math.floor(math.log10(raw)) if raw > 0 else 1
    for factor in (1, 2, 5, 10):
        if raw <= factor * magnitude:
            return factor * magnitude
    return 10 * magnitude


def _y_range(panel: ChartPanel) -> tuple[float, float]:
    values = [y for s in panel.series for _, y in s.points]
    values += [line.value for line in panel.thresholds]
    values += list(panel.y_include)
    if not values:
        return 0.0, 1.0
    low, high = min(values), max(values)
    pad = max((high - low) * 0.08, 1.0)
    return low - pad, high + pad


def _x_range(panel: ChartPanel) -> tuple[float, float]:
    if panel.x_range is not None:
        return panel.x_range
    xs = [x for s in panel.series for x, _ in s.points] + [m.x for m in panel.markers]
    if not xs:
        return 0.0, 1.0
    low, high = min(xs), max(xs)
    if high - low < 1:
        high = low + 1
    return low, high


def render_panel(panel: ChartPanel, width: int) -> list[Text]:
    """The panel as lines of text `width` cells wide (at least 30)."""
    width = max(width, 30)
    plot_width = width - AXIS_WIDTH - LABEL_WIDTH - 1
    height = max(panel.height, 3)
    y_low, y_high = _y_range(panel)
    x_low, x_high = _x_range(panel)
    grid = _Grid(plot_width, height)

    def column(x: float) -> float:  # in braille dots, 0 .. 2 * plot_width - 1
        return (x - x_low) / (x_high - x_low) * (2 * plot_width - 1)

    def row(y: float) -> float:  # in braille dots from the top, 0 .. 4 * height - 1
        return (y_high - y) / (y_high - y_low) * (4 * height - 1)

    # Thresholds: dashed rows, labels gathered per row.
    labels: dict[int, list[ChartLine]] = {}
    for line in sorted(panel.thresholds, key=lambda t: -t.value):
        if not y_low <= line.value <= y_high:
            continue
        r = int(round(row(line.value))) // 4
        labels.setdefault(r, []).append(line)
        for c in range(plot_width):
            grid.put(r, c, THRESHOLD_CHAR, "threshold")
    # Doses: dotted columns.
    dose_columns = []
    for marker in panel.markers:
        c = int(round(column(marker.x))) // 2
        dose_columns.append(c)
        for r in range(height):
            if 0 <= c < plot_width and grid.kinds[r][c] == "blank":
                grid.put(r, c, DOSE_CHAR, "dose")
    # Lines between readings, in braille dots.
    for series in panel.series:
        points = sorted(series.points)
        for (x1, y1), (x2, y2) in zip(points, points[1:], strict=False):
            c1, r1, c2, r2 = column(x1), row(y1), column(x2), row(y2)
            steps = int(max(abs(c2 - c1), abs(r2 - r1))) + 1
            for index in range(steps + 1):
                t = index / steps
                dc, dr = round(c1 + (c2 - c1) * t), round(r1 + (r2 - r1) * t)
                cell_c, cell_r = int(dc) // 2, int(dr) // 4
                if 0 <= cell_c < plot_width and 0 <= cell_r < height:
                    grid.dots[cell_r][cell_c] |= BRAILLE_DOTS[int(dc) % 2][int(dr) % 4]
    for r in range(height):
        for c in range(plot_width):
            if grid.dots[r][c] and grid.kinds[r][c] in ("blank", "dose"):
                grid.put(r, c, chr(BRAILLE_BASE + grid.dots[r][c]), "line")
    # Readings: each series' mark, on top of everything.
    for index, series in enumerate(panel.series):
        for x, y in series.points:
            cell_r, cell_c = int(round(row(y))) // 4, int(round(column(x))) // 2
            grid.put(cell_r, cell_c, series.mark, f"series-{index}")

    lines: list[Text] = []
    legend = Text(panel.title, style="bold")
    for index, series in enumerate(panel.series):
        legend.append("  ")
        legend.append(series.mark, style=f"series-{index}")
        legend.append(f" {series.label}")
    if panel.thresholds:
        legend.append(f"  {THRESHOLD_CHAR} alert threshold", style="threshold")
    lines.append(legend)
    if panel.markers:
        top = Text(" " * AXIS_WIDTH)
        marks = [" "] * plot_width
        for c in dose_columns:
            if 0 <= c < plot_width:
                marks[c] = DOSE_MARK
        top.append("".join(marks), style="dose")
        top.append(f" {DOSE_MARK} dose", style="dose")
        lines.append(top)
    step = _nice_step(y_high - y_low, max(height // 2, 1))
    tick_rows: dict[int, float] = {}
    value = math.ceil(y_low / step) * step
    while value <= y_high:
        tick_rows.setdefault(int(round(row(value))) // 4, value)
        value += step
    for r in range(height):
        tick = tick_rows.get(r)
        axis = f"{tick:g}".rjust(AXIS_WIDTH - 1)[-(AXIS_WIDTH - 1) :] if tick is not None else ""
        text = Text(axis.rjust(AXIS_WIDTH - 1) + ("┤" if tick is not None else "│"))
        for c in range(plot_width):
            kind = grid.kinds[r][c]
            text.append(grid.chars[r][c], style=kind if kind != "blank" else "")
        if r in labels:
            shared = labels[r]
            words = (
                shared[0].label
                if len(shared) == 1
                else " ".join(t.short or t.label for t in shared)
            )
            text.append((" " + words)[: LABEL_WIDTH + 1], style="threshold")
        lines.append(text)
    lines.append(Text(" " * (AXIS_WIDTH - 1) + "└" + "─" * plot_width))
    ticks = panel.x_ticks or _x_ticks(x_low, x_high, plot_width)
    under = [" "] * (plot_width + LABEL_WIDTH)
    for x, label in ticks:
        c = int(round(column(x))) // 2
        if 0 <= c < plot_width and all(ch == " " for ch in under[c : c + len(label) + 1]):
            under[c : c + len(label)] = list(label)
    lines.append(Text(" " * AXIS_WIDTH + "".join(under).rstrip() + f"  {panel.x_label}"))
    return lines


def _x_ticks(low: float, high: float, plot_width: int) -> tuple[tuple[float, str], ...]:
    step = _nice_step(high - low, max(plot_width // 8, 1))
    value = math.ceil(low / step) * step
    ticks = []
    while value <= high:
        ticks.append((value, f"{value:g}"))
        value += step
    return tuple(ticks)


class VitalsChart(Widget, can_focus=False):
    """Draws `ChartPanel`s one under another, as wide as the widget."""

    COMPONENT_CLASSES = {
        "vitals-chart--threshold",
        "vitals-chart--dose",
        "vitals-chart--line",
        "vitals-chart--series-0",
        "vitals-chart--series-1",
        "vitals-chart--series-2",
        "vitals-chart--series-3",
    }
    DEFAULT_CSS = """
    VitalsChart { height: auto; width: 1fr; }
    VitalsChart > .vitals-chart--threshold { color: $warning; }
    VitalsChart > .vitals-chart--dose { color: $accent; text-style: bold; }
    VitalsChart > .vitals-chart--line { color: $foreground-muted; }
    VitalsChart > .vitals-chart--series-0 { color: $primary; text-style: bold; }
    VitalsChart > .vitals-chart--series-1 { color: $secondary; text-style: bold; }
    VitalsChart > .vitals-chart--series-2 { color: $success; text-style: bold; }
    VitalsChart > .vitals-chart--series-3 { color: $foreground; text-style: bold; }
    """

    def __init__(
        self, panels: Sequence[ChartPanel], *, footnote: str = "", id: str | None = None
    ) -> None:
        super().__init__(id=id)
        self.panels = tuple(panels)
        self.footnote = footnote

    def lines(self, width: int) -> list[Text]:
        """Every panel's lines at `width`, a blank line between panels."""
        out: list[Text] = []
        for index, panel in enumerate(self.panels):
            if index:
                out.append(Text(""))
            out += render_panel(panel, width)
        if self.footnote:
            out.append(Text(self.footnote, style="dose"))
        return out

    def get_content_height(self, container, viewport, width: int) -> int:  # noqa: ANN001
        return len(self.lines(width)) if self.panels else 1

    def render(self) -> Text:
        if not self.panels:
            return Text("No readings to chart.")
        styles = {
            name: self.get_component_rich_style(f"vitals-chart--{name}")
            for name in ("threshold", "dose", "line", *(f"series-{i}" for i in range(4)))
        }
        out = Text()
        for index, line in enumerate(self.lines(self.size.width or 80)):
            if index:
                out.append("\n")
            out.append_text(_plain_named(line, styles))
        return out


def _plain_named(line: Text, styles: dict[str, Style]) -> Text:
    """`line` with its named styles (`threshold`, `series-0`, …) made real Rich styles."""
    result = Text(line.plain)
    for span in line.spans:
        style = span.style
        if isinstance(style, str):
            resolved = styles.get(style)
            if resolved is None:
                if style == "bold":
                    result.stylize("bold", span.start, span.end)
                continue
            result.stylize(resolved, span.start, span.end)
        else:
            result.stylize(style, span.start, span.end)
    return result


# -- the session's vitals as panels ------------------------------------------------------------

SERIES_MARKS = {"sbp": ("S", "systolic"), "dbp": ("D", "diastolic"), "hr": ("H", "HR")}
SERIES_MARKS["spo2"] = ("O", "SpO2")


def _threshold_lines(measure: Any, prefix: str) -> list[ChartLine]:
    return [
        ChartLine(
            t.limit,
            f"{prefix}{t.comparison}{t.limit:g} {t.level}",
            f"{prefix}{t.comparison}{t.limit:g}",
        )
        for t in measure.thresholds
    ]


def dose_footnote(series: Any) -> str:
    """Under the chart, in words: `▼ doses: initial 40 mg at T+0; …` and the alerts raised
    (a row holds several mmHg, so where a reading sits against a line is approximate)."""
    lines = []
    if series.doses:
        marks = "; ".join(f"{d.label} at T{d.minutes:+g}" for d in series.doses)
        lines.append(f"{DOSE_MARK} doses: {marks}")
    else:
        lines.append("No dose was given.")
    names = {m.id: SERIES_MARKS.get(m.id, (m.label, ""))[0] for m in series.measures}
    alerts = [
        f"T{a.minutes:+g} {names.get(a.measure_id, a.measure_id)} {a.value:g} {a.level}"
        + ("" if a.acknowledged else " (not answered)")
        for a in series.alerts
        if a.measure_id in SERIES_MARKS
    ]
    if alerts:
        lines.append("! alerts: " + "; ".join(alerts))
    return "\n".join(lines)


PANEL_HEIGHTS = {"sbp": 14, "hr": 8, "spo2": 6}


def vitals_panels(series: Any) -> list[ChartPanel]:
    """Blood pressure, heart rate and SpO2 panels from a `VitalsSeries` (those it has)."""
    x_low, x_high = series.span
    x_range = (min(x_low, 0.0), max(x_high, 1.0))
    markers = tuple(ChartMarker(d.minutes, d.label) for d in series.doses)
    x_label = "min since first dose" if series.t0_is_dose else "min since start"
    panels = []
    groups: tuple[tuple[str, tuple[str, ...]], ...] = (
        ("Blood pressure (mmHg)", ("sbp", "dbp")),
        ("Heart rate (bpm)", ("hr",)),
    )
    groups += (("SpO2 (%)", ("spo2",)),)
    for title, ids in groups:
        measures = [m for m in (series.measure(i) for i in ids) if m is not None and m.readings]
        if not measures:
            continue
        lines: list[ChartLine] = []
        drawn = []
        for measure in measures:
            mark, label = SERIES_MARKS[measure.id]
            drawn.append(
                ChartSeries(label, mark, tuple((r.minutes, r.value) for r in measure.readings))
            )
            lines += _threshold_lines(measure, mark if len(measures) > 1 else "")
        panels.append(
            ChartPanel(
                title,
                tuple(drawn),
                tuple(lines),
                markers,
                x_label=x_label,
                height=PANEL_HEIGHTS[ids[0]],
                x_range=x_range,
            )
        )
    return panels
