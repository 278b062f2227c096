"""Scripted trainees through every bundled scenario, at the speed of a frozen clock moved by
hand: a perfect run scores 100; each slip costs exactly what the scenario's rubric says."""

from __future__ import annotations

import pytest
from trainee import SIZE, Plan, practice_app, run_scenario

from kap_console.training.report import class_rows

BUNDLED = ["uneventful", "hypertension-40", "emergence-distress", "respiratory-scare"]


@pytest.mark.parametrize("scenario", BUNDLED)
async def test_a_perfect_run_of_each_bundled_scenario_scores_100(tmp_path, scenario):
    app = practice_app(tmp_path, scenario)
    async with app.run_test(size=SIZE) as pilot:
        await run_scenario(app, pilot, Plan())
        debrief = app.debrief
    assert debrief.missed == []
    assert debrief.score == 100
    assert all(r.status == "on time" for r in debrief.rounds)
    assert all(t.matches for t in debrief.transcriptions)
    assert debrief.discharged_early is False
    assert (app.debrief_path).read_text().count("Score: 100 − 0 = **100**") == 1
    notes = [n.event.text for n in app.session.state.notes]
    assert all(text.endswith(": asked, answered, reassured") for text in notes)


async def test_each_slip_costs_exactly_what_the_rubric_says(tmp_path):
    """Emergence distress: the T+20 round skipped, the T+30 systolic typed 10 low, no adverse
    event for the vomiting, discharged at T+53 (criteria from T+55)."""
    plan = Plan(
        skip_rounds={20},
        mistype={(30, "sbp"): -10},
        leave_undone={("vomiting", "adverse_event")},
        discharge_at=53,
    )
    app = practice_app(tmp_path, "emergence-distress")
    async with app.run_test(size=SIZE) as pilot:
        await run_scenario(app, pilot, plan)
        debrief = app.debrief
    rubric = app.scenario.scenario.rubric
    lost = {part.name: part.lost for part in debrief.parts}
    assert lost == {
        "Rounds": rubric.missed_round,  # 8
        "Transcription": rubric.transcription_error,  # 3
        "Alerts": 0,
        "Incidents": 10,  # the vomiting's adverse event, worth 10 in the scenario file
        "Discharge": rubric.early_discharge,  # 10
        "Preparation": 0,
    }
    assert debrief.score == 100 - 8 - 3 - 10 - 10 == 69
    [typed_wrong] = [t for t in debrief.transcriptions if not t.matches]
    assert (typed_wrong.measure_id, typed_wrong.typed) == ("sbp", typed_wrong.shown - 10)
    assert [r.status for r in debrief.rounds] == [
        "on time", "missed", "on time", "on time", "on time", "on time",
    ]  # fmt: skip
    [vomiting] = [i for i in debrief.incidents if i.incident_id == "vomiting"]
    assert [(r.expectation.action, r.done) for r in vomiting.results] == [
        ("notice", True),
        ("adverse_event", False),
    ]
    assert debrief.discharged_early is True
    text = app.debrief_path.read_text()
    assert "Score: 100 − 31 = **69**" in text
    assert "- incidents: vomiting: did not log the vomiting as an adverse event (−10)" in text
    assert "- rounds: Practice round at T+20 missed (−8)" in text
    [row], problems = class_rows(tmp_path / "data" / "practice")
    assert (row.trainee, row.scenario, row.score, problems) == (
        "T. Trainee",
        "emergence-distress",
        69,
        [],
    )
    assert "vomiting: did not log the vomiting as an adverse event" in row.missed
