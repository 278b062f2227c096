"""In a real terminal, a note pasted with several lines, a tab and a terminal colour code is
kept whole: every line reaches the record, the tab as spaces, the escape sequence removed
(and the field said so before saving)."""

from __future__ import annotations

import shutil
import sys
import tomllib
from pathlib import Path

import pytest

from .terminal import Terminal

pytestmark = [
    pytest.mark.tmux,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
]

ROOT = Path(__file__).resolve().parents[2]
PROTOCOL = "protocols/training/quick-im-practice.toml"
PASTED = (
    "She said: I was on a beach\n"
    "\tand my father was there\n"
    "\x1b[31mhe said nothing\x1b[0m, and it was fine\n"
    "last line, kept too"
)
KEPT = [
    "She said: I was on a beach",
    "    and my father was there",
    "he said nothing, and it was fine",
    "last line, kept too",
]


def choose_option(term: Terminal, downs: int) -> None:
    closed = term.screen()
    term.send("Enter")
    term.wait_for(lambda screen: screen != closed, settle=0.2)
    opened = term.screen()
    term.send(*(["Down"] * downs), "Enter")
    term.wait_for(lambda screen: screen != opened, settle=0.3)


def test_a_pasted_note_with_a_tab_and_an_escape_sequence_reaches_the_record_whole(tmp_path):
    env = {
        "KAP_CONSOLE_DATA_DIR": str(tmp_path / "data"),
        "KAP_CONSOLE_CONFIG_DIR": str(tmp_path / "config"),
        "PYTHONPATH": str(ROOT),
    }
    term = Terminal(width=80, height=24, env=env)
    try:
        term.start(
            [
                sys.executable, "-m", "kap_console", "run", PROTOCOL, "--speed", "10",
                "--client", "KAP-0042", "--facilitator", "Sam", "--session-number", "1",
            ],
            ROOT,
        )  # fmt: skip
        term.wait_for("Pre-session checks")

        term.send("F3")
        term.wait_for("Kept on the timeline")
        term.paste(PASTED)
        screen = term.wait_for("Pasted text:")
        assert "removed 2 escape sequences" in screen and "1 tab became spaces" in screen
        term.send("C-s")
        term.wait_for("Note saved")

        # No-go closes the session and writes the record at once.
        term.send("C-g")
        term.wait_for("Go / no-go decision")
        choose_option(term, 2)
        term.send("Tab")
        term.type("practice: checking a pasted note")
        term.send("C-s")
        term.wait_for("(y)")
        term.send("y")
        term.wait_for(lambda s: "fingerprint" in s.lower(), timeout=20)
        term.send("C-q")
        term.wait_for(lambda s: term.pane_dead(), timeout=10)
    finally:
        term.close()

    [record_path] = (tmp_path / "data").rglob("record.toml")
    record = tomllib.loads(record_path.read_text(encoding="utf-8"))
    [note] = record["notes"]
    assert note["text"].split("\n") == KEPT
