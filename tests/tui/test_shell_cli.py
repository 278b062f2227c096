"""`kap-console run` from a shell: the first frame needs no pydantic, bad arguments are
refused before the screen opens, and what happened is printed once the terminal is back."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from record_helpers import IM_PROTOCOL


def modules_after(code: str) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", code + "\nimport sys\nprint('\\n'.join(sys.modules))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return set(out.split())


def test_everything_the_first_frame_needs_imports_without_pydantic_or_the_protocol():
    modules = modules_after(
        "from kap_console.cli import build_parser\n"
        "build_parser('run')\n"
        "import kap_console.tui.app, kap_console.tui.screens.start\n"
        "from kap_console import paths, settings, themes\n"
        "from kap_console.protocol.preview import read_preview\n"
        "settings.load_settings(); themes.quick_theme('night')\n"
        "paths.missing_bundled('protocols', 'themes')\n"
        "read_preview(paths.bundled_protocols_dir() / 'im-ketamine-120.toml')\n"
    )
    assert "textual.app" in modules
    assert "pydantic" not in modules
    assert "kap_console.protocol.models" not in modules
    assert "kap_console.session.events" not in modules
    # Nor what only other commands, the session or the entry forms need.
    for module in (
        "kap_console.commands.record",
        "kap_console.tui.widgets.fields_base",
        "kap_console.session.journal",
        "importlib.resources",
        "zipfile",
        "secrets",
    ):
        assert module not in modules, module


def test_the_bundled_folders_are_where_importlib_resources_finds_them():
    from importlib.resources import files

    from kap_console import paths

    for folder in ("protocols", "themes", "scenarios"):
        found = paths._bundled(folder)
        assert found == Path(str(files("kap_console").joinpath("_bundled", folder)))
        assert any(found.rglob("*.toml"))


def test_start_values_go_together():
    run = subprocess.run(
        [sys.executable, "-m", "kap_console", "run", str(IM_PROTOCOL), "--client", "KAP-0042"],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 2
    assert "--client, --facilitator and --session-number go together" in run.stderr


@pytest.mark.tmux
@pytest.mark.skipif(shutil.which("tmux") is None, reason="needs tmux")
def test_in_a_real_terminal_leaving_an_open_session_prints_how_to_resume(tmp_path):
    from e2e.terminal import Terminal

    data = tmp_path / "data"
    terminal = Terminal(width=80, height=24, env={"KAP_CONSOLE_CONFIG_DIR": str(tmp_path)})
    try:
        terminal.start(
            [
                sys.executable, "-m", "kap_console", "run", str(IM_PROTOCOL),
                "--data-dir", str(data),
                "--client", "KAP-0042", "--facilitator", "R. Rivera", "--session-number", "3",
            ],
            cwd=tmp_path,
        )  # fmt: skip
        screen = terminal.wait_for("Pre-session")
        assert "KAP-0042" in screen and "not dosed" in screen
        assert "a F2 AE" in screen
        terminal.send("C-q")
        terminal.wait_for("ctrl+q again")
        terminal.send("C-q")
        screen = terminal.wait_for("Resume with:")
        [session_dir] = (data / "sessions").iterdir()
        assert f"Session not closed. Its journal is safe at {session_dir}" in screen.replace(
            "\n", ""
        )
    finally:
        terminal.close()


def test_run_without_a_terminal_says_it_needs_one_and_exits_2(tmp_path):
    run = subprocess.run(
        [sys.executable, "-m", "kap_console", "run", str(IM_PROTOCOL), "--data-dir", str(tmp_path)],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,  # before the fix it never ended
    )
    assert run.returncode == 2
    assert "needs a terminal" in run.stderr
    assert not (tmp_path / "sessions").exists()


def test_run_builds_the_console_with_the_collector_off(monkeypatch, tmp_path):
    # KapApp turns it back on after its first frame (test_shell_start.py).
    import gc

    from kap_console.cli import main
    from kap_console.tui import app as app_module

    seen: list[bool] = []

    class Recorded:
        return_code = 0

        def __init__(self, *args, **kwargs):
            seen.append(gc.isenabled())

        def run(self):
            gc.enable()  # what the real app does once drawn

        def release_session(self):
            pass

        def exit_lines(self):
            return []

    monkeypatch.setattr(app_module, "KapApp", Recorded)
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True)
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    try:
        assert main(["run", str(IM_PROTOCOL), "--data-dir", str(tmp_path)]) == 0
    finally:
        gc.enable()
    assert seen == [False]
