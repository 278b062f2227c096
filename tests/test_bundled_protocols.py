"""The protocols shipped in protocols/ load cleanly, say what they are, and keep the facts
the rest of the console (and its tests) rely on."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from kap_console.protocol.crosscheck import cross_check
from kap_console.protocol.loader import load_protocol
from kap_console.protocol.models import Measure, ObservationRound, Protocol, Threshold

REPO = Path(__file__).resolve().parents[1]
PROTOCOLS = REPO / "protocols"
SCHEMA = REPO / "kap_console" / "protocol" / "protocol.schema.json"
BUNDLED = sorted(PROTOCOLS.rglob("*.toml"))
TRAINING_DIR = PROTOCOLS / "training"


def _name(path: Path) -> str:
    return path.relative_to(PROTOCOLS).as_posix()


def _load(path: Path) -> Protocol:
    """Load as the console does; a bad file raises ProtocolError naming line and column."""
    return load_protocol(path, git=False).protocol


def _bundled(name: str) -> Protocol:
    return _load(PROTOCOLS / name)


def _rounds_with(protocol: Protocol, *measure_ids: str) -> list[ObservationRound]:
    return [r for r in protocol.schedule if set(measure_ids) <= set(r.measures)]


def _threshold(measure: Measure, *, scope: str | None = None, **comparison: float) -> Threshold:
    """The one threshold of `measure` with exactly this comparison (and scope, if given)."""
    ((key, value),) = comparison.items()
    found = [
        t
        for t in measure.thresholds
        if getattr(t, key) == value and (scope is None or t.scope == scope)
    ]
    assert len(found) == 1, f"{measure.id}: expected one threshold {key} = {value}, found {found}"
    return found[0]


def _header(path: Path) -> str:
    """The comment block at the top of a file, lower-cased."""
    lines = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        lines.append(line)
    return "\n".join(lines).lower()


# --- every bundled protocol ---------------------------------------------------------------


def test_the_bundled_protocols_are_all_found() -> None:
    names = {_name(p) for p in BUNDLED}
    assert {
        "im-ketamine-120.toml",
        "sublingual-ketamine-180.toml",
        "esketamine-120.toml",
    } <= names
    assert len([n for n in names if n.startswith("training/")]) >= 2


@pytest.mark.parametrize("path", BUNDLED, ids=_name)
def test_bundled_protocol_validates_with_no_cross_check_problems(path: Path) -> None:
    protocol = _load(path)
    assert cross_check(protocol) == []


@pytest.mark.parametrize("path", BUNDLED, ids=_name)
def test_bundled_protocol_is_an_example_that_says_it_is_not_clinical_guidance(path: Path) -> None:
    protocol = _load(path)
    assert protocol.example is True
    assert protocol.disclaimer is not None
    assert "not clinical guidance" in protocol.disclaimer.lower()


@pytest.mark.parametrize("path", BUNDLED, ids=_name)
def test_bundled_protocol_header_comment_says_software_example_not_clinical_guidance(
    path: Path,
) -> None:
    header = _header(path)
    assert "example for software use only" in header
    assert "not clinical guidance" in header


@pytest.mark.parametrize("path", BUNDLED, ids=_name)
def test_bundled_protocol_names_the_json_schema_on_line_1(path: Path) -> None:
    first_line = path.read_text(encoding="utf-8").splitlines()[0]
    expected = Path(os.path.relpath(SCHEMA, path.parent)).as_posix()
    assert first_line == f"#:schema {expected}"


def test_bundled_protocol_ids_are_unique() -> None:
    ids = [_load(p).id for p in BUNDLED]
    assert len(ids) == len(set(ids)), ids


@pytest.mark.parametrize("path", BUNDLED, ids=_name)
def test_only_protocols_in_the_training_folder_are_marked_training(path: Path) -> None:
    assert _load(path).training is path.is_relative_to(TRAINING_DIR)


# --- IM ketamine, 120 minutes -------------------------------------------------------------


def test_im_protocol_has_rounds_every_15_minutes_to_60_then_every_30() -> None:
    protocol = _bundled("im-ketamine-120.toml")
    offsets = [r.offsets() for r in _rounds_with(protocol, "sbp", "dbp", "hr", "spo2", "moaas")]
    assert [15, 30, 45, 60] in offsets
    assert [90, 120] in offsets


# --- sublingual ketamine, 180 minutes -----------------------------------------------------


def test_sublingual_protocol_times_a_10_to_12_minute_swish_then_says_spit() -> None:
    steps = _bundled("sublingual-ketamine-180.toml").dosing.steps
    timed = [i for i, s in enumerate(steps) if s.kind == "timed"]
    assert len(timed) == 1
    swish = steps[timed[0]]
    assert "swish" in swish.label.lower()
    assert swish.duration_minutes is not None and 10 <= swish.duration_minutes <= 12
    spit = steps[timed[0] + 1]
    assert spit.kind == "instruction"
    assert spit.starts_after == "previous"
    assert "spit" in spit.label.lower()


def test_sublingual_protocol_offers_an_optional_booster_inside_the_window() -> None:
    protocol = _bundled("sublingual-ketamine-180.toml")
    booster = protocol.dosing.booster
    assert booster is not None
    assert 0 < booster.earliest_minutes <= booster.latest_minutes <= protocol.window_minutes
    # A booster is an administration too, so it stays inside the per-administration range,
    # and the 200 mg fixture plus the smallest booster stays within the session cap.
    drug = protocol.drug
    assert drug.dose_mg.contains(booster.dose_mg.min)
    assert drug.dose_mg.contains(booster.dose_mg.max)
    assert drug.max_total_mg is not None
    assert 200 + booster.dose_mg.min <= drug.max_total_mg


def test_sublingual_protocol_allows_the_200_mg_fixture_dose_sublingually_or_buccally() -> None:
    drug = _bundled("sublingual-ketamine-180.toml").drug
    assert (drug.dose_mg.min, drug.dose_mg.max) == (100, 400)
    assert drug.dose_mg.contains(200)
    assert set(drug.routes) == {"SL", "buccal"}


def test_sublingual_protocol_looks_every_15_and_takes_vitals_at_45_and_before_discharge() -> None:
    protocol = _bundled("sublingual-ketamine-180.toml")
    assert protocol.window_minutes == 180
    assert {"sbp", "dbp", "hr"} <= set(protocol.baseline_measures)
    visual = _rounds_with(protocol, "visual_ok")
    assert any(r.offsets() == list(range(15, 181, 15)) for r in visual)
    vitals = _rounds_with(protocol, "sbp", "dbp", "hr")
    assert any(45 in r.at_minutes for r in vitals)
    assert any(r.at_discharge for r in vitals)
    sedation = _rounds_with(protocol, "moaas")
    assert any(r.every_minutes == 30 for r in sedation)


def test_sublingual_protocol_alerts_on_moaas_3_vomiting_and_suds_8() -> None:
    protocol = _bundled("sublingual-ketamine-180.toml")
    moaas = _threshold(protocol.measure("moaas"), at_most=3)
    assert moaas.trips(3) and not moaas.trips(4)
    vomiting = protocol.measure("vomiting")
    assert vomiting.kind == "yes_no"
    assert any(t.trips(1) and not t.trips(0) for t in vomiting.thresholds)
    suds = _threshold(protocol.measure("suds"), at_least=8)
    assert suds.trips(8) and not suds.trips(7)


def test_sublingual_protocol_discharges_from_120_minutes_on_padss_with_an_escort() -> None:
    discharge = _bundled("sublingual-ketamine-180.toml").discharge
    assert discharge.min_minutes == 120
    assert discharge.escort_required
    (padss,) = [s for s in discharge.scores if s.scale == "padss"]
    assert padss.item_minimums == {"vitals": 2, "activity": 2}
    assert "oriented" in {c.id for c in discharge.checks}


# --- esketamine, at least 120 minutes -----------------------------------------------------


def test_esketamine_protocol_checks_bp_at_40_minutes_and_before_discharge() -> None:
    protocol = _bundled("esketamine-120.toml")
    bp_rounds = _rounds_with(protocol, "sbp", "dbp")
    assert any(r.at_minutes == [40] for r in bp_rounds)
    assert any(r.at_discharge for r in bp_rounds)
    assert any(r.every_minutes == 30 for r in bp_rounds)


def test_esketamine_protocol_watches_spo2_sedation_dissociation_and_breathing_every_15() -> None:
    protocol = _bundled("esketamine-120.toml")
    rounds = _rounds_with(protocol, "spo2", "moaas", "dissociation", "rr")
    assert any(r.every_minutes == 15 and r.from_minutes == 15 for r in rounds)


def test_esketamine_protocol_monitors_at_least_120_minutes_before_discharge() -> None:
    protocol = _bundled("esketamine-120.toml")
    assert protocol.discharge.min_minutes >= 120
    assert protocol.window_minutes >= protocol.discharge.min_minutes


def test_esketamine_protocol_holds_the_dose_when_baseline_bp_is_above_140_over_90() -> None:
    protocol = _bundled("esketamine-120.toml")
    assert {"sbp", "dbp"} <= set(protocol.baseline_measures)
    for measure_id, limit in (("sbp", 140), ("dbp", 90)):
        hold = _threshold(protocol.measure(measure_id), scope="baseline", above=limit)
        assert hold.blocks_dosing
        assert hold.trips(limit + 1) and not hold.trips(limit)
        assert any("risk" in step.lower() for step in hold.response)


def test_esketamine_protocol_doses_two_or_three_28_mg_devices_5_minutes_apart() -> None:
    protocol = _bundled("esketamine-120.toml")
    assert protocol.drug.name == "esketamine"
    assert protocol.drug.routes == ["IN"]
    devices = protocol.dosing.devices
    assert devices is not None
    assert devices.mg_per_device == 28
    assert (devices.min_count, devices.max_count) == (2, 3)
    assert devices.interval_minutes == 5
    for count in (2, 3):
        assert protocol.drug.dose_mg.contains(count * devices.mg_per_device)


def test_esketamine_protocol_asks_the_medication_fasting_and_nasal_spray_questions() -> None:
    checklist = {item.id: item for item in _bundled("esketamine-120.toml").checklist}
    assert {
        "benzodiazepines",
        "non_benzo_hypnotics",
        "psychostimulants",
        "maois",
        "opioids",
    } <= set(checklist)
    assert "2 hours" in checklist["fasting_food"].prompt
    assert "30 minutes" in checklist["fasting_liquids"].prompt
    assert checklist["nasal_spray_recent"].blocks_dosing_when == "yes"


def test_esketamine_protocol_discharge_asks_resolution_bp_trend_and_ready_time() -> None:
    checks = {c.id for c in _bundled("esketamine-120.toml").discharge.checks}
    assert {
        "sedation_resolved",
        "dissociation_resolved",
        "no_respiratory_depression",
        "bp_decreasing_stable",
        "ready_time_answered",
    } <= checks


# --- training protocols -------------------------------------------------------------------

TRAINING = sorted(TRAINING_DIR.rglob("*.toml"))


@pytest.mark.parametrize("path", TRAINING, ids=_name)
def test_training_protocol_is_a_short_mock_marked_for_practice(path: Path) -> None:
    protocol = _load(path)
    assert protocol.training is True
    # Up to an hour: practice scenarios place incidents as late as T+50, and the simulated
    # clock (up to 60x) makes that a minute or two of real time.
    assert protocol.window_minutes <= 60
    assert protocol.disclaimer is not None and "practice" in protocol.disclaimer.lower()
    assert "mock protocol for practice" in _header(path)


@pytest.mark.parametrize("path", TRAINING, ids=_name)
def test_training_protocol_is_quick_to_type_through(path: Path) -> None:
    protocol = _load(path)
    assert len(protocol.checklist) <= 3
    assert len(protocol.intention_prompts) <= 2
    assert protocol.discharge.min_minutes < protocol.window_minutes
    assert all(r.grace_minutes <= 2 for r in protocol.schedule)


def test_quick_im_practice_runs_in_the_shortest_window_with_rounds_minutes_apart() -> None:
    protocol = _bundled("training/quick-im-practice.toml")
    assert protocol.window_minutes == 10
    offsets = sorted({m for r in protocol.schedule for m in r.offsets()})
    assert 2 <= len(offsets) <= 3
    assert all(m < protocol.discharge.min_minutes for m in offsets)


def test_sublingual_practice_has_a_timed_swish_a_booster_and_rounds_every_4_minutes() -> None:
    protocol = _bundled("training/sublingual-practice.toml")
    assert any(s.kind == "timed" and "swish" in s.label.lower() for s in protocol.dosing.steps)
    assert protocol.dosing.booster is not None
    assert any(r.every_minutes == 4 for r in protocol.schedule)
