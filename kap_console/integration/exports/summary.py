"""The integration summary's content, as plain sections the Markdown and HTML exports both render.

Order: verification first, then who and what, the client's intentions in their own words, the
timeline (notes and quotes for integration marked in words, never by colour alone), vitals,
adverse events (open ones first), alerts and how they were answered, discharge, reflections,
the follow-up plan and the corrections. Times are UTC with the minutes since the first dose.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from kap_console.integration.vitals import effective_observations
from kap_console.session import ProtocolInfo, RecordAdverseEvent, SessionRecord, fingerprint

from .common import ExportInput, at, clock, number, since, when, words

INTEGRATION_MARK = "[for integration]"
QUOTE_MARK = "[client quote]"
AMENDED_MARK = "*"
OPEN_OUTCOMES = ("recovering", "not_recovered", "unknown")


@dataclass(frozen=True)
class Paragraph:
    text: str


@dataclass(frozen=True)
class Items:
    items: list[str]


@dataclass(frozen=True)
class Table:
    header: list[str]
    rows: list[list[str]]
    note: str = ""


Block = Paragraph | Items | Table


@dataclass
class Section:
    title: str
    blocks: list[Block] = field(default_factory=list)


@dataclass(frozen=True)
class Summary:
    title: str
    sections: list[Section]


def is_open(event: RecordAdverseEvent) -> bool:
    return event.current.resolved_at is None and event.current.outcome in OPEN_OUTCOMES


def summary(data: ExportInput) -> Summary:
    record = data.record
    s = record.session
    title = f"Integration summary: session {s.session_number} of client {s.client_code}"
    if s.training:
        title += " (training, not a real session)"
    sections = [
        _verification(data),
        _session(data),
        _intentions(data),
        _timeline(data),
        _vitals(data),
        _adverse_events(record),
        _alerts(record),
        _discharge(data),
        _reflections(data),
        _follow_up(record),
        _corrections(record),
    ]
    return Summary(title, sections)


def _verification(data: ExportInput) -> Section:
    opened = data.opened
    count = data.record.integrity.event_count
    return Section(
        "Verification",
        [
            Paragraph(opened.verification.words),
            Paragraph(f"Record fingerprint {fingerprint(opened.sha256, count)}."),
        ],
    )


def _session(data: ExportInput) -> Section:
    record = data.record
    s, p = record.session, record.protocol
    items = [
        f"Facilitator: {s.facilitator}",
        f"Protocol: {p.id} {p.version}, {p.title}" + _approval(p),
        f"Started: {when(s.started_at)}",
        f"First dose (T0): {when(s.dosed_at)}",
        f"Closed: {when(s.closed_at)}" + (f" ({words(s.outcome)})" if s.outcome else ""),
    ]
    if s.close_note:
        items.append(f"Close note: {s.close_note}")
    decisions = [d for d in record.pre_session.decisions if not d.voided]
    if decisions:
        last = decisions[-1]
        items.append(f"Decision: {words(last.decision)} by {last.decided_by}: {last.reason}")
    for dose in record.doses:
        if dose.voided:
            continue
        detail = f"{dose.drug} {dose.dose_mg:g} mg {dose.route} ({words(dose.kind)}"
        if dose.device_number is not None:
            detail += f" {dose.device_number}"
        detail += ")"
        if dose.mg_per_kg is not None:
            detail += f", {dose.mg_per_kg:g} mg/kg"
        if dose.weight_kg is not None:
            detail += f" at {dose.weight_kg:g} kg"
        if dose.lot:
            detail += f", lot {dose.lot}"
        detail += f", given by {dose.given_by}"
        if dose.checked_by:
            detail += f", checked by {dose.checked_by}"
        items.append(f"Dose at {at(record, dose.observed_at)}: {detail}")
    return Section("Session", [Items(items)])


def _approval(protocol: ProtocolInfo) -> str:
    """` (approved by X on 2026-02-01)`, ` (draft)`; nothing for records from before approval."""
    if protocol.status == "approved":
        by = f" by {protocol.approved_by}" if protocol.approved_by else ""
        on = f" on {protocol.approved_on.isoformat()}" if protocol.approved_on else ""
        text = f" (approved{by}{on})"
    elif protocol.status == "draft":
        text = " (DRAFT)"
    else:
        return ""
    if protocol.confirmed:
        text += f"; going ahead confirmed: {', '.join(words(c) for c in protocol.confirmed)}"
    return text


def _intentions(data: ExportInput) -> Section:
    record = data.record
    by_seq = {i.seq: i for i in record.intentions}
    items = []
    for intention in record.intentions:
        if intention.voided or intention.revised_by is not None:
            continue
        prompt = intention.prompt or data.prompt("intention", intention.prompt_id)
        line = f"“{intention.text}”" + (f" (asked: {prompt})" if prompt else "")
        earlier, seq = [], intention.revises_seq
        while seq is not None and seq in by_seq:
            earlier.append(by_seq[seq])
            seq = by_seq[seq].revises_seq
        for old in earlier:
            line += f"; revised at {clock(intention.observed_at)}, earlier: “{old.text}”"
        items.append(line)
    blocks: list[Block] = [Items(items)] if items else [Paragraph("No intentions recorded.")]
    return Section("Intentions, in the client's words", blocks)


def _timeline(data: ExportInput) -> Section:
    record = data.record
    events: list[tuple[datetime, int, str]] = []
    for dose in record.doses:
        if not dose.voided:
            events.append(
                (dose.observed_at, dose.seq, f"Dose: {dose.drug} {dose.dose_mg:g} mg {dose.route}")
            )
    for phase in record.phases:
        if not phase.voided:
            events.append((phase.observed_at, phase.seq, f"Phase: {phase.label}"))
    for note in record.notes:
        if note.voided:
            continue
        marks = [
            m
            for m, on in ((INTEGRATION_MARK, note.for_integration), (QUOTE_MARK, note.client_quote))
            if on
        ]
        events.append((note.observed_at, note.seq, " ".join([*marks, f"Note: {note.text}"])))
    for observation in effective_observations(record):
        if observation.note:
            events.append(
                (observation.observed_at, observation.seq, f"Round note: {observation.note}")
            )
    for event in record.adverse_events:
        if not event.voided:
            events.append(
                (
                    event.onset_at,
                    event.seq,
                    f"Adverse event: {event.term} (severity {event.severity})",
                )
            )
    for alert in record.alerts:
        if not alert.voided:
            events.append((alert.observed_at, alert.seq, f"Alert ({alert.level}): {alert.message}"))
    d = record.discharge
    if d.ready_to_leave_at is not None:
        events.append((d.ready_to_leave_at, 10**9, "Ready to leave"))
    if d.discharged_at is not None:
        events.append((d.discharged_at, 10**9 + 1, f"Discharged by {d.discharged_by}"))
    events.sort(key=lambda e: (e[0], e[1]))
    lines = [f"{at(record, moment)} {text}" for moment, _, text in events]
    blocks: list[Block] = [
        Paragraph(
            f"Marks: {INTEGRATION_MARK} tagged for integration; {QUOTE_MARK} the client's own words."
        ),
        Items(lines) if lines else Paragraph("Nothing on the timeline."),
    ]
    return Section("Timeline", blocks)


def _vitals(data: ExportInput) -> Section:
    record = data.record
    observations = effective_observations(record)
    amended = {
        (c.target_seq, c.field) for c in record.corrections if c.kind == "amended" and c.applied
    }
    measure_ids: list[str] = []
    for observation in observations:
        for measure_id, value in observation.values.items():
            if measure_id not in measure_ids and not (
                isinstance(value, str) and not isinstance(value, bool)
            ):
                measure_ids.append(measure_id)
    if data.protocol is not None:
        order = [m.id for m in data.protocol.measures]
        measure_ids.sort(key=lambda m: order.index(m) if m in order else len(order))
    header = ["Time", "Round", *[_heading(data, m) for m in measure_ids]]
    rows = []
    for observation in observations:
        row = [
            f"{at(record, observation.observed_at)}",
            words(observation.round_id),
        ]
        for measure_id in measure_ids:
            reading = observation.values.get(measure_id)
            cell = "" if reading is None or isinstance(reading, str) else number(reading)
            if (observation.seq, f"values.{measure_id}") in amended:
                cell += AMENDED_MARK
            row.append(cell)
        rows.append(row)
    if not rows:
        return Section("Vitals", [Paragraph("No readings recorded.")])
    note = (
        f"Values marked {AMENDED_MARK} were amended after they were first entered (see Corrections)."
        if amended
        else ""
    )
    return Section("Vitals", [Table(header, rows, note)])


def _heading(data: ExportInput, measure_id: str) -> str:
    unit = data.unit(measure_id)
    return f"{data.label(measure_id)}" + (f" ({unit})" if unit else "")


def _adverse_events(record: SessionRecord) -> Section:
    events = [e for e in record.adverse_events if not e.voided]
    events.sort(key=lambda e: (not is_open(e), e.onset_at, e.seq))
    items = []
    for event in events:
        c = event.current
        status = "OPEN" if is_open(event) else "resolved"
        line = (
            f"{status}: {event.term}, onset {at(record, event.onset_at)}; "
            f"severity {c.severity}; "
            + (
                f"serious ({words(c.serious_criterion or 'criterion not given')}); "
                if c.serious
                else "not serious; "
            )
            + f"relatedness {event.relatedness}; actions: {', '.join(words(a) for a in c.actions)}; "
            + f"outcome {words(c.outcome)}"
        )
        if c.resolved_at is not None:
            line += f", resolved {at(record, c.resolved_at)}"
        if c.treatment:
            line += f"; treatment: {c.treatment}"
        if event.note:
            line += f"; note: {event.note}"
        if event.updates:
            line += f"; {len(event.updates)} update(s)"
        items.append(line)
    blocks: list[Block] = [Items(items)] if items else [Paragraph("No adverse events recorded.")]
    return Section("Adverse events (open first)", blocks)


def _alerts(record: SessionRecord) -> Section:
    items = []
    for alert in record.alerts:
        if alert.voided:
            continue
        line = f"{at(record, alert.observed_at)} {alert.level}: {alert.message} (value {alert.value:g})"
        if alert.acknowledged_at is not None:
            line += f"; answered {clock(alert.acknowledged_at)} by {alert.acknowledged_by}"
            if alert.acknowledge_note:
                line += f": {alert.acknowledge_note}"
        else:
            line += "; NOT answered"
        if alert.response:
            line += f" (protocol steps: {'; '.join(alert.response)})"
        items.append(line)
    blocks: list[Block] = [Items(items)] if items else [Paragraph("No alerts raised.")]
    return Section("Alerts and how they were answered", blocks)


def _discharge(data: ExportInput) -> Section:
    record = data.record
    d = record.discharge
    met = {True: "met", False: "NOT met", None: "not assessed"}[d.criteria_met]
    items = [f"Criteria {met}" + (f" as of {clock(d.criteria_as_of)}" if d.criteria_as_of else "")]
    for criterion in d.criteria:
        items.append(
            f"{'met' if criterion.met else 'NOT met'}: {criterion.name}"
            + (f" ({criterion.detail})" if criterion.detail else "")
        )
    assessments = [a for a in d.assessments if not a.voided]
    if assessments:
        last = assessments[-1]
        for scale, score in last.scores.items():
            items.append(
                f"Score {words(scale)}: {score.total}" + ("" if score.complete else " (incomplete)")
            )
        escort = (
            f"present ({last.escort_name})"
            if last.escort_present and last.escort_name
            else ("present" if last.escort_present else "not present")
        )
        items.append(f"Escort: {escort}")
    items.append(
        f"Ready to leave: {when(d.ready_to_leave_at)}"
        + (f" ({since(record, d.ready_to_leave_at)})" if d.ready_to_leave_at else "")
    )
    items.append(
        f"Discharged: {when(d.discharged_at)}"
        + (f" by {d.discharged_by}" if d.discharged_by else "")
    )
    if d.instructions_given is not None:
        items.append(f"Instructions given: {number(d.instructions_given)}")
    if d.criteria_override_reason:
        items.append(f"Criteria overridden: {d.criteria_override_reason}")
    for fact in record.schedule.late:
        items.append(f"Late round: {fact.text}")
    for fact in record.schedule.missed:
        items.append(f"Missed round: {fact.text}")
    return Section("Discharge", [Items(items)])


def _reflections(data: ExportInput) -> Section:
    items = []
    for reflection in data.record.reflections:
        if reflection.voided:
            continue
        prompt = reflection.prompt or data.prompt("reflection", reflection.prompt_id)
        items.append((f"{prompt} " if prompt else "") + f"“{reflection.text}”")
    blocks: list[Block] = [Items(items)] if items else [Paragraph("No reflections recorded.")]
    return Section("Facilitator's reflections", blocks)


def _follow_up(record: SessionRecord) -> Section:
    items = [f"{item.label}: due {when(item.due_at)}" for item in record.follow_up]
    blocks: list[Block] = [Items(items)] if items else [Paragraph("No follow-up planned.")]
    return Section("Follow-up plan", blocks)


def _corrections(record: SessionRecord) -> Section:
    items = []
    for c in record.corrections:
        head = f"{clock(c.recorded_at)} by {c.recorded_by}: "
        if c.kind == "amended":
            line = (
                head
                + f"entry {c.target_seq} ({words(c.target_type)}) {c.field}: {number(c.old) if c.old is not None else '-'} → {number(c.new) if c.new is not None else '-'}, because {c.reason}"
            )
        else:
            line = (
                head + f"entry {c.target_seq} ({words(c.target_type)}) voided, because {c.reason}"
            )
        if not c.applied:
            line += f" (not applied: {c.rejection})"
        items.append(line)
    blocks: list[Block] = [Items(items)] if items else [Paragraph("No corrections.")]
    return Section("Corrections", blocks)
