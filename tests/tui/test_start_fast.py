"""The start form is the first screen a facilitator can act on: it is drawn from a preview of
the protocol before pydantic is imported, the protocol is validated behind it, and nothing
starts until it is."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

from harness import make_app, ready
from record_helpers import IM_PROTOCOL
from textual.widgets import Input, Static

from kap_console.tui.screens.protocol_error import ProtocolErrorScreen
from kap_console.tui.screens.start import StartFormScreen

ROOT = Path(__file__).resolve().parents[2]
BROKEN = ROOT / "tests" / "broken_protocols"

# A console started on argv[1] with its data in argv[2]; `seen` gets the modules imported
# when the start form mounts. Each probe goes on with its own `main()`.
PROBE_START = """
import sys
from pathlib import Path
from kap_console.tui.app import KapApp
from kap_console.tui.screens import start

seen = []
mounted = start.StartFormScreen.on_mount

def on_mount(self):
    seen.append(set(sys.modules))
    mounted(self)

start.StartFormScreen.on_mount = on_mount

def console():
    folder = Path(sys.argv[2])
    return KapApp(sys.argv[1], data_dir=folder, settings_path=folder / "s.toml",
                  user_themes_dir=folder / "themes")
"""

PROBE = (
    PROBE_START
    + """
async def main():
    app = console()
    async with app.run_test(size=(80, 24)) as pilot:
        for _ in range(200):
            await pilot.pause(0.02)
            if app.loaded is not None and seen:
                break
        print("pydantic-at-form", ["pydantic" in found for found in seen[:1]],
              "loaded", app.loaded is not None)

import asyncio
asyncio.run(main())
"""
)

MODULES_PROBE = (
    PROBE_START
    + """
async def main():
    app = console()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        print("stack", [type(screen).__name__ for screen in app.screen_stack])
        print("imported", sorted(set(sys.argv[3:]) & seen[0]))
        await app.workers.wait_for_complete()

import asyncio
asyncio.run(main())
"""
)


def test_the_start_form_is_drawn_before_pydantic_is_imported(tmp_path):
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(IM_PROTOCOL), str(tmp_path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "pydantic-at-form [False] loaded True" in done.stdout


NOT_FOR_THE_FIRST_FRAME = (
    # the other screens before a session: imported when they are shown
    "kap_console.tui.screens.protocol_picker",
    "kap_console.tui.screens.protocol_error",
    "kap_console.tui.screens.resume_offer",
    # what reading the settings, the theme and the preview does not use
    "kap_console.session.storage",
    "hashlib",
    "shlex",
)


def test_the_start_form_is_drawn_without_importing_what_it_does_not_show(tmp_path):
    done = subprocess.run(
        [sys.executable, "-c", MODULES_PROBE, str(IM_PROTOCOL), str(tmp_path)]
        + list(NOT_FOR_THE_FIRST_FRAME),
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "stack ['StartFormScreen']" in done.stdout
    assert "imported []" in done.stdout, done.stdout


async def test_a_form_submitted_before_validation_starts_the_session_once_validated(
    monkeypatch, tmp_path
):
    from kap_console.tui import startup

    release = threading.Event()
    load = startup.StartUp._load

    def slow_load(path):
        release.wait(timeout=30)
        return load(path)

    monkeypatch.setattr(startup.StartUp, "_load", staticmethod(slow_load))
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        for _ in range(100):
            await pilot.pause(0.02)
            if isinstance(app.screen, StartFormScreen) and app.screen.query("#client_code"):
                break
        assert isinstance(app.screen, StartFormScreen)
        assert app.loaded is None
        screen = app.screen
        screen.query_one("#client_code", Input).value = "KAP-0042"
        screen.query_one("#facilitator", Input).value = "R. Rivera"
        screen.query_one("#client_code", Input).focus()
        await pilot.press("enter")
        await pilot.pause()
        assert app.session is None
        assert "Checking the protocol" in str(screen.query_one("#form-problem", Static).render())
        release.set()
        await ready(pilot)
        for _ in range(50):
            if app.session is not None:
                break
            await pilot.pause(0.02)
        assert app.session is not None
        assert app.session.state.started.client_code == "KAP-0042"
        app.session.release()


async def test_a_preview_the_loader_refuses_gives_way_to_the_located_errors(tmp_path):
    broken = BROKEN / "rule-two-comparisons.toml"
    app = make_app(tmp_path, broken)
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        await pilot.pause()
        assert isinstance(app.screen, ProtocolErrorScreen)
        assert app.session is None
        assert app.loaded is None


def test_reading_a_preview_never_blocks_on_a_fifo(tmp_path):
    import os

    from kap_console.protocol.preview import read_preview

    fifo = tmp_path / "protocol.toml"
    os.mkfifo(fifo)
    started = time.monotonic()
    assert read_preview(fifo) is None
    assert time.monotonic() - started < 5
    assert read_preview(tmp_path / "missing.toml") is None
    preview = read_preview(IM_PROTOCOL)
    assert preview is not None and preview.example and preview.version


async def test_the_start_field_being_typed_in_is_marked_not_by_colour_alone(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        assert isinstance(app.screen, StartFormScreen)

        def label(name):
            return str(app.screen.query_one(f"#{name}-label", Static).render())

        await pilot.pause()
        assert label("client_code").startswith("▶ Client code")
        assert not label("facilitator").startswith("▶")
        await pilot.press("tab")
        await pilot.pause()
        assert label("facilitator").startswith("▶ Facilitator")
        assert not label("client_code").startswith("▶")
        assert app.screen.query_one("#facilitator-label").has_class("-focused")


def test_the_preview_parses_the_top_level_part_and_says_what_the_whole_file_says(tmp_path):
    import tomllib

    from kap_console import paths
    from kap_console.protocol.preview import read_preview, top_level_part

    bundled = sorted(paths.bundled_protocols_dir().rglob("*.toml"))
    assert bundled
    for path in bundled:
        text = path.read_text()
        part = top_level_part(text)
        assert len(part) < len(text)  # every bundled protocol has tables after its keys

        def is_table(value):
            return isinstance(value, dict) or (
                isinstance(value, list) and value and all(isinstance(v, dict) for v in value)
            )

        whole = {k: v for k, v in tomllib.loads(text).items() if not is_table(v)}
        assert tomllib.loads(part) == whole
    # A header-like line inside a multi-line string: the part does not parse alone, and
    # the preview falls back to the whole file.
    tricky = tmp_path / "tricky.toml"
    tricky.write_text(
        'title = "T"\nversion = "1.0.0"\ndisclaimer = """Read:\n[not a table]\n"""\n'
        "example = true\n[consent]\nstop_word = true\n"
    )
    preview = read_preview(tricky)
    assert preview is not None
    assert preview.disclaimer == "Read:\n[not a table]\n"
    assert preview.example is True
    assert preview._asdict()["title"] == "T"
