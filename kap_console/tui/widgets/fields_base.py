"""What every form field shares: the label, one control, the inline error line, and `read()`,
which gives the typed value or raises `FieldProblem` (see forms.py for why fields work so)."""

from __future__ import annotations

from typing import Any

from textual import events
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widget import Widget
from textual.widgets import Input, Label, Select, Static

from kap_console.tui.focus_mark import FOCUS_MARK as FOCUS_MARK  # re-exported
from kap_console.tui.widgets.text_clean import clean_text, cleaned_note


class FieldProblem(ValueError):
    """What is wrong with one field, in words that name it."""

    def __init__(self, field_id: str, message: str) -> None:
        super().__init__(message)
        self.field_id = field_id
        self.message = message


def format_number(value: float, decimals: int = 0) -> str:
    """A number as a facilitator would type it: no trailing '.0'."""
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.{decimals}f}" if decimals else f"{value:g}"


class FormField(Vertical):
    """One labelled control with its error line. Subclasses make the control and read it."""

    DEFAULT_CSS = """
    FormField {
        height: auto;
        width: 1fr;
        & > .field-row { height: auto; width: 1fr; }
        & .field-mark { width: 2; color: $accent; text-style: bold; }
        & .field-label { width: 22; padding: 0 1 0 0; color: $text-muted; }
        & .field-unit { width: auto; padding: 0 0 0 1; color: $text-muted; }
        & .field-hint { width: auto; max-width: 30; padding: 0 0 0 1; color: $text-muted; }
        & .field-error { display: none; color: $error; padding: 0 0 0 24; }
        & .field-note { display: none; color: $warning; padding: 0 0 0 24; }
        &.-noted .field-note { display: block; }
        &.-error .field-error { display: block; }
        &.-error .field-label { color: $error; text-style: bold; }
        &.-focused .field-label { color: $text; text-style: bold; }
        & Input.-textual-compact { width: 1fr; background: $surface; }
        & Input.-textual-compact:focus { background: $panel; }
        & Select { width: 1fr; }
        & Checkbox { width: 1fr; }
    }
    FormField.-question .field-label { width: 1fr; color: $text; }
    FormField.-wide .field-mark { display: none; }
    FormField.-question .field-control { width: 22; }
    FormField.-question .field-error { padding: 0 0 0 2; }
    FormField.-wide .field-label { width: 100%; }
    FormField.-wide > .field-row { layout: vertical; }
    FormField.-wide .field-error { padding: 0; }
    FormField.-wide .field-note { padding: 0; }
    """

    def __init__(
        self,
        field_id: str,
        label: str,
        *,
        required: bool = False,
        unit: str | None = None,
        hint: str | None = None,
        wide: bool = False,
        question: bool = False,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(id=id or f"field-{field_id}", classes=classes)
        self.field_id = field_id
        self.label = label
        self.required = required
        self.unit = unit
        self.hint = hint
        if wide:
            self.add_class("-wide")
        if question:  # a long prompt on the left, a short answer on the right
            self.add_class("-question")
        self._initial: Any = None

    # Subclasses -----------------------------------------------------------------------------
    def make_control(self) -> Widget:
        raise NotImplementedError

    def raw(self) -> Any:
        """What the control shows now (typed text, selected option…), for dirty checks."""
        raise NotImplementedError

    def parse(self, raw: Any) -> Any:
        """The value of `raw`, or raise FieldProblem; None for an empty optional field."""
        raise NotImplementedError

    def set_raw(self, raw: Any) -> None:
        raise NotImplementedError

    # Shared ---------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        mark = " *" if self.required else ""
        with Horizontal(classes="field-row"):
            yield Label("  ", classes="field-mark")
            yield Label(f"{self.label}{mark}", classes="field-label")
            yield self.make_control()
            if self.unit:
                yield Label(self.unit, classes="field-unit")
            if self.hint is not None:
                yield Label(self.hint, classes="field-hint")
        yield Static("", classes="field-error")
        yield Static("", classes="field-note", markup=False)

    # A class set from focus events, not `:focus-within`: Textual did not restyle the label of
    # a field that focus had left, so the first field stayed bold while typing elsewhere.
    # The focused field is marked by a ▶ before its label and the label in bold: not by
    # colour alone, so it is plain in every theme (and to anyone who does not see colour).
    # Read where focus is once the events have settled: a Select's menu takes focus and
    # gives it back, and its blur can arrive after the Select's own focus.
    def on_descendant_focus(self) -> None:
        self.add_class("-focused")
        self._mark(FOCUS_MARK)
        self.call_later(self._follow_focus)

    def on_descendant_blur(self) -> None:
        self.call_later(self._follow_focus)

    def _follow_focus(self) -> None:
        # A form being closed (off the screen stack) loses focus as it goes: restyling its
        # fields then is wasted work.
        if not self.is_attached or self.screen not in self.app.screen_stack:
            return
        focused = self.screen.focused if self.screen is not None else None
        inside = focused is not None and self in focused.ancestors_with_self
        self.set_class(inside, "-focused")
        self._mark(FOCUS_MARK if inside else "  ")

    def _mark(self, text: str) -> None:
        for mark in self.query(".field-mark").results(Label):
            mark.update(text)
        if self.has_class("-wide"):
            for label in self.query(".field-label").results(Label):
                shown = str(label.content)
                plain = shown[2:] if shown.startswith(FOCUS_MARK) else shown
                label.update(f"{text}{plain}" if text.strip() else plain)

    def on_mount(self) -> None:
        self._initial = self.raw()

    @property
    def control(self) -> Widget:
        return self.query_one(".field-control", Widget)

    @property
    def dirty(self) -> bool:
        """Has the facilitator changed this field since the form opened?"""
        return self.raw() != self._initial

    def problem(self, message: str) -> FieldProblem:
        return FieldProblem(self.field_id, f"{self.label}: {message}")

    def read(self) -> Any:
        """The field's value; raises FieldProblem (and shows it) when it cannot be read."""
        raw = self.raw()
        empty = raw is None or raw is Select.NULL or (isinstance(raw, str) and not raw.strip())
        if empty:
            if self.required:
                error = self.problem("required")
                self.show_error(error.message)
                raise error
            self.clear_error()
            return None
        return self.parse_shown(raw)

    def parse_shown(self, raw: Any) -> Any:
        """`parse(raw)`, with its problem shown on the error line (or the line cleared)."""
        try:
            value = self.parse(raw)
        except FieldProblem as error:
            self.show_error(error.message)
            raise
        self.clear_error()
        return value

    def reset(self, value: Any) -> None:
        """Show `value` (from the record) as the field's unedited content."""
        self.set_raw(value)
        self._initial = self.raw()

    def show_error(self, message: str) -> None:
        self.query_one(".field-error", Static).update(message)
        self.add_class("-error")

    def clear_error(self) -> None:
        if not self.has_class("-error"):
            return  # nothing shown (show_error sets the text and the class together)
        self.query_one(".field-error", Static).update("")
        self.remove_class("-error")

    def show_note(self, message: str) -> None:
        """Say what was done to what the facilitator typed or pasted (kept until replaced)."""
        for note in self.query(".field-note").results(Static):
            note.update(message)
        self.set_class(bool(message), "-noted")

    @property
    def has_error(self) -> bool:
        return self.has_class("-error")

    def set_hint(self, text: str) -> None:
        for hint in self.query(".field-hint").results(Label):
            hint.update(text)

    def focus_control(self) -> None:
        self.control.focus()


class CleanInput(Input):
    """A one-line Input that keeps the whole of a paste: its lines joined by a space, tabs
    as spaces, escape sequences and control characters removed, and says so at its field.
    A refused key (a letter in a number field) is said too, never dropped without a word."""

    def __init__(self, *args: Any, refused: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.refused_words = refused
        self._attempt = ""
        self._refused = False

    def _field(self) -> FormField | None:
        return next((a for a in self.ancestors if isinstance(a, FormField)), None)

    def _on_paste(self, event: events.Paste) -> None:
        event.stop()
        event.prevent_default()  # Input's own handler would insert the first line again
        if not event.text:
            return
        text, said = clean_text(event.text, multiline=False)
        field = self._field()
        before = self.value
        selection = self.selection
        if selection.is_empty:
            self.insert_text_at_cursor(text)
        else:
            self.replace(text, *selection)
        if field is not None and self.value != before:
            field.show_note(cleaned_note(said))

    def replace(self, text: str, start: int, end: int) -> None:
        self._attempt = text
        before = self.value
        super().replace(text, start, end)
        field = self._field()
        if self._refused and self.value != before and field is not None:
            self._refused = False
            field.clear_error()

    def restricted(self) -> None:
        field = self._field()
        if field is None:
            return
        if self.max_length and len(self.value) + len(self._attempt) > self.max_length:
            message = f"at most {self.max_length} characters: “{self._attempt}” was not added"
        else:
            message = f"“{self._attempt}” refused: {self.refused_words or 'not allowed here'}"
        self._refused = True
        field.show_error(f"{field.label}: {message}")


class InputField(FormField):
    """A field typed into one compact Input. Subclasses parse the text, and say how a value
    from the record is written in it (`as_text`)."""

    def __init__(
        self,
        field_id: str,
        label: str,
        text: str,
        *,
        max_length: int,
        placeholder: str = "",
        restrict: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(field_id, label, **kwargs)
        self._value = text
        self.max_length = max_length
        self.placeholder = placeholder
        self.restrict = restrict
        self.refused_words = ""

    def make_control(self) -> Widget:
        return CleanInput(
            self._value,
            placeholder=self.placeholder,
            restrict=self.restrict,
            max_length=self.max_length,
            compact=True,
            classes="field-control",
            refused=self.refused_words,
        )

    def raw(self) -> str:
        if not self.is_mounted:
            return self._value
        return self.query_one(Input).value

    def set_raw(self, raw: Any) -> None:
        self.query_one(Input).value = self.as_text(raw)

    def as_text(self, value: Any) -> str:
        """`value` as it is written in the Input."""
        return str(value)
