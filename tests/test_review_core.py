"""The review's words, from a record alone (no screen), and the chart drawn as text."""

from __future__ import annotations

import pytest
from integration.record_sessions import esketamine_session, im_session

from kap_console.integration.review import MARK, build_review, readings_text
from kap_console.session.record.reading import read_record
from kap_console.tui.widgets.vitals_chart import (
    ChartLine,
    ChartMarker,
    ChartPanel,
    ChartSeries,
    render_panel,
)


@pytest.fixture(scope="module")
def records(tmp_path_factory: pytest.TempPathFactory):
    data = tmp_path_factory.mktemp("records")
    return {
        "im": read_record(im_session(data) / "record.toml"),
        "esketamine": read_record(esketamine_session(data) / "record.toml"),
    }


def test_only_lines_tagged_for_integration_carry_the_star(records):
    timeline = build_review(records["im"]).timeline
    starred = [line.text for line in timeline if line.marked]
    assert starred == [
        f"{MARK} Note: Hands opened and the breathing slowed with the cello",
        f"{MARK} Client quote: Said: “I am the ocean”",
    ]
    assert all(line.text.startswith(MARK) == line.marked for line in timeline)
    assert [line.when for line in timeline][:3] == ["T-5", "T-4", "T+0"]


def test_open_adverse_events_come_first_and_say_open(records):
    lines = build_review(records["esketamine"]).adverse_events
    assert lines[0].text.startswith("OPEN: Raised blood pressure, grade 3, SERIOUS")
    assert lines[0].warn


def test_readings_are_worded_short():
    values = {"sbp": 128.0, "dbp": 82.0, "hr": 76.0, "spo2": 98.0, "nausea": False}
    assert readings_text(values) == "BP 128/82, HR 76, SpO2 98 %, Nausea no"


def test_a_panel_draws_its_threshold_row_dose_column_and_marks():
    panel = ChartPanel(
        "Heart rate (bpm)",
        (ChartSeries("HR", "H", ((0, 70), (30, 118), (60, 80))),),
        (ChartLine(120, ">120 urgent"),),
        (ChartMarker(0, "initial 40 mg"),),
        height=8,
        x_range=(-5, 60),
    )
    rows = [line.plain for line in render_panel(panel, 60)]
    assert rows[0] == "Heart rate (bpm)  H HR  ┄ alert threshold"
    assert rows[1].rstrip().endswith("▼ dose")
    dose_column = rows[1].index("▼")
    threshold = next(r for r in rows if r.endswith(">120 urgent"))
    assert threshold.count("┄") > 30
    plot = rows[2:-2]
    assert sum(r.count("H") for r in plot) == 3
    assert any(r[dose_column] == "┊" for r in plot)  # the dose's dotted column
    top_mark_row = next(i for i, r in enumerate(plot) if "H" in r[6:])
    assert plot.index(threshold) <= top_mark_row  # 118 is drawn at or below the 120 line
    assert rows[-1].split()[:2] == ["0", "20"] and rows[-1].endswith("min since first dose")
