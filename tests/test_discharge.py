"""Discharge scales against worked examples, and the protocol's discharge criteria.

Every total below is added up by hand in the test, item by item, so a scale coded 1–3 instead
of 0–2 (or a total off by one) cannot pass.
"""

from __future__ import annotations

import pytest
from session_builders import PRESCRIBER, SessionScript, at, dosed_script, load_protocol, obs

from kap_console.session import events as ev
from kap_console.session.rules.discharge import discharge_status
from kap_console.session.scales import (
    aldrete_circulation,
    aldrete_spo2,
    modified_aldrete,
    padss,
    padss_vitals,
    score,
)

# -- modified Aldrete: worked examples ----------------------------------------------------------


def test_fully_recovered_client_scores_ten_on_modified_aldrete() -> None:
    items = {"activity": 2, "respiration": 2, "circulation": 2, "consciousness": 2, "spo2": 2}
    result = modified_aldrete(items)
    assert result.total == 2 + 2 + 2 + 2 + 2 == 10
    assert result.complete
    assert result.missing == ()


def test_client_with_bp_still_25_above_baseline_scores_nine() -> None:
    # Moves four limbs (2), breathes deeply (2), systolic 25 over baseline (1),
    # fully awake (2), SpO2 97 % on room air (2).
    items = {
        "activity": 2,
        "respiration": 2,
        "circulation": aldrete_circulation(155, 130),
        "consciousness": 2,
        "spo2": aldrete_spo2(97),
    }
    assert items["circulation"] == 1
    assert modified_aldrete(items).total == 2 + 2 + 1 + 2 + 2 == 9


def test_drowsy_client_moving_two_limbs_scores_seven() -> None:
    # Moves two limbs (1), breathes deeply (2), systolic 30 over baseline (1),
    # arousable on calling (1), SpO2 96 % on room air (2).
    items = {"activity": 1, "respiration": 2, "circulation": 1, "consciousness": 1, "spo2": 2}
    assert modified_aldrete(items).total == 1 + 2 + 1 + 1 + 2 == 7


def test_unresponsive_client_on_oxygen_scores_low() -> None:
    # No limbs (0), shallow breathing (1), 60 mmHg from baseline (0), not responding (0),
    # needs oxygen to stay above 90 % (1).
    items = {
        "activity": 0,
        "respiration": 1,
        "circulation": aldrete_circulation(190, 130),
        "consciousness": 0,
        "spo2": aldrete_spo2(94, on_oxygen=True),
    }
    assert modified_aldrete(items).total == 0 + 1 + 0 + 0 + 1 == 2


def test_aldrete_scores_only_the_items_given_and_says_it_is_incomplete() -> None:
    result = modified_aldrete({"activity": 2, "spo2": 1})
    assert result.total == 3
    assert not result.complete
    assert result.missing == ("respiration", "circulation", "consciousness")


@pytest.mark.parametrize("value", [3, -1, 10])
def test_aldrete_item_outside_zero_to_two_is_refused_naming_the_item(value: int) -> None:
    with pytest.raises(ValueError, match="respiration"):
        modified_aldrete({"respiration": value})


def test_aldrete_refuses_an_item_it_does_not_have() -> None:
    with pytest.raises(ValueError, match="'pain' is not an item of Modified Aldrete"):
        modified_aldrete({"pain": 1})


def test_aldrete_refuses_yes_no_as_a_score() -> None:
    with pytest.raises(ValueError, match="activity"):
        modified_aldrete({"activity": True})  # type: ignore[dict-item]


# -- helpers that derive items from readings ---------------------------------------------------


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (120, 2),
        (140, 2),  # exactly 20 above: still within ±20
        (100, 2),  # exactly 20 below
        (141, 1),
        (170, 1),  # exactly 50 above: still 20–50
        (70, 1),  # exactly 50 below
        (171, 0),
        (69, 0),
    ],
)
def test_aldrete_circulation_against_a_baseline_of_120(now: int, expected: int) -> None:
    assert aldrete_circulation(now, 120) == expected


@pytest.mark.parametrize(
    ("spo2", "on_oxygen", "expected"),
    [
        (98, False, 2),
        (93, False, 2),
        (92, False, 1),  # not above 92 on room air
        (90, False, 1),
        (97, True, 1),  # needs oxygen to stay above 90
        (89, True, 0),
        (85, False, 0),
    ],
)
def test_aldrete_spo2_item(spo2: float, on_oxygen: bool, expected: int) -> None:
    assert aldrete_spo2(spo2, on_oxygen=on_oxygen) == expected


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (150, 2),
        (180, 2),  # exactly 20 % above 150
        (120, 2),  # exactly 20 % below
        (181, 1),
        (210, 1),  # exactly 40 % above
        (90, 1),  # exactly 40 % below
        (211, 0),
        (89, 0),
    ],
)
def test_padss_vitals_against_a_baseline_of_150(now: int, expected: int) -> None:
    assert padss_vitals(now, 150) == expected


