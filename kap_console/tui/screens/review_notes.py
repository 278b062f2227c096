"""The forms of the review screen: write a note, theme or follow-up; amend one; void one.

Each form only collects what is typed; saving goes through `IntegrationNotes` (durable before
the form closes). A problem is shown at its field and nothing typed is lost: on a save error
the form stays open with its text.
"""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from kap_console.integration.notes import KIND_WORDS
from kap_console.tui.keys import FOCUS_BINDINGS, after_typing
from kap_console.tui.widgets.fields import TextField
from kap_console.tui.widgets.forms import fields_of, read_fields

NOTE_FORM_CSS = """
NoteFormScreen { align: center middle; background: $background 60%; }
NoteFormScreen #note-form {
    width: 76; max-width: 100%; height: auto; max-height: 100%;
    border: round $primary; background: $surface; padding: 0 1;
}
NoteFormScreen .form-title { text-style: bold; color: $primary; }
NoteFormScreen .form-hint { color: $foreground-muted; }
NoteFormScreen #form-error { color: $error; text-style: bold; }
"""


class NoteFormScreen(ModalScreen[dict[str, Any] | None]):
    """A small form; dismisses with the values typed (None when cancelled).

    `save` is called with the values and returns None when they were saved, or a message
    to show (the form then stays open).
    """

    DEFAULT_CSS = NOTE_FORM_CSS
    BINDINGS = [
        Binding("escape", "cancel", "Cancel"),
        Binding("ctrl+s", "save", "Save", key_display="^s", priority=True),
        *FOCUS_BINDINGS,
    ]

    def __init__(self, title: str, fields: list[TextField], save: Any, hint: str = "") -> None:
        super().__init__()
        self.form_title = title
        self.form_fields = fields
        self.save_values = save
        self.hint = hint or "enter or ^s saves · escape cancels · tab next field"

    def compose(self) -> ComposeResult:
        with Vertical(id="note-form"):
            yield Static(self.form_title, classes="form-title")
            yield Static(self.hint, classes="form-hint")
            yield from self.form_fields
            yield Static("", id="form-error")

    def on_mount(self) -> None:
        first = self.form_fields[0]
        first.focus_control()
        # Text already there (an amendment) is added to, not replaced by the first key.
        self.call_after_refresh(first.query_one(Input).action_end)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_save()

    @after_typing
    def action_save(self) -> None:
        values, problems = read_fields(fields_of(self))
        if problems:
            return
        message = self.save_values(values)
        if message is not None:
            self.query_one("#form-error", Static).update(message)
            return
        self.dismiss(values)

    def action_cancel(self) -> None:
        self.dismiss(None)


def add_form(kind: str, by: str, save: Any) -> NoteFormScreen:
    """The form for a new note, theme or follow-up item."""
    words = KIND_WORDS[kind]
    fields = [TextField("text", words, required=True, max_length=20_000, wide=True)]
    if kind == "follow_up":
        fields.append(TextField("due", "When", placeholder="e.g. call at 24 h, next week"))
    fields.append(TextField("by", "Written by", by, required=True))
    return NoteFormScreen(f"New {words.lower()} for integration", fields, save)


def amend_form(item: Any, by: str, save: Any) -> NoteFormScreen:
    fields = [
        TextField("text", "New text", item.text, required=True, max_length=20_000, wide=True),
        TextField("reason", "Why", required=True, max_length=2000),
        TextField("by", "Amended by", by, required=True),
    ]
    return NoteFormScreen(
        f"Amend {KIND_WORDS[item.kind].lower()} (the old text is kept)", fields, save
    )


def void_form(item: Any, by: str, save: Any) -> NoteFormScreen:
    fields = [
        TextField("reason", "Why is it in error", required=True, max_length=2000),
        TextField("by", "Marked by", by, required=True),
    ]
    return NoteFormScreen(
        f"Mark {KIND_WORDS[item.kind].lower()} as entered in error (it stays, struck)",
        fields,
        save,
    )
