"""The fields of the esketamine REMS patient-monitoring form, filled from the record.

This is not the official form: it gathers what the record says for each of the form's
questions, so that whoever files the form copies facts instead of remembering them. Findings
(sedation, dissociation, breathing) are given as what was observed; the yes/no answers stay
with the clinician. Every field the record cannot fill is listed by name at the end.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from kap_console.integration.vitals import effective_observations
from kap_console.session import RecordObservation, SessionRecord

from .common import ExportInput, at, clock, minutes_between, number, when, words

SEDATING_CHECKS = (
    "benzodiazepines",
    "non_benzo_hypnotics",
    "psychostimulants",
    "maois",
    "opioids",
    "sedating_medicines",
)
PEAK_MINUTES, PEAK_WINDOW = 40, 10
NAMES = {"spo2": "SpO2", "rr": "respiratory rate"}
WIDTH = 38


class Form:
    def __init__(self) -> None:
        self.lines: list[str] = []
        self.missing: list[str] = []

    def heading(self, text: str) -> None:
        self.lines += ["", text, "-" * len(text)]

    def field(self, label: str, value: str | None) -> None:
        if value is None or value == "":
            self.missing.append(label)
            value = "(not in the record)"
        first, *rest = value.split("\n")
        self.lines.append(f"{label + ' ':.<{WIDTH}} {first}")
        self.lines += [" " * (WIDTH + 1) + line for line in rest]


def render(data: ExportInput) -> str:
    record = data.record
    s = record.session
    rounds = [o for o in effective_observations(record)]
    after = [o for o in rounds if s.dosed_at is not None and o.observed_at >= s.dosed_at]
    form = Form()
    head = []
    if data.banner:
        head += [data.banner, ""]
    head += [
        "Esketamine REMS patient monitoring form: the answers in this session record",
        "(Not the official form. Copy these into it; the yes/no answers are the clinician's.)",
    ]
    form.heading("Patient and treatment")
    form.field("Patient (pseudonymous code)", s.client_code)
    form.field("Session number", str(s.session_number))
    form.field("Treatment date", s.dosed_at.strftime("%Y-%m-%d") if s.dosed_at else None)
    form.field("Drug", ", ".join(sorted({d.drug for d in record.doses if not d.voided})) or None)
    _dose(form, record)
    _medicines(form, data)

    form.heading("Blood pressure")
    before = [o for o in rounds if s.dosed_at is not None and o.observed_at < s.dosed_at]
    form.field("BP before dosing", _bp(record, _last_bp(before)))
    form.field(f"BP at about {PEAK_MINUTES} minutes", _bp(record, _peak_bp(record, after)))
    end = record.discharge.discharged_at or s.closed_at
    last = _last_bp([o for o in after if end is None or o.observed_at <= end])
    form.field("BP before discharge", _bp(record, last))

    form.heading("Findings during monitoring")
    form.field("Sedation (observed)", _sedation(record, after, data))
    form.field("Dissociation (observed)", _dissociation(record, after))
    form.field("Respiratory findings", _breathing(record, after, data))

    form.heading("Discharge")
    total = minutes_between(s.dosed_at, end)
    form.field(
        "Total monitoring time",
        f"{total} minutes (first dose {clock(s.dosed_at)} to {clock(end)})"
        if total is not None and s.dosed_at and end
        else None,
    )
    ready = record.discharge.ready_to_leave_at
    form.field(
        "When the client was ready to leave",
        f"{minutes_between(s.dosed_at, ready)} minutes after the first dose ({when(ready)})"
        if ready is not None and s.dosed_at is not None
        else None,
    )
    form.field(
        "Discharged",
        f"{when(record.discharge.discharged_at)} by {record.discharge.discharged_by}"
        if record.discharge.discharged_at
        else None,
    )
    _serious(form, record)
    tail = ["", "Not in the record (answer these from other sources):"]
    tail += (
        [f"- {name}" for name in form.missing]
        if form.missing
        else ["- nothing: every field is filled"]
    )
    return "\n".join([*head, *form.lines, *tail]) + "\n"


def _dose(form: Form, record: SessionRecord) -> None:
    doses = [d for d in record.doses if not d.voided]
    if not doses:
        form.field("Dose", None)
        form.field("Lot number", None)
        return
    total = sum(d.dose_mg for d in doses)
    devices = [d for d in doses if d.kind == "device"]
    lines = [f"{total:g} mg in total"]
    if devices:
        lines[0] += f", {len(devices)} device(s)"
    for dose in doses:
        name = (
            f"device {dose.device_number}" if dose.device_number is not None else words(dose.kind)
        )
        lines.append(f"{name}: {dose.dose_mg:g} mg {dose.route} at {at(record, dose.observed_at)}")
    form.field("Dose and devices", "\n".join(lines))
    lots = sorted({d.lot for d in doses if d.lot})
    form.field("Lot number", ", ".join(lots) or None)


def _medicines(form: Form, data: ExportInput) -> None:
    answers = {c.item_id: c for c in data.record.pre_session.checks if not c.voided}
    found = [answers[i] for i in SEDATING_CHECKS if i in answers]
    if not found:
        form.field("Sedating or BP-raising medicines", None)
        return
    lines = []
    for check in found:
        prompt = check.prompt or _check_prompt(data, check.item_id) or words(check.item_id)
        answer = "not answered" if check.answer is None else number(check.answer)
        lines.append(f"{prompt}: {answer}" + (f" ({check.note})" if check.note else ""))
    form.field("Sedating or BP-raising medicines", "\n".join(lines))


def _check_prompt(data: ExportInput, item_id: str) -> str | None:
    if data.protocol is None:
        return None
    return next((c.prompt for c in data.protocol.checklist if c.id == item_id), None)


def _has_bp(observation: RecordObservation) -> bool:
    return "sbp" in observation.values and "dbp" in observation.values


def _last_bp(rounds: list[RecordObservation]) -> RecordObservation | None:
    with_bp = [o for o in rounds if _has_bp(o)]
    return with_bp[-1] if with_bp else None


def _peak_bp(record: SessionRecord, rounds: list[RecordObservation]) -> RecordObservation | None:
    t0 = record.session.dosed_at
    if t0 is None:
        return None
    near = [
        o
        for o in rounds
        if _has_bp(o) and abs(_minutes(t0, o.observed_at) - PEAK_MINUTES) <= PEAK_WINDOW
    ]
    return min(near, key=lambda o: abs(_minutes(t0, o.observed_at) - PEAK_MINUTES), default=None)


def _minutes(t0: datetime, moment: datetime) -> float:
    return (moment - t0).total_seconds() / 60


def _bp(record: SessionRecord, observation: RecordObservation | None) -> str | None:
    if observation is None:
        return None
    v = observation.values
    return f"{number(v['sbp'])}/{number(v['dbp'])} mmHg at {at(record, observation.observed_at)}"


def _lowest(
    record: SessionRecord, rounds: list[RecordObservation], measure_id: str, lowest: bool = True
) -> tuple[Any, RecordObservation] | None:
    found = [
        (o.values[measure_id], o)
        for o in rounds
        if isinstance(o.values.get(measure_id), int | float)
        and not isinstance(o.values.get(measure_id), bool)
    ]
    if not found:
        return None
    value, observation = (min if lowest else max)(
        found, key=lambda pair: (pair[0], pair[1].observed_at)
    )
    return value, observation


def _events(record: SessionRecord, ids: tuple[str, ...]) -> list[str]:
    return [e.term for e in record.adverse_events if not e.voided and e.term_id in ids]


def _sedation(
    record: SessionRecord, rounds: list[RecordObservation], data: ExportInput
) -> str | None:
    found = _lowest(record, rounds, "moaas")
    if found is None:
        return None
    value, observation = found
    below = sum(
        1 for o in rounds if isinstance(moaas := o.values.get("moaas"), int | float) and moaas < 5
    )
    text = f"MOAA/S lowest {number(value)} at {at(record, observation.observed_at)}; below 5 in {below} round(s)"
    logged = _events(record, ("sedation",))
    return text + f"\nadverse event logged: {', '.join(logged) if logged else 'none'}"


def _dissociation(record: SessionRecord, rounds: list[RecordObservation]) -> str | None:
    found = _lowest(record, rounds, "dissociation", lowest=False)
    if found is None:
        return None
    value, observation = found
    above = sum(
        1
        for o in rounds
        if isinstance(level := o.values.get("dissociation"), int | float) and level > 0
    )
    text = f"observer rating highest {number(value)} of 4 at {at(record, observation.observed_at)}; above 0 in {above} round(s)"
    logged = _events(record, ("dissociation", "dissociation_distress"))
    return text + f"\nadverse event logged: {', '.join(logged) if logged else 'none'}"


def _breathing(
    record: SessionRecord, rounds: list[RecordObservation], data: ExportInput
) -> str | None:
    parts = []
    for measure_id, unit in (("spo2", "%"), ("rr", "/min")):
        found = _lowest(record, rounds, measure_id)
        if found is not None:
            value, observation = found
            parts.append(
                f"lowest {NAMES[measure_id]} {number(value)} {unit} at {at(record, observation.observed_at)}"
            )
    if not parts:
        return None
    logged = _events(record, ("respiratory_depression",))
    parts.append(f"adverse event logged: {', '.join(logged) if logged else 'none'}")
    assessments = [a for a in record.discharge.assessments if not a.voided]
    if assessments and "no_respiratory_depression" in assessments[-1].checks:
        confirmed = assessments[-1].checks["no_respiratory_depression"]
        parts.append(
            f"discharge check 'no respiratory depression': {'confirmed' if confirmed else 'NOT confirmed'}"
        )
    return "\n".join(parts)


def _serious(form: Form, record: SessionRecord) -> None:
    serious = [e for e in record.adverse_events if not e.voided and e.current.serious]
    if not serious:
        form.field("Serious adverse events", "none logged")
        return
    lines = []
    for event in serious:
        c = event.current
        lines.append(
            f"{event.term}: onset {at(record, event.onset_at)}, "
            f"{words(c.serious_criterion or 'criterion not given')}, severity {c.severity}, "
            f"outcome {words(c.outcome)}" + (f"; treatment: {c.treatment}" if c.treatment else "")
        )
    form.field("Serious adverse events", "\n".join(lines))
