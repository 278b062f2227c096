"""The session's stage screens and entry forms, as the facilitator sees them at 80×24.

Night theme, clock frozen (SimulatedClock at speed 0), cursor not blinking, times shown in
UTC. Each test drives a session started from the command line to one moment of the flow,
commits what came before as the forms would, and types what is on screen.

Update after an intended change with
`pytest tests/tui/test_snapshots_flow.py --snapshot-update` and look at the pictures
(tests/tui/__snapshots__/) before committing them.
"""

from __future__ import annotations

import os
import time
from types import SimpleNamespace

import pytest
from harness import (
    SIZE,
    before_dose_events,
    choose,
    commit_all,
    focus_and_type,
    make_app,
    on_screen,
    reach,
    ready,
    save_note,
    type_fields,
    type_text,
    until,
)
from record_helpers import at_minute, early_round, ready_for_discharge, vitals

from kap_console.session import events as ev
from kap_console.session import opening
from kap_console.session.record.reading import fingerprint as real_fingerprint
from kap_console.tui.screens import close as close_screen
from kap_console.tui.screens.adverse_event import AdverseEventScreen
from kap_console.tui.screens.close import CloseScreen
from kap_console.tui.screens.discharge import DischargeScreen
from kap_console.tui.screens.round_form import RoundScreen
from kap_console.tui.widgets.dialogs import ConfirmScreen

# The session folder's random suffix, fixed so the folder named on screen is the same each run.
FOLDER_SUFFIX = "5e1f0a"
# A record's SHA-256 covers the session id, the journal's random nonce, the protocol's path
# and git commit: it differs on every run and checkout. The close screen shows this one.
RECORD_SHA256 = "3f2a91c07be4" + "0" * 52


@pytest.fixture(autouse=True)
def _utc_wall_clock():
    """Times of day on screen (baseline taken at, ready to leave at) read the same anywhere."""
    before = os.environ.get("TZ")
    os.environ["TZ"] = "UTC"
    time.tzset()
    yield
    if before is None:
        os.environ.pop("TZ", None)
    else:
        os.environ["TZ"] = before
    time.tzset()


@pytest.fixture
def session_app(monkeypatch, tmp_path):
    """The console opened on a new session of the IM protocol (client and facilitator given)."""
    monkeypatch.setattr(opening, "secrets", SimpleNamespace(token_hex=lambda n: FOLDER_SUFFIX))
    return make_app(
        tmp_path, client_code="KAP-0042", facilitator="R. Rivera", session_number=3, theme="night"
    )


async def started(pilot) -> None:
    await ready(pilot)
    await pilot.pause()


def early_rounds(app, *due_minutes: int) -> None:
    """The early rounds taken on time, a minute after each falls due."""
    for due in due_minutes:
        at_minute(app.session, due + 1)
        assert app.commit(early_round(due)) is not None


async def dosed(pilot) -> None:
    await started(pilot)
    await reach(pilot.app, pilot, "monitoring")


def test_pre_session_checks_with_an_answer_that_holds_the_dose(snap_compare, session_app):
    async def run_before(pilot):
        await started(pilot)
        app = pilot.app
        events = [
            event
            for event in before_dose_events(app)
            if not isinstance(event, ev.GoDecision)
            and not (isinstance(event, ev.CheckAnswered) and event.item_id == "substances_today")
        ]
        commit_all(app, events)
        commit_all(app, [ev.CheckAnswered(item_id="substances_today", answer=True)])
        await pilot.pause()
        # Scrolled down to the answer: it and what it holds the dose for, in one view.
        answer = app.screen.query_one("#field-substances_today")
        app.screen.query_one("#pre").scroll_to_widget(answer, animate=False, top=True)
        await pilot.pause()

    assert snap_compare(session_app, terminal_size=SIZE, run_before=run_before)


def test_intentions_with_a_prompt_read_aloud(snap_compare, session_app):
    async def run_before(pilot):
        await started(pilot)
        app = pilot.app
        await reach(app, pilot, "intentions")
        commit_all(app, [ev.IntentionRecorded(prompt_id="longing", text="To feel less alone")])
        await pilot.press("pagedown")
        await type_text(pilot, "The urge to please")
        await pilot.pause()

    assert snap_compare(session_app, terminal_size=SIZE, run_before=run_before)


def test_dose_screen_with_mg_per_kg(snap_compare, session_app):
    async def run_before(pilot):
        await started(pilot)
        app = pilot.app
        await reach(app, pilot, "dosing")
        await focus_and_type(app, pilot, "dose_mg", "40")
        await focus_and_type(app, pilot, "lot", "LOT-7781")
        await focus_and_type(app, pilot, "given_by", "Dr Chen")
        await pilot.pause()

    assert snap_compare(session_app, terminal_size=SIZE, run_before=run_before)


