"""The course view from the review screen (c) and on its own (kap-console client CODE)."""

from __future__ import annotations

from pathlib import Path

import pytest
from course_helpers import copy_as
from integration.record_sessions import im_session
from review_helpers import review_app
from textual.widgets import OptionList

from kap_console.tui.screens.course import CourseScreen
from kap_console.tui.screens.review_app import ReviewApp
from kap_console.tui.widgets.vitals_chart import VitalsChart

SIZE = (80, 24)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return im_session(tmp_path_factory.mktemp("built"))


@pytest.fixture
def course_data(built, tmp_path: Path) -> Path:
    data = tmp_path / "data"
    copy_as(built, data, "a-first", session_number=1, day=2, dose_mg=32)
    copy_as(built, data, "b-second", session_number=2, day=9)
    copy_as(built, data, "c-practice", session_number=3, day=16, training=True)
    return data


def prompts(listing: OptionList) -> list[str]:
    return [str(listing.get_option_at_index(i).prompt) for i in range(listing.option_count)]


async def test_the_course_opens_from_the_review_and_goes_back(course_data):
    session = course_data / "sessions" / "b-second"
    async with review_app(session, course_data).run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("c")
        await pilot.pause()
        screen = pilot.app.screen
        assert isinstance(screen, CourseScreen)
        shown = prompts(screen.query_one("#course-sessions", OptionList))
        assert [text.split("  ")[0] for text in shown] == ["#1 2026-03-02", "#2 2026-03-09"]
        assert "initial: ketamine 32 mg (0.571 mg/kg) IM" in shown[0]
        assert "peak BP 182/104  HR 96  lowest SpO2 98  ready to leave 123 min" in shown[1]
        assert "★ Said: “I am the ocean”" in shown[1]
        assert "intention “Loosen the urge to please”" in shown[1]

        await pilot.press("2")
        await pilot.pause()
        drawn = str(screen.query_one("#course-chart", VitalsChart).render()).splitlines()
        assert drawn[0].startswith("Dose per session (mg)  M total mg")
        dose_rows = drawn[: drawn.index(next(r for r in drawn if r.startswith("Peak BP")))]
        assert sum(r.count("M") for r in dose_rows[1:]) == 2  # one mark per session
        ticks = next(r for r in dose_rows if "#1" in r)
        assert ticks.index("#1") < ticks.index("#2") and ticks.rstrip().endswith("session")
        assert any("S" in r[6:] for r in drawn[drawn.index(dose_rows[-1]) + 1 :])

        await pilot.press("1", "down", "enter")  # the second session's review
        await pilot.pause()
        assert type(pilot.app.screen).__name__ == "ReviewScreen"
        assert pilot.app.screen.record.session.session_number == 2
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(pilot.app.screen, CourseScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert type(pilot.app.screen).__name__ == "ReviewScreen"
        await pilot.press("escape")  # the first review is where it ends
        await pilot.pause()
        assert type(pilot.app.screen).__name__ == "ReviewScreen"


async def test_the_course_on_its_own_stays_on_escape(course_data):
    app = ReviewApp(
        lambda: CourseScreen(course_data, "KAP-0042", root=True),
        user_themes_dir=course_data / "none",
    )
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(pilot.app.screen, CourseScreen)
        assert "2 sessions (training sessions not included)" in str(
            pilot.app.screen.query_one("#course-title").render()
        )
