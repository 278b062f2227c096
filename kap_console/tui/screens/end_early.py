"""Ending a session early asks first, and why: nothing is recorded until the close itself.

`e` on the dashboard opens this; the reason typed here becomes the close note on the close
screen that follows (where it can still be edited), and that screen can be left again with
escape while the session is live.
"""

from __future__ import annotations

from textual.app import ComposeResult

from kap_console.tui.screens.form_modal import FormModal
from kap_console.tui.widgets.forms import read_fields
from kap_console.tui.widgets.long_text import LongTextField


class EndEarlyScreen(FormModal):
    """Confirm ending the session early, with the reason."""

    TITLE_TEXT = "End the session early?"
    SUBMIT_LABEL = "Go to close"

    def form_subtitle(self) -> str:
        return (
            "Nothing is recorded yet: the close screen comes next, and esc there comes back. "
            "ctrl+s goes on · esc stays in the session"
        )

    def compose_form(self) -> ComposeResult:
        yield LongTextField(
            "reason",
            "Why end early",
            required=True,
            placeholder="e.g. client asked to stop; transferred to ED",
        )

    def submit(self) -> None:
        values, problems = read_fields(self.fields())
        if problems:
            self.show_problems(problems)
            return
        self.dismiss(values["reason"])
