"""One alert as a facilitator needs it: level in words, what tripped, and the protocol's steps."""

from __future__ import annotations

from typing import Any

from textual.widgets import Static

LEVEL_WORDS = {"urgent": "URGENT", "warning": "WARNING", "notice": "NOTICE"}


def alert_text(alert: Any, *, steps: bool = True) -> str:
    """Plain lines: `URGENT  Systolic 180 or more: call the prescriber (sbp 184)` then steps."""
    level = str(getattr(alert, "level", "notice"))
    value = getattr(alert, "value", None)
    measure = getattr(alert, "measure_id", "")
    reading = ""
    if value is not None:
        shown = int(value) if float(value).is_integer() else value
        reading = f" ({measure} {shown})" if measure else f" ({shown})"
    lines = [f"{LEVEL_WORDS.get(level, level.upper())}  {alert.message}{reading}"]
    if steps:
        # An AlertRaised event has the steps itself; the state's alert entry keeps them on .event.
        response = getattr(alert, "response", None)
        if response is None:
            response = alert.event.response
        lines += [f"  {number}. {step}" for number, step in enumerate(response or [], 1)]
    return "\n".join(lines)


class AlertCard(Static):
    """An alert with its response steps; coloured by level, never by colour alone."""

    DEFAULT_CSS = """
    AlertCard { height: auto; padding: 0 1; border-left: thick $warning; color: $text; }
    AlertCard.-urgent { border-left: thick $error; background: $error 15%; }
    AlertCard.-warning { border-left: thick $warning; background: $warning 10%; }
    AlertCard.-notice { border-left: thick $primary; }
    AlertCard.-acknowledged { color: $text-muted; background: transparent; }
    """

    def __init__(self, alert: Any, *, steps: bool = True, **kwargs: Any) -> None:
        super().__init__(alert_text(alert, steps=steps), markup=False, **kwargs)
        self.alert = alert
        self.add_class(f"-{getattr(alert, 'level', 'notice')}")
