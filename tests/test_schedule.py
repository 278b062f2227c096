"""When observation rounds fall due, become late or missed, and which reading answers which round.

IM example protocol: "early" rounds at 15, 30, 45, 60 min (grace 5), "late" rounds at 90 and
120 min (grace 10), and a "before discharge" round. Esketamine example: BP at 40 min (grace 5,
missed after 20) among rounds every 15 and every 30 minutes.
"""

from __future__ import annotations

from datetime import timedelta

from session_builders import (
    PRESCRIBER,
    SessionScript,
    at,
    dosed_script,
    load_protocol,
    obs,
    pre_session_events,
)

from kap_console.session import events as ev
from kap_console.session.rules.schedule import (
    RoundSlot,
    RoundSlots,
    format_countdown,
    round_slots,
    schedule_facts,
)

IM = "im-ketamine-120"


def _view(script: SessionScript, minutes: float) -> RoundSlots:
    return round_slots(script.protocol, script.state, at(minutes))


def _slot(view: RoundSlots, round_id: str, due: int | None) -> RoundSlot:
    return next(s for s in view.slots if s.round_id == round_id and s.due_minutes == due)


def test_nothing_is_due_before_the_first_dose() -> None:
    script = SessionScript(load_protocol(IM))
    script.add_all(pre_session_events(script.protocol))
    view = _view(script, -1)
    assert view.slots == ()
    assert view.next_due is None
    assert view.sentence == "Rounds start at the first dose"


def test_a_no_go_session_never_has_rounds() -> None:
    script = SessionScript(load_protocol(IM))
    script.add_all(
        pre_session_events(script.protocol, decision="no_go", reason="BP 170/104 after rest")
    )
    script.add(ev.SessionClosed(outcome="no_go"), at(-10))
    view = _view(script, 30)
    assert (view.slots, view.sentence) == ((), "Session ended before any dose: no rounds")


def test_every_scheduled_round_is_listed_from_t0() -> None:
    view = _view(dosed_script(IM), 1)
    assert [(s.round_id, s.due_minutes) for s in view.slots] == [
        ("early", 15),
        ("early", 30),
        ("early", 45),
        ("early", 60),
        ("late", 90),
        ("late", 120),
        ("pre_discharge", None),
    ]
    assert _slot(view, "late", 90).due_at == at(90)
    assert {s.status for s in view.slots} == {"upcoming"}


def test_first_round_counts_down_from_the_dose() -> None:
    view = _view(dosed_script(IM), 10.8)  # T+10:48
    assert view.next_due == _slot(view, "early", 15)
    assert view.countdown == timedelta(minutes=4, seconds=12)
    assert view.sentence == "Early round due in 4 min"


def test_countdown_says_whole_minutes_until_its_final_minute() -> None:
    assert format_countdown(timedelta(hours=1, minutes=5, seconds=30)) == "1 h 05 min"
    assert format_countdown(timedelta(minutes=14, seconds=59)) == "14 min"
    assert format_countdown(timedelta(minutes=1)) == "1 min"
    assert format_countdown(timedelta(seconds=59.9)) == "00:59"
    assert format_countdown(timedelta(seconds=1)) == "00:01"


def test_countdown_words_change_once_a_minute_while_more_than_a_minute_away() -> None:
    script = dosed_script(IM)  # the early round falls due at T+15
    seconds = range(int(10 * 60), int(14 * 60))  # T+10:00 to T+13:59, a tick a second
    said = [_view(script, second / 60).sentence for second in seconds]
    changes = sum(1 for before, after in zip(said, said[1:], strict=False) if before != after)
    assert changes == 4  # "due in 5 min" → 4 → 3 → 2 → 1 min, nothing in between
    assert said[0] == "Early round due in 5 min"
    assert said[-1] == "Early round due in 1 min"


def test_final_minute_counts_seconds_and_due_shows_at_the_second() -> None:
    script = dosed_script(IM)
    assert _view(script, 14).sentence == "Early round due in 1 min"
    assert _view(script, 14 + 1 / 60).sentence == "Early round due in 00:59"
    before, at_due, after = (_view(script, 15 + s / 60) for s in (-1, 0, 1))
    assert before.sentence == "Early round due in 00:01"
    assert _slot(before, "early", 15).status == "upcoming"
    assert at_due.sentence == "Early round due now"
    assert after.sentence == "Early round due now"
    assert _slot(after, "early", 15).status == "due"


