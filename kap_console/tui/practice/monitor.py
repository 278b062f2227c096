"""The simulated monitor: what the client's readings are as a round is opened.

Shown inside the round form; the trainee still types the readings in, as in the room. The
readings come from the scenario (training/monitor.py) and were journaled before they show.
"""

from __future__ import annotations

from textual.widgets import Static

from kap_console.session import format_elapsed


def monitor_text(protocol, readings: dict[str, float], minute: float | None) -> str:
    measures = {measure.id: measure for measure in protocol.measures}
    parts = []
    for measure_id, value in readings.items():
        measure = measures.get(measure_id)
        label = measure.label if measure is not None else measure_id
        unit = f" {measure.unit}" if measure is not None and measure.unit else ""
        number = f"{value:g}"
        parts.append(f"{label} {number}{unit}")
    when = "before the dose" if minute is None else format_elapsed(minute * 60)
    return f"MONITOR (simulated client, {when}): " + " · ".join(parts)


class MonitorPanel(Static):
    """One or two lines over the round's fields: the simulated client's readings."""

    DEFAULT_CSS = """
    MonitorPanel {
        height: auto;
        background: $boost;
        color: $foreground;
        text-style: bold;
        padding: 0 1;
        margin: 0 0 1 0;
    }
    """

    def __init__(self, text: str) -> None:
        super().__init__(text, markup=False, id="monitor-panel")
