"""The dashboard during monitoring: what is due, what is wrong, what was seen, at a glance.

Left: every round slot with its status in words (and colour). Right: the call to action for
the due round, any pending dosing step with its countdown, open alerts with the protocol's
first response steps, the last value of each measure, and the latest timeline lines. Every
word comes from the session's views (schedule, open alerts, state); the one-second tick
only redraws them from the clock.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import Static

from kap_console.session import RECOVERY_PHASE, format_span, format_values, shorten
from kap_console.session import events as ev
from kap_console.tui.item_words import item_text

if TYPE_CHECKING:
    from kap_console.session import Alert, RoundSlot, RoundSlots, Session
    from kap_console.tui.messages import SessionChanged
from kap_console.tui.screens.form_modal import FormModal
from kap_console.tui.screens.stage_base import StageScreen
from kap_console.tui.widgets.alert_card import LEVEL_WORDS
from kap_console.tui.widgets.dialogs import ConfirmScreen
from kap_console.tui.widgets.fields import ChoiceField
from kap_console.tui.widgets.forms import read_fields
from kap_console.tui.widgets.header import next_round_words
from kap_console.tui.widgets.redraw import redraw, update_if_changed
from kap_console.tui.widgets.when_field import WhenField

STATUS_WORDS = {
    "upcoming": ("upcoming", "$text-muted"),
    "due": ("DUE", "bold $warning"),
    "late": ("LATE", "bold reverse $warning"),
    "missed": ("MISSED", "bold $error"),
    "done": ("done", "$success"),
}


def slot_words(slot: RoundSlot) -> tuple[Any, ...]:
    """What `slot_line` says of `slot`: equal for two slots whose lines are the same."""
    late_by = slot.late_by if slot.status == "done" else None
    return (slot.status, slot.due_minutes, slot.label, late_by)  # the name is the label's


def slot_line(slot: RoundSlot) -> Content:
    word, style = STATUS_WORDS.get(slot.status, (slot.status, ""))
    when = "disch." if slot.due_minutes is None else f"T+{slot.due_minutes}"
    if slot.status == "done" and slot.late_by is not None:
        word = f"done {int(slot.late_by.total_seconds() // 60)}m late"
    name = shorten(slot.name, 16)
    return Content.assemble((f"{when:>6} ", "$text-muted"), f"{name:<17}", (word, style))


def step_text(session: Session) -> tuple[str, str]:
    """The pending dosing step in words, with its countdown from the clock; (text, style)."""
    found = session.current_step()
    if found is None:
        return "", ""
    step, status, at = found.step, found.status, found.marked_at
    if step.kind == "timed" and status == "started" and at is not None:
        left = at + timedelta(minutes=step.duration_minutes or 0) - session.clock.now()
        if left.total_seconds() > 0:
            return f"STEP  {step.label}: {format_span(left)} left · x: done", "bold $accent"
        return (
            f"STEP  {step.label}: time is up ({format_span(left)} ago) · x: done",
            "bold reverse $warning",
        )
    if step.kind == "timed":
        minutes = f"{step.duration_minutes:g} min"
        return f"STEP  {step.label} ({minutes}) · x: start the timer", "bold $accent"
    return f"STEP  {step.label} · x: done", "bold $accent"


def due_text(view: RoundSlots) -> tuple[str, str]:
    """The call to action for the next round; (text, style). The header above counts down
    to it (and says by how much it is late), so this line says which round and when it
    falls due, and does not run a second countdown on the same screen."""
    slot = view.next_due
    words = next_round_words(view)
    if slot is None:
        return words, "$text-muted"
    if slot.status == "late":
        return f"▶ {words} · o: record it now", "bold reverse $warning"
    if slot.status == "due":
        return f"▶ {words} · o: record it", "bold $warning"
    return words, "$text"


def alerts_text(alerts: list[Alert]) -> list[tuple[str, str]]:
    if not alerts:
        return [("No open alerts", "$success")]
    style = {"urgent": "bold reverse $error", "warning": "bold $warning"}
    lines: list[tuple[str, str]] = []
    count = len(alerts)
    lines.append((f"{count} OPEN ALERT{'S' if count > 1 else ''} · k: respond", "bold"))
    for alert in alerts[:2]:
        word = LEVEL_WORDS.get(alert.level, alert.level.upper())
        lines.append((f"{word} {alert.message}", style.get(alert.level, "$accent")))
        for number, step in enumerate(alert.event.response[:2], 1):
            lines.append((f"  {number}. {step}", "$text"))
    return lines


def last_values_text(session: Session) -> str:
    values = {key: reading.value for key, reading in session.state.last_values.items()}
    if not values:
        return "No readings yet"
    return format_values(session.protocol, values)


def recent_lines(session: Session, count: int = 4) -> list[tuple[str, str]]:
    items: list[Any] = []
    for item in reversed(session.state.timeline):  # from the end: the cost stays per entry
        if not item.voided:
            items.insert(0, item)
            if len(items) == count:
                break
    t0 = session.state.t0
    lines = []
    for item in items:
        at = item.at
        when = ""
        if at is not None and t0 is not None:
            minutes = int((at - t0).total_seconds() // 60)
            when = f"T{minutes:+d}"
        marks = (" late" if item.late else "") + (" amended" if item.amended else "")
        lines.append((f"{when:>5} {shorten(item_text(session, item), 64)}{marks}", "$text-muted"))
    return lines


def lines_content(lines: list[tuple[str, str]]) -> Content:
    parts: list[Any] = []
    for index, line in enumerate(lines):
        if index:
            parts.append("\n")
        parts.append(line)
    return Content.assemble(*parts)


CLOCKED = ("slots", "due", "step")  # the lines a tick recomputes


class MonitoringScreen(StageScreen):
    """The monitoring dashboard. Keys: o round, k alerts, p phase, x step, b dose, r recovery."""

    DEFAULT_CSS = """
    MonitoringScreen #dashboard { height: 1fr; }
    MonitoringScreen #rounds-column { width: 34; border-right: vkey $panel; padding: 0 1 0 0; }
    MonitoringScreen #rounds-title, MonitoringScreen .title { text-style: bold; color: $primary; }
    MonitoringScreen #rounds { height: 1fr; }
    MonitoringScreen #side { width: 1fr; padding: 0 0 0 1; }
    MonitoringScreen #due { height: auto; }
    MonitoringScreen #step { height: auto; }
    MonitoringScreen #alerts { height: auto; max-height: 7; }
    MonitoringScreen #recent, MonitoringScreen #last, MonitoringScreen #slots {
        height: auto; text-wrap: nowrap; text-overflow: ellipsis;
    }
    """

    BINDINGS = [
        Binding("p", "phase", "Phase", tooltip="Mark a phase (onset, peak, return) as seen"),
        Binding("x", "step", "Step", tooltip="Start or finish the pending dosing step"),
        Binding("b", "dose", "Dose", tooltip="Record the booster or the next device"),
        Binding("r", "recovery", "Recovery", tooltip="Start recovery (asks first)"),
        Binding("e", "end_early", "End early", tooltip="End the session early (asks why first)"),
    ]

    def compose_body(self) -> ComposeResult:
        with Horizontal(id="dashboard"):
            with Vertical(id="rounds-column"):
                yield Static("Rounds", id="rounds-title")
                with VerticalScroll(id="rounds"):
                    yield Static("", id="slots")
            with Vertical(id="side"):
                yield Static("", id="due")
                yield Static("", id="step")
                yield Static("", id="alerts")
                yield Static("Last values", classes="title")
                yield Static("", id="last")
                yield Static("Recent", classes="title")
                yield Static("", id="recent")

    def on_mount(self) -> None:
        self.show()

    def on_session_changed(self, message: SessionChanged) -> None:
        if not self.composed:
            return
        self.show()
        self.refresh_bindings()

    def clock_tick(self, view: RoundSlots) -> None:
        self.show_clocked(view)

    def show(self) -> None:
        session = self.session
        self.show_clocked()
        # Only what changed is redrawn, and laid out only if its height can change.
        redraw(
            self.query_one("#alerts", Static),
            lines_content(alerts_text(list(session.open_alerts()))),
        )
        redraw(self.query_one("#last", Static), Content(last_values_text(session)), wraps=False)
        redraw(self.query_one("#recent", Static), lines_content(recent_lines(session)), wraps=False)

    def show_clocked(self, view: RoundSlots | None = None) -> None:
        """The parts that change with the clock alone: slot statuses, countdowns. Each is
        recomputed from the clock (`view`: the round slots now, if already read) and
        redrawn only if it changed."""
        session = self.session
        if not hasattr(self, "_clocked"):
            self._clocked = {name: self.query_one(f"#{name}", Static) for name in CLOCKED}
            self._slots_said: tuple[Any, ...] | None = None
        if view is None:
            view = session.round_slots()
        # The slot lines change only with a slot's status (most ticks: none); built again
        # only then, not every second.
        said = tuple(slot_words(slot) for slot in view.slots)
        if said != self._slots_said:
            slots = [slot_line(slot) for slot in view.slots] or [Content("No rounds yet")]
            update_if_changed(self._clocked["slots"], Content("\n").join(slots))
            self._slots_said = said
        # Changes only with the next round's status (the header counts down): laid out then,
        # as the call to action may take a second line.
        redraw(self._clocked["due"], Content.assemble(due_text(view)))
        step = step_text(session)
        widget = self._clocked["step"]
        if widget.display != bool(step[0]):
            widget.display = bool(step[0])
        update_if_changed(widget, Content.assemble(step))

    # Actions -------------------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        session: Session | None = getattr(self.app, "session", None)
        if session is None:
            return True
        if action == "step":
            return session.current_step() is not None
        if action == "dose":
            from kap_console.session import next_dose

            return next_dose(session.protocol, session.state).kind is not None
        if action == "phase":
            return bool(session.protocol.phases)
        return True

    def action_phase(self) -> None:
        self.app.push_screen(PhaseScreen())

    def action_step(self) -> None:
        session = self.session
        found = session.current_step()
        if found is None:
            return
        step, status = found.step, found.status
        mark = "started" if step.kind == "timed" and status is None else "done"
        event = self.build(ev.StepMarked, step_id=step.id, status=mark)
        if event is not None and self.commit_event(event) is not None:
            self.app.confirm_saved(f"{step.label}: {mark}")

    def action_dose(self) -> None:
        from kap_console.tui.screens.dose import DoseFormScreen

        self.app.push_screen(DoseFormScreen())

    def action_recovery(self) -> None:
        def answered(sure: bool | None) -> None:
            if not sure:
                return
            event = self.build(ev.PhaseMarked, phase_id=RECOVERY_PHASE, label="Recovery")
            if event is not None and self.commit_event(event) is not None:
                self.app.confirm_saved("Recovery started")

        self.app.push_screen(
            ConfirmScreen(
                "Start recovery now? The discharge checks open and the before-discharge round falls due.",
                yes="Start recovery",
                no="Not yet",
            ),
            answered,
        )

    def action_end_early(self) -> None:
        from kap_console.tui.screens.close import CloseScreen
        from kap_console.tui.screens.end_early import EndEarlyScreen

        def answered(reason: str | None) -> None:
            if reason:
                self.app.push_screen(CloseScreen(reason=reason, over_session=True))

        self.app.push_screen(EndEarlyScreen(), answered)


class PhaseScreen(FormModal):
    """Mark a phase of the session (onset, peak, return…) as the facilitator sees it."""

    TITLE_TEXT = "Mark a phase"
    SUBMIT_LABEL = "Mark phase"

    def compose_form(self) -> ComposeResult:
        session = self.session
        marked = {entry.event.phase_id for entry in session.state.phases if not entry.voided}
        options = [
            (
                f"{phase.label} (expected T+{phase.expected_minutes}){' · marked' if phase.id in marked else ''}",
                phase.id,
            )
            for phase in session.protocol.phases
        ]
        first = next(
            (phase.id for phase in session.protocol.phases if phase.id not in marked), None
        )
        yield ChoiceField("phase_id", "Phase", options, first, required=True)
        yield WhenField("observed_at", "Seen at", session.clock.now, not_before=session.state.t0)

    def submit(self) -> None:
        values, problems = read_fields(self.fields())
        if problems:
            self.show_problems(problems)
            return
        session = self.session
        phase = next(p for p in session.protocol.phases if p.id == values["phase_id"])
        when = self.query_one(WhenField)
        event = self.build(
            ev.PhaseMarked,
            phase_id=phase.id,
            label=phase.label,
            observed_at=None if when.is_now() else values["observed_at"],
        )
        if event is None:
            return
        committed = self.commit_event(event)
        if committed is not None:
            self.app.confirm_saved(f"Phase marked: {phase.label}")
            self.dismiss(committed)
