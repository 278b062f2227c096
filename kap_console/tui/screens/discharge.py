"""Recovery and discharge: the protocol's checks and scores, the status, ready-to-leave, discharge.

Scale items are entered 0–2 each; totals are computed as they are typed by the core's own
scoring (`discharge.score`), and whether discharge is met is the core's verdict
(`session.discharge_status()`), shown criterion by criterion. The time the client was ready
to leave is recorded when it happens, with one key. Discharging when the criteria are not
met asks for the reason to override them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.widgets import Input, Static

from kap_console.protocol.crosscheck import SCALE_ITEMS
from kap_console.session import PADSS_OPTIONAL, SCALE_NAMES, local_time, score
from kap_console.session import events as ev
from kap_console.tui.keys import after_typing
from kap_console.tui.screens.form_modal import FORM_CSS, FormModal
from kap_console.tui.screens.stage_base import StageScreen
from kap_console.tui.widgets.fields import FlagField, NumberField, TextField, YesNoField
from kap_console.tui.widgets.fields_base import FormField
from kap_console.tui.widgets.forms import fields_of, read_fields
from kap_console.tui.widgets.header import next_round_words
from kap_console.tui.widgets.long_text import LongTextField
from kap_console.tui.widgets.redraw import update_if_changed

if TYPE_CHECKING:
    from datetime import datetime

    from kap_console.session import DischargeStatus, RoundSlots, Session
    from kap_console.tui.messages import SessionChanged


def escort_on_record(session: Session) -> str:
    """The escort named in the checklist, if the protocol asks for one there."""
    for item in session.protocol.checklist:
        if "escort" in item.id and item.kind == "text":
            answer = session.state.checklist.get(item.id)
            if answer is not None and isinstance(answer.answer, str):
                return answer.answer
    return ""


def item_field_id(scale: str, item: str) -> str:
    return f"{scale}-{item}"


def status_content(status: DischargeStatus, ready_at: datetime | None) -> Content:
    parts: list[Any] = []
    if status.met:
        parts.append(("DISCHARGE CRITERIA MET", "bold $success"))
    else:
        parts.append((f"NOT MET: {len(status.unmet)} to go", "bold $warning"))
    for criterion in status.criteria:
        mark, style = ("✓ ", "$success") if criterion.met else ("✗ ", "$warning")
        words = criterion.detail
        if criterion.name.lower() not in words.lower():
            words = f"{criterion.name}: {words}"
        parts += ["\n", (mark, style), (words, "$text" if criterion.met else style)]
    parts.append("\n")
    if ready_at is not None:
        parts.append((f"Ready to leave at {local_time(ready_at)}", "bold $success"))
    else:
        parts.append(("Ready to leave: not yet · ^l records it now", "$text-muted"))
    return Content.assemble(*parts)


class DischargeScreen(StageScreen):
    """Discharge assessment (checks, scores, escort), status, ready to leave, discharge."""

    DEFAULT_CSS = (
        FORM_CSS.replace("FormModal", "DischargeScreen")
        + """
    DischargeScreen #discharge { height: 1fr; }
    DischargeScreen #assessment { width: 40; padding: 0 1; }
    DischargeScreen #status-column { width: 1fr; padding: 0 1; border-left: vkey $panel; }
    DischargeScreen .section { text-style: bold; color: $primary; }
    DischargeScreen .total { color: $text; text-style: bold; padding: 0 0 1 0; }
    DischargeScreen .total.-short { color: $warning; }
    DischargeScreen #due, DischargeScreen #status { height: auto; }
    DischargeScreen FormField .field-label { width: 20; }
    DischargeScreen FormField .field-error { padding: 0 0 0 2; }
    """
    )

    BINDINGS = [
        Binding("ctrl+s", "assess", "Save assessment", key_display="^s", priority=True),
        Binding("ctrl+l", "ready", "Ready to leave", key_display="^l"),
        Binding("ctrl+d", "discharge", "Discharge", key_display="^d", priority=True),
    ]

    def compose_body(self) -> ComposeResult:
        session = self.session
        rules = session.protocol.discharge
        latest = session.state.latest_assessment
        last = latest.event if latest is not None else None
        with Horizontal(id="discharge"):
            with VerticalScroll(id="assessment"):
                yield Static("Discharge assessment", classes="section")
                for check in rules.checks:
                    done = bool(last and last.checks.get(check.id))
                    yield FlagField(f"check-{check.id}", check.prompt, done)
                for requirement in rules.scores:
                    scale = requirement.scale
                    yield Static(SCALE_NAMES[scale], classes="section")
                    items = last.scores.get(scale, {}) if last else {}
                    for item in SCALE_ITEMS[scale]:
                        yield NumberField(
                            item_field_id(scale, item),
                            item.replace("_", " "),
                            items.get(item),
                            minimum=0,
                            maximum=2,
                            # PADSS bleeding has no wound to assess in KAP: blank is "n/a".
                            required=not (scale == "padss" and item in PADSS_OPTIONAL),
                        )
                    yield Static("", id=f"total-{scale}", classes="total")
                yield FlagField(
                    "escort_present",
                    "Escort present" + (" (required)" if rules.escort_required else ""),
                    bool(last and last.escort_present),
                )
                yield TextField(
                    "escort_name",
                    "Escort name",
                    (last.escort_name if last else "") or escort_on_record(session),
                )
                yield LongTextField("note", "Note", max_length=20_000)
                yield Static("", id="form-problem")
            with VerticalScroll(id="status-column"):
                yield Static("", id="due")
                yield Static("", id="status")

    def on_mount(self) -> None:
        self.show()
        fields = fields_of(self)
        if fields:
            fields[0].focus_control()

    def on_session_changed(self, message: SessionChanged) -> None:
        if not self.composed:
            return
        self.show()

    def clock_tick(self, view: RoundSlots) -> None:
        self.show_status(view)

    def show(self) -> None:
        self.show_totals()
        self.show_status()

    def show_status(self, view: RoundSlots | None = None) -> None:
        session = self.session
        if view is None:
            view = session.round_slots()
        due = view.next_due
        style = "bold $warning" if due is not None and due.status in ("due", "late") else "$text"
        # Each tick recomputes these from the clock; only a change is redrawn (the status
        # may change its height, so it is laid out again when it does).
        update_if_changed(
            self.query_one("#due", Static),
            Content.assemble((next_round_words(view) + (" · o: record it" if due else ""), style)),
        )
        update_if_changed(
            self.query_one("#status", Static),
            status_content(session.discharge_status(), session.state.ready_to_leave_at),
            layout=True,
        )

    def typed_scores(self) -> dict[str, dict[str, int]]:
        """The items typed so far, as whole numbers 0–2 (others are left for the field check)."""
        scores: dict[str, dict[str, int]] = {}
        for requirement in self.session.protocol.discharge.scores:
            scale = requirement.scale
            items: dict[str, int] = {}
            for item in SCALE_ITEMS[scale]:
                raw = self.query_one(f"#field-{item_field_id(scale, item)}", NumberField).raw()
                if raw.strip() in ("0", "1", "2"):
                    items[item] = int(raw.strip())
            scores[scale] = items
        return scores

    def show_totals(self) -> None:
        """Each scale's total as typed, computed by the core's scoring."""
        rules = self.session.protocol.discharge
        typed = self.typed_scores()
        for requirement in rules.scores:
            result = score(requirement.scale, typed[requirement.scale])
            total = self.query_one(f"#total-{requirement.scale}", Static)
            if result.complete:
                enough = result.total >= requirement.at_least
                word = "" if enough else " — below"
                total.update(f"Total {result.total}/10 (needs {requirement.at_least}){word}")
                total.set_class(not enough, "-short")
            else:
                total.update(f"Total so far {result.total} · missing {', '.join(result.missing)}")
                total.add_class("-short")

    def on_input_changed(self, event: Input.Changed) -> None:
        self.show_totals()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_assess()

    # Actions -------------------------------------------------------------------------------
    @after_typing
    def action_assess(self) -> None:
        session = self.session
        rules = session.protocol.discharge
        fields: list[FormField] = fields_of(self)
        values, problems = read_fields(fields)
        if problems:
            self.show_problems(problems)
            return
        checks = {check.id: bool(values.get(f"check-{check.id}")) for check in rules.checks}
        scores = {
            requirement.scale: {
                item: int(values[item_field_id(requirement.scale, item)])
                for item in SCALE_ITEMS[requirement.scale]
                if values.get(item_field_id(requirement.scale, item)) is not None
            }
            for requirement in rules.scores
        }
        event = self.build(
            ev.DischargeAssessed,
            checks=checks,
            scores=scores,
            escort_present=bool(values.get("escort_present")),
            escort_name=values.get("escort_name") or "",
            note=values.get("note") or "",
        )
        if event is not None and self.commit_event(event) is not None:
            self.app.confirm_saved("Discharge assessment saved")

    def action_ready(self) -> None:
        if self.session.state.ready_to_leave_at is not None:
            self.notify(
                "Ready to leave is already recorded (correct it in the timeline)",
                severity="warning",
                timeout=4,
            )
            return
        committed = self.commit_event(ev.ReadyToLeave())
        if committed is not None:
            self.app.confirm_saved("Ready to leave: recorded now")

    @after_typing
    def action_discharge(self) -> None:
        self.app.push_screen(DischargeFormScreen())


class DischargeFormScreen(FormModal):
    """Discharge: who discharged, instructions given, and a reason when criteria are not met."""

    TITLE_TEXT = "Discharge"
    SUBMIT_LABEL = "Discharge"

    def form_subtitle(self) -> str:
        status = self.session.discharge_status()
        if status.met:
            return "Every discharge criterion is met."
        unmet = "; ".join(criterion.detail for criterion in status.unmet)
        return f"NOT MET: {unmet}. A reason to discharge anyway is required."

    def compose_form(self) -> ComposeResult:
        session = self.session
        status = session.discharge_status()
        yield TextField("discharged_by", "Discharged by", session.facilitator or "", required=True)
        # Asked, not ticked in advance: "given" is a fact only when the facilitator says so.
        yield YesNoField("instructions_given", "Discharge instructions given", None, required=True)
        if not status.met:
            yield LongTextField(
                "criteria_override_reason",
                "Reason to override",
                required=True,
                max_length=20_000,
            )

    def submit(self) -> None:
        values, problems = read_fields(self.fields())
        if problems:
            self.show_problems(problems)
            return
        event = self.build(
            ev.Discharged,
            discharged_by=values["discharged_by"],
            instructions_given=bool(values["instructions_given"]),
            criteria_override_reason=values.get("criteria_override_reason") or "",
        )
        if event is None:
            return
        committed = self.commit_event(event)
        if committed is not None:
            self.app.confirm_saved("Discharged")
            self.dismiss(committed)
