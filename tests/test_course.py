"""A client's course: every real session of one client code, in order, summed up."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from course_helpers import copy_as
from integration.record_sessions import esketamine_session, im_session

from kap_console.cli import main
from kap_console.integration.course import client_course, course_json, course_text
from kap_console.integration.notes import IntegrationNotes


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    data = tmp_path_factory.mktemp("built")
    return {"im": im_session(data), "esketamine": esketamine_session(data)}


@pytest.fixture
def course_data(built, tmp_path: Path) -> Path:
    """KAP-0042: sessions 1 (March 2, 32 mg) and 2 (March 9, 40 mg), a training copy, and
    another client's session."""
    data = tmp_path / "data"
    copy_as(built["im"], data, "b-second", session_number=2, day=9)
    copy_as(built["im"], data, "a-first", session_number=1, day=2, dose_mg=32)
    copy_as(built["im"], data, "c-practice", session_number=3, day=16, training=True)
    copy_as(built["esketamine"], data, "d-other", session_number=1, day=3)
    return data


def test_the_course_holds_the_clients_real_sessions_in_order(course_data):
    course = client_course(course_data, "KAP-0042")
    assert [(s.session_number, s.started_at.day) for s in course.sessions] == [(1, 2), (2, 9)]
    first, second = course.sessions
    assert first.total_mg == 32 and second.total_mg == 40
    assert second.doses[0].mg_per_kg == 0.571 and second.boosters == 0
    assert (second.peak_sbp, second.peak_dbp, second.peak_hr) == (182, 104, 96)
    assert second.lowest_spo2 == 98
    assert (second.adverse_events, second.highest_severity, second.open_adverse_events) == (
        1,
        "grade 1",
        0,
    )
    assert second.minutes_to_ready == 123
    assert second.intentions == [
        "Loosen the urge to please",
        "To feel less alone, and to let that be enough",
    ]
    assert "Said: “I am the ocean”" in second.quotes
    assert course.problems == []


def test_an_open_serious_event_is_counted_as_open(course_data):
    course = client_course(course_data, "KAP-0077")
    [session] = course.sessions
    assert session.open_adverse_events == 1 and session.highest_severity == "grade 3"
    assert [d.text for d in session.doses] == [
        "device 1: esketamine 28 mg IN",
        "device 2: esketamine 28 mg IN",
    ]
    assert session.total_mg == 56


def test_integration_follow_ups_join_the_records_follow_up_plan(course_data):
    session_dir = course_data / "sessions" / "b-second"
    notes = IntegrationNotes.open_for(
        session_dir, record_sha256="0" * 64, session_id="x", client_code="KAP-0042", by="A. T."
    )
    notes.add("follow_up", "Ask about sleep", due="next week", by="A. T.")
    notes.close()
    second = client_course(course_data, "KAP-0042").sessions[1]
    assert second.follow_up[-1] == "Ask about sleep (next week) [integration]"
    assert second.follow_up[0].startswith("Check-in call at 24 hours (due 2026-03-")


def test_an_unreadable_record_is_listed_with_its_line_not_skipped(course_data):
    broken = course_data / "sessions" / "e-broken"
    broken.mkdir()
    (broken / "record.toml").write_text("format = 1\n[session\n", encoding="utf-8")
    course = client_course(course_data, "KAP-0042")
    assert len(course.sessions) == 2
    [problem] = course.problems
    assert problem.startswith(f"{broken / 'record.toml'}:2:")


def test_text_and_json_say_the_same_course(course_data):
    course = client_course(course_data, "KAP-0042")
    text = course_text(course)
    assert text.splitlines()[0] == "Course of KAP-0042: 2 sessions"
    assert "  peak BP 182/104  peak HR 96  lowest SpO2 98 %" in text
    assert "  ★ Said: “I am the ocean”" in text
    data = course_json(course)
    assert [s["session_number"] for s in data["sessions"]] == [1, 2]
    assert data["sessions"][0]["total_mg"] == 32
    json.dumps(data)  # JSON can hold it (raises otherwise)


def test_client_command_prints_text_or_json(course_data, capsys):
    assert main(["client", "kap-0042", "--data-dir", str(course_data), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["client_code"] == "KAP-0042" and len(data["sessions"]) == 2
    assert main(["client", "KAP-0042", "--data-dir", str(course_data), "--format", "text"]) == 0
    assert "Session 2  2026-03-09  im-ketamine-120 1.0.0" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("KAP-9999", "no closed sessions of client KAP-9999"),
        ("jo smith", "client code 'jo smith': use 3–24 capital letters"),
    ],
)
def test_client_command_refuses_an_unknown_or_invalid_client(course_data, capsys, code, message):
    assert main(["client", code, "--data-dir", str(course_data), "--format", "text"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    [line] = captured.err.splitlines()
    assert message in line and "Traceback" not in captured.err
