"""Pre-session: the protocol's checklist, the baseline, and the go / no-go decision.

What holds the dose is the core's verdict (`session.dosing_blocks()`): a blocking answer, a
baseline reading over a blocking threshold, or something not yet answered or taken. The
decider either resolves each one, or overrides it by name with a reason (a "go" naming it
in `overrides`), or decides no-go, which closes the session with outcome "no_go".
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Input, Select, Static

from kap_console.session import events as ev
from kap_console.session import format_values, local_time, measure_name
from kap_console.tui.keys import after_typing
from kap_console.tui.screens.form_modal import FORM_CSS, FormModal
from kap_console.tui.screens.round_form import RoundScreen
from kap_console.tui.screens.stage_base import StageScreen
from kap_console.tui.widgets.dialogs import ConfirmScreen
from kap_console.tui.widgets.fields import (
    ChoiceField,
    MultiChoiceField,
    NumberField,
    TextField,
    YesNoField,
)
from kap_console.tui.widgets.fields_base import FieldProblem, FormField
from kap_console.tui.widgets.forms import fields_of, read_fields
from kap_console.tui.widgets.long_text import LongTextField

if TYPE_CHECKING:
    from kap_console.protocol.models import Protocol
    from kap_console.session import Block
    from kap_console.tui.messages import SessionChanged

TIME_OF_DAY = re.compile(r"^([01]?\d|2[0-3]):[0-5]\d$")


def checklist_field(item: Any, answer: Any) -> FormField:
    """The field for one checklist item, filled with the answer on record."""
    common: dict[str, Any] = {"required": item.required, "question": True}
    if item.kind == "yes_no":
        return YesNoField(
            item.id, item.prompt, answer if isinstance(answer, bool) else None, **common
        )
    if item.kind == "number":
        value = answer if isinstance(answer, int | float) and not isinstance(answer, bool) else None
        return NumberField(
            item.id,
            item.prompt,
            value,
            minimum=item.range.min if item.range else None,
            maximum=item.range.max if item.range else None,
            decimals=1,
            unit=item.unit,
            **common,
        )
    placeholder = "hh:mm" if item.kind == "time" else ""
    return TextField(
        item.id,
        item.prompt,
        answer if isinstance(answer, str) else "",
        placeholder=placeholder,
        **common,
    )


def same_answer(typed: Any, recorded: Any) -> bool:
    if typed is None or recorded is None:
        return typed is None and recorded is None
    if isinstance(typed, bool) or isinstance(recorded, bool):
        return typed is recorded
    return typed == recorded


def block_lines(protocol: Protocol, blocks: list[Block]) -> list[str]:
    """What holds the dose, compactly: each blocking answer or reading on its own line, what
    is simply not done yet on one line."""
    lines = [f"HOLDS THE DOSE  {block.message}" for block in blocks if block.kind != "missing"]
    missing = [block for block in blocks if block.kind == "missing"]
    baseline = [b.id for b in missing if b.id in protocol.baseline_measures]
    answers = [b for b in missing if b.id not in protocol.baseline_measures]
    todo = []
    if answers:
        todo.append(f"{len(answers)} checklist answer{'s' if len(answers) > 1 else ''}")
    if baseline:
        todo.append("baseline " + ", ".join(measure_name(protocol, m) for m in baseline))
    if todo:
        lines.append("NOT DONE YET  " + " · ".join(todo))
    lines.append("^g: decide (override each with a reason, or no-go)")
    return lines


class PreSessionScreen(StageScreen):
    """The checklist, the baseline and what holds the dose; then go or no-go."""

    DEFAULT_CSS = (
        FORM_CSS.replace("FormModal", "PreSessionScreen")
        + """
    PreSessionScreen #pre { height: 1fr; padding: 0 1; }
    PreSessionScreen #pre-status { height: auto; max-height: 50%; padding: 0 1; }
    PreSessionScreen .section { text-style: bold; color: $primary; padding: 1 0 0 0; }
    PreSessionScreen #unsaved { color: $warning; }
    PreSessionScreen #baseline { color: $text; }
    PreSessionScreen #blocks { color: $warning; }
    PreSessionScreen #blocks.-clear { color: $success; }
    """
    )

    BINDINGS = [
        Binding("ctrl+s", "save_answers", "Save answers", key_display="^s", priority=True),
        Binding("ctrl+b", "baseline", "Baseline", key_display="^b"),
        Binding("ctrl+g", "decide", "Go / no-go", key_display="^g"),
    ]

    def compose_body(self) -> ComposeResult:
        session = self.session
        state = session.state
        with VerticalScroll(id="pre"):
            yield Static("Pre-session checks", classes="section")
            for item in session.protocol.checklist:
                answer = state.checklist.get(item.id)
                yield checklist_field(item, answer.answer if answer is not None else None)
            yield Static("", id="form-problem")
            yield Static("", id="unsaved")
        # Outside the scrolling checklist: what holds the dose is always in sight.
        with Vertical(id="pre-status"):
            yield Static("Baseline", classes="section")
            yield Static("", id="baseline")
            yield Static("Before the dose", classes="section")
            yield Static("", id="blocks")

    def on_mount(self) -> None:
        self.show_state()
        fields = fields_of(self)
        if fields:
            fields[0].focus_control()

    # What this screen shows from the record (answers, baseline, the go decision's
    # overrides): an entry that changes none of it (a note, say) leaves the screen as it is.
    _shown_record: tuple[Any, ...] | None = None

    def shown_record(self) -> tuple[Any, ...]:
        state = self.session.state
        return (state.checklist, state.baseline, state.go_decision)

    def on_session_changed(self, message: SessionChanged) -> None:
        if not self.composed:
            return
        if message.reason == "event" and self.shown_record() == self._shown_record:
            return
        # Answers recorded elsewhere (a resume, another form) show in fields not being edited.
        state = self.session.state
        for field in fields_of(self):
            recorded = state.checklist.get(field.field_id)
            if recorded is not None and not field.dirty:
                field.reset(recorded.answer)
        self.show_state()

    # What the record says -----------------------------------------------------------------
    def unsaved_fields(self) -> list[FormField]:
        """Fields whose typed answer differs from the answer on record."""
        state = self.session.state
        changed = []
        for field in fields_of(self):
            recorded = state.checklist.get(field.field_id)
            raw = field.raw()
            typed = None
            if not (
                raw is None or raw is Select.NULL or (isinstance(raw, str) and not raw.strip())
            ):
                try:
                    typed = field.parse(raw)
                except FieldProblem:
                    changed.append(field)
                    continue
            if not same_answer(typed, recorded.answer if recorded is not None else None):
                changed.append(field)
        return changed

    def show_state(self) -> None:
        session = self.session
        state = session.state
        self._shown_record = self.shown_record()
        baseline = self.query_one("#baseline", Static)
        if state.baseline:
            values = {key: reading.value for key, reading in state.baseline.items()}
            taken = max(
                (r.observed_at for r in state.baseline.values() if r.observed_at), default=None
            )
            at = f" at {local_time(taken)}" if taken else ""
            baseline.update(f"Taken{at}: {format_values(session.protocol, values)}   (^b retake)")
        else:
            baseline.update("Not taken yet: ^b opens the baseline form")
        blocks = session.dosing_blocks()
        panel = self.query_one("#blocks", Static)
        if blocks:
            panel.update("\n".join(block_lines(session.protocol, blocks)))
            panel.remove_class("-clear")
        else:
            panel.update("Nothing holds the dose. ^g: go / no-go decision")
            panel.add_class("-clear")
        self.show_unsaved()

    def show_unsaved(self) -> None:
        count = len(self.unsaved_fields())
        line = self.query_one("#unsaved", Static)
        line.update(
            ""
            if count == 0
            else f"{count} answer{'s' if count > 1 else ''} not saved yet: ^s saves"
        )

    def on_input_changed(self, event: Input.Changed) -> None:
        self.show_unsaved()

    def on_select_changed(self, event: Any) -> None:
        self.show_unsaved()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_save_answers()

    # Saving -------------------------------------------------------------------------------
    def save_answers(self) -> bool:
        """Commit each changed answer as its own entry; False if any problem stopped it."""
        changed = self.unsaved_fields()
        values, problems = read_fields(changed)
        times = {item.id for item in self.session.protocol.checklist if item.kind == "time"}
        for field in changed:
            if field.field_id in times and values.get(field.field_id):
                if not TIME_OF_DAY.match(str(values[field.field_id])):
                    problem = field.problem("type a time as hh:mm, e.g. 07:30")
                    field.show_error(problem.message)
                    problems.append(problem)
        if problems:
            self.show_problems(problems)
            return False
        self.clear_form_problem()
        saved = 0
        for field in changed:
            event = self.build(
                ev.CheckAnswered, item_id=field.field_id, answer=values[field.field_id]
            )
            if event is None or self.commit_event(event) is None:
                return False
            saved += 1
        if saved:
            self.app.confirm_saved(f"{saved} answer{'s' if saved > 1 else ''} saved")
        self.show_state()
        return True

    @after_typing
    def action_save_answers(self) -> None:
        self.save_answers()

    def action_baseline(self) -> None:
        self.app.push_screen(RoundScreen(ev.BASELINE_ROUND))

    def action_decide(self) -> None:
        if self.unsaved_fields() and not self.save_answers():
            return
        self.app.push_screen(GoDecisionScreen())


class GoDecisionScreen(FormModal):
    """Go or no-go, with the reason and who decided; overrides name each block cleared."""

    TITLE_TEXT = "Go / no-go decision"
    SUBMIT_LABEL = "Record decision"

    def blocks(self) -> list[Block]:
        return list(self.session.dosing_blocks())

    def form_subtitle(self) -> str:
        blocks = self.blocks()
        if not blocks:
            return "Nothing holds the dose."
        return (
            f"{len(blocks)} thing{'s' if len(blocks) > 1 else ''} hold the dose: "
            "a go must override each (space ticks it) with a reason"
        )

    def compose_form(self) -> ComposeResult:
        session = self.session
        yield ChoiceField(
            "decision",
            "Decision",
            [("Go", "go"), ("No-go", "no_go")],
            prompt="go / no-go",
            required=True,
        )
        yield LongTextField("reason", "Reason", max_length=20_000)
        yield TextField("decided_by", "Decided by", session.facilitator or "", required=True)
        blocks = self.blocks()
        if blocks:
            yield MultiChoiceField(
                "overrides", "Override", [(block.message, block.id) for block in blocks]
            )

    def submit(self) -> None:
        values, problems = read_fields(self.fields())
        if problems:
            self.show_problems(problems)
            return
        decision = values["decision"]
        event = self.build(
            ev.GoDecision,
            decision=decision,
            reason=values.get("reason") or "",
            decided_by=values["decided_by"],
            overrides=(values.get("overrides") or []) if decision == "go" else [],
        )
        if event is None:
            return
        if decision == "no_go":
            self.app.push_screen(
                ConfirmScreen(
                    "No-go: record the decision, close the session and write its record?",
                    yes="Close as no-go",
                    no="Back",
                ),
                lambda sure: self.record_no_go(event) if sure else None,
            )
            return
        committed = self.commit_event(event)
        if committed is not None:
            self.app.confirm_saved("Go: recorded")
            self.dismiss(committed)

    def record_no_go(self, event: Any) -> None:
        from kap_console.tui.screens.close import close_session

        committed = self.commit_event(event)
        if committed is None:
            return
        self.app.confirm_saved("No-go: recorded")
        self.dismiss(committed)
        close_session(self.app, "no_go")
