"""What every entry form shares: submit through the engine, show problems inline, never lose input.

A form builds one event from its fields and hands it to `app.commit`. The form closes only
once the commit returned (the event is durable). A field problem, a rejection by the core
(`RejectedEntry`, shown at the field it names) or a save failure keeps the form open and
filled. Escape on a form with typed input asks before discarding it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widget import Widget
from textual.widgets import Button, Input, Static

from kap_console.session import RejectedEntry
from kap_console.tui.keys import after_typing
from kap_console.tui.messages import SessionChanged
from kap_console.tui.screens.base import SessionModal
from kap_console.tui.widgets.dialogs import ConfirmScreen
from kap_console.tui.widgets.fields_base import FieldProblem, FormField
from kap_console.tui.widgets.forms import fields_of

if TYPE_CHECKING:
    from kap_console.session import Committed
    from kap_console.session.events import EventBase

# The title block and the message-and-button block are docked, so a long form (or one
# showing problems) scrolls its fields inside what is left, and the buttons and messages
# never fall off a small screen. (Two widgets docked to one edge would overlap: hence one
# container per edge.)
FORM_CSS = """
FormModal #form { height: auto; max-height: 100%; }
FormModal #form-head { dock: top; height: auto; }
FormModal #form-foot { dock: bottom; height: auto; }
FormModal #form-title { text-style: bold; color: $primary; }
FormModal #form-subtitle { color: $text-muted; }
FormModal #form-problem { display: none; color: $error; text-style: bold; }
FormModal #form-problem.-shown { display: block; }
FormModal #form-unsaved { display: none; color: $warning; text-style: bold; }
FormModal #form-unsaved.-shown { display: block; }
FormModal #form-buttons { height: auto; align-horizontal: right; }
FormModal #form-buttons Button { margin: 0 0 0 1; min-width: 12; }
"""


HELD_TEXT = (
    "Not saved yet: the entry is kept in memory and written as soon as saving works "
    "(s / F7 chooses a folder). Do not enter it again."
)


def _event_field(loc: Iterable[Any]) -> str:
    return ".".join(str(part) for part in loc)


class Committing:
    """Commit an event and put any rejection next to the field it names.

    Mixed into screens (modal forms and stage screens alike). `field_for(name)` finds the
    form field a core field name belongs to: exactly, by its last dotted part
    (`values.sbp` → `sbp`), or through `FIELD_ALIASES`.
    """

    FIELD_ALIASES: dict[str, str] = {}

    def field_for(self, name: str) -> FormField | None:
        fields = {field.field_id: field for field in fields_of(self)}  # type: ignore[arg-type]
        candidates = [name, self.FIELD_ALIASES.get(name, ""), name.rsplit(".", 1)[-1]]
        first = name.split(".", 1)[0]
        candidates += [first, self.FIELD_ALIASES.get(first, "")]
        for candidate in candidates:
            if candidate in fields:
                return fields[candidate]
        return None

    def show_form_problem(self, message: str) -> None:
        """A problem that belongs to no single field (shown above the buttons)."""
        screen: Widget = self  # type: ignore[assignment]
        problem = screen.query_one_optional("#form-problem", Static)
        if problem is not None:
            problem.update(message)
            problem.add_class("-shown")
            return
        screen.notify(message, severity="error", timeout=8)

    def clear_form_problem(self) -> None:
        screen: Widget = self  # type: ignore[assignment]
        problem = screen.query_one_optional("#form-problem", Static)
        if problem is not None and problem.has_class("-shown"):
            problem.update("")
            problem.remove_class("-shown")

    def show_rejection(self, field: str | None, message: str) -> None:
        target = self.field_for(field) if field else None
        if target is not None:
            target.show_error(message if target.label in message else f"{target.label}: {message}")
            target.focus_control()
        else:
            self.show_form_problem(f"{field}: {message}" if field else message)

    def show_problems(self, problems: list[FieldProblem]) -> None:
        for problem in problems:
            field = self.field_for(problem.field_id)
            if field is not None:
                field.show_error(problem.message)
        first = self.field_for(problems[0].field_id) if problems else None
        if first is not None:
            first.focus_control()
        count = len(problems)
        self.show_form_problem(
            f"{count} field{'s' if count > 1 else ''} to check: "
            + "; ".join(problem.message for problem in problems[:3])
        )

    def build(self, factory: type, **data: Any) -> Any:
        """Make an event, turning pydantic's complaints into field problems."""
        try:
            return factory(**data)
        except ValidationError as error:
            problems = []
            for detail in error.errors():
                name = _event_field(detail.get("loc", ()))
                field = self.field_for(name)
                label = field.label if field is not None else name
                problems.append(
                    FieldProblem(field.field_id if field else name, f"{label}: {detail['msg']}")
                )
            self.show_problems(problems)
            return None

    def commit_event(self, event: EventBase) -> Committed | None:
        """`app.commit(event)`: the Committed result, or None (problem shown, input kept)."""
        screen: Widget = self  # type: ignore[assignment]
        self.clear_form_problem()
        try:
            committed = screen.app.commit(event)  # type: ignore[attr-defined]
        except RejectedEntry as rejected:
            self.show_rejection(rejected.field, rejected.message)
            return None
        if committed is None:
            self.on_unsaved()
        return committed

    unsaved: bool = False

    def on_unsaved(self) -> None:
        """The app could not save the entry; the engine holds it and writes it later."""
        self.unsaved = True
        screen: Widget = self  # type: ignore[assignment]
        line = screen.query_one_optional("#form-unsaved", Static)
        if line is not None:
            line.update(HELD_TEXT)
            line.add_class("-shown")
            return
        screen.notify(HELD_TEXT, severity="warning", timeout=10)


