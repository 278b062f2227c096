"""A new session for a client with earlier records starts with a "last session" panel, and the
dose screen shows the last dose, for reference only: nothing becomes an entry."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from course_helpers import copy_as
from harness import make_app, ready
from integration.record_sessions import im_session
from record_helpers import before_dose
from textual.widgets import Input, Static

from kap_console.integration.notes import IntegrationNotes
from kap_console.session.clock import SimulatedClock
from kap_console.session.journal.read import read_journal
from kap_console.tui.screens.dose import DoseScreen
from kap_console.tui.screens.pre_session import PreSessionScreen

A_WEEK_LATER = datetime(2026, 3, 9, 9, 0, tzinfo=UTC)
START = {"client_code": "KAP-0042", "facilitator": "R. Rivera", "session_number": 4}


@pytest.fixture(scope="module")
def earlier(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return im_session(tmp_path_factory.mktemp("earlier"))


@pytest.fixture
def later_clock() -> SimulatedClock:
    return SimulatedClock(A_WEEK_LATER, speed=0)


async def screen_after_start(pilot) -> str:
    """The screen's class name once start-up has moved past loading (waits, never times)."""
    await ready(pilot)
    for _ in range(50):
        name = type(pilot.app.screen).__name__
        if name not in ("LoadingScreen", "StartFormScreen"):
            return name
        await pilot.pause(0.05)
    return type(pilot.app.screen).__name__


def panel_text(app) -> str:
    return str(app.screen.query_one("#last-session-text", Static).render())


async def test_the_last_session_is_shown_before_the_checks(
    data_dir, earlier, later_clock, tmp_path
):
    last = copy_as(earlier, data_dir, earlier.name, session_number=3, day=2)
    notes = IntegrationNotes.open_for(
        last, record_sha256="0" * 64, session_id="s", client_code="KAP-0042", by="A. T."
    )
    notes.add("follow_up", "Ask how the week went", due="at the start", by="A. T.")
    notes.close()
    app = make_app(tmp_path, clock=later_clock, **START)
    async with app.run_test(size=(80, 24)) as pilot:
        assert await screen_after_start(pilot) == "LastSessionScreen"
        text = panel_text(app)
        assert "Session 3 on 2026-03-02 (im-ketamine-120 1.0.0)" in text
        assert "Dose: initial: ketamine 40 mg (0.571 mg/kg) IM" in text
        assert "Adverse events: 1, highest grade 1" in text
        assert "“To feel less alone, and to let that be enough”" in text
        assert "Check-in call at 24 hours" in text
        assert "Ask how the week went (at the start) [integration]" in text
        # Only the start is in the new session's journal: nothing was carried over.
        entries = read_journal(app.session.session_dir).entries
        assert [e.payload["type"] for e in entries] == ["session_started"]
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, PreSessionScreen)


async def test_a_training_record_or_another_client_shows_no_panel(tmp_path, earlier, later_clock):
    other = tmp_path / "other-client"
    copy_as(earlier, other, earlier.name, session_number=3, day=2)
    app = make_app(
        tmp_path, clock=later_clock, data_dir=other, **{**START, "client_code": "KAP-0099"}
    )
    async with app.run_test(size=(80, 24)) as pilot:
        assert await screen_after_start(pilot) == "PreSessionScreen"
    practice = tmp_path / "practice"
    copy_as(earlier, practice, "practice", session_number=3, day=2, training=True)
    app = make_app(tmp_path, clock=later_clock, data_dir=practice, **START)
    async with app.run_test(size=(80, 24)) as pilot:
        assert await screen_after_start(pilot) == "PreSessionScreen"
        assert app.last_session is None


async def test_the_dose_screen_shows_the_last_dose_and_fills_nothing(
    data_dir, earlier, later_clock, tmp_path
):
    copy_as(earlier, data_dir, earlier.name, session_number=3, day=2)
    app = make_app(tmp_path, clock=later_clock, **START)
    async with app.run_test(size=(80, 24)) as pilot:
        assert await screen_after_start(pilot) == "LastSessionScreen"
        await pilot.press("enter")
        await pilot.pause()
        for minutes, event in before_dose():
            later_clock.advance(60 * minutes)
            app.commit(event)
        await pilot.pause()
        await pilot.pause()
        assert isinstance(app.screen, DoseScreen)
        reference = str(app.screen.query_one("#last-dose", Static).render())
        assert reference == (
            "Last session (#3, 2026-03-02): initial: ketamine 40 mg (0.571 mg/kg) IM "
            "(for reference; not entered)"
        )
        assert app.screen.query_one("#field-dose_mg").query_one(Input).value == ""
