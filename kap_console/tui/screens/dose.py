"""The dose: drug fixed by the protocol, route, mg (and mg/kg from the weight), lot, who gave
and who checked. Confirming the first dose sets T0, from which the whole session counts.

Later doses (a booster inside the protocol's window, the next device of a multi-device
protocol) use the same fields in a form over the dashboard. Whether a dose is allowed (the
range, the cap, the window, the device count) is the core's rule; the form shows its answer
at the field it names.
"""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widget import Widget
from textual.widgets import Input, Select, Static

from kap_console.session import events as ev
from kap_console.session import format_span, next_dose
from kap_console.tui.keys import after_typing
from kap_console.tui.screens.form_modal import FORM_CSS, Committing, FormModal
from kap_console.tui.screens.stage_base import StageScreen
from kap_console.tui.widgets.dialogs import ConfirmScreen
from kap_console.tui.widgets.fields import ChoiceField, NumberField, TextField
from kap_console.tui.widgets.fields_base import FormField, format_number
from kap_console.tui.widgets.forms import fields_of, read_fields
from kap_console.tui.widgets.last_session import last_dose_reference
from kap_console.tui.widgets.long_text import LongTextField
from kap_console.tui.widgets.redraw import update_if_changed

DOSE_FIELDS = ("route", "dose_mg", "weight_kg", "lot", "given_by", "checked_by")


def dose_lines(event: Any) -> list[str]:
    """Every field of a dose, one per line, as the confirmation shows them."""
    weight = (
        f"{format_number(event.weight_kg)} kg ({event.mg_per_kg:.2f} mg/kg)"
        if event.weight_kg is not None and event.mg_per_kg is not None
        else "not given"
    )
    return [
        f"  Dose        {format_number(event.dose_mg)} mg {event.drug}",
        f"  Route       {event.route}",
        f"  Weight      {weight}",
        f"  Lot         {event.lot or '(none)'}",
        f"  Given by    {event.given_by}",
        f"  Checked by  {event.checked_by or '(nobody)'}",
    ]


