"""Before a real session on a draft protocol, or on a protocol file with uncommitted changes:
say so, and start only when the facilitator confirms. What was confirmed goes into the
session's first entry, and so into the record."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Footer, Static


class ConfirmStartScreen(ModalScreen[bool]):
    """Dismisses with True to start anyway, False to go back to the form."""

    BINDINGS = [
        Binding("y", "go_ahead", "Start anyway"),
        Binding("escape,n", "back", "Back"),
    ]

    def __init__(self, cautions: list[Any]) -> None:
        super().__init__()
        self.cautions = cautions

    def compose(self) -> ComposeResult:
        with Vertical(classes="start-card"):
            yield Static("Before this session starts", classes="start-title error-title")
            for caution in self.cautions:
                yield Static(
                    f"• {caution.message}", markup=False, classes="start-hint caution-line"
                )
            yield Static(
                "Start anyway? The session record will say that you went ahead.",
                classes="start-hint",
            )
            with Horizontal(classes="start-buttons"):
                yield Button("Start anyway (y)", id="go-ahead", variant="warning", compact=True)
                yield Button("Back (esc)", id="back", variant="primary", compact=True)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#back", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "go-ahead")

    def action_go_ahead(self) -> None:
        self.dismiss(True)

    def action_back(self) -> None:
        self.dismiss(False)
