"""The timeline: everything recorded, in time order, and the two ways to correct it.

Nothing is edited or deleted. "Amend" records which field changes, its old and new value and
why (an `Amended` entry); "entered in error" records why an entry should not count (a
`Voided` entry). Both stay visible, marked, as do late entries.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Select, Static

from kap_console.session import (
    FIXED_FIELDS,
    NOT_AMENDABLE,
    NOT_VOIDABLE,
    field_label,
    local_time,
    offered,
    shorten,
    value_words,
)
from kap_console.session import events as ev
from kap_console.tui.item_words import item_text
from kap_console.tui.screens.form_modal import FormModal
from kap_console.tui.screens.stage_base import StageScreen
from kap_console.tui.timeparse import TimeParseError, parse_observed_at
from kap_console.tui.widgets.fields import ChoiceField, TextField
from kap_console.tui.widgets.fields_base import FieldProblem
from kap_console.tui.widgets.forms import read_fields
from kap_console.tui.widgets.long_text import LongTextField
from kap_console.tui.widgets.redraw import redraw

if TYPE_CHECKING:
    from kap_console.session import Entry, TimelineItem
    from kap_console.tui.messages import SessionChanged


def marks(item: Any) -> str:
    """Short words, first on the line so they are never cut off."""
    words = []
    if item.voided:
        words.append("ERROR")
    if item.amended:
        words.append("amended")
    if item.late:
        words.append("late")
    return " ".join(words)


def elapsed_label(at: datetime | None, t0: datetime | None) -> str:
    if at is None or t0 is None:
        return ""
    minutes = int((at - t0).total_seconds() // 60)
    return f"T{minutes:+d}"


def amendable_fields(event: Any) -> list[tuple[str, Any]]:
    """(dotted path, current value) of each field of `event` a correction may change."""
    found: list[tuple[str, Any]] = []

    def walk(prefix: str, value: Any) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                walk(f"{prefix}.{key}" if prefix else str(key), inner)
        else:
            found.append((prefix, value))

    for name, value in event.model_dump().items():
        if name in FIXED_FIELDS:
            continue
        walk(name, value)
    return found


def shown(value: Any) -> str:
    if value is None:
        return "(empty)"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return local_time(value, seconds=True)
    if isinstance(value, list):
        return ", ".join(str(part) for part in value) or "(none)"
    return str(value)


def convert(text: str, old: Any, now: datetime) -> Any:
    """The typed `text` as a value of the same kind as `old` (ValueError says why not)."""
    raw = text.strip()
    if isinstance(old, bool):
        if raw.lower() in ("yes", "y", "true"):
            return True
        if raw.lower() in ("no", "n", "false"):
            return False
        raise ValueError("type yes or no")
    if isinstance(old, int | float):
        try:
            number = float(raw.replace(",", "."))
        except ValueError:
            raise ValueError(f'"{raw}" is not a number') from None
        return int(number) if isinstance(old, int) and number.is_integer() else number
    if isinstance(old, datetime):
        try:
            return parse_observed_at(raw, now)
        except TimeParseError as error:
            raise ValueError(str(error)) from None
    if isinstance(old, list):
        return [part.strip() for part in raw.split(",") if part.strip()]
    if old is None and raw == "":
        return None
    return raw


class TimelineScreen(StageScreen):
    """Every entry, oldest first. Enter or m amends the highlighted entry; v marks it in error."""

    DEFAULT_CSS = """
    TimelineScreen #timeline-table { height: 1fr; }
    TimelineScreen #timeline-hint { color: $text-muted; padding: 0 1; }
    """

    BINDINGS = [
        Binding("escape", "back", "Back"),
        Binding("m", "amend", "Amend"),
        Binding("v", "void", "Entered in error"),
        Binding("u", "update_adverse_event", "Update AE"),
    ]

    def compose_body(self) -> ComposeResult:
        yield Static("", id="timeline-hint")
        table: DataTable[str] = DataTable(
            id="timeline-table", cursor_type="row", zebra_stripes=True
        )
        yield table

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        self._columns = table.add_columns("#", "time", "T", "marks", "what")
        self.fill()
        table.focus()
        if table.row_count:
            table.move_cursor(row=table.row_count - 1)

    def on_session_changed(self, message: SessionChanged) -> None:
        if not self.composed:
            return
        self.fill()

    def items(self) -> list[TimelineItem]:
        return list(self.session.state.timeline)

    # The items the table shows, row by row. The fold keeps an item object until its
    # entry is corrected, so an entry adds rows at the end and a correction replaces the
    # row of what it corrects: the table is rebuilt only when an item lands in between
    # (a late entry, a corrected time) or T0 moves.
    _shown: tuple[TimelineItem, ...] = ()
    _shown_t0: datetime | None = None
    _columns: list[Any] = []

    def row(self, item: TimelineItem) -> tuple[str, ...]:
        return (
            str(item.seq),
            local_time(item.at, missing=""),
            elapsed_label(item.at, self.session.state.t0),
            marks(item),
            shorten(item_text(self.app.session, item), 200),
        )

    def fill(self) -> None:
        items = self.session.state.timeline
        table = self.query_one(DataTable)
        shown = self._shown
        replaced = [
            index
            for index, (was, now) in enumerate(zip(shown, items, strict=False))
            if was is not now
        ]
        in_place = len(items) >= len(shown) and all(
            shown[index].seq == items[index].seq for index in replaced
        )
        t0 = self.session.state.t0  # every row's T+ label counts from it
        rebuild = not (shown and in_place) or t0 != self._shown_t0
        row = table.cursor_row
        if rebuild:
            table.clear()
            new = items
        else:
            for index in replaced:
                cells = self.row(items[index])
                for column, cell in zip(self._columns, cells, strict=True):
                    table.update_cell(str(items[index].seq), column, cell, update_width=True)
            new = items[len(shown) :]
        for item in new:
            table.add_row(*self.row(item), key=str(item.seq))
        if rebuild and table.row_count:
            table.move_cursor(row=min(row, table.row_count - 1))
        self._shown, self._shown_t0 = items, t0
        redraw(
            self.query_one("#timeline-hint", Static),
            f"{len(items)} entries · m amend · v entered in error · u update AE · esc back",
        )

    def highlighted(self) -> Entry[Any] | None:
        table = self.query_one(DataTable)
        if not table.row_count:
            return None
        seq = int(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value or 0)
        return self.session.state.entry(seq)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "update_adverse_event":
            entry = self.highlighted() if self.is_mounted else None
            return entry is not None and entry.kind == "adverse_event_logged"
        return True

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_amend()

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self.refresh_bindings()

    def action_back(self) -> None:
        self.dismiss(None)

    def action_amend(self) -> None:
        entry = self.highlighted()
        if entry is None:
            return
        if entry.kind in NOT_AMENDABLE:
            self.notify(
                f"A {entry.kind.replace('_', ' ')} entry is not amended; correct it with a new entry",
                severity="warning",
            )
            return
        if entry.voided:
            self.notify("This entry is marked entered in error", severity="warning")
            return
        self.app.push_screen(AmendScreen(entry.seq))

    def action_void(self) -> None:
        entry = self.highlighted()
        if entry is None:
            return
        if entry.kind in NOT_VOIDABLE or entry.voided:
            self.notify("This entry cannot be marked entered in error", severity="warning")
            return
        self.app.push_screen(VoidScreen(entry.seq))

    def action_update_adverse_event(self) -> None:
        from kap_console.tui.screens.adverse_event import AdverseEventUpdateScreen

        entry = self.highlighted()
        if entry is not None and entry.kind == "adverse_event_logged":
            self.app.push_screen(AdverseEventUpdateScreen(entry.seq))


class CorrectionForm(FormModal):
    def __init__(self, target_seq: int) -> None:
        super().__init__()
        self.target_seq = target_seq

    def entry(self) -> Any:
        return self.session.state.entry(self.target_seq)

    def form_subtitle(self) -> str:
        item = next(
            (item for item in self.session.state.timeline if item.seq == self.target_seq), None
        )
        return (
            f"#{self.target_seq} · {shorten(item_text(self.app.session, item), 66) if item else ''}"
        )


class AmendScreen(CorrectionForm):
    """Change one field of an entry: the old value is shown; the new one and a reason are typed."""

    SUBMIT_LABEL = "Amend"
    FIELD_ALIASES = {"new": "new", "old": "field", "target_seq": "field"}

    def form_title(self) -> str:
        return f"Amend entry #{self.target_seq}"

    def compose_form(self) -> ComposeResult:
        protocol = self.session.protocol
        fields = [
            (path, value) for path, value in amendable_fields(self.entry().event) if offered(path)
        ]
        self.current = dict(fields)
        options = [
            (
                f"{field_label(protocol, path)} (now {shorten(value_words(protocol, path, value), 30)})",
                path,
            )
            for path, value in fields
        ]
        first = options[0][1] if len(options) == 1 else None
        yield ChoiceField("field", "Field", options, first, required=True, prompt="which field?")
        yield Static("", id="old-value")
        yield TextField("new", "New value", required=True, max_length=20_000)
        yield LongTextField("reason", "Reason", required=True, max_length=20_000)

    def on_mount(self) -> None:
        super().on_mount()
        self.show_old()

    def on_select_changed(self, event: Select.Changed) -> None:
        self.show_old()

    def show_old(self) -> None:
        path = self.query_one("#field-field", ChoiceField).raw()
        old = self.current.get(path) if isinstance(path, str) else None
        protocol = self.session.protocol
        text = (
            f"Now: {value_words(protocol, path, old)}"
            if isinstance(path, str)
            else "Choose the field to correct"
        )
        self.query_one("#old-value", Static).update(text)

    def submit(self) -> None:
        values, problems = read_fields(self.fields())
        path = values.get("field")
        new: Any = None
        if path is not None and "new" in values and values["new"] is not None:
            old = self.current[path]
            try:
                new = convert(values["new"], old, self.session.clock.now())
            except ValueError as error:
                field = self.query_one("#field-new", TextField)
                problem = FieldProblem("new", f"New value: {error}")
                field.show_error(problem.message)
                problems.append(problem)
        if problems:
            self.show_problems(problems)
            return
        assert path is not None, "a required field: read_fields reports it when blank"
        event = self.build(
            ev.Amended,
            target_seq=self.target_seq,
            field=path,
            old=self.current[path],
            new=new,
            reason=values["reason"],
        )
        if event is None:
            return
        committed = self.commit_event(event)
        if committed is not None:
            self.app.confirm_saved(f"Entry #{self.target_seq} amended")
            self.dismiss(committed)


class VoidScreen(CorrectionForm):
    """Mark an entry entered in error, with the reason; it stays visible, marked."""

    SUBMIT_LABEL = "Mark entered in error"

    def form_title(self) -> str:
        return f"Entry #{self.target_seq} entered in error"

    def compose_form(self) -> ComposeResult:
        yield LongTextField("reason", "Reason", required=True, max_length=20_000)

    def submit(self) -> None:
        values, problems = read_fields(self.fields())
        if problems:
            self.show_problems(problems)
            return
        event = self.build(ev.Voided, target_seq=self.target_seq, reason=values["reason"])
        if event is None:
            return
        committed = self.commit_event(event)
        if committed is not None:
            self.app.confirm_saved(f"Entry #{self.target_seq} marked entered in error")
            self.dismiss(committed)