class DoseEntry(Committing):
    """The dose fields and the event they make; shared by the dose screen and the dose form."""

    kind: str | None = None

    def compose_dose_fields(self) -> ComposeResult:
        session: Any = self.app.session  # type: ignore[attr-defined]
        protocol = session.protocol
        drug = protocol.drug
        devices = protocol.dosing.devices
        given = session.state.effective_doses
        last = given[-1].event if given else None
        yield Static(f"Drug: {drug.name} · {drug.form}", classes="drug", markup=False)
        routes = [(route, route) for route in drug.routes]
        yield ChoiceField(
            "route",
            "Route",
            routes,
            last.route if last else (drug.routes[0] if len(drug.routes) == 1 else None),
            required=True,
        )
        if self.kind == "device" and devices is not None:
            limits = (devices.mg_per_device, devices.mg_per_device)
            preset: float | None = devices.mg_per_device
        elif self.kind == "booster" and protocol.dosing.booster is not None:
            limits = (protocol.dosing.booster.dose_mg.min, protocol.dosing.booster.dose_mg.max)
            preset = None
        else:
            limits = (drug.dose_mg.min, drug.dose_mg.max)
            preset = None
        yield NumberField(
            "dose_mg",
            "Dose",
            preset,
            minimum=limits[0],
            maximum=limits[1],
            decimals=1,
            unit="mg",
            required=True,
        )
        yield NumberField(
            "weight_kg",
            "Weight used",
            session.weight_on_record(),
            minimum=1,
            maximum=400,
            decimals=1,
            unit="kg",
            required=drug.dose_mg_per_kg is not None and self.kind == "initial",
            hint="",
        )
        yield TextField("lot", "Lot number", last.lot if last else "", max_length=200)
        yield TextField(
            "given_by", "Given by", last.given_by if last else "", required=True, max_length=200
        )
        yield TextField(
            "checked_by",
            "Checked by",
            last.checked_by if last else (session.facilitator or ""),
            max_length=200,
        )

    def focus_first_empty(self) -> None:
        """Open on the first field still to fill (Weight for a fixed-dose device, Dose for
        a dose by weight), or on the first field when all are filled."""
        fields = self.dose_fields()
        empty = [
            field for field in fields if field.raw() in (None, "") or field.raw() is Select.NULL
        ]
        target = empty[0] if empty else (fields[0] if fields else None)
        if target is not None:
            target.focus_control()

    def dose_fields(self) -> list[FormField]:
        return [field for field in fields_of(self) if field.field_id in DOSE_FIELDS]  # type: ignore[arg-type]

    def show_mg_per_kg(self) -> None:
        """mg/kg, computed from what is typed (a display; the core checks the dose)."""
        screen: Widget = self  # type: ignore[assignment]
        weight_field = screen.query_one("#field-weight_kg", NumberField)
        dose_field = screen.query_one("#field-dose_mg", NumberField)
        allowed = self.session.protocol.drug.dose_mg_per_kg  # type: ignore[attr-defined]
        try:
            dose = float(dose_field.raw().replace(",", "."))
            weight = float(weight_field.raw().replace(",", "."))
            per_kg = f"= {dose / weight:.2f} mg/kg" if weight > 0 else ""
        except ValueError:
            per_kg = ""
        if per_kg and allowed is not None:
            per_kg += f" (allowed {format_number(allowed.min)}–{format_number(allowed.max)})"
        weight_field.set_hint(per_kg)

    def dose_event(self) -> Any:
        """The DoseGiven the fields describe, or None (problems shown at the fields)."""
        values, problems = read_fields(self.dose_fields())
        if problems:
            self.show_problems(problems)
            return None
        session: Any = self.app.session  # type: ignore[attr-defined]
        weight = values.get("weight_kg")
        devices = session.protocol.dosing.devices
        device_number = None
        if self.kind == "device" and devices is not None:
            device_number = 1 + sum(
                1 for dose in session.state.effective_doses if dose.event.kind == "device"
            )
        return self.build(
            ev.DoseGiven,
            kind=self.kind,
            drug=session.protocol.drug.name,
            route=values["route"],
            dose_mg=values["dose_mg"],
            weight_kg=weight,
            mg_per_kg=round(values["dose_mg"] / weight, 3) if weight else None,
            lot=values.get("lot") or "",
            given_by=values["given_by"],
            checked_by=values.get("checked_by") or "",
            device_number=device_number,
        )

    def confirm_dose(self, then: Any) -> None:
        """Ask before recording a dose (it cannot be unsaid, only corrected); `then(event)`."""
        event = self.dose_event()
        if event is None:
            return
        t0 = " This is T0: the session clock starts now." if self.kind in ("initial",) else ""
        if self.kind == "device" and event.device_number == 1:
            t0 = " This is T0: the session clock starts now."
        question = f"Record this dose, given now?{t0}\n" + "\n".join(dose_lines(event))
        self.app.push_screen(  # type: ignore[attr-defined]
            ConfirmScreen(question, yes="Record dose", no="Back"),
            lambda sure: then(event) if sure else None,
        )


class DoseScreen(DoseEntry, StageScreen):
    """The dosing stage: the first dose (or the first device)."""

    DEFAULT_CSS = (
        FORM_CSS.replace("FormModal", "DoseScreen")
        + """
    DoseScreen #dose { height: 1fr; padding: 0 1; }
    DoseScreen .section { text-style: bold; color: $primary; padding: 1 0 0 0; }
    DoseScreen .drug { color: $text; text-style: bold; }
    DoseScreen .hint { color: $text-muted; }
    """
    )

    BINDINGS = [
        Binding("ctrl+s", "give", "Record dose", key_display="^s", priority=True),
        Binding("ctrl+r", "intentions", "Intentions", key_display="^r"),
    ]

    def compose_body(self) -> ComposeResult:
        session: Any = self.app.session
        self.plan = next_dose(session.protocol, session.state)
        self.kind = self.plan.kind
        with VerticalScroll(id="dose"):
            yield Static("Dose", classes="section")
            yield Static(self.plan.sentence(session.clock.now()), id="form-subtitle")
            yield from last_dose_reference(self.app)
            yield from self.compose_dose_fields()
            yield Static("", id="form-problem")
            yield Static(
                "^s records the dose (you confirm first) · ^r intentions and consent",
                classes="hint",
            )

    def on_mount(self) -> None:
        self.show_mg_per_kg()
        self.focus_first_empty()

    def on_input_changed(self, event: Input.Changed) -> None:
        self.show_mg_per_kg()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_give()

    @after_typing
    def action_give(self) -> None:
        self.confirm_dose(self.record)

    def record(self, event: Any) -> None:
        committed = self.commit_event(event)
        if committed is not None:
            self.app.confirm_saved("Dose recorded: T0 set")

    def action_intentions(self) -> None:
        from kap_console.tui.screens.intentions import IntentionsScreen

        self.app.push_screen(IntentionsScreen(over_dosing=True))


