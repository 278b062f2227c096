"""An entry's save is confirmed in place, in the session header's bottom line, once it is on
disk: the words, then the time it was saved, at the line's right end. Nothing pops up over
the screen (a notice covered the key strip at 80 columns), the alerts on the same line are
never cut to make room, and the receipt follows the facilitator to the next stage's screen.
"""

from __future__ import annotations

import ast
import re
import time
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

from harness import (
    advance,
    commit_all,
    focus_and_type,
    press_to,
    save_note,
    save_round,
    session_at,
    type_fields,
    until,
)
from record_helpers import fail_fsync_once
from textual.widgets import Input

from kap_console.session import events as ev
from kap_console.session import local_time
from kap_console.tui.receipt import OLDER_STYLE, RECENT_SECONDS, RECENT_STYLE, Receipt
from kap_console.tui.screens.base import SessionScreen
from kap_console.tui.screens.dose import DoseScreen
from kap_console.tui.screens.monitoring import MonitoringScreen
from kap_console.tui.screens.round_form import RoundScreen
from kap_console.tui.screens.save_error import SaveErrorScreen
from kap_console.tui.widgets.dialogs import ConfirmScreen
from kap_console.tui.widgets.header import alerts_line

TUI = Path(__file__).resolve().parents[2] / "kap_console" / "tui"
AT = datetime(2026, 3, 2, 9, 14, 5, tzinfo=UTC)


def header_bottom_line(app) -> str:
    """The header's bottom line (alerts, then the receipt) of the session screen in sight."""
    screen = next(s for s in reversed(app.screen_stack) if isinstance(s, SessionScreen))
    return str(screen.header._lines["header-alerts"].content)


def toasts(app) -> list[str]:
    return [notification.message for notification in app._notifications]


def quiet_state() -> SimpleNamespace:
    """A state whose alerts were not corrected since they were raised."""
    return SimpleNamespace(entry=lambda seq: None)


def receipt_line(alerts: list, width: int, receipt: Receipt | None) -> str:
    variants = receipt.variants(receipt.shown) if receipt is not None else None
    return alerts_line(quiet_state(), None, alerts, [], None, width, variants).plain


def alert(level: str, message: str) -> SimpleNamespace:
    event = SimpleNamespace(response=[], source_seq=1)
    return SimpleNamespace(level=level, message=message, event=event)


# -- the words and where they go ------------------------------------------------------------


def test_the_receipt_takes_the_right_end_of_the_line_and_says_when():
    receipt = Receipt("Note saved", AT, shown=0.0)
    line = receipt_line([], 78, receipt)
    said = f"✓ Note saved · {local_time(AT, seconds=True)}"
    assert line.startswith("Alerts: none")
    assert line.endswith(said)
    assert len(line) == 78


def test_an_alert_keeps_its_words_and_the_receipt_shortens_first():
    # Room for "2 alerts, top URGENT" and the receipt's shortest forms, not its words.
    receipt = Receipt("Adverse event logged: vomiting", AT, shown=0.0)
    alerts = [alert("urgent", "SpO2 below 92"), alert("warning", "HR above 120")]
    line = receipt_line(alerts, 40, receipt)
    assert line.startswith("2 alerts, top URGENT")
    assert line.endswith(f"✓ saved {local_time(AT, seconds=True)}")
    assert len(line) <= 40


def test_without_room_for_both_the_alert_stays_and_the_receipt_goes():
    receipt = Receipt("Note saved", AT, shown=0.0)
    line = receipt_line([alert("urgent", "SpO2 below 92")], 12, receipt)
    assert "✓" not in line
    assert line.startswith("1 URGENT")


def test_long_words_are_cut_before_the_time_is_dropped():
    receipt = Receipt("Adverse event logged: a very long term the facilitator typed", AT, 0.0)
    time = local_time(AT, seconds=True)
    assert receipt_line([], 70, receipt).endswith(
        f"✓ Adverse event logged: a very long term… · {time}"
    )
    assert receipt_line([], 60, receipt).endswith(f"✓ Adverse event logged… · {time}")
    assert receipt_line([], 36, receipt).endswith(f"✓ saved {time}")


def test_the_receipt_is_bright_at_first_then_muted():
    receipt = Receipt("Note saved", AT, shown=100.0)
    assert {style for _, style in receipt.variants(100.0 + RECENT_SECONDS - 1)} == {RECENT_STYLE}
    assert {style for _, style in receipt.variants(100.0 + RECENT_SECONDS + 1)} == {OLDER_STYLE}


# -- in the console --------------------------------------------------------------------------