class FormModal(Committing, SessionModal):
    """A modal entry form. Subclasses compose fields in `compose_form` and build the event(s)
    in `submit`; ctrl+s or enter in a one-line field saves, escape cancels."""

    DEFAULT_CSS = FORM_CSS
    TITLE_TEXT = ""
    SUBMIT_LABEL = "Save"

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", priority=False),
        Binding("ctrl+s", "submit", "Save", priority=True),
    ]

    def compose_body(self) -> ComposeResult:
        with Vertical(id="form-head"):
            yield Static(self.form_title(), id="form-title")
            subtitle = self.form_subtitle()
            if subtitle:
                yield Static(subtitle, id="form-subtitle")
        with VerticalScroll(id="form"):
            yield from self.compose_form()
        with Vertical(id="form-foot"):
            yield Static("", id="form-problem")
            yield Static("", id="form-unsaved")
            with Horizontal(id="form-buttons"):
                yield from self.compose_buttons()

    def form_title(self) -> str:
        return self.TITLE_TEXT

    def form_subtitle(self) -> str:
        return ""

    def compose_form(self) -> ComposeResult:
        yield from ()

    def compose_buttons(self) -> ComposeResult:
        yield Button("Cancel (esc)", id="cancel", compact=True)
        yield Button(f"{self.SUBMIT_LABEL} (ctrl+s)", id="submit", variant="primary", compact=True)

    def on_mount(self) -> None:
        fields = fields_of(self)
        if fields:
            fields[0].focus_control()

    def fields(self) -> list[FormField]:
        return fields_of(self)

    @property
    def dirty(self) -> bool:
        return any(field.dirty for field in fields_of(self))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_submit()

    @on(Button.Pressed, "#submit")
    def submit_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_submit()

    @on(Button.Pressed, "#cancel")
    def cancel_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_cancel()

    @after_typing
    def action_submit(self) -> None:
        if self.unsaved:
            return  # already handed to the engine: a second submit would record it twice
        self.submit()

    def on_session_changed(self, message: SessionChanged) -> None:
        if self.unsaved and message.reason == "saved":
            self.dismiss(None)

    def submit(self) -> None:
        raise NotImplementedError

    def action_cancel(self) -> None:
        if self.unsaved or not self.dirty:
            self.dismiss(None)
            return

        def answered(discard: bool | None) -> None:
            if discard:
                self.dismiss(None)

        self.app.push_screen(
            ConfirmScreen("Discard what you typed in this form?", yes="Discard", no="Keep editing"),
            answered,
        )
