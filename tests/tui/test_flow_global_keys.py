"""The adverse-event and note keys work from every screen of a session, and from inside a
form: a facilitator never has to leave what they are doing to log one."""

from __future__ import annotations

import pytest
from harness import (
    IM_PROTOCOL,
    SIZE,
    commit_all,
    field,
    journal_types,
    make_app,
    on_screen,
    reach,
    ready,
    save_round,
    type_text,
)

from kap_console.session import events as ev
from kap_console.tui.screens.adverse_event import AdverseEventScreen
from kap_console.tui.screens.close import CloseScreen
from kap_console.tui.screens.monitoring import MonitoringScreen
from kap_console.tui.screens.note import NoteScreen
from kap_console.tui.screens.round_form import RoundScreen
from kap_console.tui.stages import stage_screen_class

STAGE_SCREENS = [
    (stage, stage_screen_class(stage))
    for stage in ("pre_session", "intentions", "dosing", "monitoring", "discharge", "discharged")
]


async def open_stage(app, pilot, stage: str) -> None:
    if stage == "discharged":
        await reach(app, pilot, "discharge")
        commit_all(
            app, [ev.Discharged(discharged_by="Dr Chen", criteria_override_reason="test drive")]
        )
        await on_screen(app, pilot, CloseScreen)
    else:
        await reach(app, pilot, stage)


@pytest.mark.parametrize(("stage", "screen"), STAGE_SCREENS)
async def test_f2_logs_an_adverse_event_and_f3_adds_a_note_from_every_stage(
    tmp_path, stage, screen
):
    app = make_app(tmp_path, IM_PROTOCOL, started=True)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await open_stage(app, pilot, stage)

        await pilot.press("f2")
        await on_screen(app, pilot, AdverseEventScreen)
        await pilot.press("escape")
        await on_screen(app, pilot, screen)

        await pilot.press("f3")
        await on_screen(app, pilot, NoteScreen)
        await type_text(pilot, f"note at {stage}")
        await pilot.press("ctrl+s")
        await on_screen(app, pilot, screen)
        assert app.session.state.notes[-1].event.text == f"note at {stage}"


async def test_a_and_n_work_on_the_dashboard(tmp_path):
    app = make_app(tmp_path, IM_PROTOCOL, started=True)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await reach(app, pilot, "monitoring")
        dashboard, journaled = app.screen, journal_types(app)
        await pilot.press("a")
        await on_screen(app, pilot, AdverseEventScreen)
        assert app.screen_stack[-2] is dashboard  # over the dashboard, not instead of it
        await pilot.press("escape")
        await on_screen(app, pilot, MonitoringScreen)
        assert app.screen is dashboard
        await pilot.press("n")
        await on_screen(app, pilot, NoteScreen)
        assert app.screen_stack[-2] is dashboard
        await pilot.press("escape")
        await on_screen(app, pilot, MonitoringScreen)
        assert app.screen is dashboard
        # Closing an untouched form records nothing.
        assert journal_types(app) == journaled
        assert not app.session.state.adverse_events and not app.session.state.notes


async def test_from_inside_a_round_form_a_note_is_saved_and_the_round_keeps_its_readings(
    tmp_path,
):
    app = make_app(tmp_path, IM_PROTOCOL, started=True)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await reach(app, pilot, "monitoring")
        await pilot.press("o")
        await on_screen(app, pilot, RoundScreen)
        await type_text(pilot, "132")  # typing: letters go to the field, F-keys still work

        await pilot.press("f3")
        await on_screen(app, pilot, NoteScreen)
        await type_text(pilot, "client asked for water")
        await pilot.press("ctrl+s")
        await on_screen(app, pilot, RoundScreen)
        assert field(app, "sbp").raw() == "132"

        await pilot.press("f2")
        await on_screen(app, pilot, AdverseEventScreen)
        await pilot.press("escape")
        await on_screen(app, pilot, RoundScreen)
        await save_round(app, pilot)
        await on_screen(app, pilot, MonitoringScreen)
        assert app.session.state.observations[-1].values["sbp"] == 132
        assert app.session.state.notes[-1].event.text == "client asked for water"
