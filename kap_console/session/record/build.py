"""Build the session record from journal entries: a pure function of protocol + journal.

Entries keep what was entered; amendments are applied so the record shows current values,
and every correction is listed with its old and new value in `corrections`. Derived facts
(late and missed rounds, discharge criteria, scale totals) come from the session's own
rules in state/schedule/discharge, evaluated at the close time written in the journal, so
a rebuild gives the same record.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from typing import Protocol as Interface

from kap_console.protocol.models import Protocol
from kap_console.session import events as ev
from kap_console.session.record import model as rec
from kap_console.session.state.snapshot import SessionState


class JournalEnd(Interface):
    """Where the journal's chain ends: its entry count, the last entry's hash, and the
    segments holding its entries, in order (see journal/chain.py)."""

    @property
    def count(self) -> int: ...
    @property
    def head(self) -> str | None: ...
    @property
    def segments(self) -> tuple[str, ...]: ...


class JournalLineFields(Interface):
    """What the record needs of a journal entry (read-only)."""

    @property
    def seq(self) -> int: ...
    @property
    def payload(self) -> dict[str, Any]: ...
    @property
    def h(self) -> str: ...
    @property
    def segment(self) -> Any: ...


def _stamped(when: datetime | None) -> datetime:
    """The time of a journaled entry: the engine stamps every entry before writing it, so a
    missing one is a journal this console did not write."""
    if when is None:
        raise ValueError("a journal entry without its time")
    return when


def _stated(head: str | None) -> str:
    if head is None:
        raise ValueError("the journal holds no entries")
    return head


def _scalar_or_json(value: Any) -> bool | int | float | str | None:
    """Scalars stay as they are; lists and tables become JSON text (TOML has no null)."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)


_STAMPS = {"type", "observed_at", "recorded_at", "recorded_by"}


def _entry(item: Any) -> dict[str, Any]:
    """The fields every record entry carries, from a state entry (effective event)."""
    return {
        "seq": item.seq,
        "observed_at": item.observed_at,
        "recorded_at": item.recorded_at,
        "recorded_by": item.recorded_by,
        "late_entry": item.late,
        "amended_by": [amendment.seq for amendment in item.amendments if amendment.applied],
        "voided": item.voided,
        "void_reason": item.void_reason or None,
    }


def _row(model: type, item: Any, **extra: Any) -> Any:
    """A record entry of `model` from a state entry: its stamps plus the effective fields."""
    fields = item.event.model_dump(exclude=_STAMPS)
    fields.update(extra)
    return model(**_entry(item), **fields)


def build_record(
    protocol: Protocol,
    entries: Sequence[JournalLineFields],
    *,
    events: Sequence[tuple[int, ev.EventBase]] | None = None,
    state: SessionState | None = None,
) -> rec.SessionRecord:
    """The record of a session from its journal entries (payload entries, seq ≥ 1).

    The entries are folded with the session's own rules (`state.fold`), so the record shows
    the same effective values, corrections and derived facts the console showed. A caller
    that has already parsed and folded exactly these entries (the engine at close, having
    checked the journal on disk ends at the hash it saved last) passes `events` and `state`.
    """
    fields = record_fields(protocol, entries, events=events, state=state)
    return rec.SessionRecord.model_validate(
        {name: list(value) if isinstance(value, Iterator) else value for name, value in fields}
    )


