"""Alert rules: thresholds from the protocol, no repeated alerts, dosing holds, escalation."""

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

from kap_console.protocol.models import Protocol
from kap_console.session import events as ev
from kap_console.session.rules.alerts import (
    alerts_for_observation,
    dosing_blocks,
    escalation,
    open_alerts,
    tripped,
)

IM = "im-ketamine-120"


def _with_sbp_thresholds(protocol: Protocol, thresholds: list[dict[str, object]]) -> Protocol:
    data = protocol.model_dump()
    for measure in data["measures"]:
        if measure["id"] == "sbp":
            measure["thresholds"] = thresholds
    return Protocol.model_validate(data)


# -- which thresholds a value trips ---------------------------------------------------------


def test_bp_at_40_minutes_above_threshold_raises_urgent_alert() -> None:
    script = dosed_script(IM)
    seq = script.add(obs("early", 45, at(40), sbp=184, dbp=96, hr=88, spo2=97))
    alerts = script.state.alerts
    assert [(a.measure_id, a.level, a.value, a.event.source_seq) for a in alerts] == [
        ("sbp", "urgent", 184.0, seq)
    ]
    assert alerts[0].message == "Systolic 180 or more: call the prescriber"
    assert alerts[0].event.response[0] == "Call the prescriber now"
    assert alerts[0].observed_at == at(40)


def test_reading_over_two_thresholds_raises_only_the_most_severe() -> None:
    protocol = load_protocol(IM)
    hits = tripped(protocol, "sbp", 185, scope="monitoring")
    assert [(h.level, h.threshold_index) for h in hits] == [("warning", 1), ("urgent", 2)]
    script = dosed_script(IM)
    script.add(obs("early", 15, at(15), sbp=185))
    assert [a.level for a in script.state.alerts] == ["urgent"]


def test_baseline_threshold_applies_to_baseline_readings_only() -> None:
    protocol = load_protocol(IM)
    baseline = tripped(protocol, "sbp", 150, scope="baseline")
    assert [(h.level, h.blocks_dosing) for h in baseline] == [("warning", True)]
    assert tripped(protocol, "sbp", 150, scope="monitoring") == []
    # "any" thresholds apply to both
    assert [h.level for h in tripped(protocol, "spo2", 90, scope="baseline")] == ["urgent"]
    assert [h.level for h in tripped(protocol, "spo2", 90, scope="monitoring")] == ["urgent"]


def test_thresholds_come_from_the_protocol_not_the_code() -> None:
    strict = _with_sbp_thresholds(
        load_protocol(IM), [{"level": "notice", "above": 125, "message": "Systolic above 125"}]
    )
    assert [h.message for h in tripped(strict, "sbp", 130, scope="monitoring")] == [
        "Systolic above 125"
    ]
    assert tripped(strict, "sbp", 200, scope="monitoring")[0].level == "notice"


def test_comparisons_at_the_limit() -> None:
    protocol = load_protocol(IM)
    assert tripped(protocol, "sbp", 180, scope="monitoring")[-1].level == "urgent"  # at_least 180
    assert tripped(protocol, "hr", 120, scope="monitoring") == []  # above 120
    assert tripped(protocol, "spo2", 92, scope="monitoring") == []  # below 92
    assert tripped(protocol, "moaas", 2, scope="monitoring")[0].level == "urgent"  # at_most 2


def test_nausea_yes_counts_as_one_and_raises_a_notice() -> None:
    script = dosed_script(IM)
    script.add(obs("early", 15, at(15), nausea=True))
    assert [(a.measure_id, a.level, a.value) for a in script.state.alerts] == [
        ("nausea", "notice", 1.0)
    ]
    script.add(obs("early", 30, at(30), nausea=False))
    assert len(script.state.alerts) == 1


def test_text_values_raise_nothing() -> None:
    script = dosed_script(IM)
    event = obs("late", 90, at(90), note="client asleep, SpO2 probe slipped")
    assert alerts_for_observation(script.protocol, script.state, event, 99) == []


# -- not raising the same alert twice ---------------------------------------------------------


def test_open_alert_is_not_raised_again_for_the_same_threshold() -> None:
    script = dosed_script(IM)
    script.add(obs("early", 15, at(15), sbp=182))
    script.add(obs("early", None, at(20), sbp=186))  # recheck, still high
    assert len(script.state.alerts) == 1


def test_a_more_severe_threshold_is_raised_while_a_milder_one_is_open() -> None:
    script = dosed_script(IM)
    script.add(obs("early", 15, at(15), sbp=165))
    script.add(obs("early", 30, at(30), sbp=182))
    assert [a.level for a in script.state.alerts] == ["warning", "urgent"]


def test_acknowledged_alert_is_raised_again_when_the_reading_still_trips() -> None:
    script = dosed_script(IM)
    script.add(obs("early", 15, at(15), sbp=182))
    first = script.seq_of("alert_raised")
    script.add(ev.AlertAcknowledged(alert_seq=first, note="Prescriber called"), at(16))
    script.add(obs("early", 30, at(30), sbp=181))
    alerts = script.state.alerts
    assert [(a.seq == first, a.open) for a in alerts] == [(True, False), (False, True)]


# -- open alerts and escalation ---------------------------------------------------------------


