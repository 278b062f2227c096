"""A protocol (or a session) that cannot be used, shown as readable lines (file:line:col),
never as a traceback.

Its own module so that the start form's first frame imports none of it."""

from __future__ import annotations

from pathlib import Path

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static


class ProtocolErrorScreen(Screen):
    """A protocol (or session) that cannot be used: every problem as `file:line:col: what`."""

    BINDINGS = [
        Binding("r", "retry", "Try again"),
        Binding("escape", "choose_protocol", "Other protocol"),
    ]

    FIX_THE_FILE = (
        "Fix the file and press r to try again, or esc to choose another protocol. ctrl+q quits."
    )

    def __init__(
        self,
        path: Path | None,
        problems: str,
        *,
        title: str = "This protocol cannot be used",
        advice: str | None = None,
    ) -> None:
        super().__init__()
        self.path = path
        self.problems = problems
        self.title_text = title
        self.advice = advice or self.FIX_THE_FILE

    def compose(self) -> ComposeResult:
        with Vertical(classes="start-card"):
            yield Static(self.title_text, classes="start-title error-title")
            if self.path is not None:
                yield Static(str(self.path), markup=False, classes="start-hint")
            with VerticalScroll(id="problems"):
                yield Static(self.problems, markup=False, id="problem-lines")
            yield Static(self.advice, classes="start-hint")
        yield Footer()

    def action_retry(self) -> None:
        if self.path is not None and self.path.suffix == ".toml":
            self.app.choose_protocol(self.path)  # type: ignore[attr-defined]
        elif self.path is not None:
            self.app.resume_session(self.path)  # type: ignore[attr-defined]

    def action_choose_protocol(self) -> None:
        from kap_console.tui.screens.protocol_picker import ProtocolPickerScreen

        self.app.switch_screen(ProtocolPickerScreen())