def record_fields(
    protocol: Protocol,
    entries: Sequence[JournalLineFields] | None,
    *,
    events: Sequence[tuple[int, ev.EventBase]] | None = None,
    state: SessionState | None = None,
    journal_end: JournalEnd | None = None,
) -> list[tuple[str, Any]]:
    """The record's top-level fields, as `build_record` gives them, in the model's order.

    The long lists of entries (observations, alerts, notes, phases) are iterators that make
    each row (a validated model) only when drawn, so a record can be written row by row
    without all its rows alive at once (`writing.render_fields`). A caller holding the events
    and state already, and having checked where the journal on disk ends (the engine at
    close), passes `journal_end` instead of the entries.
    """
    from kap_console.session.state.fold import fold

    if entries is not None:
        journal_end = _end_of(entries)
        if events is None:
            events = [(entry.seq, ev.event_from_dict(entry.payload)) for entry in entries]
    elif journal_end is None or events is None:
        raise ValueError("the journal's entries are needed, or its events and where it ends")
    if not events or not isinstance(events[0][1], ev.SessionStarted):
        raise ValueError("the journal does not begin with session_started")
    if len(events) != journal_end.count:
        raise ValueError("the events given are not the journal's entries")
    if state is None:
        state = fold(protocol, events)
    started = events[0][1]
    close = state.closed.event if state.closed is not None else None
    closed_at = close.observed_at if close is not None else None
    # Derived facts are taken as they stood at the close (or the last entry): never "now",
    # so a rebuild gives the same record.
    as_of = _stamped(closed_at or events[-1][1].recorded_at or started.observed_at)
    schedule = _schedule(protocol, state, as_of)
    late_seqs = {fact.seq for fact in schedule.late if fact.seq is not None}

    checklist = {item.id: item.prompt for item in protocol.checklist}
    intention_prompts = {p.id: p.text for p in protocol.intention_prompts}
    reflection_prompts = {p.id: p.text for p in protocol.reflection_prompts}
    step_labels = {step.id: step.label for step in protocol.dosing.steps}
    baseline = ev.BASELINE_ROUND

    def observation(o: Any) -> rec.RecordObservation:
        row: rec.RecordObservation = _row(rec.RecordObservation, o, late=o.seq in late_seqs)
        return row

    fields = dict(
        format=rec.RECORD_FORMAT,
        session=rec.SessionInfo(
            id=started.session_id,
            client_code=started.client_code,
            facilitator=started.facilitator,
            session_number=started.session_number,
            training=started.training,
            app_version=started.app_version,
            started_at=_stamped(started.observed_at),
            dosed_at=state.t0,
            closed_at=closed_at,
            duration_seconds=_whole_seconds(closed_at, started.observed_at),
            outcome=close.outcome if close is not None else None,
            close_note=(close.note or None) if close is not None else None,
            practice=True if started.practice is not None else None,
            scenario=_scenario(started.practice),
        ),
        protocol=rec.ProtocolInfo(
            **started.protocol.model_dump(),
            status=protocol.status,
            approved_by=protocol.approved_by,
            approved_on=protocol.approved_on,
            confirmed=list(started.protocol_confirmed) or None,
        ),
        pre_session=rec.PreSession(
            checks=[
                _row(rec.RecordChecklistAnswer, a, prompt=checklist.get(a.item_id))
                for a in state.checklist_history
            ],
            baseline=[observation(o) for o in state.observations if o.round_id == baseline],
            decisions=[_row(rec.Decision, d) for d in state.go_decisions],
        ),
        intentions=[
            _row(
                rec.RecordIntention,
                i,
                prompt=intention_prompts.get(i.prompt_id or ""),
                revised_by=i.revised_by,
            )
            for i in state.intentions
        ],
        consent=[_row(rec.ConsentEntry, c) for c in state.consents],
        doses=[_row(rec.Dose, d) for d in state.doses],
        dosing_steps=[
            _row(rec.RecordDosingStep, s, label=step_labels.get(s.event.step_id))
            for s in state.steps
        ],
        observations=(observation(o) for o in state.observations if o.round_id != baseline),
        schedule=schedule,
        alerts=(
            _row(
                rec.RecordAlert,
                a,
                acknowledged_seq=a.acknowledged_seq,
                acknowledged_at=a.acknowledged_at,
                acknowledged_by=a.acknowledged_by or None,
                acknowledge_note=a.acknowledgement_note or None,
            )
            for a in state.alerts
        ),
        adverse_events=[
            _row(
                rec.RecordAdverseEvent,
                a,
                updates=[_row(rec.AdverseEventUpdate, u) for u in a.updates],
                current=rec.AdverseEventStatus(
                    **a.effective.model_dump(include=set(rec.AdverseEventStatus.model_fields))
                ),
            )
            for a in state.adverse_events
        ],
        notes=(_row(rec.Note, n) for n in state.notes),
        phases=(_row(rec.PhaseEntry, p) for p in state.phases),
        discharge=_discharge(protocol, events, state, as_of),
        reflections=[
            _row(rec.Reflection, r, prompt=reflection_prompts.get(r.event.prompt_id or ""))
            for r in state.reflections
        ],
        follow_up=[
            rec.RecordFollowUp(
                id=item.id,
                label=item.label,
                after_hours=item.after_hours,
                due_at=_stamped(closed_at) + timedelta(hours=item.after_hours),
            )
            for item in (protocol.follow_up if closed_at is not None else [])
        ],
        corrections=_corrections(state),
        integrity=_integrity(journal_end, events, state),
    )
    return [(name, fields[name]) for name in rec.SessionRecord.model_fields]


def _scenario(practice: ev.PracticeIdentity | None) -> rec.PracticeScenario | None:
    if practice is None:
        return None
    return rec.PracticeScenario(
        id=practice.scenario_id,
        version=practice.scenario_version,
        title=practice.scenario_title,
        sha256=practice.scenario_sha256,
        path=practice.scenario_path,
        speed=practice.speed,
    )


def _schedule(protocol: Protocol, state: Any, as_of: datetime) -> rec.ScheduleFacts:
    from kap_console.session.rules.schedule import schedule_facts

    facts: dict[str, list[rec.RoundFact]] = {"late": [], "missed": []}
    for fact in schedule_facts(protocol, state, as_of):
        slot = fact.slot
        facts[fact.kind].append(
            rec.RoundFact(
                round_id=slot.round_id,
                due_minutes=slot.due_minutes,
                due_at=slot.due_at,
                seq=slot.done_seq,
                late_by_seconds=int(slot.late_by.total_seconds()) if slot.late_by else None,
                text=fact.text,
            )
        )
    return rec.ScheduleFacts(**facts)