class DoseFormScreen(DoseEntry, FormModal):
    """A later dose over the dashboard: the booster, or the next device."""

    SUBMIT_LABEL = "Record dose"

    def form_title(self) -> str:
        self.plan = next_dose(self.session.protocol, self.session.state)
        self.kind = self.plan.kind
        return {"booster": "Booster dose", "device": "Next device"}.get(self.kind or "", "Dose")

    def form_subtitle(self) -> str:
        return self.plan.sentence(self.session.clock.now())

    def tick(self) -> None:
        """The countdown runs live: the sentence is computed from the clock, each tick."""
        for subtitle in self.query("#form-subtitle").results(Static):
            update_if_changed(subtitle, self.form_subtitle())

    def compose_form(self) -> ComposeResult:
        if self.kind is None:
            return
        yield from self.compose_dose_fields()

    def on_mount(self) -> None:
        if self.kind is not None:
            self.show_mg_per_kg()
            self.focus_first_empty()

    def on_input_changed(self, event: Input.Changed) -> None:
        if self.kind is not None:
            self.show_mg_per_kg()

    def submit(self) -> None:
        if self.kind is None:
            self.dismiss(None)
            return
        wait = self.plan.wait(self.session.clock.now())
        if self.kind == "device" and wait is not None:
            self.ask_why_early(wait)
            return
        self.confirm_dose(self.record)

    early_reason: str = ""

    def ask_why_early(self, wait: Any) -> None:
        """A device before the protocol's interval: say how early, and go on only with a reason."""
        event = self.dose_event()
        if event is None:
            return
        interval = format_number(self.plan.interval_minutes or 0)
        question = (
            f"Device {self.plan.number} is {format_span(wait)} early: the protocol says "
            f"{interval} min apart. Why give it now?"
        )

        def answered(reason: str | None) -> None:
            if reason:
                self.early_reason = reason
                self.confirm_dose(self.record)

        self.app.push_screen(ReasonScreen("Early device", question), answered)

    def record(self, event: Any) -> None:
        if self.early_reason:
            wait = self.plan.wait(self.session.clock.now())
            early = f"{format_span(wait)} early" if wait is not None else "early"
            note = ev.NoteAdded(
                text=f"Device {self.plan.number} given {early} (protocol: "
                f"{format_number(self.plan.interval_minutes or 0)} min apart): {self.early_reason}"
            )
            if self.commit_event(note) is None:
                return
            self.early_reason = ""
        committed = self.commit_event(event)
        if committed is not None:
            self.app.confirm_saved("Dose recorded")
            self.dismiss(committed)


class ReasonScreen(FormModal):
    """A question that needs a reason to go ahead (esc goes back without one)."""

    SUBMIT_LABEL = "Go ahead"

    def __init__(self, title: str, question: str) -> None:
        super().__init__()
        self.title_text = title
        self.question = question

    def form_title(self) -> str:
        return self.title_text

    def form_subtitle(self) -> str:
        return self.question

    def compose_form(self) -> ComposeResult:
        yield LongTextField("reason", "Reason", required=True)

    def submit(self) -> None:
        values, problems = read_fields(self.fields())
        if problems:
            self.show_problems(problems)
            return
        self.dismiss(values["reason"])
