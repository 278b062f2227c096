"""Closing: the facilitator's reflections, then the record, and its fingerprint for the chart.

The record is written by the engine from the journal as read back from disk. This screen
only asks for the reflections and the outcome, calls `session.close()`, and shows where
the record is and its fingerprint, large, to copy into the chart.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Digits, Input, Static

from kap_console.session import RejectedEntry, SaveError, fingerprint
from kap_console.session import events as ev
from kap_console.tui.keys import after_typing
from kap_console.tui.screens.form_modal import FORM_CSS
from kap_console.tui.screens.stage_base import StageScreen
from kap_console.tui.widgets.dialogs import ConfirmScreen
from kap_console.tui.widgets.fields import ChoiceField
from kap_console.tui.widgets.forms import fields_of, read_fields
from kap_console.tui.widgets.long_text import LongTextField

if TYPE_CHECKING:
    from kap_console.session import CloseResult
    from kap_console.tui.console import ConsoleApp
    from kap_console.tui.messages import SessionChanged

OUTCOMES = [("Completed", "completed"), ("Stopped early", "stopped_early")]


def close_session(app: ConsoleApp, outcome: str, note: str = "") -> CloseResult | None:
    """Close the session and write its record; the CloseResult, or None (problem shown)."""
    from kap_console.session import JournalError

    try:
        assert app.session is not None, "closing needs an open session"
        result = app.session.close(outcome, note)
    except RejectedEntry as rejected:
        app.notify(
            rejected.message, title="The session was not closed", severity="error", timeout=12
        )
        return None
    except SaveError as error:
        app.notify(error.message, title="The record was not written", severity="error", timeout=20)
        app.session_changed(reason="unsaved")
        return None
    except JournalError as error:
        app.notify(str(error), title="The record was not written", severity="error", timeout=20)
        return None
    app.session_changed(reason="closed")
    return result


class CloseScreen(StageScreen):
    """Reflections and the close (after discharge, or to stop early); then the record."""

    DEFAULT_CSS = (
        FORM_CSS.replace("FormModal", "CloseScreen")
        + """
    CloseScreen #close { height: 1fr; padding: 0 1; }
    CloseScreen .section { text-style: bold; color: $primary; padding: 1 0 0 0; }
    CloseScreen .saved { color: $text-muted; padding: 0 0 0 2; }
    CloseScreen #written { text-style: bold; color: $success; padding: 1 0 0 0; }
    CloseScreen #record-path { color: $text; }
    CloseScreen #fingerprint-digits { color: $primary; width: auto; margin: 1 0 0 0; }
    CloseScreen #fingerprint {
        text-style: bold; color: $text; background: $panel; padding: 0 1; width: auto;
        border: round $primary;
    }
    CloseScreen .hint { color: $text-muted; }
    """
    )

    BINDINGS = [
        Binding("ctrl+s", "save_reflections", "Save reflections", key_display="^s", priority=True),
        Binding("ctrl+e", "close_session", "Close & write record", key_display="^e", priority=True),
        Binding("escape", "back", "Back to the session", key_display="esc"),
    ]

    def __init__(self, *, reason: str = "", over_session: bool = False) -> None:
        super().__init__()
        # Opened over a live session (end early): escape goes back to it until the close.
        self.over_session = over_session
        self.reason = reason

    def action_back(self) -> None:
        if self.over_session and not self.closed():
            self.dismiss(None)

    def closed(self) -> bool:
        return self.session.state.record_written is not None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("save_reflections", "close_session"):
            return not self.closed()
        if action == "back":
            return self.over_session and not self.closed()
        return True

    def compose_body(self) -> ComposeResult:
        session = self.session
        state = session.state
        with VerticalScroll(id="close"):
            if self.closed():
                yield from self.compose_written()
                return
            yield Static("Facilitator reflections", classes="section")
            latest = {
                entry.event.prompt_id: entry for entry in state.reflections if not entry.voided
            }
            for prompt in session.protocol.reflection_prompts:
                yield LongTextField(prompt.id, prompt.text, wide=True, max_length=20_000)
                if prompt.id in latest:
                    yield Static(
                        f"saved: {latest[prompt.id].event.text}", classes="saved", markup=False
                    )
            yield LongTextField("free", "Anything else", wide=True, max_length=20_000)
            yield Static("Close", classes="section")
            default = "completed" if state.discharged is not None else "stopped_early"
            yield ChoiceField("outcome", "Outcome", OUTCOMES, default, required=True)
            yield LongTextField("close_note", "Close note", self.reason, max_length=20_000)
            yield Static("", id="form-problem")
            yield Static(
                "^s saves the reflections · ^e closes the session and writes the record",
                classes="hint",
            )

    def compose_written(self) -> ComposeResult:
        session = self.session
        record_written = session.state.record_written
        assert record_written is not None, "shown only once the record is written"
        written = record_written.event
        code = fingerprint(written.record_sha256, written.event_count)
        yield Static("Record written", id="written")
        yield Static(str(session.session_dir / written.record_path), id="record-path", markup=False)
        yield Digits(code.split(" ")[0].upper(), id="fingerprint-digits")
        yield Static(f"Fingerprint  {code}", id="fingerprint", markup=False)
        yield Static(
            "Copy the fingerprint into the chart. ctrl+q leaves the console.", classes="hint"
        )

    def on_mount(self) -> None:
        fields = fields_of(self)
        if fields:
            fields[0].focus_control()

    async def on_session_changed(self, message: SessionChanged) -> None:
        if not self.composed:
            return
        if self.closed() and not self.query("#written"):
            body = self.query_one("#close", VerticalScroll)
            await body.remove_children()
            await body.mount_all(list(self.compose_written()))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_save_reflections()

    def save_reflections(self) -> bool:
        session = self.session
        prompts = [prompt.id for prompt in session.protocol.reflection_prompts]
        fields = [field for field in fields_of(self) if field.field_id in (*prompts, "free")]
        values, problems = read_fields(fields)
        if problems:
            self.show_problems(problems)
            return False
        saved = 0
        for field in fields:
            text = values.get(field.field_id)
            if not text:
                continue
            prompt_id = None if field.field_id == "free" else field.field_id
            event = self.build(ev.ReflectionRecorded, prompt_id=prompt_id, text=text)
            if event is None or self.commit_event(event) is None:
                return False
            field.set_raw("")
            saved += 1
        if saved:
            self.app.confirm_saved(f"{saved} reflection{'s' if saved > 1 else ''} saved")
        return True

    @after_typing
    def action_save_reflections(self) -> None:
        self.save_reflections()

    @after_typing
    def action_close_session(self) -> None:
        if not self.save_reflections():
            return
        values, problems = read_fields(
            [field for field in fields_of(self) if field.field_id in ("outcome", "close_note")]
        )
        if problems:
            self.show_problems(problems)
            return
        outcome = values["outcome"]
        words = dict((value, label) for label, value in OUTCOMES)[outcome].lower()

        def answered(sure: bool | None) -> None:
            if sure:
                close_session(self.app, outcome, values.get("close_note") or "")

        self.app.push_screen(
            ConfirmScreen(
                f"Close the session as {words} and write the record? Nothing can be added after.",
                yes="Close",
                no="Back",
            ),
            answered,
        )
