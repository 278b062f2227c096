"""A timestamped note: what was seen or said, tagged for the integration therapist."""

from __future__ import annotations

from textual.app import ComposeResult

from kap_console.session import events as ev
from kap_console.tui.screens.form_modal import FormModal
from kap_console.tui.widgets.fields import FlagField
from kap_console.tui.widgets.forms import read_fields
from kap_console.tui.widgets.long_text import LongTextField
from kap_console.tui.widgets.when_field import WhenField


class NoteScreen(FormModal):
    """Write a note; flag it for integration, or as the client's own words."""

    TITLE_TEXT = "Note"
    SUBMIT_LABEL = "Save note"

    def form_subtitle(self) -> str:
        return "Kept on the timeline · enter: new line · ctrl+s saves"

    def compose_form(self) -> ComposeResult:
        session = self.session
        yield LongTextField("text", "Note", required=True, max_length=20_000, wide=True)
        yield FlagField("for_integration", "For integration (hand-off to the therapist)")
        yield FlagField("client_quote", "The client's own words (a quote)")
        started = session.state.started
        yield WhenField(
            "observed_at",
            "When",
            session.clock.now,
            not_before=started.observed_at if started is not None else None,
        )

    def submit(self) -> None:
        values, problems = read_fields(self.fields())
        if problems:
            self.show_problems(problems)
            return
        when = self.query_one(WhenField)
        event = self.build(
            ev.NoteAdded,
            text=values["text"],
            for_integration=values["for_integration"],
            client_quote=values["client_quote"],
            observed_at=None if when.is_now() else values["observed_at"],
        )
        if event is None:
            return
        committed = self.commit_event(event)
        if committed is not None:
            self.app.confirm_saved("Note saved")
            self.dismiss(committed)