def _discharge(
    protocol: Protocol, events: Sequence[tuple[int, ev.EventBase]], state: Any, as_of: datetime
) -> rec.Discharge:
    """Assessments with their scale totals, and the criteria as they stood at the discharge
    (the state just before it, as the console checked it then), or at `as_of` without one."""
    from kap_console.session.rules.discharge import discharge_status
    from kap_console.session.scales import score
    from kap_console.session.state.fold import fold

    discharged = state.discharged.event if state.discharged is not None else None
    assessments = []
    for item in state.discharge_assessments:
        scores = {}
        for scale, items in item.event.scores.items():
            try:
                scored = score(scale, items)
            except ValueError:  # e.g. an item amended out of range: keep what was entered
                scores[scale] = rec.ScaleScore(
                    items=dict(items), total=sum(items.values()), complete=False
                )
                continue
            scores[scale] = rec.ScaleScore(
                items=dict(scored.items),
                total=scored.total,
                complete=scored.complete,
                not_applicable=list(scored.not_applicable),
            )
        assessments.append(_row(rec.Assessment, item, scores=scores))
    if state.t0 is None:
        status, criteria_as_of = None, None
    elif discharged is not None and discharged.observed_at is not None:
        before = fold(protocol, [(s, e) for s, e in events if s < state.discharged.seq])
        criteria_as_of = discharged.observed_at
        status = discharge_status(protocol, before, criteria_as_of)
    else:
        criteria_as_of = as_of
        status = discharge_status(protocol, state, as_of)
    return rec.Discharge(
        assessments=assessments,
        criteria_met=status.met if status is not None else None,
        criteria_as_of=criteria_as_of,
        criteria=[
            rec.Criterion(name=c.name, met=c.met, detail=c.detail)
            for c in (status.criteria if status is not None else ())
        ],
        ready_to_leave_at=state.ready_to_leave_at,
        discharged_at=state.discharged.observed_at if discharged else None,
        discharged_by=discharged.discharged_by if discharged else None,
        instructions_given=discharged.instructions_given if discharged else None,
        criteria_override_reason=(discharged.criteria_override_reason or None)
        if discharged
        else None,
    )


def _corrections(state: Any) -> list[rec.Correction]:
    def target_type(seq: int) -> str:
        target = state.entry(seq)
        return target.kind if target is not None else "unknown"

    corrections = [
        rec.Correction(
            seq=a.seq,
            kind="amended",
            target_seq=a.target_seq,
            target_type=target_type(a.target_seq),
            field=a.field,
            old=_scalar_or_json(a.old),
            new=_scalar_or_json(a.new),
            reason=a.reason,
            recorded_by=a.recorded_by,
            recorded_at=a.recorded_at,
            applied=a.applied,
            rejection=a.rejection or None,
        )
        for a in state.amendments
    ] + [
        rec.Correction(
            seq=v.seq,
            kind="voided",
            target_seq=v.target_seq,
            target_type=target_type(v.target_seq),
            reason=v.reason,
            recorded_by=v.recorded_by,
            recorded_at=v.recorded_at,
            applied=v.applied,
            rejection=v.rejection or None,
        )
        for v in state.voids
    ]
    return sorted(corrections, key=lambda c: c.seq)


def _end_of(entries: Sequence[JournalLineFields]) -> JournalEnd:
    @dataclass(frozen=True)
    class _End:
        count: int
        head: str | None
        segments: tuple[str, ...]

    return _End(
        count=len(entries),
        head=entries[-1].h if entries else None,
        segments=tuple(dict.fromkeys(str(entry.segment) for entry in entries)),  # in order
    )


def _integrity(
    journal_end: JournalEnd, events: Sequence[tuple[int, ev.EventBase]], state: Any
) -> rec.Integrity:
    segments: list[str] = []
    for segment in journal_end.segments:
        name = Path(segment).name
        if name not in segments:
            segments.append(name)
    keep = set(rec.Reopened.model_fields) - {"seq"}
    return rec.Integrity(
        journal_head=_stated(journal_end.head),
        event_count=journal_end.count,
        segments=segments,
        resumes=[
            rec.Reopened(seq=seq, **event.model_dump(include=keep))
            for seq, event in events
            if isinstance(event, ev.Resumed)
        ],
        segment_changes=[
            rec.SegmentChange(
                seq=seq,
                recorded_at=_stamped(event.recorded_at),
                previous_segment=event.previous_segment,
                reason=event.reason,
            )
            for seq, event in events
            if isinstance(event, ev.SegmentOpened)
        ],
        ineffective=[
            rec.RecordIneffective(seq=i.seq, kind=i.kind, reason=i.reason)
            for i in state.ineffective
        ],
    )


def _whole_seconds(end: datetime | None, start: datetime | None) -> int | None:
    if end is None or start is None:
        return None
    return int((end - start).total_seconds())
