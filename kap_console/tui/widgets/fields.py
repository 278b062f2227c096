"""The plain form fields: text, number, one choice, yes/no, several choices and a flag."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widget import Widget
from textual.widgets import Checkbox, Select, SelectionList, Static

from kap_console.tui.widgets.fields_base import FormField, InputField, format_number
from kap_console.tui.widgets.ticks import TickBox, TickList

NUMBER_CHARACTERS = r"[-0-9.,]*"
YES_NO_OPTIONS: list[tuple[str, bool]] = [("Yes", True), ("No", False)]


class TextField(InputField):
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
        super().__init__(
            field_id, label, value, max_length=max_length, placeholder=placeholder, **kwargs
        )

    def as_text(self, value: Any) -> str:
        return "" if value is None else str(value)

    def parse(self, raw: str) -> str:
        return raw.strip()


class NumberField(InputField):
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
        placeholder: str = "",
        **kwargs: Any,
    ) -> None:
        if not placeholder and minimum is not None and maximum is not None:
            placeholder = f"{format_number(minimum)}–{format_number(maximum)}"
        super().__init__(
            field_id,
            label,
            "" if value is None else format_number(value, decimals),
            max_length=12,
            placeholder=placeholder,
            restrict=NUMBER_CHARACTERS,
            **kwargs,
        )
        self.minimum = minimum
        self.maximum = maximum
        self.decimals = decimals
        self.refused_words = "numbers only (digits, '.' and '-')"

    def as_text(self, value: Any) -> str:
        return "" if value is None else format_number(float(value), self.decimals)

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
        kwargs.setdefault("prompt", "yes / no")
        super().__init__(field_id, label, YES_NO_OPTIONS, value, **kwargs)


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
        return TickList(
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
        return TickBox(self._text, self._value, compact=True, classes="field-control")

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
