"""Checks before journaling: whether an event may be added to the session as it stands.

`validate_event` gives the engine a verdict in plain words before anything is journaled. Rules
about doses live in dosing.py, alerts in alerts.py, discharge in discharge.py, corrections in
amendments.py; the checks an entry passes on its own are in entry_checks.py.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from kap_console.protocol.models import Protocol
from kap_console.session import events as ev
from kap_console.session.rules.dosing import check_dose, check_step
from kap_console.session.state.content import (
    check_answer,
    check_severity,
    check_value,
    id_list,
    term_grading,
)
from kap_console.session.state.corrections import check_amendment, check_void
from kap_console.session.state.entries import Observation
from kap_console.session.state.snapshot import RECOVERY_PHASE, SessionState
from kap_console.session.verdicts import Rejection

_BEFORE_START = frozenset({"session_started", "resumed", "segment_opened"})
_AFTER_CLOSE = frozenset({"record_written", "resumed", "segment_opened"})


def _check_session_started(
    protocol: Protocol, state: SessionState, event: ev.SessionStarted
) -> Rejection | None:
    if state.started is not None:
        return Rejection(None, "the session has already started")
    if event.protocol.id != protocol.id:
        return Rejection(
            "protocol", f"the session names '{event.protocol.id}' but '{protocol.id}' is loaded"
        )
    if (
        protocol.status == "draft"
        and not event.training
        and "draft" not in event.protocol_confirmed
    ):
        return Rejection(
            "protocol",
            "this version is a draft; a real session on it needs the facilitator's confirmation (or run it as training)",
        )
    return None


def _check_answer(
    protocol: Protocol, state: SessionState, event: ev.CheckAnswered
) -> Rejection | None:
    return check_answer(protocol, event)


def _check_intention(
    protocol: Protocol, state: SessionState, event: ev.IntentionRecorded
) -> Rejection | None:
    if event.prompt_id is not None and event.prompt_id not in {
        p.id for p in protocol.intention_prompts
    }:
        return Rejection(
            "prompt_id",
            f"'{event.prompt_id}' is not an intention prompt (prompts: {id_list(protocol.intention_prompts)})",
        )
    if not event.text.strip():
        return Rejection("text", "the intention is empty")
    if event.revises_seq is not None:
        target = next((i for i in state.intentions if i.seq == event.revises_seq), None)
        if target is None:
            return Rejection("revises_seq", f"#{event.revises_seq} is not an intention")
        if target.voided:
            return Rejection(
                "revises_seq", f"intention #{event.revises_seq} was marked entered in error"
            )
        if target.revised_by is not None:
            return Rejection(
                "revises_seq",
                f"#{event.revises_seq} was already revised by #{target.revised_by}; revise the latest wording",
            )
    return None


def _check_consent(
    protocol: Protocol, state: SessionState, event: ev.ConsentRecorded
) -> Rejection | None:
    items = {item.id: item for item in protocol.consent.items}
    for item_id, value in event.items.items():
        item = items.get(item_id)
        if item is None:
            return Rejection(
                "items",
                f"'{item_id}' is not a consent item (items: {id_list(protocol.consent.items)})",
            )
        if item.kind == "yes_no" and not isinstance(value, bool):
            return Rejection(f"items.{item_id}", f"'{item.prompt}' needs yes or no")
    return None


def _check_observation(
    protocol: Protocol, state: SessionState, event: ev.ObservationRecorded
) -> Rejection | None:
    if event.round_id == ev.BASELINE_ROUND:
        if event.due_minutes is not None:
            return Rejection("due_minutes", "a baseline has no due time")
        if state.t0 is not None:
            return Rejection(
                "round_id",
                "the baseline comes before the first dose; record this reading in a round",
            )
    else:
        try:
            spec = protocol.round(event.round_id)
        except KeyError:
            return Rejection(
                "round_id",
                f"'{event.round_id}' is not a round of this protocol (rounds: baseline, {id_list(protocol.schedule)})",
            )
        if state.t0 is None:
            return Rejection(
                "round_id", "no dose yet; record readings before the dose as the baseline"
            )
        offsets = spec.offsets()
        if event.due_minutes is not None and event.due_minutes not in offsets:
            due = ", ".join(str(m) for m in offsets) or "discharge only"
            return Rejection(
                "due_minutes",
                f"the {spec.label} is not due at {event.due_minutes} min (due at: {due})",
            )
    if not event.values and not event.note.strip():
        return Rejection("values", "an observation needs at least one value or a note")
    for measure_id, value in event.values.items():
        problem = check_value(protocol, measure_id, value)
        if problem is not None:
            return problem
    return None


def _check_adverse_event(
    protocol: Protocol, state: SessionState, event: ev.AdverseEventLogged
) -> Rejection | None:
    if event.term_id is not None and term_grading(protocol, event.term_id) is None:
        return Rejection(
            "term_id", f"'{event.term_id}' is not in the protocol's adverse-event list"
        )
    problem = check_severity(term_grading(protocol, event.term_id), event.severity, event.term_id)
    if problem:
        return problem
    return _check_seriousness(
        event.serious, event.serious_criterion, event.onset_at, event.resolved_at
    ) or (_check_treatment(event.actions, event.treatment))


def _check_seriousness(
    serious: bool | None,
    criterion: str | None,
    onset_at: datetime | None,
    resolved_at: datetime | None,
) -> Rejection | None:
    if serious and criterion is None:
        return Rejection("serious_criterion", "a serious adverse event needs its criterion")
    if criterion is not None and serious is False:
        return Rejection("serious_criterion", "applies only to a serious adverse event")
    if onset_at is not None and resolved_at is not None and resolved_at < onset_at:
        return Rejection("resolved_at", "the event cannot resolve before its onset")
    return None


def _check_treatment(actions: Sequence[str] | None, treatment: str | None) -> Rejection | None:
    if actions and "treatment_given" in actions and not (treatment or "").strip():
        return Rejection("treatment", "say what was given (what, dose, time)")
    return None


def _check_adverse_event_update(
    protocol: Protocol, state: SessionState, event: ev.AdverseEventUpdated
) -> Rejection | None:
    target = next((a for a in state.adverse_events if a.seq == event.target_seq), None)
    if target is None:
        return Rejection("target_seq", f"#{event.target_seq} is not an adverse event")
    if target.voided:
        return Rejection(
            "target_seq", f"adverse event #{event.target_seq} was marked entered in error"
        )
    current = target.effective
    problem = check_severity(
        term_grading(protocol, current.term_id), event.severity, current.term_id
    )
    if problem:
        return problem
    serious = event.serious if event.serious is not None else current.serious
    criterion = (
        event.serious_criterion
        if event.serious_criterion is not None
        else current.serious_criterion
    )
    if event.serious is False and event.serious_criterion is None:
        criterion = None
    return _check_seriousness(serious, criterion, current.onset_at, event.resolved_at) or (
        _check_treatment(
            event.actions, event.treatment if event.treatment is not None else current.treatment
        )
    )


def _check_phase(
    protocol: Protocol, state: SessionState, event: ev.PhaseMarked
) -> Rejection | None:
    known = {phase.id for phase in protocol.phases} | {RECOVERY_PHASE}
    if event.phase_id not in known:
        return Rejection(
            "phase_id",
            f"'{event.phase_id}' is not a phase of this protocol (phases: {', '.join(sorted(known))})",
        )
    if state.t0 is None:
        return Rejection("phase_id", "phases are marked after the first dose")
    return None


def _check_void_event(
    protocol: Protocol, state: SessionState, event: ev.Voided
) -> Rejection | None:
    return check_void(state.index.get, event)


def _check_amended(protocol: Protocol, state: SessionState, event: ev.Amended) -> Rejection | None:
    return validate_amendment(state, event)


def _check_after_dose(
    protocol: Protocol, state: SessionState, event: ev.EventBase
) -> Rejection | None:
    return None if state.t0 is not None else Rejection(None, "no dose has been given yet")


def _check_reflection(
    protocol: Protocol, state: SessionState, event: ev.ReflectionRecorded
) -> Rejection | None:
    if event.prompt_id is not None and event.prompt_id not in {
        p.id for p in protocol.reflection_prompts
    }:
        return Rejection(
            "prompt_id",
            f"'{event.prompt_id}' is not a reflection prompt (prompts: {id_list(protocol.reflection_prompts)})",
        )
    return None


def _check_closed(
    protocol: Protocol, state: SessionState, event: ev.SessionClosed
) -> Rejection | None:
    if event.outcome == "completed" and state.discharged is None:
        return Rejection(
            "outcome",
            "a completed session needs the discharge first (or close it as stopped early)",
        )
    if event.outcome == "no_go" and state.effective_doses:
        return Rejection("outcome", "a dose was given, so this is not a no-go session")
    return None


def _check_record_written(
    protocol: Protocol, state: SessionState, event: ev.RecordWritten
) -> Rejection | None:
    return (
        None
        if state.closed is not None
        else Rejection(None, "the record is written after the session closes")
    )


def _check_go_decision(
    protocol: Protocol, state: SessionState, event: ev.GoDecision
) -> Rejection | None:
    from kap_console.session.rules.alerts import check_go_decision

    return check_go_decision(protocol, state, event)


def _check_acknowledged(
    protocol: Protocol, state: SessionState, event: ev.AlertAcknowledged
) -> Rejection | None:
    from kap_console.session.rules.alerts import check_acknowledgement

    return check_acknowledgement(state, event)


def _check_alert_raised(
    protocol: Protocol, state: SessionState, event: ev.AlertRaised
) -> Rejection | None:
    source = state.entry(event.source_seq)
    if not isinstance(source, Observation):
        return Rejection("source_seq", f"#{event.source_seq} is not an observation")
    try:
        thresholds = protocol.measure(event.measure_id).thresholds
    except KeyError:
        return Rejection("measure_id", f"'{event.measure_id}' is not a measure of this protocol")
    if not 0 <= event.threshold_index < len(thresholds):
        return Rejection(
            "threshold_index", f"{event.measure_id} has no threshold {event.threshold_index}"
        )
    return None


def _check_assessed(
    protocol: Protocol, state: SessionState, event: ev.DischargeAssessed
) -> Rejection | None:
    from kap_console.session.state.content import check_assessment

    return _check_after_dose(protocol, state, event) or check_assessment(protocol, event)


def _check_discharged(
    protocol: Protocol, state: SessionState, event: ev.Discharged
) -> Rejection | None:
    from kap_console.session.rules.discharge import check_discharge

    return check_discharge(protocol, state, event)


def _check_practice(
    protocol: Protocol, state: SessionState, event: ev.EventBase
) -> Rejection | None:
    started = state.started
    if started is None or started.practice is None:
        return Rejection(None, "practice entries belong only to practice sessions (a scenario)")
    return None


_CHECKS: dict[str, Callable[[Protocol, SessionState, Any], Rejection | None]] = {
    "session_started": _check_session_started,
    "check_answered": _check_answer,
    "go_decision": _check_go_decision,
    "intention_recorded": _check_intention,
    "consent_recorded": _check_consent,
    "dose_given": check_dose,
    "step_marked": check_step,
    "observation_recorded": _check_observation,
    "alert_raised": _check_alert_raised,
    "alert_acknowledged": _check_acknowledged,
    "adverse_event_logged": _check_adverse_event,
    "adverse_event_updated": _check_adverse_event_update,
    "phase_marked": _check_phase,
    "amended": _check_amended,
    "voided": _check_void_event,
    "discharge_assessed": _check_assessed,
    "ready_to_leave": _check_after_dose,
    "discharged": _check_discharged,
    "reflection_recorded": _check_reflection,
    "session_closed": _check_closed,
    "record_written": _check_record_written,
    "practice_cue": _check_practice,
    "practice_answered": _check_practice,
}


def validate_event(
    protocol: Protocol, state: SessionState, event: ev.EventBase
) -> Rejection | None:
    """Why `event` should not be journaled now (None when it may), in plain words naming the field.

    Cheap checks the engine runs before journaling: values inside the measure's entry range,
    ids the protocol knows, doses inside the protocol's bounds, boosters inside their window,
    acknowledgements of open alerts, corrections that apply. Pass a stamped event (observed_at
    set) so the checks that count minutes since the first dose can run.
    """
    kind: str = getattr(event, "type", "")
    if state.started is None and kind not in _BEFORE_START:
        return Rejection(None, "the session has not started yet")
    if state.closed is not None and kind not in _AFTER_CLOSE:
        return Rejection(None, "the session is closed; nothing more can be added")
    check = _CHECKS.get(kind)
    return check(protocol, state, event) if check is not None else None


def validate_amendment(state: SessionState, amended: ev.Amended) -> Rejection | None:
    """Why `amended` cannot apply to `state` (None when it can).

    Rejected: an unknown or entered-in-error target, a kind of entry that is not corrected this
    way, a field the target does not have or that is kept as recorded, an `old` that is not the
    current effective value, a `new` equal to it or one the entry cannot hold.
    """
    error, _ = check_amendment(state.protocol, state.index.get, amended)
    return error