def test_a_late_round_says_by_how_much_to_the_second() -> None:
    script = dosed_script(IM)  # grace 5 minutes: late from T+20
    assert _view(script, 20 + 1 / 60).sentence == "Early round LATE by 05:01"
    assert _view(script, 20 + 2 / 60).sentence == "Early round LATE by 05:02"


def test_round_is_late_after_grace_and_missed_when_next_is_due() -> None:
    script = dosed_script(IM)
    at_due = _view(script, 15)
    assert _slot(at_due, "early", 15).status == "due"
    assert at_due.sentence == "Early round due now"
    end_of_grace = _view(script, 20)
    assert _slot(end_of_grace, "early", 15).status == "due"
    late = _view(script, 23 + 10 / 60)  # T+23:10
    slot = _slot(late, "early", 15)
    assert (slot.status, slot.late_by) == ("late", timedelta(minutes=8, seconds=10))
    assert late.countdown == -timedelta(minutes=8, seconds=10)
    assert late.sentence == "Early round LATE by 08:10"
    next_due = _view(script, 30)
    assert _slot(next_due, "early", 15).status == "missed"
    assert _slot(next_due, "early", 30).status == "due"
    assert next_due.next_due == _slot(next_due, "early", 30)


def test_last_round_of_a_kind_is_missed_once_the_schedule_moves_on() -> None:
    script = dosed_script(IM)
    for minutes in (15, 30, 45):
        script.add(obs("early", minutes, at(minutes), sbp=126))
    assert _slot(_view(script, 89), "early", 60).status == "late"
    view = _view(script, 90)
    assert _slot(view, "early", 60).status == "missed"
    assert view.sentence == "Later round due now"


def test_very_last_round_stays_late_until_the_session_ends() -> None:
    view = _view(dosed_script(IM), 200)
    slot = _slot(view, "late", 120)
    assert (slot.status, slot.late_by) == ("late", timedelta(minutes=80))


def test_missed_after_minutes_marks_the_40_minute_bp_missed_on_its_own_clock() -> None:
    script = dosed_script("esketamine-120")
    assert _slot(_view(script, 59.9), "bp_40", 40).status == "late"
    assert _slot(_view(script, 60), "bp_40", 40).status == "missed"


def test_several_rounds_due_at_once_are_counted_in_the_sentence() -> None:
    script = dosed_script("esketamine-120")
    script.add(obs("watch", 15, at(15), spo2=97))
    view = _view(script, 30)
    assert [s.round_id for s in view.waiting] == ["watch", "bp"]
    assert view.sentence == "SpO2, sedation, dissociation, breathing due now (+1 more due)"


def test_a_partial_round_still_answers_its_slot() -> None:
    script = dosed_script(IM)
    seq = script.add(obs("early", 15, at(15.5), sbp=126))
    slot = _slot(_view(script, 16), "early", 15)
    assert (slot.status, slot.done_seq, slot.late_by) == ("done", seq, None)


def test_observation_naming_its_due_minutes_satisfies_that_slot_even_when_late() -> None:
    script = dosed_script(IM)
    script.add(obs("early", 15, at(27), sbp=126, hr=70))
    view = _view(script, 28)
    slot = _slot(view, "early", 15)
    assert (slot.status, slot.late_by) == ("done", timedelta(minutes=12))
    assert _slot(view, "early", 30).status == "upcoming"
    assert view.sentence == "Early round due in 2 min"


def test_undated_observation_answers_the_slot_whose_window_holds_it() -> None:
    script = dosed_script(IM)
    seq = script.add(obs("early", None, at(33), sbp=126))
    view = _view(script, 34)
    assert _slot(view, "early", 30).done_seq == seq
    assert _slot(view, "early", 15).status == "missed"


def test_undated_observation_a_little_early_answers_the_coming_slot() -> None:
    script = dosed_script(IM)
    seq = script.add(obs("early", None, at(12), sbp=126))
    assert _slot(_view(script, 13), "early", 15).done_seq == seq


