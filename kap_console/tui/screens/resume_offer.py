"""The offer shown at start-up when unfinished sessions are found: resume one (its journal's
replay restores it exactly) or start a new one. Damaged journals are listed, not offered."""

from __future__ import annotations

from datetime import UTC
from typing import TYPE_CHECKING, Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Footer, OptionList, Static
from textual.widgets.option_list import Option

if TYPE_CHECKING:
    from kap_console.session import SessionSummary


def summary_text(summary: SessionSummary) -> str:
    started = (
        summary.started_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
        if summary.started_at
        else "start unknown"
    )
    text = f"{summary.client_code}  ·  {summary.protocol_id} {summary.protocol_version}  ·  started {started}"
    if summary.problem:
        text += f"\n    {summary.problem}"
    return text


class ResumeOfferScreen(ModalScreen[Any]):
    """Unfinished sessions were found: resume one (replay restores it) or start a new one."""

    BINDINGS = [
        Binding("r", "resume", "Resume"),
        Binding("n", "new", "New session"),
        Binding("escape", "new", "New session", show=False),
    ]

    def __init__(self, summaries: list[SessionSummary]) -> None:
        super().__init__()
        self.summaries = summaries

    def compose(self) -> ComposeResult:
        count = len(self.summaries)
        with Vertical(classes="start-card"):
            yield Static(
                "An unfinished session was found" if count == 1 else f"{count} unfinished sessions",
                classes="start-title",
            )
            yield Static(
                "Resume to carry on exactly where it stopped; nothing recorded is lost.",
                classes="start-hint",
            )
            options = [
                Option(summary_text(summary), id=str(index), disabled=summary.state == "damaged")
                for index, summary in enumerate(self.summaries)
            ]
            yield OptionList(*options, id="unfinished")
            with Horizontal(classes="start-buttons"):
                yield Button("Resume (r)", id="resume", variant="primary", compact=True)
                yield Button("Start a new session (n)", id="new", compact=True)
        yield Footer()

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        options.focus()
        options.action_first()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.action_resume()

    @on(Button.Pressed, "#resume")
    def resume_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_resume()

    @on(Button.Pressed, "#new")
    def new_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_new()

    def action_resume(self) -> None:
        options = self.query_one(OptionList)
        if options.highlighted is None:
            self.notify("No session can be resumed here.", severity="warning")
            return
        option = options.get_option_at_index(options.highlighted)
        self.dismiss(self.summaries[int(option.id or 0)])

    def action_new(self) -> None:
        self.dismiss(None)
