"""An incident's prompt: what the simulated client does, in words, over whatever is open.

The trainee answers it with a key: enter (noticed), or straight away with the adverse-event
form (a), a note (n) or the alerts (k). The first key is journaled (practice_answered) before
anything else happens, so the debrief knows when the cue was recognised.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from kap_console.session import format_elapsed


class IncidentScreen(ModalScreen[str]):
    """The prompt; dismissed with the action chosen ("noticed", "log_adverse_event", …)."""

    DEFAULT_CSS = """
    IncidentScreen { align: center middle; background: $background 50%; }
    IncidentScreen > #incident {
        width: 72; max-width: 100%; height: auto;
        border: heavy $warning; background: $surface; padding: 0 1;
    }
    IncidentScreen #incident-title { text-style: bold reverse; color: $warning; }
    IncidentScreen #incident-cue { text-style: bold; margin: 1 0; }
    IncidentScreen #incident-keys { color: $foreground-muted; }
    """

    BINDINGS = [
        Binding("enter", "answer('noticed')", "Noticed", priority=True),
        Binding("a,f2", "answer('log_adverse_event')", "AE", priority=True),
        Binding("n,f3", "answer('add_note')", "Note", priority=True),
        Binding("k,f6", "answer('acknowledge_alerts')", "Alerts", priority=True),
        Binding("escape", "answer('noticed')", "Noticed", show=False),
    ]

    def __init__(self, incident_id: str, cue: str, minute: float) -> None:
        super().__init__()
        self.incident_id = incident_id
        self.cue = cue
        self.minute = minute

    def compose(self) -> ComposeResult:
        with Vertical(id="incident"):
            yield Static(
                f" INCIDENT · {format_elapsed(self.minute * 60)} ",
                id="incident-title",
                markup=False,
            )
            yield Static(self.cue, id="incident-cue", markup=False)
            yield Static(
                "enter: noticed · a: log an adverse event · n: add a note · k: alerts",
                id="incident-keys",
                markup=False,
            )

    def action_answer(self, choice: str) -> None:
        self.dismiss(choice)
