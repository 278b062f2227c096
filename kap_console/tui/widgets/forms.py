"""Form fields: a label, one control and an inline error line naming the field.

A field holds only what is being typed; it never stores a fact. `read()` turns the typed text
into a value or raises `FieldProblem` with a message that names the field, so a form can show
every problem at once, next to where it is, and keep everything the facilitator typed.

The fields live in their own modules, and screens import each from there: what they all
share (fields_base.py), the plain fields (fields.py) and the time field (when_field.py); this
module holds what works on a whole form: the field for a protocol measure, finding and reading.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from textual.widget import Widget

from kap_console.tui.widgets.fields import (
    ChoiceField,
    NumberField,
    YesNoField,
)
from kap_console.tui.widgets.fields_base import FieldProblem, FormField
from kap_console.tui.widgets.long_text import LongTextField

if TYPE_CHECKING:
    from kap_console.protocol.models import Measure


def measure_field(
    measure: Measure, value: Any = None, *, required: bool = False, earlier: str = ""
) -> FormField:
    """The field for one protocol measure: numbers range-checked with the measure's entry
    range, scales as their levels with labels, yes/no, or free text. `earlier` is shown in
    the empty field as a hint ("last: 88 at 10:20"), never as a value."""
    field_id = measure.id
    hint: dict[str, Any] = {"prompt": earlier} if earlier else {}
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
            placeholder=earlier,
        )
    if measure.kind == "scale":
        options = [
            (f"{level.value} · {level.label}", float(level.value)) for level in measure.levels
        ]
        current = None if value is None or isinstance(value, (bool, str)) else float(value)
        return ChoiceField(field_id, measure.label, options, current, required=required, **hint)
    if measure.kind == "yes_no":
        current = None if value is None else bool(value)
        return YesNoField(field_id, measure.label, current, required=required, **hint)
    return LongTextField(
        field_id,
        measure.label,
        "" if value is None else str(value),
        max_length=2000,
        required=required,
        placeholder=earlier,
    )


def fields_of(root: Widget) -> list[FormField]:
    """The form fields under `root`, in the order they are shown. (A walk by type: a CSS
    query would match a selector against every node of the form, on every save.)"""
    return root.walk_children(FormField)


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
