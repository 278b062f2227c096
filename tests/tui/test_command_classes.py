"""A command's action and availability come from its class, not from strings kept by hand."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from kap_console.tui import commands
from kap_console.tui.app import KapApp
from kap_console.tui.commands import BY_ACTION, COMMANDS


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c.__name__)
def test_each_command_runs_the_app_action_named_after_it(command) -> None:
    assert command.ACTION == "".join(
        f"_{char.lower()}" if char.isupper() else char for char in command.__name__
    ).lstrip("_")
    assert callable(getattr(KapApp, f"action_{command.ACTION}")), command.__name__
    assert BY_ACTION[command.ACTION] is command


def _session(*, stage: str = "monitoring", unsaved: int = 0, save_error: object = None):
    return SimpleNamespace(
        state=SimpleNamespace(stage=stage), unsaved=unsaved, save_error=save_error
    )


def test_session_commands_are_offered_only_while_a_session_is_open() -> None:
    for command in (commands.LogAdverseEvent, commands.AddNote, commands.StartRound):
        assert not command.available(None)
        assert command.available(_session())
        assert not command.available(_session(stage="closed"))


def test_the_save_folder_command_is_offered_only_while_entries_are_unsaved() -> None:
    save = commands.ChooseSaveFolder
    assert not save.available(None)
    assert not save.available(_session())
    assert save.available(_session(unsaved=1))
    assert save.available(_session(save_error=OSError()))


def test_app_wide_commands_are_always_offered() -> None:
    for command in (commands.ShowHelp, commands.CycleTheme, commands.ToggleBell, commands.Quit):
        assert command.available(None)


def test_the_app_gives_screens_everything_consoleapp_promises() -> None:
    """Screens are typed against tui/console.py's ConsoleApp; KapApp must provide it all."""
    import ast
    from pathlib import Path

    import kap_console.tui.console as console

    tree = ast.parse(Path(console.__file__).read_text(encoding="utf-8"))
    [declared] = [node for node in tree.body if isinstance(node, ast.ClassDef)]
    promised = [
        node.name
        for block in declared.body
        if isinstance(block, ast.If)
        for node in block.body
        if isinstance(node, ast.FunctionDef)
    ]
    assert len(promised) >= 5
    for name in promised:
        assert callable(getattr(KapApp, name, None)), name
    assert issubclass(KapApp, console.ConsoleApp)
