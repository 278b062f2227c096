"""Irreversible steps ask, and can be backed out of: ending early asks for a reason, the close
screen over a live session goes back, and after the close no key offers what does nothing."""

from __future__ import annotations

from harness import press_to, read_record, session_at, type_text, until
from textual.widgets import TextArea

from kap_console.tui.screens.base import KeyStrip
from kap_console.tui.screens.close import CloseScreen
from kap_console.tui.screens.end_early import EndEarlyScreen
from kap_console.tui.screens.monitoring import MonitoringScreen
from kap_console.tui.widgets.dialogs import ConfirmScreen


async def test_end_early_asks_why_and_each_step_can_be_backed_out_of(tmp_path):
    async with session_at(tmp_path, "monitoring") as (app, pilot):
        await press_to(app, pilot, "e", EndEarlyScreen)
        await press_to(app, pilot, "escape", MonitoringScreen)

        await press_to(app, pilot, "e", EndEarlyScreen)
        await pilot.press("ctrl+s")  # no reason: refused at the field
        await pilot.pause()
        assert type(app.screen) is EndEarlyScreen
        await type_text(pilot, "client asked to stop")
        await press_to(app, pilot, "ctrl+s", CloseScreen)
        note = app.screen.query_one("#field-close_note").query_one(TextArea)
        assert note.text == "client asked to stop"
        await press_to(app, pilot, "escape", MonitoringScreen)
        assert app.session.state.closed is None and app.session.state.stage == "monitoring"


async def test_ending_early_records_the_reason_and_the_outcome(tmp_path):
    async with session_at(tmp_path, "monitoring") as (app, pilot):
        await press_to(app, pilot, "e", EndEarlyScreen)
        await type_text(pilot, "transferred to ED")
        await press_to(app, pilot, "ctrl+s", CloseScreen)
        await press_to(app, pilot, "ctrl+e", ConfirmScreen)
        await pilot.press("y")
        await until(pilot, lambda: app.screen.query("#fingerprint"))
        record = read_record(app)
        assert record["session"]["outcome"] == "stopped_early"
        assert "transferred to ED" in str(record["session"])

        strip = str(app.screen.query_one(KeyStrip).render())
        for word in ("AE", "Note", "Round"):
            assert word not in strip, strip
        assert "Help" in strip