def test_padss_vitals_over_several_measures_takes_the_worst() -> None:
    # Systolic 10 % above (2), heart rate 30 % above (1): the item is 1.
    assert padss_vitals({"sbp": 143, "hr": 91}, {"sbp": 130, "hr": 70}) == 1


def test_padss_vitals_needs_a_positive_baseline() -> None:
    with pytest.raises(ValueError, match="baseline"):
        padss_vitals(120, 0)


# -- PADSS --------------------------------------------------------------------------------------


def test_padss_worked_example_totals_nine() -> None:
    # Vitals within 20 % (2), oriented and steady (2), moderate nausea treated (1),
    # minimal bleeding (2), drank and voided (2).
    items = {"vitals": 2, "activity": 2, "pain_nausea": 1, "bleeding": 2, "intake_output": 2}
    result = padss(items)
    assert result.total == 2 + 2 + 1 + 2 + 2 == 9
    assert result.complete
    assert result.not_applicable == ()


def test_padss_bleeding_not_applicable_scores_two() -> None:
    items = {"vitals": 1, "activity": 2, "pain_nausea": 2, "bleeding": "n/a", "intake_output": 1}
    result = padss(items)
    assert result.items["bleeding"] == 2
    assert result.total == 1 + 2 + 2 + 2 + 1 == 8
    assert result.not_applicable == ("bleeding",)


def test_padss_bleeding_left_out_is_not_applicable_and_scores_two() -> None:
    result = padss({"vitals": 2, "activity": 2, "pain_nausea": 2, "intake_output": 1})
    assert result.complete
    assert result.total == 2 + 2 + 2 + 2 + 1 == 9
    assert result.not_applicable == ("bleeding",)


def test_padss_only_bleeding_may_be_not_applicable() -> None:
    with pytest.raises(ValueError, match="vitals"):
        padss({"vitals": "n/a"})


def test_score_by_scale_name_refuses_an_unknown_scale() -> None:
    assert score("padss", {"vitals": 2}).scale == "padss"
    with pytest.raises(ValueError, match="not a discharge scale"):
        score("rass", {})


# -- discharge criteria -------------------------------------------------------------------------

ALDRETE_NINE = {"activity": 2, "respiration": 2, "circulation": 1, "consciousness": 2, "spo2": 2}
ALDRETE_EIGHT = {"activity": 1, "respiration": 2, "circulation": 1, "consciousness": 2, "spo2": 2}
IM_CHECKS = {"oriented": True, "walks_steadily": True, "instructions_given": True}


def _ready_im_session(*, suds: int = 3, aldrete: dict[str, int] | None = None) -> SessionScript:
    """An IM session at T+92: recovery started, pre-discharge round done, assessment done."""
    script = dosed_script("im-ketamine-120")
    script.add(
        obs("late", 90, at(90), sbp=132, dbp=84, hr=74, spo2=98, moaas=5, dissociation=0, suds=suds)
    )
    script.add(ev.PhaseMarked(phase_id="recovery"), at(90.5))
    script.add(obs("pre_discharge", None, at(91), sbp=130, dbp=82, hr=72, spo2=98, suds=suds))
    script.add(
        ev.DischargeAssessed(
            checks=IM_CHECKS,
            scores={"modified_aldrete": aldrete or ALDRETE_NINE},
            escort_present=True,
            escort_name="Jordan Lee",
        ),
        at(92),
    )
    return script


def test_discharge_criteria_met_after_minimum_time_with_every_check() -> None:
    script = _ready_im_session()
    status = discharge_status(script.protocol, script.state, at(93))
    assert status.met, [c.detail for c in status.unmet]
    assert status.minutes_since_t0 == pytest.approx(93)
    assert "Modified Aldrete 9 (needs 9)" in [c.detail for c in status.criteria]


def test_discharge_before_minimum_time_says_how_many_minutes() -> None:
    script = dosed_script("im-ketamine-120")
    status = discharge_status(script.protocol, script.state, at(74.5))
    assert not status.met
    assert status.criteria[0].detail == "Only 74 of 90 minutes since the dose"


def test_discharge_with_aldrete_eight_needs_nine() -> None:
    script = _ready_im_session(aldrete=ALDRETE_EIGHT)
    status = discharge_status(script.protocol, script.state, at(93))
    assert [c.detail for c in status.unmet] == ["Modified Aldrete 8 — needs 9"]


def test_discharge_needs_suds_at_or_below_baseline() -> None:
    script = _ready_im_session(suds=6)  # baseline SUDS is 4
    status = discharge_status(script.protocol, script.state, at(93))
    assert [c.detail for c in status.unmet] == ["Distress (SUDS 0–10) 6 — baseline was 4"]


