"""An acknowledged alert stands while its value is out of range; a corrected reading says so."""

from __future__ import annotations

from datetime import timedelta

from session_builders import SessionScript, at, dosed_script, events_until_dosed, load_protocol

from kap_console.session import events as ev
from kap_console.session.rules.alert_watch import correction_words, standing_alerts


def reading(script, minutes: float, **values) -> int:
    return script.add(ev.ObservationRecorded(round_id="early", values=values), at(minutes))


def acknowledge(script, minutes: float) -> None:
    seq = script.seq_of("alert_raised", -1)
    script.add(ev.AlertAcknowledged(alert_seq=seq), at(minutes))


def test_an_acknowledged_low_spo2_stands_until_a_reading_in_range():
    script = dosed_script()
    reading(script, 15, spo2=88)
    acknowledge(script, 16)
    [standing] = standing_alerts(script.protocol, script.state)
    assert standing.words == "SpO2 88 % still low"
    assert standing.recheck_at is None  # this protocol sets no interval
    reading(script, 18, spo2=90)  # still low: still standing
    assert [s.words for s in standing_alerts(script.protocol, script.state)] == [
        "SpO2 90 % still low"
    ]
    reading(script, 20, spo2=97)
    assert standing_alerts(script.protocol, script.state) == []


def test_the_protocol_recheck_interval_counts_from_the_latest_reading_or_acknowledgement():
    protocol = load_protocol("im-ketamine-120")
    spo2 = protocol.measure("spo2")
    thresholds = [t.model_copy(update={"recheck_minutes": 5}) for t in spo2.thresholds]
    measures = [
        m.model_copy(update={"thresholds": thresholds}) if m.id == "spo2" else m
        for m in protocol.measures
    ]
    script = SessionScript(protocol.model_copy(update={"measures": measures}))
    script.add_all(events_until_dosed(script.protocol))
    reading(script, 15, spo2=88)
    acknowledge(script, 17)
    [standing] = standing_alerts(script.protocol, script.state)
    assert standing.recheck_at == at(17) + timedelta(minutes=5)
    assert standing.recheck_left(at(20)) == timedelta(minutes=2)


def test_an_alert_whose_reading_was_corrected_says_both_values():
    script = dosed_script()
    seq = reading(script, 15, sbp=185, dbp=90)
    alert_seq = script.seq_of("alert_raised", -1)
    script.add(
        ev.Amended(target_seq=seq, field="values.sbp", old=185, new=158, reason="misread"), at(16)
    )
    alert = next(a for a in script.state.alerts if a.seq == alert_seq)
    assert correction_words(script.state, alert) == "raised by 185, corrected to 158"
