"""An observation round (or the baseline): the protocol's measures for it, typed in one go.

Fields come from the protocol: numbers range-checked against the measure's entry range,
scales as their levels with labels, yes/no, text. Blank means "not taken". "Observed at"
takes "now", "-3m" or "14:05" for a late entry, so the record keeps when it was measured
apart from when it was typed. After saving, any alert the readings tripped is shown with
the protocol's response steps before the form closes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Button, Static

from kap_console.session import RoundToOpen, format_span, local_time, shorten
from kap_console.session import events as ev
from kap_console.tui.screens.form_modal import FormModal
from kap_console.tui.widgets.alert_card import AlertCard
from kap_console.tui.widgets.fields_base import FormField, format_number
from kap_console.tui.widgets.forms import fields_of, measure_field, read_fields
from kap_console.tui.widgets.long_text import LongTextField
from kap_console.tui.widgets.when_field import WhenField

if TYPE_CHECKING:
    from kap_console.session import Committed

BASELINE = ev.BASELINE_ROUND


def round_words(choice: RoundToOpen) -> str:
    """What the form says about the round the engine chose to open."""
    if choice.reason == "baseline":
        return "Baseline, before the dose"
    slot = choice.slot
    if slot is None:
        return "an extra reading"
    if choice.reason == "late" and slot.late_by is not None:
        return f"{slot.when} · LATE by {format_span(slot.late_by)}"
    if choice.reason == "due":
        return f"{slot.when} · due now"
    if choice.countdown is not None:
        return f"{slot.when} · EARLY: due in {format_span(choice.countdown)}"
    return slot.when


def earlier_hint(measure: Any, last: Any) -> str:
    """`last: 88 at 10:20` for a measure's earlier reading ("" when there is none)."""
    if last is None:
        return ""
    value = last.value
    if isinstance(value, bool):
        shown = "yes" if value else "no"
    elif isinstance(value, (int, float)):
        shown = format_number(float(value), measure.decimals)
    else:
        shown = shorten(str(value), 20)
    return f"last: {shown} at {local_time(last.observed_at)}"