def test_late_round_with_a_reading_outside_its_range(snap_compare, session_app):
    async def run_before(pilot):
        await dosed(pilot)
        app = pilot.app
        early_rounds(app, 15, 30, 45, 60)
        at_minute(app.session, 103)
        app._tick()
        await pilot.press("o")
        await on_screen(app, pilot, RoundScreen)
        await type_fields(pilot, "400", "82")
        await pilot.press("enter")
        await pilot.pause()

    assert snap_compare(session_app, terminal_size=SIZE, run_before=run_before)


def test_a_saved_note_is_confirmed_in_the_header(snap_compare, session_app):
    """The receipt at the right end of the header's bottom line, the key strip uncovered."""

    async def run_before(pilot):
        await dosed(pilot)
        app = pilot.app
        early_rounds(app, 15)
        at_minute(app.session, 22)
        await save_note(app, pilot, "Resting, eyes closed")

    assert snap_compare(session_app, terminal_size=SIZE, run_before=run_before)


def test_adverse_event_form(snap_compare, session_app):
    async def run_before(pilot):
        await dosed(pilot)
        app = pilot.app
        early_rounds(app, 15)
        at_minute(app.session, 24)
        app._tick()
        await pilot.press("a")
        await on_screen(app, pilot, AdverseEventScreen)
        await choose(app, pilot, "term", "nausea_vomiting")
        await focus_and_type(app, pilot, "onset_at", "-4m")
        await choose(app, pilot, "severity", "1")
        await pilot.pause()

    assert snap_compare(session_app, terminal_size=SIZE, run_before=run_before)


def test_discharge_with_criteria_partly_met_and_scores_typed(snap_compare, session_app):
    async def run_before(pilot):
        await dosed(pilot)
        app = pilot.app
        early_rounds(app, 15, 30, 45, 60)
        at_minute(app.session, 70)
        assert app.commit(ev.PhaseMarked(phase_id="recovery", label="Recovery")) is not None
        # Saved before the screen is drawn, so its fields show what was saved.
        assessed = ev.DischargeAssessed(
            checks={"oriented": True, "walks_steadily": False, "instructions_given": False},
            scores={},
            escort_present=True,
            escort_name="J. Doe 555-0100",
        )
        assert app.commit(assessed) is not None
        await on_screen(app, pilot, DischargeScreen)
        at_minute(app.session, 78)
        app._tick()
        await pilot.pause()
        for item, value in (
            ("activity", "2"),
            ("respiration", "2"),
            ("circulation", "2"),
            ("consciousness", "1"),
        ):
            await focus_and_type(app, pilot, f"modified_aldrete-{item}", value)
        await pilot.pause()

    assert snap_compare(session_app, terminal_size=SIZE, run_before=run_before)


def test_close_screen_after_the_record_is_written(snap_compare, session_app, monkeypatch, data_dir):
    monkeypatch.setattr(
        close_screen,
        "fingerprint",
        lambda sha256, event_count: real_fingerprint(RECORD_SHA256, event_count),
    )

    async def run_before(pilot):
        await dosed(pilot)
        app = pilot.app
        session = app.session
        early_rounds(app, 15, 30, 45, 60)
        at_minute(session, 91)
        late = {**vitals(), "moaas": 5.0, "dissociation": 0.0, "suds": 3.0}
        app.commit(ev.ObservationRecorded(round_id="late", due_minutes=90, values=late))
        at_minute(session, 95)
        app.commit(ev.PhaseMarked(phase_id="recovery", label="Recovery"))
        await on_screen(app, pilot, DischargeScreen)
        at_minute(session, 100)
        app.commit(
            ev.ObservationRecorded(round_id="pre_discharge", values={**vitals(), "suds": 3.0})
        )
        at_minute(session, 101)
        app.commit(ready_for_discharge())
        app.commit(ev.ReadyToLeave())
        at_minute(session, 105)
        app.commit(ev.Discharged(discharged_by="Dr Chen"))
        await on_screen(app, pilot, CloseScreen)
        at_minute(session, 110)
        app.commit(ev.ReflectionRecorded(prompt_id="what_helped", text="Music and the hand"))
        await pilot.press("ctrl+e")
        await on_screen(app, pilot, ConfirmScreen)
        await pilot.press("y")
        await on_screen(app, pilot, CloseScreen)
        await until(pilot, lambda: app.screen.query("#fingerprint"))
        # Where the data folder is differs on every run; the session folder's name does not.
        record = session.session_dir / session.state.record_written.event.record_path
        shown = app.screen.query_one("#record-path")
        assert str(shown.content) == str(record)
        shown.update(f"/home/facilitator/.local/share/kap-console/{record.relative_to(data_dir)}")
        await pilot.pause()

    assert snap_compare(session_app, terminal_size=SIZE, run_before=run_before)
