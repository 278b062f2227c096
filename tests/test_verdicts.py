"""Rules give typed verdicts: a Rejection names its field (or None) apart from its words, and the
engine raises exactly that field; nothing splits "field: message" strings again."""

from __future__ import annotations

import pytest
from record_helpers import at_minute, dosed_session, early_round
from session_builders import (
    PRESCRIBER,
    T0,
    SessionScript,
    at,
    dosed_script,
    first_dose,
    load_protocol,
    obs,
    pre_session_events,
    stamp,
)

from kap_console.session import events as ev
from kap_console.session.errors import RejectedEntry
from kap_console.session.state.content import check_value
from kap_console.session.verdicts import Rejection

IM = "im-ketamine-120"


def test_a_rejection_reads_as_field_then_message() -> None:
    assert str(Rejection("dose_mg", "80 mg is outside 10–60 mg")) == (
        "dose_mg: 80 mg is outside 10–60 mg"
    )
    assert str(Rejection(None, "the session has not started yet")) == (
        "the session has not started yet"
    )


def test_a_reading_out_of_range_names_its_measure() -> None:
    protocol = load_protocol(IM)
    assert check_value(protocol, "hr", 400) == Rejection("hr", "outside 20–220 bpm")
    assert check_value(protocol, "hr", 70) is None


def test_words_with_a_colon_inside_are_not_taken_for_a_field() -> None:
    """The old string split guessed a field from any prefix before ': '; a verdict about the
    whole entry now says so with field None, whatever its words hold."""
    protocol = load_protocol(IM)
    script = SessionScript(protocol)
    script.add_all(e for e in pre_session_events(protocol) if not isinstance(e, ev.GoDecision))
    assert script.verdict(first_dose(protocol, T0)) == Rejection(
        None, "no go decision yet: dosing needs a go decision first"
    )


def test_a_dose_verdict_names_the_field_to_fix() -> None:
    protocol = load_protocol(IM)
    script = SessionScript(protocol)
    script.add_all(pre_session_events(protocol))
    dose = first_dose(protocol, T0)
    assert script.verdict(dose.model_copy(update={"weight_kg": None})) == Rejection(
        "weight_kg", "this protocol doses by weight; enter the weight used"
    )
    assert script.verdict(dose) is None


def test_a_booster_outside_its_window_is_about_the_entry_as_a_whole() -> None:
    script = dosed_script("sublingual-ketamine-180")
    booster = ev.DoseGiven(
        kind="booster", drug="ketamine", route="SL", dose_mg=100, given_by=PRESCRIBER
    )
    verdict = script.verdict(stamp(booster, at(20)))
    assert verdict is not None and verdict.field is None


def test_a_round_verdict_names_the_measure_read_wrong() -> None:
    script = dosed_script(IM)
    rejection = script.verdict(stamp(obs("early", 15, at(15), hr=400), at(15)))
    assert rejection == Rejection("hr", "outside 20–220 bpm")


def test_the_engine_raises_the_rules_field_and_words_unchanged(tmp_path) -> None:
    session = dosed_session(tmp_path)
    at_minute(session, 15)
    with pytest.raises(RejectedEntry) as caught:
        session.commit(early_round(15, hr=400))
    assert (caught.value.field, caught.value.message) == ("hr", "outside 20–220 bpm")
    session.release()


def test_nothing_in_the_engine_splits_verdict_strings_again() -> None:
    from kap_console.session import errors

    assert not hasattr(errors, "rejected_by_rules")