def test_discharge_without_escort_or_checks_lists_each() -> None:
    script = _ready_im_session()
    script.add(
        ev.DischargeAssessed(
            checks={"oriented": True, "walks_steadily": False},
            scores={"modified_aldrete": ALDRETE_NINE},
            escort_present=False,
        ),
        at(95),
    )
    details = {
        c.name: c.detail for c in discharge_status(script.protocol, script.state, at(96)).unmet
    }
    assert details == {
        "Walks steadily with support nearby": "Not confirmed",
        "Written discharge instructions given (no driving until tomorrow; emergency number)": "Not confirmed",
        "Escort": "No escort present",
    }


def test_open_urgent_alert_holds_discharge_until_acknowledged() -> None:
    script = _ready_im_session()
    script.add(obs("pre_discharge", None, at(92.5), sbp=185))
    alert_seq = script.seq_of("alert_raised")
    status = discharge_status(script.protocol, script.state, at(93))
    assert [c.detail for c in status.unmet] == [
        "Open urgent alert: Systolic 180 or more: call the prescriber"
    ]
    script.add(ev.AlertAcknowledged(alert_seq=alert_seq, note="Rechecked: 150"), at(94))
    assert discharge_status(script.protocol, script.state, at(95)).met


def test_before_discharge_round_must_be_done() -> None:
    script = dosed_script("im-ketamine-120")
    script.add(obs("late", 90, at(90), suds=3))
    script.add(ev.PhaseMarked(phase_id="recovery"), at(90.5))
    script.add(
        ev.DischargeAssessed(
            checks=IM_CHECKS, scores={"modified_aldrete": ALDRETE_NINE}, escort_present=True
        ),
        at(92),
    )
    status = discharge_status(script.protocol, script.state, at(93))
    assert [c.detail for c in status.unmet] == ["Before discharge not yet recorded"]


def test_incomplete_scale_and_item_minimums_are_explained() -> None:
    protocol = load_protocol("sublingual-ketamine-180")  # PADSS ≥ 9 with vitals 2, activity 2
    script = dosed_script("sublingual-ketamine-180")
    script.add(
        ev.DischargeAssessed(scores={"padss": {"vitals": 2, "activity": 2}}, escort_present=True),
        at(125),
    )
    details = [c.detail for c in discharge_status(protocol, script.state, at(126)).unmet]
    assert "PADSS incomplete: missing pain_nausea, intake_output" in details
    script.add(
        ev.DischargeAssessed(
            scores={"padss": {"vitals": 1, "activity": 2, "pain_nausea": 2, "intake_output": 2}},
            escort_present=True,
        ),
        at(127),
    )
    details = [c.detail for c in discharge_status(protocol, script.state, at(128)).unmet]
    # 1 + 2 + 2 + 2 (bleeding not applicable) + 2 = 9: the total passes, the vitals item does not.
    assert "PADSS vitals 1 — needs 2" in details
    assert not any(d.startswith("PADSS 9") for d in details)


def test_discharge_with_criteria_unmet_needs_an_override_reason() -> None:
    script = dosed_script("im-ketamine-120")
    premature = ev.Discharged(discharged_by=PRESCRIBER)
    problem = script.check(premature.model_copy(update={"observed_at": at(60)}))
    assert problem is not None
    assert problem.startswith("discharge criteria not met (Only 60 of 90 minutes since the dose;")
    overridden = ev.Discharged(
        discharged_by=PRESCRIBER, criteria_override_reason="Transferred to hospital by ambulance"
    )
    script.add(overridden, at(60))
    assert script.state.stage == "discharged"


def test_assessment_with_an_item_out_of_range_is_refused() -> None:
    script = dosed_script("im-ketamine-120")
    bad = ev.DischargeAssessed(scores={"modified_aldrete": {"spo2": 3}})
    assert script.check(bad.model_copy(update={"observed_at": at(90)})) == (
        "scores.modified_aldrete: spo2: outside 0–2"
    )
    unknown = ev.DischargeAssessed(checks={"can_dance": True})
    assert "'can_dance' is not a discharge check" in (script.check(unknown) or "")


def test_esketamine_bp_at_40_minutes_is_required_before_discharge() -> None:
    script = dosed_script("esketamine-120")
    before = [c for c in discharge_status(script.protocol, script.state, at(39)).criteria]
    assert not any("T+40" in c.name for c in before)  # not yet due: not yet a criterion
    after = discharge_status(script.protocol, script.state, at(125))
    [bp40] = [c for c in after.criteria if "T+40" in c.name]
    assert not bp40.met and bp40.detail == "Required: not recorded (missed)"
    script.add(obs("bp_40", 40, at(41), sbp=150, dbp=90, hr=80), at(41))
    [bp40] = [
        c
        for c in discharge_status(script.protocol, script.state, at(125)).criteria
        if "T+40" in c.name
    ]
    assert bp40.met and bp40.detail == "Required: recorded"