async def test_a_note_is_confirmed_in_the_header_with_its_time_and_no_notice(tmp_path):
    async with session_at(tmp_path, "monitoring") as (app, pilot):
        assert "✓" not in header_bottom_line(app)
        await save_note(app, pilot, "Breathing slowly")
        assert app.session.state.notes  # saved first, then said
        line = header_bottom_line(app)
        assert line.endswith(f"✓ Note saved · {local_time(app.clock.now(), seconds=True)}")
        assert line.startswith("Alerts: none")
        assert not [words for words in toasts(app) if "saved" in words.lower()]


async def test_the_dose_receipt_follows_to_the_monitoring_screen(tmp_path):
    async with session_at(tmp_path, "dosing") as (app, pilot):
        await focus_and_type(app, pilot, "dose_mg", "40")
        await focus_and_type(app, pilot, "given_by", "Dr Chen")
        await press_to(app, pilot, "ctrl+s", ConfirmScreen)
        await press_to(app, pilot, "y", MonitoringScreen)
        assert not any(isinstance(screen, DoseScreen) for screen in app.screen_stack)
        assert "✓ Dose recorded: T0 set · " in header_bottom_line(app)
        assert not [words for words in toasts(app) if "Dose recorded" in words]


async def test_a_round_that_raises_an_alert_is_confirmed_beside_the_alert(tmp_path):
    async with session_at(tmp_path, "monitoring") as (app, pilot):
        await advance(app, pilot, 15)
        await press_to(app, pilot, "o", RoundScreen)
        await type_fields(pilot, "120", "80", "72", "88")
        await save_round(app, pilot)
        # The form stays up with the alert's steps; the header already says it is saved.
        assert app.screen.query("AlertCard")
        line = header_bottom_line(app)
        assert "URGENT" in line
        assert re.search(r"✓ .*saved · \d\d:\d\d:\d\d$", line)


async def test_the_receipt_changes_with_each_save_and_a_new_session_starts_without_one(
    tmp_path,
):
    async with session_at(tmp_path, "monitoring") as (app, pilot):
        commit_all(app, [ev.NoteAdded(text="first")])
        app.confirm_saved("Note saved")  # as a form does, just after its commit
        await pilot.pause()
        first = header_bottom_line(app)
        assert "✓ Note saved · " in first
        await advance(app, pilot, 1)
        commit_all(app, [ev.NoteAdded(text="second")])
        app.confirm_saved("Note saved")
        await pilot.pause()
        assert header_bottom_line(app) != first  # the time tells the two apart
        app.receipt = Receipt("Note saved", app.clock.now(), time.monotonic() - 60)
        app.open_session(app.session)
        await pilot.pause()
        assert app.receipt is None


def test_no_session_screen_confirms_a_save_with_a_notice():
    """The class of problem, everywhere: every `notify(...)` under tui/ that says an entry
    was saved, recorded, logged... (and is not an error or a warning) is a receipt instead.
    The integration review is its own app without a session header; the held-entries
    notice names the folder they went to, beside the receipt."""
    said = re.compile(
        r"\b(saved|recorded|logged|amended|acknowledged|updated|marked|started|discharged)\b",
        re.IGNORECASE,
    )
    allowed = {("review.py", "Saved to the integration notes"), ("save_error.py", "Saved: ")}
    found = []
    for path in sorted(TUI.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "notify"):
                continue
            if any(keyword.arg == "severity" for keyword in node.keywords) or not node.args:
                continue
            words = "".join(
                part.value
                for part in ast.walk(node.args[0])
                if isinstance(part, ast.Constant) and isinstance(part.value, str)
            )
            if said.search(words) and not any(
                path.name == name and words.startswith(start) for name, start in allowed
            ):
                found.append(f"{path.relative_to(TUI)}:{node.lineno}: {words}")
    assert not found


async def test_no_receipt_is_shown_while_an_entry_is_held_unsaved(tmp_path, monkeypatch):
    async with session_at(tmp_path, "monitoring") as (app, pilot):
        commit_all(app, [ev.NoteAdded(text="first")])
        app.confirm_saved("Note saved")
        await pilot.pause()
        assert "✓ Note saved" in header_bottom_line(app)
        fail_fsync_once(monkeypatch)
        assert app.commit(ev.NoteAdded(text="held")) is None
        await until(pilot, lambda: isinstance(app.screen, SaveErrorScreen))
        assert "✓" not in header_bottom_line(app)  # beside NOT SAVED, not "saved"
        await press_to(app, pilot, "escape", MonitoringScreen)
        app._tick()
        assert "✓" not in header_bottom_line(app)

        folder = tmp_path / "usb" / "KAP-0042"
        await press_to(app, pilot, "s", SaveErrorScreen)
        app.screen.query_one("#folder", Input).value = str(folder)
        app.screen.query_one("#folder", Input).focus()
        await press_to(app, pilot, "enter", MonitoringScreen)
        assert app.session.unsaved == 0
        assert "✓ 1 held entry saved · " in header_bottom_line(app)
