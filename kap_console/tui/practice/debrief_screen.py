"""The debrief at the end of a practice session: the same Markdown as the saved file."""

from __future__ import annotations

from pathlib import Path

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static


class DebriefScreen(Screen[None]):
    DEFAULT_CSS = """
    DebriefScreen #debrief-saved { color: $foreground-muted; padding: 0 1; height: auto; }
    DebriefScreen VerticalScroll { padding: 0 1; }
    """
    BINDINGS = [
        Binding("escape,q", "close", "Close the debrief"),
    ]

    def __init__(self, text: str, saved: Path | None) -> None:
        super().__init__()
        self.text = text
        self.saved = saved

    def compose(self) -> ComposeResult:
        where = f"Saved: {self.saved}" if self.saved else "Not saved (see the message)"
        yield Static(where, id="debrief-saved", markup=False)
        with VerticalScroll():
            yield Static(self.text, id="debrief", markup=False)
        yield Footer()

    def action_close(self) -> None:
        self.dismiss(None)
