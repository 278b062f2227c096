"""The session state: a pure fold of events, corrections, and the checks before journaling."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from session_builders import (
    FACILITATOR,
    PRESCRIBER,
    T0,
    SessionScript,
    at,
    dosed_script,
    events_until_dosed,
    first_dose,
    load_protocol,
    numbered,
    obs,
    pre_session_events,
    session_started,
    stamp,
)

from kap_console.session import events as ev
from kap_console.session.rules.alerts import dosing_blocks, escalation
from kap_console.session.rules.discharge import discharge_status
from kap_console.session.rules.schedule import round_slots, schedule_facts
from kap_console.session.rules.validation import validate_amendment, validate_event
from kap_console.session.state.builder import StateBuilder
from kap_console.session.state.fold import fold
from kap_console.session.verdicts import Rejection

IM = "im-ketamine-120"


def _amend(
    target_seq: int, field: str, old: object, new: object, reason: str = "Typo"
) -> ev.Amended:
    return ev.Amended(target_seq=target_seq, field=field, old=old, new=new, reason=reason)


# -- stage, header, T0 ----------------------------------------------------------------------


def test_session_moves_through_its_stages_as_facts_arrive() -> None:
    protocol = load_protocol(IM)
    script = SessionScript(protocol)
    stages = []
    for event in pre_session_events(protocol):
        script.add(event)
        stages.append((event.type, script.state.stage))
    assert stages[0] == ("session_started", "pre_session")
    assert ("go_decision", "intentions") in stages
    assert stages[-1] == ("consent_recorded", "dosing")
    script.add(first_dose(protocol, T0))
    assert script.state.stage == "monitoring"
    script.add(ev.PhaseMarked(phase_id="recovery"), at(90))
    assert script.state.stage == "discharge"
    script.add(ev.Discharged(discharged_by=PRESCRIBER, criteria_override_reason="Test"), at(100))
    assert script.state.stage == "discharged"
    script.add(ev.SessionClosed(outcome="completed"), at(101))
    assert script.state.stage == "closed"


def test_discharge_assessment_alone_starts_recovery() -> None:
    script = dosed_script(IM)
    script.add(ev.DischargeAssessed(escort_present=True), at(80))
    assert script.state.stage == "discharge"
    assert script.state.recovery_started_at == at(80)


def test_no_go_decision_then_close_ends_the_session_without_a_dose() -> None:
    protocol = load_protocol(IM)
    script = SessionScript(protocol)
    script.add_all(pre_session_events(protocol, decision="no_go", reason="BP 168/102 after rest"))
    assert script.state.stage == "pre_session"
    script.add(ev.SessionClosed(outcome="no_go"), at(-10))
    state = script.state
    assert state.stage == "closed"
    assert state.t0 is None
    assert (
        state.go_decision is not None and state.go_decision.event.reason == "BP 168/102 after rest"
    )


def test_header_facts_come_from_the_start_event() -> None:
    state = dosed_script(IM).state
    assert (state.client_code, state.facilitator, state.training) == (
        "KAP-0042",
        FACILITATOR,
        False,
    )
    assert dosed_script("training/quick-im-practice").state.training is True


def test_t0_is_when_the_first_dose_was_given_even_if_typed_later() -> None:
    protocol = load_protocol(IM)
    script = SessionScript(protocol)
    script.add_all(pre_session_events(protocol))
    script.add(first_dose(protocol, T0), recorded_at=T0 + timedelta(minutes=4))
    assert script.state.t0 == T0
    assert script.state.timeline[-1].late


def test_voided_dose_no_longer_sets_t0() -> None:
    script = dosed_script(IM)
    dose_seq = script.seq_of("dose_given")
    script.add(
        ev.Voided(target_seq=dose_seq, reason="Recorded before the injection was given"), at(1)
    )
    assert script.state.t0 is None
    assert script.state.stage == "dosing"


# -- effective values -------------------------------------------------------------------------


def test_baseline_is_the_latest_baseline_reading_and_last_values_follow_rounds() -> None:
    script = dosed_script(
        IM,
        baseline={"sbp": 150, "dbp": 88, "hr": 70, "spo2": 98, "rr": 14, "suds": 4},
        overrides=["sbp"],
        reason="Known white-coat pattern",
    )
    state = script.state
    assert state.baseline["sbp"].value == 150
    script.add(obs("early", 15, at(15), sbp=138, hr=80))
    state = script.state
    assert state.baseline["sbp"].value == 150
    assert (state.last_values["sbp"].value, state.last_values["sbp"].round_id) == (138, "early")
    assert state.last_values["dbp"].round_id == "baseline"  # partial round: dbp not retaken


def test_late_entry_of_an_earlier_reading_does_not_replace_the_latest_value() -> None:
    script = dosed_script(IM)
    script.add(obs("early", 30, at(30), hr=90))
    script.add(obs("early", 15, at(15), hr=70, recorded_at=at(31)))
    state = script.state
    assert state.last_values["hr"].value == 90
    item = next(i for i in state.timeline if i.seq == state.observations[-1].seq)
    assert item.late and item.at == at(15)


def test_timeline_is_in_the_order_things_happened_with_short_summaries() -> None:
    script = dosed_script(IM)
    script.add(obs("early", 30, at(30), sbp=128, dbp=84, hr=76, spo2=98))
    script.add(obs("early", 15, at(15), sbp=131, dbp=86, recorded_at=at(31)))
    times = [item.at for item in script.state.timeline]
    assert times == sorted(times)
    summaries = [
        item.summary for item in script.state.timeline if item.kind == "observation_recorded"
    ]
    assert summaries[-2:] == [
        "Early round (T+15): BP 131/86",
        "Early round (T+30): BP 128/84, HR 76, SpO2 98 %",
    ]


def test_entry_typed_exactly_two_minutes_later_is_not_marked_late() -> None:
    script = dosed_script(IM)
    script.add(obs("early", 15, at(15), hr=70, recorded_at=at(17)))
    script.add(obs("early", 30, at(30), hr=70, recorded_at=at(32) + timedelta(seconds=1)))
    assert [i.late for i in script.state.timeline[-2:]] == [False, True]


# -- amendments -------------------------------------------------------------------------------


def test_amended_value_is_effective_and_the_original_is_kept() -> None:
    script = dosed_script(IM)
    seq = script.add(obs("early", 15, at(15), sbp=218, dbp=84))
    alert_seq = script.seq_of("alert_raised")
    script.add(ev.AlertAcknowledged(alert_seq=alert_seq, note="Typo, cuff read 128"), at(16))
    script.add(_amend(seq, "values.sbp", 218, 128, "Digits swapped"), at(16))
    state = script.state
    observation = state.entry(seq)
    assert observation.values["sbp"] == 128
    assert observation.original.values["sbp"] == 218
    assert [(a.old, a.new, a.reason, a.applied) for a in observation.amendments] == [
        (218, 128, "Digits swapped", True)
    ]
    assert state.last_values["sbp"].value == 128
    item = next(i for i in state.timeline if i.seq == seq)
    assert item.amended and "BP 128/84" in item.summary


def test_amendment_with_stale_old_value_is_rejected() -> None:
    script = dosed_script(IM)
    seq = script.add(obs("early", 15, at(15), hr=76))
    script.add(_amend(seq, "values.hr", 76, 67), at(16))
    stale = _amend(seq, "values.hr", 76, 66)
    assert validate_amendment(script.state, stale) == Rejection(
        "old",
        f"is not the current value of values.hr of entry #{seq} (it may have been corrected already)",
    )
    # A journal that holds it anyway (e.g. written by another tool) still replays:
    script.add(stale, at(17), check=False)
    state = script.state
    assert state.entry(seq).values["hr"] == 67
    assert state.amendments[-1].applied is False
    assert state.ineffective[-1].kind == "amended"


@pytest.mark.parametrize(
    ("field", "old", "new", "refused", "message"),
    [
        ("values.rr", 14, 12, "field", "entry #{seq} has no 'values.rr'"),
        ("colour", None, "red", "field", "an observation has no 'colour'"),
        (
            "recorded_by",
            FACILITATOR,
            "Someone",
            "field",
            "'recorded_by' is kept as recorded and cannot be amended",
        ),
        ("values.hr", 76, 400, "new", "hr: outside 20–220 bpm"),
        ("values.hr", 76, 76.0, "new", "values.hr of entry #{seq} already has this value"),
        (
            "due_minutes",
            15,
            "soon",
            "new",
            "due_minutes: Input should be a valid integer, unable to parse string as an integer",
        ),
    ],
)
def test_amendment_that_cannot_apply_is_refused(
    field: str, old: object, new: object, refused: str, message: str
) -> None:
    script = dosed_script(IM)
    seq = script.add(obs("early", 15, at(15), hr=76))
    assert validate_amendment(script.state, _amend(seq, field, old, new)) == Rejection(
        refused, message.format(seq=seq)
    )


def test_corrected_entry_must_still_make_sense_on_its_own() -> None:
    script = dosed_script(IM)
    seq = script.add(obs("early", 15, at(15), hr=76))
    assert validate_amendment(script.state, _amend(seq, "round_id", "early", "hourly")) == (
        Rejection("new", "round_id: 'hourly' is not a round of this protocol")
    )
    assert validate_amendment(
        script.state, _amend(seq, "values", {"hr": 76}, {"hr": 76, "rr": 99})
    ) == Rejection("new", "rr: outside 0–60 /min")
    weight = script.state.checklist["weight_kg"]
    assert validate_amendment(script.state, _amend(weight.seq, "answer", 70, 700)) == (
        Rejection("new", "answer: outside 30–250 kg")
    )


def test_amendment_of_unknown_voided_or_console_entry_is_refused() -> None:
    script = dosed_script(IM)
    seq = script.add(obs("early", 15, at(15), spo2=89))
    alert_seq = script.seq_of("alert_raised")
    assert validate_amendment(script.state, _amend(999, "text", "a", "b")) == (
        Rejection("target_seq", "there is no entry #999 to amend")
    )
    assert validate_amendment(script.state, _amend(alert_seq, "value", 89, 99)) == (
        Rejection("target_seq", "an alert cannot be amended")
    )
    script.add(ev.Voided(target_seq=seq, reason="Probe on the wrong finger"), at(16))
    voided = validate_amendment(script.state, _amend(seq, "values.spo2", 89, 97))
    assert voided is not None and voided.field == "target_seq"
    assert "was marked entered in error" in voided.message


def test_chained_amendments_each_name_the_value_they_replace() -> None:
    script = dosed_script(IM)
    seq = script.add(ev.NoteAdded(text="Client said: the music is too loud"), at(20))
    script.add(
        _amend(seq, "text", "Client said: the music is too loud", "Client: music too loud"), at(21)
    )
    script.add(
        _amend(seq, "text", "Client: music too loud", "Client asked for quieter music"), at(22)
    )
    entry = script.state.entry(seq)
    assert entry.event.text == "Client asked for quieter music"
    assert [a.new for a in entry.amendments] == [
        "Client: music too loud",
        "Client asked for quieter music",
    ]


def test_amended_observed_time_moves_the_item_on_the_timeline() -> None:
    script = dosed_script(IM)
    seq = script.add(ev.NoteAdded(text="Client laughing"), at(20))
    script.add(
        _amend(seq, "observed_at", at(20).isoformat(), at(5).isoformat(), "Happened at onset"),
        at(21),
    )
    timeline = script.state.timeline
    position = [i.seq for i in timeline].index(seq)
    assert timeline[position].at == at(5)
    assert timeline[position - 1].at <= at(5) <= timeline[position + 1].at


def test_amended_checklist_answer_is_the_effective_answer() -> None:
    script = dosed_script(IM)
    answer = script.state.checklist["sedating_medicines"]
    script.add(_amend(answer.seq, "answer", False, True, "Takes zolpidem at night"), at(1))
    assert script.state.checklist["sedating_medicines"].answer is True


# -- entered in error -------------------------------------------------------------------------


def test_voided_entry_stays_on_the_timeline_marked_entered_in_error() -> None:
    script = dosed_script(IM)
    seq = script.add(ev.NoteAdded(text="Client asleep", for_integration=True), at(20))
    script.add(ev.Voided(target_seq=seq, reason="Wrong client"), at(21))
    state = script.state
    item = next(i for i in state.timeline if i.seq == seq)
    assert item.voided
    assert state.entry(seq).void_reason == "Wrong client"
    assert [n.voided for n in state.notes] == [True]


def test_voided_answer_falls_back_to_the_earlier_answer() -> None:
    script = dosed_script(IM)
    first = script.state.checklist["sedating_medicines"]
    second = script.add(ev.CheckAnswered(item_id="sedating_medicines", answer=True), at(1))
    assert script.state.checklist["sedating_medicines"].seq == second
    script.add(ev.Voided(target_seq=second, reason="Misheard"), at(2))
    assert script.state.checklist["sedating_medicines"].seq == first.seq


def test_voided_observation_no_longer_counts_as_the_last_value() -> None:
    script = dosed_script(IM)
    script.add(obs("early", 15, at(15), hr=70))
    seq = script.add(obs("early", 30, at(30), hr=140))
    script.add(ev.Voided(target_seq=seq, reason="Other client's monitor"), at(31))
    state = script.state
    assert state.last_values["hr"].value == 70
    assert [o.voided for o in state.observations[-2:]] == [False, True]


def test_voided_observation_closes_the_alerts_it_raised() -> None:
    script = dosed_script(IM)
    seq = script.add(obs("early", 15, at(15), spo2=85))
    assert script.state.alerts[0].open
    script.add(ev.Voided(target_seq=seq, reason="Probe fell off"), at(16))
    alert = script.state.alerts[0]
    assert (alert.open, alert.source_voided) == (False, True)


def test_voided_acknowledgement_reopens_its_alert() -> None:
    script = dosed_script(IM)
    script.add(obs("early", 15, at(15), spo2=85))
    alert_seq = script.seq_of("alert_raised")
    ack = script.add(ev.AlertAcknowledged(alert_seq=alert_seq), at(16))
    assert not script.state.alerts[0].open
    script.add(ev.Voided(target_seq=ack, reason="Acknowledged the wrong alert"), at(17))
    assert script.state.alerts[0].open


def test_voiding_twice_or_voiding_the_start_is_refused() -> None:
    script = dosed_script(IM)
    seq = script.add(ev.NoteAdded(text="x"), at(5))
    script.add(ev.Voided(target_seq=seq, reason="Typed by mistake"), at(6))
    assert script.check(ev.Voided(target_seq=seq, reason="again")) == (
        f"target_seq: entry #{seq} is already marked entered in error"
    )
    assert script.check(ev.Voided(target_seq=1, reason="no")) == (
        "target_seq: the session start cannot be marked entered in error"
    )


# -- intentions and adverse events -------------------------------------------------------------


def test_revised_intention_keeps_its_chain_and_voiding_the_revision_restores_it() -> None:
    script = dosed_script(IM)
    first = script.state.intentions[0]
    revision = script.add(
        ev.IntentionRecorded(
            prompt_id=first.prompt_id, text="To rest, not to fix", revises_seq=first.seq
        ),
        at(2),
    )
    state = script.state
    chain = next(c for c in state.intention_chains if c[0].seq == first.seq)
    assert [i.text for i in chain] == [first.text, "To rest, not to fix"]
    assert revision in [i.seq for i in state.current_intentions]
    assert first.seq not in [i.seq for i in state.current_intentions]
    assert script.check(ev.IntentionRecorded(text="again", revises_seq=first.seq)) == (
        f"revises_seq: #{first.seq} was already revised by #{revision}; revise the latest wording"
    )
    script.add(ev.Voided(target_seq=revision, reason="Client took it back"), at(3))
    assert first.seq in [i.seq for i in script.state.current_intentions]


def test_adverse_event_update_applies_on_top_of_the_logged_event() -> None:
    script = dosed_script(IM)
    logged = script.add(
        ev.AdverseEventLogged(
            term_id="nausea_vomiting", term="Nausea or vomiting", onset_at=at(25), severity="1"
        ),
        at(25),
    )
    script.add(
        ev.AdverseEventUpdated(
            target_seq=logged,
            severity="2",
            actions=["treatment_given"],
            treatment="Ondansetron 4 mg SL at 10:32",
        ),
        at(32),
    )
    script.add(
        ev.AdverseEventUpdated(target_seq=logged, outcome="recovered", resolved_at=at(50)), at(50)
    )
    adverse_event = script.state.adverse_events[0]
    assert adverse_event.effective.severity == "2"
    assert adverse_event.effective.outcome == "recovered"
    assert adverse_event.effective.resolved_at == at(50)
    assert adverse_event.event.severity == "1"  # as logged
    assert len(adverse_event.updates) == 2


def test_voided_adverse_event_is_not_counted() -> None:
    script = dosed_script(IM)
    logged = script.add(
        ev.AdverseEventLogged(
            term="Headache", term_id="headache", onset_at=at(30), severity="mild"
        ),
        at(30),
    )
    script.add(ev.Voided(target_seq=logged, reason="Logged for the wrong session"), at(31))
    state = script.state
    assert state.effective_adverse_events == ()
    assert script.check(ev.AdverseEventUpdated(target_seq=logged, outcome="recovered")) == (
        f"target_seq: adverse event #{logged} was marked entered in error"
    )


def test_update_or_acknowledgement_of_something_unknown_is_refused_and_tolerated_in_replay() -> (
    None
):
    script = dosed_script(IM)
    note = script.add(ev.NoteAdded(text="x"), at(5))
    assert script.check(ev.AdverseEventUpdated(target_seq=note, outcome="recovered")) == (
        f"target_seq: #{note} is not an adverse event"
    )
    script.add(ev.AdverseEventUpdated(target_seq=note, outcome="recovered"), at(6), check=False)
    script.add(ev.AlertAcknowledged(alert_seq=note), at(7), check=False)
    assert [i.reason for i in script.state.ineffective] == [
        f"there is no adverse event #{note}",
        f"there is no alert #{note}",
    ]


def test_adverse_event_severity_follows_the_catalogue_grading() -> None:
    script = dosed_script(IM)
    wrong = ev.AdverseEventLogged(
        term_id="headache", term="Headache", onset_at=at(30), severity="2"
    )
    assert script.check(wrong) == "severity: term 'headache' is graded mild, moderate or severe"
    serious = ev.AdverseEventLogged(term="Fall", onset_at=at(30), severity="3", serious=True)
    assert script.check(serious) == "serious_criterion: a serious adverse event needs its criterion"


# -- checks before journaling -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"sbp": 400}, "sbp: outside 50–260 mmHg"),
        ({"spo2": 49.5}, "spo2: outside 50–100 %"),
        ({"glucose": 5}, "glucose: not a measure of this protocol"),
        ({"moaas": 7}, "moaas: not a level of Sedation (MOAA/S) (0–5)"),
        ({"nausea": "maybe"}, "nausea: expected yes or no"),
        ({"hr": True}, "hr: expected a number"),
        ({}, "values: an observation needs at least one value or a note"),
    ],
)
def test_observation_value_that_cannot_be_right_is_refused_naming_the_field(
    values: dict, message: str
) -> None:
    script = dosed_script(IM)
    problem = script.check(obs("early", 15, at(15), **values))
    assert problem is not None and problem.startswith(message)


def test_observation_round_and_due_time_must_exist() -> None:
    script = dosed_script(IM)
    assert script.check(obs("early", 20, at(20), hr=70)) == (
        "due_minutes: the Early round (every 15 min) is not due at 20 min (due at: 15, 30, 45, 60)"
    )
    assert script.check(obs("hourly", None, at(20), hr=70)).startswith(
        "round_id: 'hourly' is not a round"
    )
    assert script.check(obs("baseline", None, at(20), hr=70)) == (
        "round_id: the baseline comes before the first dose; record this reading in a round"
    )


def test_rounds_before_the_dose_are_refused() -> None:
    protocol = load_protocol(IM)
    script = SessionScript(protocol)
    script.add_all(pre_session_events(protocol))
    assert script.check(obs("early", 15, at(-1), hr=70)) == (
        "round_id: no dose yet; record readings before the dose as the baseline"
    )


def test_dose_outside_the_protocol_bounds_is_refused() -> None:
    protocol = load_protocol(IM)
    script = SessionScript(protocol)
    script.add_all(pre_session_events(protocol))
    dose = first_dose(protocol, T0)
    assert script.check(dose.model_copy(update={"route": "IV"})) == (
        "route: not allowed by this protocol (allowed: IM)"
    )
    assert script.check(dose.model_copy(update={"dose_mg": 80.0})) == "dose_mg: outside 10–60 mg"
    assert script.check(dose.model_copy(update={"dose_mg": 5.0})) == "dose_mg: outside 10–60 mg"
    assert script.check(dose.model_copy(update={"dose_mg": 60.0})) == (
        "dose_mg: per kg of weight_kg, outside 0.5–0.75 mg/kg"
    )
    assert script.check(dose.model_copy(update={"weight_kg": None})) == (
        "weight_kg: this protocol doses by weight; enter the weight used"
    )
    assert script.check(dose.model_copy(update={"drug": "esketamine"})) == (
        "drug: this protocol gives ketamine"
    )
    script.add(dose)
    assert script.check(
        dose.model_copy(update={"observed_at": at(10), "dose_mg": 10.0})
    ).startswith("kind: the first dose was given at 10:00; record a booster instead")


def test_dose_needs_a_go_decision() -> None:
    protocol = load_protocol(IM)
    script = SessionScript(protocol)
    script.add_all(e for e in pre_session_events(protocol) if not isinstance(e, ev.GoDecision))
    assert (
        script.check(first_dose(protocol, T0))
        == "no go decision yet: dosing needs a go decision first"
    )


def test_booster_outside_its_window_or_over_its_count_is_refused() -> None:
    script = dosed_script("sublingual-ketamine-180")  # booster 30–45 min, once, 100–200 mg
    booster = ev.DoseGiven(
        kind="booster", drug="ketamine", route="SL", dose_mg=100, given_by=PRESCRIBER
    )
    assert script.check(stamp(booster, at(20))) == (
        "a booster at 20 min is outside the window 30–45 min after the first dose"
    )
    assert script.check(stamp(booster.model_copy(update={"dose_mg": 90.0}), at(35))) == (
        "dose_mg: outside 100–200 mg for a booster"
    )
    script.add(booster, at(35))
    assert (
        script.check(stamp(booster, at(40))) == "the protocol allows 1 booster, and 1 already given"
    )


def test_nasal_devices_are_counted_and_capped() -> None:
    script = dosed_script("esketamine-120")  # 28 mg devices, 2 to 3, total at most 84 mg
    device = ev.DoseGiven(
        kind="device", drug="esketamine", route="IN", dose_mg=28, given_by="Client (observed)"
    )
    assert script.check(stamp(device.model_copy(update={"device_number": 3}), at(5))) == (
        "device_number: the next device is number 2"
    )
    assert script.check(stamp(device.model_copy(update={"dose_mg": 56.0}), at(5))) == (
        "dose_mg: each device is 28 mg"
    )
    script.add(device.model_copy(update={"device_number": 2}), at(5))
    script.add(device, at(10))
    assert script.state.t0 == T0
    assert script.check(stamp(device, at(15))) == "all 3 devices have been given"
    assert script.check(stamp(device.model_copy(update={"dose_mg": 56.0}), at(15))) == (
        "all 3 devices have been given"
    )


def test_nothing_is_journaled_before_the_start_or_after_the_close() -> None:
    protocol = load_protocol(IM)
    script = SessionScript(protocol)
    assert script.check(stamp(ev.NoteAdded(text="x"), at(-50))) == "the session has not started yet"
    script.add_all(pre_session_events(protocol, decision="no_go", reason="Unwell today"))
    script.add(ev.SessionClosed(outcome="no_go"), at(-10))
    assert (
        script.check(stamp(ev.NoteAdded(text="x"), at(-9)))
        == "the session is closed; nothing more can be added"
    )
    written = ev.RecordWritten(
        record_path="r.toml", record_sha256="a" * 64, journal_head="b" * 64, event_count=20
    )
    assert script.check(stamp(written, at(-9))) is None


# -- purity and speed of the fold ------------------------------------------------------------------


def test_fold_is_pure_and_replay_gives_the_same_state() -> None:
    script = dosed_script(IM)
    script.add(obs("early", 15, at(15), sbp=185, nausea=True))
    assert fold(script.protocol, script.entries) == fold(script.protocol, list(script.entries))
    assert fold(script.protocol, script.entries) == script.state


def test_snapshot_taken_earlier_does_not_change_when_more_events_arrive() -> None:
    protocol = load_protocol(IM)
    entries = numbered(events_until_dosed(protocol))
    builder = StateBuilder(protocol)
    for seq, event in entries:
        builder.apply(seq, event)
    before = builder.snapshot()
    seq = len(entries) + 1
    builder.apply(seq, obs("early", 15, at(15), sbp=130))
    builder.apply(seq + 1, stamp(ev.Voided(target_seq=seq, reason="Wrong client"), at(16)))
    builder.apply(seq + 2, stamp(_amend(2, "answer", True, False), at(17)))
    assert before == fold(protocol, entries)
    assert builder.snapshot() != before


def test_out_of_order_seq_is_left_out_and_said_so() -> None:
    protocol = load_protocol(IM)
    state = fold(
        protocol,
        [(5, session_started(protocol, at(-45))), (5, stamp(ev.NoteAdded(text="x"), at(-44)))],
    )
    assert state.event_count == 1
    assert state.ineffective[0].reason == "seq 5 does not follow 5; left out"


# -- any journal folds, and folding as it grows equals folding at once ----------------------------

PROTOCOL_NAMES = (
    "im-ketamine-120",
    "esketamine-120",
    "sublingual-ketamine-180",
    "training/sublingual-practice",
)
VALUES = st.one_of(
    st.integers(-5, 300).map(float),
    st.booleans(),
    st.sampled_from(["", "calm", "n/a"]),
    st.just(float("nan")),
)
AMENDABLE_FIELDS = (
    "values.sbp",
    "values.hr",
    "values.suds",
    "text",
    "note",
    "answer",
    "severity",
    "outcome",
    "observed_at",
    "round_id",
    "due_minutes",
    "checks.oriented",
    "recorded_by",
    "no_such_field",
)


def _current(event: ev.EventBase, field: str) -> object:
    data: object = event.model_dump(mode="json")
    for part in field.split("."):
        if not isinstance(data, dict) or part not in data:
            return None
        data = data[part]
    return data


@st.composite
def journals(draw: st.DrawFn) -> tuple[str, list[tuple[int, ev.EventBase]]]:
    """A journal as it might be found on disk: mostly sensible, sometimes not (references to
    entries that do not exist, stale corrections, values out of range), always in seq order."""
    name = draw(st.sampled_from(PROTOCOL_NAMES))
    protocol = load_protocol(name)
    events: list[ev.EventBase] = []
    if draw(st.booleans()):
        events.extend(events_until_dosed(protocol))
    minute = draw(st.floats(-60, 30))
    measure_ids = [m.id for m in protocol.measures] + ["bogus"]
    round_ids = [r.id for r in protocol.schedule] + ["baseline", "bogus"]
    for _ in range(draw(st.integers(0, 40))):
        minute += draw(st.floats(0, 15))
        when = at(minute)
        target = draw(st.integers(0, len(events) + 2))
        kind = draw(
            st.sampled_from(
                [
                    "observation",
                    "observation",
                    "amend",
                    "amend",
                    "void",
                    "ack",
                    "alert",
                    "adverse_event",
                    "update",
                    "note",
                    "phase",
                    "dose",
                    "answer",
                    "intention",
                    "assessment",
                    "ready",
                    "discharged",
                    "closed",
                    "go",
                    "started",
                    "resumed",
                ]
            )
        )
        event: ev.EventBase
        if kind == "observation":
            values = draw(st.dictionaries(st.sampled_from(measure_ids), VALUES, max_size=4))
            event = ev.ObservationRecorded(
                round_id=draw(st.sampled_from(round_ids)),
                due_minutes=draw(st.one_of(st.none(), st.sampled_from([15, 30, 40, 45, 90]))),
                values=values,
            )
        elif kind == "amend":
            fields = list(AMENDABLE_FIELDS)
            if 0 < target <= len(events):
                data = events[target - 1].model_dump(mode="json")
                fields += [k for k in data if k != "type"] * 2
                fields += [
                    f"{k}.{inner}"
                    for k in ("values", "checks", "items")
                    for inner in data.get(k) or {}
                ] * 3
            field = draw(st.sampled_from(fields))
            current = _current(events[target - 1], field) if 0 < target <= len(events) else None
            old = current if draw(st.integers(0, 3)) else draw(VALUES)
            if isinstance(current, bool):
                new_values = st.booleans()
            elif isinstance(current, int | float):
                new_values = st.integers(0, 200).map(float)
            else:
                new_values = st.one_of(
                    VALUES, st.just(when.isoformat()), st.sampled_from(["2", "recovered", "early"])
                )
            event = ev.Amended(
                target_seq=target, field=field, old=old, new=draw(new_values), reason="Correction"
            )
        elif kind == "void":
            event = ev.Voided(target_seq=target, reason="Entered in error")
        elif kind == "ack":
            event = ev.AlertAcknowledged(alert_seq=target)
        elif kind == "alert":
            event = ev.AlertRaised(
                source_seq=target,
                measure_id="sbp",
                threshold_index=0,
                level=draw(st.sampled_from(["notice", "warning", "urgent"])),
                value=1,
                message="m",
            )
        elif kind == "adverse_event":
            event = ev.AdverseEventLogged(
                term="Nausea", onset_at=when, severity=draw(st.sampled_from(["1", "mild"]))
            )
        elif kind == "update":
            event = ev.AdverseEventUpdated(
                target_seq=target,
                outcome=draw(st.sampled_from(["recovered", None])),
                severity=draw(st.sampled_from(["2", None])),
            )
        elif kind == "note":
            event = ev.NoteAdded(
                text=draw(st.sampled_from(["Resting", "“I feel held”"])),
                client_quote=draw(st.booleans()),
            )
        elif kind == "phase":
            event = ev.PhaseMarked(phase_id=draw(st.sampled_from(["recovery", "peak", "bogus"])))
        elif kind == "dose":
            event = first_dose(protocol, when).model_copy(
                update={"kind": draw(st.sampled_from(["initial", "booster", "device"]))}
            )
        elif kind == "answer":
            item = draw(st.sampled_from([i.id for i in protocol.checklist] + ["bogus"]))
            event = ev.CheckAnswered(item_id=item, answer=draw(st.one_of(st.none(), VALUES)))
        elif kind == "intention":
            event = ev.IntentionRecorded(
                text="To listen", revises_seq=draw(st.one_of(st.none(), st.just(target)))
            )
        elif kind == "assessment":
            items = draw(
                st.dictionaries(
                    st.sampled_from(["activity", "spo2", "bogus"]), st.integers(-1, 3), max_size=3
                )
            )
            event = ev.DischargeAssessed(
                scores={"modified_aldrete": items},
                checks={"oriented": draw(st.booleans())},
                escort_present=draw(st.booleans()),
            )
        elif kind == "ready":
            event = ev.ReadyToLeave()
        elif kind == "discharged":
            event = ev.Discharged(discharged_by=PRESCRIBER)
        elif kind == "closed":
            event = ev.SessionClosed(
                outcome=draw(st.sampled_from(["completed", "stopped_early", "no_go"]))
            )
        elif kind == "go":
            event = ev.GoDecision(
                decision=draw(st.sampled_from(["go", "no_go"])),
                decided_by=PRESCRIBER,
                overrides=draw(st.lists(st.sampled_from(["sbp", "fasting_food"]), max_size=2)),
            )
        elif kind == "started":
            event = session_started(protocol, when)
        else:
            event = ev.Resumed(torn_bytes=draw(st.integers(0, 300)))
        late = draw(st.sampled_from([0, 0, 0, 1, 3, 45]))
        events.append(stamp(event, when, recorded_at=when + timedelta(minutes=late)))
    return name, numbered(events)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(journal=journals(), data=st.data())
def test_any_journal_folds_and_folding_as_it_grows_equals_folding_at_once(
    journal: tuple[str, list[tuple[int, ev.EventBase]]], data: st.DataObject
) -> None:
    name, entries = journal
    protocol = load_protocol(name)
    at_once = fold(protocol, entries)
    assert at_once.event_count == len(entries)
    builder = StateBuilder(protocol)
    snapshots = []
    for index, (seq, event) in enumerate(entries, start=1):
        builder.apply(seq, event)
        if data.draw(st.booleans(), label="snapshot here"):
            snapshots.append((index, builder.snapshot()))
    assert builder.snapshot() == at_once
    for index, snapshot in snapshots:
        assert snapshot == fold(protocol, entries[:index]), f"snapshot after {index} events changed"
    # Everything read from a state works on any state.
    now = at(data.draw(st.floats(-60, 400), label="minutes"))
    round_slots(protocol, at_once, now)
    schedule_facts(protocol, at_once, now)
    discharge_status(protocol, at_once, now)
    dosing_blocks(protocol, at_once)
    escalation(at_once, now, bell_after_seconds=60)
    [item.summary for item in at_once.timeline]
    for _seq, event in entries:
        validate_event(protocol, at_once, event)
