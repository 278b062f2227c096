"""Before a session: the Loading frame and the start form.

These screens paint before pydantic is imported: the start form is drawn from the protocol's
preview (protocol/preview.py) while the protocol is validated behind it. Only submitting the
form touches the session engine. Choosing a protocol is in protocol_picker.py, a protocol
that cannot be used in protocol_error.py, and the offer to resume an unfinished session in
resume_offer.py: the first frame imports none of them.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, Footer, Input, Label, Static

from kap_console.tui.focus_mark import FOCUS_MARK
from kap_console.tui.keys import FOCUS_BINDINGS


class LoadingScreen(Screen):
    """The first frame when a protocol is named: painted before anything heavy loads."""

    def __init__(self, protocol_path: Path) -> None:
        super().__init__()
        self.protocol_path = protocol_path

    def compose(self) -> ComposeResult:
        # No footer: this shows for a fraction of a second, and is the frame waited for.
        with Vertical(classes="start-card"):
            yield Static("kap-console", classes="start-title")
            yield Static(f"Loading {self.protocol_path} …", markup=False, id="loading")


# -- the start form -----------------------------------------------------------------------

CLIENT_CODE_HELP = "Pseudonymous code, never a name: capitals, digits and '-', 3–24 characters."
FIELDS = ("client_code", "facilitator", "session_number")


def client_code_problem(value: str) -> str | None:
    from kap_console.session import CLIENT_CODE_PATTERN

    if not value:
        return "Enter the client's code (for example KAP-0042)."
    if not re.fullmatch(CLIENT_CODE_PATTERN, value):
        return f"'{value}' is not a client code. {CLIENT_CODE_HELP}"
    return None


def facilitator_problem(value: str) -> str | None:
    if not value.strip():
        return "Enter who runs the session (it is recorded with every entry)."
    if len(value) > 200:
        return "Keep the name under 200 characters."
    return None


def session_number_problem(value: str) -> str | None:
    if not value.isdigit() or not 1 <= int(value) <= 999:
        return "Enter the client's session number, 1 to 999."
    return None


CHECKS = {
    "client_code": client_code_problem,
    "facilitator": facilitator_problem,
    "session_number": session_number_problem,
}


def start_values_problems(values: dict[str, Any]) -> dict[str, str]:
    """Field → problem for start values given on the command line (empty when all good)."""
    problems = {}
    for name, check in CHECKS.items():
        value = values.get(name)
        message = check("" if value is None else str(value).strip())
        if message:
            problems[name] = message
    return problems


LABELS = {
    "client_code": "Client code",
    "facilitator": "Facilitator",
    "session_number": "Session number",
}


class StartFormScreen(Screen):
    """Client code, facilitator and session number; Enter starts the session."""

    BINDINGS = [
        Binding("escape", "choose_protocol", "Other protocol"),
        *FOCUS_BINDINGS,  # Tab moves focus the moment it is read (keys.py)
    ]

    def __init__(
        self,
        protocol: Any,
        values: dict[str, Any],
        *,
        submit_on_mount: bool = False,
    ) -> None:
        """`protocol`: the validated protocol, or its preview (protocol.preview) while it is
        validated behind the form; then the app calls `protocol_validated` when it may
        start a session."""
        super().__init__()
        self.protocol = protocol
        self.values = values
        self.submit_on_mount = submit_on_mount
        self._submitted: dict[str, str] | None = None

    @property
    def waiting_for_protocol(self) -> bool:
        return getattr(self.app, "loaded", None) is None

    def compose(self) -> ComposeResult:
        protocol = self.protocol
        with VerticalScroll(classes="start-card"):
            yield Static("Start a session", classes="start-title")
            yield Static(f"{protocol.title}  {protocol.version}", markup=False, id="start-protocol")
            from kap_console.protocol.approval import approval_line

            approval = approval_line(protocol)
            if approval:
                yield Static(approval, markup=False, id="start-approval", classes="start-hint")
            if protocol.example or protocol.training:
                note = protocol.disclaimer or "Example: not clinical guidance."
                yield Static(note, markup=False, classes="start-disclaimer")
            for name in FIELDS:
                value = self.values.get(name)
                text = "" if value is None else str(value)
                if name == "session_number" and not text:
                    # Shown from the first frame (set on mount, it cost a second styling pass).
                    text = "1"
                # Client code is focused on mount: marked so from the first frame.
                first = name == FIELDS[0]
                with Horizontal(classes="start-field"):
                    yield Label(
                        f"{FOCUS_MARK if first else '  '}{LABELS[name]}",
                        id=f"{name}-label",
                        classes="start-label -focused" if first else "start-label",
                    )
                    yield Input(
                        text,
                        id=name,
                        type="integer" if name == "session_number" else "text",
                        max_length=200,
                        placeholder={"client_code": "KAP-0042", "session_number": "1"}.get(
                            name, ""
                        ),
                    )
                hint = CLIENT_CODE_HELP if name == "client_code" else ""
                yield Static(hint, id=f"{name}-problem", classes="field-problem", markup=False)
            yield Static("", id="form-problem", classes="field-problem", markup=False)
            yield Button("Start session", id="start", variant="primary", compact=True)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#client_code", Input).focus()
        if self.submit_on_mount:
            self.submit()

    def protocol_validated(self) -> None:
        """The protocol behind the form passed validation: start what was submitted."""
        if self._submitted is not None:
            values, self._submitted = self._submitted, None
            self.problem("form", None)
            self.start(values)

    def on_descendant_focus(self) -> None:
        self.call_later(self._mark_focused)

    def on_descendant_blur(self) -> None:
        self.call_later(self._mark_focused)

    def _mark_focused(self) -> None:
        """A ▶ and a bold label beside the field being typed in: not colour alone, as the
        entry forms do (widgets/fields_base.py)."""
        if not self.is_attached:
            return
        focused = self.focused
        for name in FIELDS:
            here = focused is not None and focused.id == name
            label = self.query_one(f"#{name}-label", Label)
            if label.has_class("-focused") != here:
                label.update(f"{FOCUS_MARK if here else '  '}{LABELS[name]}")
                label.set_class(here, "-focused")

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "client_code" and event.value != event.value.upper():
            cursor = event.input.cursor_position
            event.input.value = event.value.upper()
            event.input.cursor_position = cursor

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.submit()

    @on(Button.Pressed, "#start")
    def start_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.submit()

    def problem(self, name: str, message: str | None) -> None:
        """Show `message` under field `name` (or its hint again when None)."""
        line = self.query_one(f"#{name}-problem", Static)
        hint = CLIENT_CODE_HELP if name == "client_code" else ""
        line.update(message or hint)
        line.set_class(bool(message), "-shown")
        if name in CHECKS:
            self.query_one(f"#{name}", Input).set_class(bool(message), "-invalid")

    def submit(self) -> None:
        values = {name: self.query_one(f"#{name}", Input).value.strip() for name in FIELDS}
        problems = start_values_problems(values)
        for name in FIELDS:
            self.problem(name, problems.get(name))
        self.problem("form", None)
        if problems:
            self.query_one(f"#{next(iter(problems))}", Input).focus()
            return
        self.start(values)

    def start(self, values: dict[str, str]) -> None:
        """Start, after the facilitator has confirmed any caution (a draft protocol,
        uncommitted changes to its file) on a modal."""
        if self.waiting_for_protocol:
            self._submitted = values
            self.problem("form", "Checking the protocol… the session starts once it is validated.")
            return
        cautions = self.app.start_cautions()  # type: ignore[attr-defined]
        if not cautions:
            self._start(values, ())
            return
        from kap_console.tui.screens.start_confirm import ConfirmStartScreen

        def answered(go_ahead: bool | None) -> None:
            if go_ahead:
                self._start(values, tuple(caution.code for caution in cautions))
            else:
                self.problem("form", "Not started: the protocol needs your confirmation first.")

        self.app.push_screen(ConfirmStartScreen(cautions), answered)

    def _start(self, values: dict[str, str], confirmed: tuple[str, ...]) -> None:
        from kap_console.session import RejectedEntry, SaveError

        try:
            self.app.start_session(  # type: ignore[attr-defined]
                client_code=values["client_code"],
                facilitator=values["facilitator"],
                session_number=int(values["session_number"]),
                confirmed=confirmed,
            )
        except RejectedEntry as rejected:
            self.show_rejection(rejected)
        except SaveError as error:
            self.problem("form", error.message)
        except OSError as error:
            self.problem("form", f"Could not create the session folder: {error}")

    def show_rejection(self, rejected: Any) -> None:
        field = getattr(rejected, "field", None)
        message = getattr(rejected, "message", str(rejected))
        if field in CHECKS:
            if field == "client_code":
                message = f"{message}. {CLIENT_CODE_HELP}"
            self.problem(field, message)
            self.query_one(f"#{field}", Input).focus()
        else:
            self.problem("form", message)

    def action_choose_protocol(self) -> None:
        from kap_console.tui.screens.protocol_picker import ProtocolPickerScreen

        self.app.switch_screen(ProtocolPickerScreen())