def test_open_alerts_are_sorted_urgent_first_then_oldest() -> None:
    script = dosed_script(IM)
    script.add(obs("early", 15, at(15), nausea=True))  # notice
    script.add(obs("early", 30, at(30), sbp=165))  # warning
    script.add(obs("early", 45, at(45), spo2=89))  # urgent
    script.add(obs("early", 60, at(60), rr=8))  # urgent, later
    levels = [(a.level, a.measure_id) for a in open_alerts(script.state)]
    assert levels == [
        ("urgent", "spo2"),
        ("urgent", "rr"),
        ("warning", "sbp"),
        ("notice", "nausea"),
    ]


def test_escalation_is_quiet_by_default() -> None:
    script = dosed_script(IM)
    assert escalation(script.state, at(10)) == "none"
    script.add(obs("early", 15, at(15), nausea=True))
    assert escalation(script.state, at(16)) == "colour"
    script.add(obs("early", 30, at(30), suds=9))
    assert escalation(script.state, at(31)) == "banner"


def test_urgent_alert_rings_the_bell_only_when_configured_and_left_unacknowledged() -> None:
    script = dosed_script(IM)
    script.add(obs("early", 15, at(15), spo2=88))
    alert = script.state.alerts[0]
    assert escalation(script.state, at(60)) == "banner"  # no bell unless configured
    assert (
        escalation(script.state, at(15) + timedelta(seconds=30), bell_after_seconds=60) == "banner"
    )
    assert escalation(script.state, at(15) + timedelta(seconds=61), bell_after_seconds=60) == "bell"
    script.add(ev.AlertAcknowledged(alert_seq=alert.seq), at(17))
    assert escalation(script.state, at(18), bell_after_seconds=60) == "none"


def test_acknowledging_an_unknown_or_acknowledged_alert_is_refused() -> None:
    script = dosed_script(IM)
    script.add(obs("early", 15, at(15), spo2=88))
    alert_seq = script.seq_of("alert_raised")
    assert script.check(ev.AlertAcknowledged(alert_seq=3)) == "alert_seq: #3 is not an alert"
    script.add(ev.AlertAcknowledged(alert_seq=alert_seq), at(16))
    problem = script.check(ev.AlertAcknowledged(alert_seq=alert_seq))
    assert (
        problem == f"alert_seq: alert #{alert_seq} was already acknowledged at 10:16 by Alex Rivera"
    )


# -- what holds the dose ------------------------------------------------------------------------


def _pre_session(**options: object) -> SessionScript:
    script = SessionScript(load_protocol(IM))
    events = pre_session_events(script.protocol, **options)  # type: ignore[arg-type]
    script.add_all(event for event in events if not isinstance(event, ev.GoDecision))
    return script


def test_calm_pre_session_holds_nothing() -> None:
    assert dosing_blocks(_pre_session().protocol, _pre_session().state) == []


def test_blocking_answer_and_unanswered_item_hold_the_dose() -> None:
    script = _pre_session(answers={"fasting_food": False, "contraindications": None})
    blocks = dosing_blocks(script.protocol, script.state)
    assert [(b.kind, b.id) for b in blocks] == [
        ("checklist", "fasting_food"),
        ("missing", "contraindications"),
    ]
    assert blocks[0].message == "No food in the last 4 hours: no"


def test_high_baseline_bp_and_missing_baseline_hold_the_dose() -> None:
    script = _pre_session(baseline={"sbp": 152, "dbp": 88, "hr": 70, "spo2": 98, "suds": 3})
    blocks = dosing_blocks(script.protocol, script.state)
    assert [(b.kind, b.id) for b in blocks] == [("baseline", "sbp"), ("missing", "rr")]
    assert blocks[0].message == "Systolic BP 152: Baseline systolic above 140: hold the dose"


def test_rest_and_recheck_below_the_limit_clears_the_hold() -> None:
    script = _pre_session(
        baseline={"sbp": 152, "dbp": 88, "hr": 70, "spo2": 98, "rr": 14, "suds": 3}
    )
    script.add(obs("baseline", None, at(-25), sbp=136, dbp=86))
    assert dosing_blocks(script.protocol, script.state) == []


def test_go_decision_with_a_hold_needs_an_override_with_a_reason() -> None:
    script = _pre_session(
        baseline={"sbp": 152, "dbp": 88, "hr": 70, "spo2": 98, "rr": 14, "suds": 3}
    )
    plain_go = ev.GoDecision(decision="go", decided_by=PRESCRIBER)
    assert script.check(plain_go) == (
        "dosing is held: Systolic BP 152: Baseline systolic above 140: hold the dose. Resolve it, "
        "name 'sbp' in overrides with a reason, or decide no-go"
    )
    no_reason = ev.GoDecision(decision="go", decided_by=PRESCRIBER, overrides=["sbp"])
    assert script.check(no_reason) == "reason: an override needs the reason it is safe to go on"
    wrong = ev.GoDecision(decision="go", decided_by=PRESCRIBER, overrides=["hr"], reason="fine")
    assert script.check(wrong) == "overrides: 'hr' is not holding the dose now"
    overridden = ev.GoDecision(
        decision="go",
        decided_by=PRESCRIBER,
        overrides=["sbp"],
        reason="White-coat pattern known; 138 on the home cuff this morning",
    )
    script.add(overridden, at(-20))
    assert dosing_blocks(script.protocol, script.state) == []
    assert script.state.stage == "dosing"  # intentions and consent were already recorded


def test_no_go_needs_a_reason() -> None:
    script = _pre_session()
    assert script.check(ev.GoDecision(decision="no_go", decided_by=PRESCRIBER)) == (
        "reason: say why it is a no-go"
    )
