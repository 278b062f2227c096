"""App-wide commands: one key from anywhere, an F-key while typing, the same command in
the palette, and every one of them listed in help."""

from __future__ import annotations

import pytest
from harness import make_app, ready
from textual.screen import Screen
from textual.widgets import Input, Static

from kap_console.tui import commands
from kap_console.tui.commands import COMMANDS, KapCommands
from kap_console.tui.screens.adverse_event import AdverseEventScreen
from kap_console.tui.screens.alerts import AlertsScreen
from kap_console.tui.screens.help import HelpScreen
from kap_console.tui.screens.note import NoteScreen
from kap_console.tui.screens.round_form import RoundScreen
from kap_console.tui.screens.start import StartFormScreen
from kap_console.tui.screens.timeline import TimelineScreen

# The screen each session command opens (the flow screens live in screens/*).
OPENS: dict[type[commands.Command], type[Screen]] = {
    commands.LogAdverseEvent: AdverseEventScreen,
    commands.AddNote: NoteScreen,
    commands.StartRound: RoundScreen,
    commands.OpenTimeline: TimelineScreen,
    commands.AcknowledgeAlerts: AlertsScreen,
    commands.ShowHelp: HelpScreen,
}
# The commands that open no screen, each with the test that checks what it does instead.
ELSEWHERE = {
    commands.ChooseSaveFolder: "test_save_command_is_offered_only_while_entries_are_held",
    commands.CycleTheme: "test_theme_commands_are_in_the_palette",
    commands.ToggleBell: "test_the_bell_is_switched_on_from_the_palette_and_remembered",
    commands.Quit: "test_quit_is_in_the_palette_and_asks_twice_during_a_session",
}


@pytest.fixture
async def running(tmp_path):
    """The console showing a new session in its pre-session stage."""
    app = make_app(tmp_path, client_code="KAP-0042", facilitator="R. Rivera", session_number=3)
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        assert app.session is not None
        yield app, pilot


async def palette_hits(app, query: str):
    provider = KapCommands(app.screen)
    return [hit async for hit in provider.search(query)]


def top(app) -> type[Screen]:
    return type(app.screen)


def test_every_command_is_accounted_for_by_a_test_of_what_it_does() -> None:
    assert set(COMMANDS) == set(OPENS) | set(ELSEWHERE)
    assert not set(OPENS) & set(ELSEWHERE)
    for name in ELSEWHERE.values():
        assert callable(globals()[name]), name


async def test_every_command_has_a_palette_entry_that_runs_it(running):
    app, pilot = running
    for command, screen in OPENS.items():
        hits = await palette_hits(app, command.TITLE)
        [hit] = [hit for hit in hits if hit.text == command.TITLE]
        await hit.command()
        await pilot.pause()
        assert top(app) is screen, command.TITLE
        app.pop_screen()
        await pilot.pause()


async def test_theme_commands_are_in_the_palette(running):
    app, pilot = running
    [hit] = [
        hit for hit in await palette_hits(app, "Theme: daylight") if hit.text == "Theme: daylight"
    ]
    await hit.command()
    assert app.theme == "daylight"
    [hit] = [hit for hit in await palette_hits(app, "Next theme") if hit.text == "Next theme"]
    await hit.command()
    assert app.theme == "high-contrast"


async def test_the_bell_is_switched_on_from_the_palette_and_remembered(running, config_dir):
    from kap_console.settings import load_settings

    app, pilot = running
    title = commands.ToggleBell.TITLE
    [hit] = [hit for hit in await palette_hits(app, title) if hit.text == title]
    await hit.command()
    await pilot.pause()
    assert app.settings.bell is True
    assert load_settings(config_dir / "settings.toml")[0].bell is True
    assert any("Bell on" in n.message for n in app._notifications)


async def test_quit_is_in_the_palette_and_asks_twice_during_a_session(running):
    app, pilot = running
    [hit] = [hit for hit in await palette_hits(app, "Quit") if hit.text == "Quit"]
    await hit.command()
    await pilot.pause()
    assert app.is_running
    assert any("ctrl+q again" in n.message for n in app._notifications)


async def test_save_command_is_offered_only_while_entries_are_held(running):
    app, _ = running
    title = commands.ChooseSaveFolder.TITLE
    assert not [hit for hit in await palette_hits(app, title) if hit.text == title]


async def test_textual_theme_and_quit_are_replaced_by_ours(running):
    app, _ = running
    titles = [command.title for command in app.get_system_commands(app.screen)]
    assert "Theme" not in titles and "Quit" not in titles
    assert "Keys" in titles


@pytest.mark.parametrize("command", list(OPENS), ids=lambda c: c.__name__)
async def test_letter_key_opens_from_anywhere_when_not_typing(running, command):
    app, pilot = running
    app.screen.set_focus(None)
    await pilot.press(command.KEY)
    await pilot.pause()
    assert top(app) is OPENS[command]


async def test_letter_keys_type_into_a_focused_field_and_f_keys_still_work(running):
    app, pilot = running
    await pilot.press("f3")  # the note form: a text field has focus
    await pilot.pause()
    assert top(app) is NoteScreen
    note = app.screen.focused
    assert isinstance(note, Input) or hasattr(note, "text")
    await pilot.press(*"a note")
    await pilot.pause()
    assert top(app) is NoteScreen
    typed = note.value if isinstance(note, Input) else note.text
    assert typed == "a note"

    await pilot.press("f2")  # an adverse event, over the unfinished note
    await pilot.pause()
    assert top(app) is AdverseEventScreen
    app.pop_screen()
    await pilot.pause()
    assert top(app) is NoteScreen
    assert (note.value if isinstance(note, Input) else note.text) == "a note"


async def test_a_command_does_not_open_the_same_form_twice(running):
    app, pilot = running
    await pilot.press("f3")
    await pilot.pause()
    depth = len(app.screen_stack)
    await pilot.press("f3")
    await pilot.pause()
    assert len(app.screen_stack) == depth


async def test_session_commands_are_hidden_before_a_session(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        assert app.session is None
        titles = [hit.text for hit in await palette_hits(app, "a")]
        assert commands.LogAdverseEvent.TITLE not in titles
        await pilot.press("f2")
        await pilot.pause()
        assert top(app) is StartFormScreen


async def test_help_lists_every_command_with_its_keys(running):
    app, pilot = running
    await pilot.press("f1")
    await pilot.pause()
    assert isinstance(app.screen, HelpScreen)
    text = str(app.screen.query_one("#help-body", Static).render())
    for command in COMMANDS:
        assert command.TITLE in text
        assert command.key_display() in text
    assert "Command palette" in text
    # And the keys of the screen it was opened from.
    assert "Go / no-go" in text or "Baseline" in text


async def test_bindings_and_key_strip_come_from_the_registry(running):
    app, _ = running
    bound = {(binding.key, binding.action) for binding in app.BINDINGS}
    for command in COMMANDS:
        for key in command.keys():
            assert (key, command.ACTION) in bound
    strip = str(app.screen.query_one("KeyStrip").render())
    for command in commands.strip_commands():
        assert f"{command.key_display()} {command.FOOTER}" in strip