class RoundScreen(FormModal):
    """Record one observation round. `round_id=None` opens the round that is due."""

    SUBMIT_LABEL = "Save round"

    def __init__(self, round_id: str | None = None, due_minutes: int | None = None) -> None:
        super().__init__()
        self.round_id = round_id
        self.due_minutes = due_minutes
        self.when_text = ""
        self.committed: Committed | None = None
        self.not_taken_reason: str | None = None

    # What this form asks -----------------------------------------------------------------
    def _resolve(self) -> None:
        if self.round_id is None:
            choice = self.session.round_to_open()
            self.round_id, self.due_minutes = choice.round_id, choice.due_minutes
            self.when_text = round_words(choice)
        elif self.round_id == BASELINE:
            self.when_text = "before the dose"
        elif self.due_minutes is not None:
            self.when_text = f"T+{self.due_minutes}"

    def round_label(self) -> str:
        if self.round_id == BASELINE:
            return "Baseline"
        try:
            return self.session.protocol.round(self.round_id or "").label
        except KeyError:
            return self.round_id or "Round"

    def measure_ids(self) -> list[str]:
        protocol = self.session.protocol
        if self.round_id == BASELINE:
            return list(protocol.baseline_measures)
        try:
            return list(protocol.round(self.round_id or "").measures)
        except KeyError:
            return []

    def form_title(self) -> str:
        self._resolve()
        return self.round_label()

    def form_subtitle(self) -> str:
        parts = [self.when_text] if self.when_text else []
        parts.append("blank = not taken · enter saves")
        return " · ".join(parts)

    def compose_form(self) -> ComposeResult:
        protocol = self.session.protocol
        state = self.session.state
        measures = [protocol.measure(measure_id) for measure_id in self.measure_ids()]
        for measure in measures:
            # A value from an earlier round is a hint in the empty field, never a reading:
            # a bare save must not record it again as if it had been measured now.
            last = state.last_values.get(measure.id) if measure.prefill else None
            yield measure_field(measure, earlier=earlier_hint(measure, last))
        started = state.started.observed_at if state.started is not None else None
        yield WhenField("observed_at", "Observed at", self.session.clock.now, not_before=started)
        if not any(measure.kind == "text" for measure in measures):
            yield LongTextField("note", "Round note", max_length=2000)

    # Saving -------------------------------------------------------------------------------
    def measure_fields(self) -> list[FormField]:
        ids = set(self.measure_ids())
        return [field for field in fields_of(self) if field.field_id in ids]

    def submit(self) -> None:
        if self.committed is not None:
            self.action_close_saved()
            return
        measure_fields = self.measure_fields()
        values, problems = read_fields(measure_fields)
        when_field = self.query_one(WhenField)
        note_field = self.query_one_optional("#field-note", LongTextField)
        extra, more = read_fields([when_field, *([note_field] if note_field else [])])
        problems += more
        if problems:
            self.show_problems(problems)
            return
        readings = {key: value for key, value in values.items() if value not in (None, "")}
        note = extra.get("note") or ""
        if not readings and not note:
            self.show_form_problem("Enter at least one reading (or a note): every field is blank")
            if measure_fields:
                measure_fields[0].focus_control()
            return
        blank = [field.label for field in measure_fields if field.field_id not in readings]
        if blank and readings and self.not_taken_reason is None:
            self.ask_why_not_taken(blank)
            return
        if blank and self.not_taken_reason:
            why = f"Not taken ({', '.join(blank)}): {self.not_taken_reason}"
            note = f"{note}\n{why}" if note else why
        event = self.build(
            ev.ObservationRecorded,
            round_id=self.round_id,
            due_minutes=self.due_minutes,
            values=readings,
            note=note,
            observed_at=None if when_field.is_now() else extra["observed_at"],
        )
        if event is None:
            return
        committed = self.commit_event(event)
        if committed is None:
            return
        self.committed = committed
        self.app.confirm_saved(f"{self.round_label()} saved")
        if committed.alerts:
            self.show_saved_alerts(committed.alerts)
            return
        self.dismiss(committed)

    def ask_why_not_taken(self, labels: list[str]) -> None:
        """A round saved with blank measures says which were not taken, and why."""

        def answered(reason: str | None) -> None:
            if reason:
                self.not_taken_reason = reason
                self.submit()

        self.app.push_screen(NotTakenScreen(labels), answered)

    def show_saved_alerts(self, alerts: list[tuple[int, ev.AlertRaised]]) -> None:
        """Swap the fields for what the readings tripped, with the protocol's steps."""
        self.query_one("#form").display = False
        self.query_one("#form-title", Static).update(f"{self.round_label()} saved: alert")
        count = len(alerts)
        lines = "1 alert" if count == 1 else f"{count} alerts"
        self.query_one("#form-subtitle", Static).update(
            f"{lines} raised · k: acknowledge · enter: close"
        )
        panel = Vertical(*(AlertCard(alert) for _, alert in alerts), id="saved-alerts")
        self.query_one("#modal-body").mount(panel, before=self.query_one("#form-foot"))
        buttons = self.query_one("#form-buttons")
        buttons.remove_children()
        close = Button("Close (enter)", id="close-saved", variant="primary", compact=True)
        buttons.mount(close)
        close.focus()

    @on(Button.Pressed, "#close-saved")
    def close_saved_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_close_saved()

    def action_close_saved(self) -> None:
        if self.committed is not None:
            self.dismiss(self.committed)

    def action_cancel(self) -> None:
        if self.committed is not None:
            self.dismiss(self.committed)
            return
        super().action_cancel()


class NotTakenScreen(FormModal):
    """Which measures of a round were not taken, and why: the reason goes in the round's note."""

    TITLE_TEXT = "Not taken"
    SUBMIT_LABEL = "Save round"

    def __init__(self, labels: list[str]) -> None:
        super().__init__()
        self.labels = labels

    def form_subtitle(self) -> str:
        return f"Not taken: {', '.join(self.labels)} · esc goes back to the round"

    def compose_form(self) -> ComposeResult:
        yield LongTextField(
            "reason", "Why not taken", required=True, placeholder="e.g. asleep, cuff refused"
        )

    def submit(self) -> None:
        values, problems = read_fields(self.fields())
        if problems:
            self.show_problems(problems)
            return
        self.dismiss(values["reason"])
