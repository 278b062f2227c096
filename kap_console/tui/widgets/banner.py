"""The banner above the footer: quiet until something needs the facilitator.

How loud to be is the core's decision (`alerts.escalation`): a notice only colours the
header; a warning or urgent alert shows here in words ("URGENT: SpO2 below 92 % — press
k"), never by colour alone, and stays until acknowledged. The same place says when entries
are NOT SAVED, until writing works again. Empty, it takes no room.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import getters
from textual.content import Content
from textual.widgets import Static

from kap_console.tui.commands import AcknowledgeAlerts, ChooseSaveFolder
from kap_console.tui.widgets.redraw import redraw

if TYPE_CHECKING:
    from kap_console.session import Alert, Session
    from kap_console.tui.console import ConsoleApp


def save_error_text(unsaved: int) -> str:
    entries = "1 entry" if unsaved == 1 else f"{unsaved} entries"
    return (
        f"NOT SAVED — {entries} held in memory — press {ChooseSaveFolder.KEY} "
        f"({ChooseSaveFolder.TYPING_KEY.upper()}) to choose a folder"
    )


def alert_text(alerts: list[Alert]) -> str:
    top = alerts[0]
    more = f" (+{len(alerts) - 1} more)" if len(alerts) > 1 else ""
    return (
        f"{top.level.upper()}: {top.message}{more} — press {AcknowledgeAlerts.KEY} "
        f"({AcknowledgeAlerts.TYPING_KEY.upper()})"
    )


def banner_lines(session: Session, escalation: str) -> list[tuple[str, str]]:
    """(text, level) lines to show: a save error first, then the loudest open alert."""
    lines = []
    if session.save_error is not None or session.unsaved:
        lines.append((save_error_text(max(session.unsaved, 1)), "not-saved"))
    if escalation in ("banner", "bell"):
        alerts = list(session.open_alerts())
        if alerts:
            lines.append((alert_text(alerts), alerts[0].level))
    return lines


class Banner(Static):
    """Alert and save-error banner (hidden when there is nothing to say)."""

    DEFAULT_CSS = """
    Banner {
        height: auto;
        width: 1fr;
        padding: 0 1;
        display: none;
        text-wrap: nowrap;
        text-overflow: ellipsis;
        background: $warning-muted;
        color: $text;
        text-style: bold;
    }
    Banner.-shown { display: block; }
    Banner.-urgent, Banner.-not-saved {
        background: $error;
        color: $background;
    }
    """

    if TYPE_CHECKING:
        app = getters.app(ConsoleApp)

    def __init__(self) -> None:
        super().__init__("", markup=False)

    def on_mount(self) -> None:
        self.refresh_from_session()

    def refresh_from_session(self) -> None:
        session = getattr(self.app, "session", None)
        lines = banner_lines(session, self.app.escalation()) if session is not None else []
        levels = {level for _, level in lines}
        self.set_class(bool(lines), "-shown")
        self.set_class("urgent" in levels, "-urgent")
        self.set_class("not-saved" in levels, "-not-saved")
        redraw(self, Content("\n".join(text for text, _ in lines)), wraps=False)
