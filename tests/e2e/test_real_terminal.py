"""End to end in a real terminal: a practice session typed into tmux, the console killed
mid-session (SIGKILL, as a crash or a closed laptop would), started again, resumed, and
finished; the written record must hold every entry made before and after the kill.

The training protocol runs on the practice clock (`--speed`), so its 10-minute window
passes in well under a minute of real time.
"""

from __future__ import annotations

import os
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
SPEED = "10"  # one simulated minute every six real seconds


def console(*extra: str) -> list[str]:
    return [sys.executable, "-m", "kap_console", "run", PROTOCOL, "--speed", SPEED, *extra]


@pytest.fixture
def terminal(tmp_path):
    env = {
        "KAP_CONSOLE_DATA_DIR": str(tmp_path / "data"),
        "KAP_CONSOLE_CONFIG_DIR": str(tmp_path / "config"),
        "PYTHONPATH": str(ROOT),
    }
    term = Terminal(width=100, height=30, env=env)
    yield term
    term.close()


def type_fields(term: Terminal, *values: str) -> None:
    """Type into consecutive fields, tabbing between them, at a brisk typing pace."""
    for index, value in enumerate(values):
        if index:
            term.send("Tab")
        term.type(value)


def save_round(term: Terminal, then: str) -> None:
    """Save the round form; if measures were left blank, say why, then wait for `then`."""
    term.send("Enter")
    screen = term.wait_for(lambda s: then in s or "Why not taken" in s)
    if then not in screen:
        term.type("not part of this practice")
        term.send("C-s")
        term.wait_for(then)


def pick_second_option(term: Terminal) -> None:
    """Open the focused select and take its first real option (after the blank one),
    waiting, as a person does, for the menu to open and then to close."""
    closed = term.screen()
    term.send("Enter")
    term.wait_for(lambda screen: screen != closed, settle=0.2)
    opened = term.screen()
    term.send("Down", "Enter")
    term.wait_for(lambda screen: screen != opened, settle=0.3)


def test_practice_session_survives_a_kill_and_its_record_holds_every_entry(terminal, tmp_path):
    term = terminal
    term.start(
        console("--client", "KAP-0042", "--facilitator", "Sam", "--session-number", "1"), ROOT
    )
    term.wait_for("Pre-session checks")

    # Checklist: consent on file (yes), escort; save.
    pick_second_option(term)
    term.send("Tab")
    term.type("J. Doe 555-0100")
    term.send("Enter")
    term.wait_for("answers saved")

    # Baseline vitals.
    term.send("C-b")
    term.wait_for("Baseline")
    term.wait_for("Systolic BP")
    type_fields(term, "128", "82", "72", "98")
    term.send("Enter")
    term.wait_for("BP 128/82")

    # Go.
    term.send("C-g")
    term.wait_for("Go / no-go decision")
    pick_second_option(term)
    term.send("Tab")
    term.type("all checks passed")
    term.send("C-s")
    term.wait_for("Intention 1 of 1")

    # Intention in the client's words, then consent.
    term.type("To rest and listen")
    term.send("C-s")
    term.wait_for("Consent, agreed before the dose")
    pick_second_option(term)
    term.send("Tab")
    term.type("hand")
    term.send("Tab")
    term.type("lighthouse")
    term.send("Enter")
    term.wait_for("First dose: confirming it sets T0")

    # The dose: T0.
    type_fields(term, "40", "", "LOT-7781", "Dr Chen")
    term.send("C-s")
    term.wait_for("Record dose (y)")
    term.send("y")
    term.wait_for("Dose recorded")

    # A note for integration, before the crash.
    term.send("n")
    term.wait_for("Note")
    term.type("Client smiled before the kill")
    term.send("C-s")
    term.wait_for(lambda s: "Note saved" in s or "Note added" in s or "saved" in s.lower())

    # The first round falls due at T+2 (about 4 s of real time at this speed).
    term.wait_for(lambda s: "due now" in s.lower() or "late" in s.lower(), timeout=30)
    term.send("o")
    term.wait_for("Systolic BP")
    type_fields(term, "132", "84", "76", "97")
    save_round(term, "132/84")

    # Crash: SIGKILL the console mid-session.
    term.kill_console()
    term.wait_for(lambda s: term.pane_dead(), timeout=10)
    term.close()

    # Start again: the unfinished session is offered and resumed.
    term2 = Terminal(width=100, height=30, env=term.env)
    try:
        term2.start(console(), ROOT)
        term2.wait_for("KAP-0042")
        term2.send("r")
        term2.wait_for("Monitoring", timeout=20)
        screen = term2.wait_for("132/84")
        assert "lighthouse" in screen  # the consent strip came back with the replay

        # After the resume: another note, recovery, the round before discharge.
        term2.send("n")
        term2.wait_for("Note")
        term2.type("Resumed after the crash; client calm")
        term2.send("C-s")
        term2.wait_for("Monitoring")
        term2.send("r")
        term2.wait_for("(y)")
        term2.send("y")
        term2.wait_for("Discharge")
        term2.send("o")
        term2.wait_for("Before discharge")
        type_fields(term2, "124", "80", "70")
        save_round(term2, "Before discharge recorded")

        # The discharge assessment: oriented, escort present; ready to leave; discharge.
        term2.send("Space", "Tab", "Space")
        term2.send("C-s")
        term2.wait_for("Discharge assessment saved")
        term2.send("C-l")
        term2.wait_for("Ready to leave: recorded")
        term2.send("C-d")
        screen = term2.wait_for("Discharged by")
        term2.send("Tab")  # discharge instructions given: asked, not pre-ticked
        pick_second_option(term2)
        if "Reason to override" in screen:  # not yet 6 simulated minutes: say why
            term2.send("Tab")
            term2.type("practice run: discharged before the minimum on purpose")
        term2.send("C-s")

        # Close: a reflection, then the record and its fingerprint.
        term2.wait_for("What helped during the session")
        term2.type("The stop word was never needed")
        term2.send("C-e")
        term2.wait_for("write the record?")
        term2.send("y")
        term2.wait_for(lambda s: "fingerprint" in s.lower(), timeout=20)
        term2.send("C-q")
        term2.wait_for(lambda s: term2.pane_dead(), timeout=10)
        last_words = term2.screen()
    finally:
        term2.close()

    records = list((tmp_path / "data").rglob("record.toml"))
    assert len(records) == 1, last_words
    record_path = records[0]
    assert oct(os.stat(record_path).st_mode & 0o777) == "0o600"
    record = tomllib.loads(record_path.read_text())
    text = record_path.read_text()
    for entry in (
        "J. Doe 555-0100",
        "all checks passed",
        "To rest and listen",
        "lighthouse",
        "LOT-7781",
        "Client smiled before the kill",
        "Resumed after the crash; client calm",
        "The stop word was never needed",
    ):
        assert entry in text, f"{entry!r} missing from the record"
    assert record["session"]["client_code"] == "KAP-0042"
    rounds = {(o["round_id"], o["values"].get("sbp")) for o in record["observations"]}
    assert ("check", 132) in rounds
    assert ("pre_discharge", 124) in rounds
    baseline = record["pre_session"]["baseline"]
    assert [b["values"]["sbp"] for b in baseline] == [128]
