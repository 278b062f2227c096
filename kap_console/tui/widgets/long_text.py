"""A free-text field of several lines (notes, intentions, reflections, reasons): every line
typed or pasted is kept. Enter is a new line here, so a form saves with ctrl+s.

A paste is cleaned before it lands (text_clean.py): escape sequences and control characters
go, tabs become spaces, and the field says so under itself; nothing else is touched.
"""

from __future__ import annotations

from typing import Any

from textual import events
from textual.widget import Widget
from textual.widgets import TextArea

from kap_console.tui.widgets.fields_base import FormField
from kap_console.tui.widgets.text_clean import clean_text, cleaned_note


class CleanTextArea(TextArea):
    """A TextArea whose pastes are cleaned, visibly, by its field."""

    async def _on_paste(self, event: events.Paste) -> None:
        if self.read_only:
            return
        event.stop()
        event.prevent_default()
        text, said = clean_text(event.text)
        if result := self._replace_via_keyboard(text, *self.selection):
            self.move_cursor(result.end_location)
            self.focus()
        field = next((a for a in self.ancestors if isinstance(a, FormField)), None)
        if field is not None:
            field.show_note(cleaned_note(said))


class LongTextField(FormField):
    """Free text over several lines, kept whole (trimmed only at its ends)."""

    DEFAULT_CSS = """
    LongTextField CleanTextArea {
        width: 1fr;
        height: auto;
        min-height: 2;
        max-height: 6;
        background: $surface;
    }
    LongTextField CleanTextArea:focus { background: $panel; }
    """

    def __init__(
        self,
        field_id: str,
        label: str,
        value: str = "",
        *,
        max_length: int = 20_000,
        placeholder: str = "",
        **kwargs: Any,
    ) -> None:
        super().__init__(field_id, label, **kwargs)
        self._value = value or ""
        self.max_length = max_length
        self.placeholder = placeholder

    def make_control(self) -> Widget:
        return CleanTextArea(
            self._value,
            soft_wrap=True,
            compact=True,
            tab_behavior="focus",
            show_line_numbers=False,
            highlight_cursor_line=False,
            placeholder=self.placeholder,
            classes="field-control",
        )

    def raw(self) -> str:
        if not self.is_mounted:
            return self._value
        return self.query_one(TextArea).text

    def set_raw(self, raw: Any) -> None:
        area = self.query_one(TextArea)
        area.load_text("" if raw is None else str(raw))
        area.move_cursor(area.document.end)

    def parse(self, raw: str) -> str:
        text = raw.strip()
        if len(text) > self.max_length:
            raise self.problem(
                f"{len(text)} characters, at most {self.max_length}: shorten it (nothing was cut)"
            )
        return text