def test_recheck_minutes_after_a_round_does_not_use_up_the_next_round() -> None:
    script = dosed_script(IM)
    script.add(obs("early", 15, at(15), sbp=165))
    script.add(obs("early", None, at(20), sbp=150))  # recheck after a high reading
    view = _view(script, 26)
    assert _slot(view, "early", 30).status == "upcoming"
    assert _slot(view, "early", 30).done_seq is None


def test_voided_observation_no_longer_satisfies_its_round() -> None:
    script = dosed_script(IM)
    seq = script.add(obs("early", 15, at(15), sbp=126))
    assert _slot(_view(script, 16), "early", 15).status == "done"
    script.add(ev.Voided(target_seq=seq, reason="Entered for the wrong client"), at(17))
    view = _view(script, 21)
    assert _slot(view, "early", 15).status == "late"
    assert view.sentence == "Early round LATE by 06:00"


def test_before_discharge_round_is_due_when_recovery_starts_until_done() -> None:
    script = dosed_script(IM)
    assert _slot(_view(script, 85), "pre_discharge", None).status == "upcoming"
    script.add(obs("early", 60, at(60), sbp=130))
    script.add(obs("late", 90, at(90), sbp=130))
    script.add(ev.PhaseMarked(phase_id="recovery"), at(92))
    view = _view(script, 93)
    slot = _slot(view, "pre_discharge", None)
    assert (slot.status, slot.due_at) == ("due", at(92))
    assert view.sentence == "Before discharge due now"
    seq = script.add(obs("pre_discharge", None, at(94), sbp=128, dbp=80, hr=70, spo2=98, suds=2))
    view = _view(script, 95)
    assert _slot(view, "pre_discharge", None).done_seq == seq
    assert view.sentence == "Later round due in 25 min"


def test_after_discharge_the_schedule_stops_and_undone_due_rounds_are_missed() -> None:
    script = dosed_script(IM)
    for minutes in (15, 30, 60):
        script.add(obs("early", minutes, at(minutes), sbp=126))
    script.add(
        ev.Discharged(discharged_by=PRESCRIBER, criteria_override_reason="Left against advice"),
        at(70),
    )
    view = _view(script, 200)
    assert view.next_due is None
    assert view.sentence == "Session ended: no more rounds"
    statuses = {(s.round_id, s.due_minutes): s.status for s in view.slots}
    assert statuses[("early", 45)] == "missed"
    assert statuses[("late", 90)] == "upcoming"  # never came due
    assert statuses[("pre_discharge", None)] == "missed"


def test_no_more_rounds_once_every_round_is_done() -> None:
    script = dosed_script("training/quick-im-practice")
    for spec in script.protocol.schedule:
        for minutes in spec.offsets():
            script.add(obs(spec.id, minutes, at(minutes), **{spec.measures[0]: 98}))
    view = _view(script, script.protocol.window_minutes)
    assert view.next_due is None
    assert view.sentence == "Before discharge when recovery starts"
    script.add(ev.PhaseMarked(phase_id="recovery"), at(script.protocol.window_minutes))
    discharge_round = next(s for s in script.protocol.schedule if s.at_discharge)
    script.add(obs(discharge_round.id, None, at(script.protocol.window_minutes + 1), sbp=120))
    view = _view(script, script.protocol.window_minutes + 2)
    assert view.next_due is None
    assert view.sentence == "No more rounds scheduled"


def test_schedule_facts_list_missed_and_late_rounds_for_the_record() -> None:
    script = dosed_script(IM)
    script.add(obs("early", 15, at(15), sbp=126))
    script.add(obs("early", 30, at(42), sbp=126))  # 12 minutes late
    facts = schedule_facts(script.protocol, script.state, at(62))
    assert [(f.kind, f.slot.due_minutes, f.text) for f in facts] == [
        ("late", 30, "Early round at T+30 done 12 min late"),
        ("missed", 45, "Early round at T+45 missed"),
    ]
    later = schedule_facts(script.protocol, script.state, at(68))
    assert later[-1].text == "Early round at T+60 late by 8 min, not yet done"
