"""Help keeps each key apart from what it does, and says what the screen's actions do."""

from __future__ import annotations

from harness import press_to, session_at

from kap_console.tui.screens.help import HelpScreen, help_text


def test_a_long_key_name_is_not_run_into_its_description():
    text = str(help_text([("shift+tab", "Previous field")]))
    line = next(line for line in text.splitlines() if "Previous field" in line)
    assert "shift+tab  " in line and "shift+tabPrevious" not in line


async def test_help_from_the_dashboard_describes_its_actions(tmp_path):
    async with session_at(tmp_path, "monitoring") as (app, pilot):
        await press_to(app, pilot, "f1", HelpScreen)
        body = str(app.screen.query_one("#help-body").render())
        assert "End early — End the session early (asks why first)" in body


async def test_the_palette_offers_no_screenshot_that_cannot_be_saved(tmp_path):
    from test_palette_screen_actions import palette_titles

    async with session_at(tmp_path, "monitoring") as (app, pilot):
        titles = await palette_titles(app)
        titles |= {command.title for command in app.get_system_commands(app.screen)}
        assert "Log an adverse event" in titles and "Keys" in titles
        assert "Screenshot" not in titles
