"""Practice and real records never mix: their folders, their flags, and `records list`."""

from __future__ import annotations

import shutil
import tomllib
from datetime import UTC, datetime
from pathlib import Path

import pytest

from kap_console import paths
from kap_console.cli import main
from kap_console.protocol.loader import load_protocol
from kap_console.session import events as ev
from kap_console.session.catalog import list_sessions
from kap_console.session.clock import SimulatedClock
from kap_console.session.engine import Session
from kap_console.session.errors import RejectedEntry
from kap_console.training.loader import load_scenario

ROOT = Path(__file__).resolve().parents[2]
PROTOCOL = ROOT / "protocols" / "training" / "im-practice-60.toml"
SCENARIO = load_scenario(ROOT / "scenarios" / "hypertension-40.toml")
IDENTITY = ev.PracticeIdentity(
    scenario_id=SCENARIO.scenario.id,
    scenario_version=SCENARIO.scenario.version,
    scenario_sha256=SCENARIO.sha256,
    speed=10,
)


def _closed_session(data: Path, client: str, practice: ev.PracticeIdentity | None) -> Session:
    clock = SimulatedClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC), speed=0)
    session = Session.start(
        load_protocol(PROTOCOL),
        data_dir=paths.practice_dir(data) if practice else data,
        client_code=client,
        facilitator="T. Trainee",
        session_number=1,
        clock=clock,
        practice=practice,
    )
    if practice is not None:
        session.commit(ev.PracticeCue(cue="incident", minute=0, incident_id="x", text="a cue"))
    clock.advance(60)
    session.close(outcome="no_go")
    session.release()
    return session


@pytest.fixture
def both(tmp_path: Path) -> tuple[Path, Session, Session]:
    data = tmp_path / "data"
    real = _closed_session(data, "KAP-0042", None)
    practice = _closed_session(data, "PRACTICE-01", IDENTITY)
    return data, real, practice


def _record(session: Session) -> dict:
    with (session.session_dir / "record.toml").open("rb") as handle:
        return tomllib.load(handle)


def test_practice_sessions_live_in_the_practice_folder_and_say_so(both) -> None:
    data, real, practice = both
    assert real.session_dir.parent == data / "sessions"
    assert practice.session_dir.parent == data / "practice" / "sessions"
    practice_record = _record(practice)["session"]
    assert practice_record["practice"] is True
    assert practice_record["training"] is True
    assert practice_record["scenario"]["id"] == "hypertension-40"
    assert practice_record["scenario"]["sha256"] == SCENARIO.sha256
    real_record = _record(real)["session"]
    assert "practice" not in real_record and "scenario" not in real_record


def test_the_catalogue_flags_practice_and_lists_each_folder_apart(both) -> None:
    data, real, practice = both
    [listed_real] = list_sessions(data)
    [listed_practice] = list_sessions(paths.practice_dir(data))
    assert (listed_real.path, listed_real.practice) == (real.session_dir, False)
    assert (listed_practice.path, listed_practice.practice) == (practice.session_dir, True)
    assert listed_practice.scenario_id == "hypertension-40"


def test_records_list_shows_real_ones_only_and_practice_ones_with_practice(both, capsys) -> None:
    data, real, practice = both
    assert main(["records", "list", "--data-dir", str(data)]) == 0
    out = capsys.readouterr().out
    assert real.session_dir.name in out and practice.session_dir.name not in out
    assert "(practice:" not in out
    assert main(["records", "list", "--data-dir", str(data), "--practice"]) == 0
    out = capsys.readouterr().out
    assert practice.session_dir.name in out and real.session_dir.name not in out
    assert "PRACTICE-01 (practice: hypertension-40)" in out


def test_a_practice_folder_copied_among_real_ones_is_still_not_listed_as_real(both, capsys) -> None:
    data, real, practice = both
    shutil.copytree(practice.session_dir, data / "sessions" / practice.session_dir.name)
    assert main(["records", "list", "--data-dir", str(data)]) == 0
    out = capsys.readouterr().out
    assert practice.session_dir.name not in out and real.session_dir.name in out


def test_a_practice_record_is_shown_and_verified_like_a_real_one(both, capsys) -> None:
    _, _, practice = both
    assert main(["record", "verify", str(practice.session_dir)]) == 0
    assert "intact" in capsys.readouterr().out
    assert main(["record", "show", str(practice.session_dir)]) == 0
    assert "(PRACTICE: scenario hypertension-40)" in capsys.readouterr().out


def test_a_real_session_refuses_practice_entries(tmp_path: Path) -> None:
    clock = SimulatedClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC), speed=0)
    session = Session.start(
        load_protocol(PROTOCOL),
        data_dir=tmp_path,
        client_code="KAP-0042",
        facilitator="R. Rivera",
        session_number=1,
        clock=clock,
    )
    try:
        with pytest.raises(RejectedEntry, match="only to practice sessions"):
            session.commit(ev.PracticeAnswered(incident_id="x"))
    finally:
        session.release()


@pytest.mark.parametrize("kind", ["md", "json", "html", "csv", "fhir", "rems"])
def test_a_practice_record_exports_like_a_real_one_and_stays_marked(both, kind, capsys) -> None:
    _, _, practice = both
    assert main(["record", "export", str(practice.session_dir), "--format", kind]) == 0
    out = capsys.readouterr().out
    assert out.strip()
    if kind == "json":
        import json

        session = json.loads(out)["session"]
        assert session["practice"] is True and session["scenario"]["id"] == "hypertension-40"


def test_the_course_of_a_client_never_counts_practice_sessions(both) -> None:
    from kap_console.integration.course import client_course

    data, _, practice = both
    shutil.copytree(practice.session_dir, data / "sessions" / practice.session_dir.name)
    assert client_course(data, "PRACTICE-01").sessions == []
