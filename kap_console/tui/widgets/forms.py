"""Form fields: a label, one control and an inline error line naming the field.

A field holds only what is being typed; it never stores a fact. `read()` turns the typed text
into a value or raises `FieldProblem` with a message that names the field, so a form can show
every problem at once, next to where it is, and keep everything the facilitator typed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widget import Widget
from textual.widgets import Checkbox, Input, Label, Select, SelectionList, Static

from kap_console.tui.timeparse import TimeParseError, describe_delay, parse_observed_at

if TYPE_CHECKING:
    from kap_console.protocol.models import Measure

NUMBER_CHARACTERS = r"[-0-9.,]*"
YES_NO_OPTIONS: list[tuple[str, bool]] = [("Yes", True), ("No", False)]


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
        & .field-label { width: 24; padding: 0 1 0 0; color: $text-muted; }
        & .field-unit { width: auto; padding: 0 0 0 1; color: $text-muted; }
        & .field-hint { width: auto; max-width: 30; padding: 0 0 0 1; color: $text-muted; }
        & .field-error { display: none; color: $error; padding: 0 0 0 24; }
        &.-error .field-error { display: block; }
        &.-error .field-label { color: $error; text-style: bold; }
        &:focus-within .field-label { color: $text; text-style: bold; }
        & Input.-textual-compact { width: 1fr; background: $surface; }
        & Input.-textual-compact:focus { background: $panel; }
        & Select { width: 1fr; }
        & Checkbox { width: 1fr; }
    }
    FormField.-question .field-label { width: 1fr; color: $text; }
    FormField.-question .field-control { width: 22; }
    FormField.-question .field-error { padding: 0 0 0 2; }
    FormField.-wide .field-label { width: 100%; }
    FormField.-wide > .field-row { layout: vertical; }
    FormField.-wide .field-error { padding: 0; }
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
            yield Label(f"{self.label}{mark}", classes="field-label")
            yield self.make_control()
            if self.unit:
                yield Label(self.unit, classes="field-unit")
            if self.hint is not None:
                yield Label(self.hint, classes="field-hint")
        yield Static("", classes="field-error")

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
        self.query_one(".field-error", Static).update("")
        self.remove_class("-error")

    @property
    def has_error(self) -> bool:
        return self.has_class("-error")

    def set_hint(self, text: str) -> None:
        for hint in self.query(".field-hint").results(Label):
            hint.update(text)

    def focus_control(self) -> None:
        self.control.focus()


class TextField(FormField):
    def __init__(
        self,
        field_id: str,
        label: str,
        value: str = "",
        *,
        max_length: int = 200,
        placeholder: str = "",
        **kwargs: Any,
    ) -> None:
        super().__init__(field_id, label, **kwargs)
        self._value = value
        self.max_length = max_length
        self.placeholder = placeholder

    def make_control(self) -> Widget:
        return Input(
            self._value,
            placeholder=self.placeholder,
            max_length=self.max_length,
            compact=True,
            classes="field-control",
        )

    def raw(self) -> str:
        if not self.is_mounted:
            return self._value
        return self.query_one(Input).value

    def set_raw(self, raw: Any) -> None:
        self.query_one(Input).value = "" if raw is None else str(raw)

    def parse(self, raw: str) -> str:
        return raw.strip()


class NumberField(FormField):
    """A number checked against an inclusive range, with its decimals."""

    def __init__(
        self,
        field_id: str,
        label: str,
        value: float | None = None,
        *,
        minimum: float | None = None,
        maximum: float | None = None,
        decimals: int = 0,
        **kwargs: Any,
    ) -> None:
        super().__init__(field_id, label, **kwargs)
        self.minimum = minimum
        self.maximum = maximum
        self.decimals = decimals
        self._value = "" if value is None else format_number(value, decimals)

    def make_control(self) -> Widget:
        placeholder = ""
        if self.minimum is not None and self.maximum is not None:
            placeholder = f"{format_number(self.minimum)}–{format_number(self.maximum)}"
        return Input(
            self._value,
            placeholder=placeholder,
            restrict=NUMBER_CHARACTERS,
            max_length=12,
            compact=True,
            classes="field-control",
        )

    def raw(self) -> str:
        if not self.is_mounted:
            return self._value
        return self.query_one(Input).value

    def set_raw(self, raw: Any) -> None:
        self.query_one(Input).value = (
            "" if raw is None else format_number(float(raw), self.decimals)
        )

    def parse(self, raw: str) -> float:
        text = raw.strip().replace(",", ".")
        try:
            value = float(text)
        except ValueError:
            raise self.problem(f'"{raw.strip()}" is not a number') from None
        if self.decimals == 0 and not value.is_integer():
            raise self.problem("enter a whole number")
        low, high = self.minimum, self.maximum
        if (low is not None and value < low) or (high is not None and value > high):
            bounds = f"{format_number(low or 0)} to {format_number(high or 0)}"
            unit = f" {self.unit}" if self.unit else ""
            raise self.problem(f"{text} is outside {bounds}{unit}: check and re-enter")
        return value


class ChoiceField(FormField):
    """One of a fixed set of options (scale levels, yes/no, a term…), in a compact Select."""

    def __init__(
        self,
        field_id: str,
        label: str,
        options: Sequence[tuple[str, Any]],
        value: Any = None,
        *,
        prompt: str = "choose…",
        **kwargs: Any,
    ) -> None:
        super().__init__(field_id, label, **kwargs)
        self.options = list(options)
        self.prompt = prompt
        values = [option for _, option in self.options]
        self._value = value if value in values else Select.NULL

    def make_control(self) -> Widget:
        return Select(
            self.options,
            prompt=self.prompt,
            value=self._value,
            allow_blank=True,
            compact=True,
            classes="field-control",
        )

    def raw(self) -> Any:
        if not self.is_mounted:
            return self._value
        return self.query_one(Select).value

    def set_raw(self, raw: Any) -> None:
        values = [option for _, option in self.options]
        select = self.query_one(Select)
        if raw in values:
            select.value = raw
        else:
            select.clear()

    def parse(self, raw: Any) -> Any:
        return raw


class YesNoField(ChoiceField):
    def __init__(self, field_id: str, label: str, value: bool | None = None, **kwargs: Any):
        super().__init__(field_id, label, YES_NO_OPTIONS, value, prompt="yes / no", **kwargs)


class MultiChoiceField(FormField):
    """Any number of a fixed set of options (space toggles the highlighted one)."""

    DEFAULT_CSS = """
    MultiChoiceField SelectionList { height: auto; max-height: 6; width: 1fr; border: none; padding: 0; }
    MultiChoiceField SelectionList:focus { background: $panel; }
    """

    def __init__(
        self,
        field_id: str,
        label: str,
        options: Sequence[tuple[str, Any]],
        value: Sequence[Any] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(field_id, label, **kwargs)
        self.options = list(options)
        self._value = list(value)

    def make_control(self) -> Widget:
        return SelectionList(
            *[(text, option, option in self._value) for text, option in self.options],
            classes="field-control",
        )

    def raw(self) -> tuple[Any, ...]:
        if not self.is_mounted:
            return tuple(self._value)
        chosen = set(self.query_one(SelectionList).selected)
        return tuple(option for _, option in self.options if option in chosen)

    def set_raw(self, raw: Any) -> None:
        selection = self.query_one(SelectionList)
        selection.deselect_all()
        for option in raw or ():
            selection.select(option)

    def parse(self, raw: tuple[Any, ...]) -> list[Any]:
        return list(raw)

    def read(self) -> list[Any] | None:
        raw = self.raw()
        if not raw and self.required:
            error = self.problem("choose at least one")
            self.show_error(error.message)
            raise error
        self.clear_error()
        return list(raw)


class FlagField(FormField):
    """A tick box for a flag that is either set or not (never 'unanswered')."""

    def __init__(self, field_id: str, label: str, value: bool = False, **kwargs: Any) -> None:
        super().__init__(field_id, "", **kwargs)
        self._text = label
        self._value = value
        self.label = label

    def compose(self) -> ComposeResult:
        with Horizontal(classes="field-row"):
            yield self.make_control()
        yield Static("", classes="field-error")

    def make_control(self) -> Widget:
        return Checkbox(self._text, self._value, compact=True, classes="field-control")

    def raw(self) -> bool:
        if not self.is_mounted:
            return self._value
        return self.query_one(Checkbox).value

    def set_raw(self, raw: Any) -> None:
        self.query_one(Checkbox).value = bool(raw)

    def parse(self, raw: bool) -> bool:
        return bool(raw)

    def read(self) -> bool:
        return bool(self.raw())


class WhenField(FormField):
    """When something happened: "now", "-3m", "-90s" or "14:05". Shows what it reads as."""

    def __init__(
        self,
        field_id: str,
        label: str,
        now: Callable[[], datetime],
        *,
        value: str = "now",
        not_before: datetime | None = None,
        blank_means_unset: bool = False,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("hint", "")
        super().__init__(field_id, label, **kwargs)
        self._now = now
        self._value = value
        self.not_before = not_before
        # For times that may not have happened yet (e.g. "resolved at"): blank is "not yet".
        self.blank_means_unset = blank_means_unset

    def make_control(self) -> Widget:
        return Input(
            self._value,
            placeholder="now, -3m, 14:05",
            max_length=20,
            compact=True,
            classes="field-control",
        )

    def raw(self) -> str:
        if not self.is_mounted:
            return self._value
        return self.query_one(Input).value

    def set_raw(self, raw: Any) -> None:
        self.query_one(Input).value = str(raw)

    def parse(self, raw: str) -> datetime:
        try:
            return parse_observed_at(raw, self._now(), not_before=self.not_before)
        except TimeParseError as error:
            raise self.problem(str(error)) from None

    def read(self) -> datetime | None:
        # Empty means now: a blank "observed at" is the commonest entry, not a missing one.
        if self.blank_means_unset and not self.raw().strip():
            self.clear_error()
            return None
        try:
            value = parse_observed_at(self.raw(), self._now(), not_before=self.not_before)
        except TimeParseError as error:
            problem = self.problem(str(error))
            self.show_error(problem.message)
            raise problem from None
        self.clear_error()
        return value

    def is_now(self) -> bool:
        raw = self.raw().strip().lower()
        return raw == "now" or (raw == "" and not self.blank_means_unset)

    def on_mount(self) -> None:
        super().on_mount()
        self.refresh_hint()

    def on_input_changed(self, event: Input.Changed) -> None:
        self.refresh_hint()

    def refresh_hint(self) -> None:
        if self.is_now() or not self.raw().strip():
            self.set_hint("")
            return
        now = self._now()
        try:
            when = parse_observed_at(self.raw(), now, not_before=self.not_before)
        except TimeParseError:
            self.set_hint("?")
            return
        self.set_hint(f"{when.astimezone():%H:%M:%S} · {describe_delay(when, now)}")


def measure_field(measure: Measure, value: Any = None, *, required: bool = False) -> FormField:
    """The field for one protocol measure: numbers range-checked with the measure's entry
    range, scales as their levels with labels, yes/no, or free text."""
    field_id = measure.id
    if measure.kind == "number":
        entry = measure.entry_range()
        return NumberField(
            field_id,
            measure.label,
            None if value is None or isinstance(value, (bool, str)) else float(value),
            minimum=entry.min if entry else None,
            maximum=entry.max if entry else None,
            decimals=measure.decimals,
            unit=measure.unit,
            required=required,
        )
    if measure.kind == "scale":
        options = [
            (f"{level.value} · {level.label}", float(level.value)) for level in measure.levels
        ]
        current = None if value is None or isinstance(value, (bool, str)) else float(value)
        return ChoiceField(field_id, measure.label, options, current, required=required)
    if measure.kind == "yes_no":
        current = None if value is None else bool(value)
        return YesNoField(field_id, measure.label, current, required=required)
    return TextField(
        field_id,
        measure.label,
        "" if value is None else str(value),
        max_length=2000,
        required=required,
    )


def fields_of(root: Widget) -> list[FormField]:
    return list(root.query(FormField).results(FormField))


def read_fields(fields: Sequence[FormField]) -> tuple[dict[str, Any], list[FieldProblem]]:
    """Read every field; collect values and problems (each problem already shown inline)."""
    values: dict[str, Any] = {}
    problems: list[FieldProblem] = []
    for field in fields:
        try:
            values[field.field_id] = field.read()
        except FieldProblem as problem:
            problems.append(problem)
    return values, problems
