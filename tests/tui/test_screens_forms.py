"""The entry forms over the dashboard: round, note, adverse event, alerts, timeline.

Each test fills a form from the keyboard, submits it, and reads the session's state (and
the journal) for the entry; a refused entry keeps the form open and filled.
"""

from __future__ import annotations

from datetime import timedelta

from harness import (
    advance,
    amend_dialog,
    choose,
    choose_all,
    commit_all,
    error_text,
    field,
    focus_and_type,
    journal_types,
    on_screen,
    press_to,
    save_round,
    session_at,
    timeline_row,
    type_fields,
    type_text,
    until,
)

from kap_console.session import events as ev
from kap_console.tui.screens.adverse_event import AdverseEventScreen, AdverseEventUpdateScreen
from kap_console.tui.screens.alerts import AlertsScreen
from kap_console.tui.screens.monitoring import MonitoringScreen
from kap_console.tui.screens.note import NoteScreen
from kap_console.tui.screens.round_form import RoundScreen
from kap_console.tui.screens.timeline import AmendScreen, TimelineScreen, VoidScreen
from kap_console.tui.widgets.dialogs import ConfirmScreen, PickScreen


async def test_a_reading_outside_its_range_is_named_at_its_field_and_nothing_typed_is_lost(
    tmp_path,
):
    async with session_at(tmp_path, "monitoring") as (app, pilot):
        await advance(app, pilot, 15)
        await press_to(app, pilot, "o", RoundScreen)
        await type_fields(pilot, "400", "80")
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, RoundScreen)
        assert "Systolic BP" in error_text(app, "sbp")
        assert "outside 50 to 260" in error_text(app, "sbp")
        assert field(app, "sbp").raw() == "400" and field(app, "dbp").raw() == "80"
        assert not app.session.state.observations[1:]  # only the baseline

        # Corrected, it saves; the round answers the slot that was due.
        await focus_and_type(app, pilot, "sbp", "128")
        await save_round(app, pilot)
        await on_screen(app, pilot, MonitoringScreen)
        last = app.session.state.observations[-1]
        assert last.round_id == "early" and last.due_minutes == 15
        assert dict(last.values) == {"sbp": 128, "dbp": 80}


async def test_a_late_entry_keeps_when_it_was_observed_apart_from_when_it_was_typed(tmp_path):
    async with session_at(tmp_path, "monitoring") as (app, pilot):
        await advance(app, pilot, 18)
        await press_to(app, pilot, "o", RoundScreen)
        await type_text(pilot, "130")
        await focus_and_type(app, pilot, "observed_at", "-3m")
        assert "ago" in str(field(app, "observed_at").query_one(".field-hint").content)
        await save_round(app, pilot)
        await on_screen(app, pilot, MonitoringScreen)
        last = app.session.state.observations[-1]
        assert last.recorded_at - last.observed_at == timedelta(minutes=3)


async def test_an_unreadable_observed_at_says_what_to_type(tmp_path):
    async with session_at(tmp_path, "monitoring") as (app, pilot):
        await press_to(app, pilot, "o", RoundScreen)
        await type_text(pilot, "130")
        await focus_and_type(app, pilot, "observed_at", "soon")
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, RoundScreen)
        message = error_text(app, "observed_at")
        assert message.startswith("Observed at:") and '"-3m"' in message


async def test_escape_on_a_filled_form_asks_before_discarding(tmp_path):
    async with session_at(tmp_path, "monitoring") as (app, pilot):
        journaled = journal_types(app)
        await press_to(app, pilot, "o", RoundScreen)
        await type_text(pilot, "131")
        await press_to(app, pilot, "escape", ConfirmScreen)
        await press_to(app, pilot, "n", RoundScreen)
        assert field(app, "sbp").raw() == "131"
        await press_to(app, pilot, "escape", ConfirmScreen)
        await press_to(app, pilot, "y", MonitoringScreen)
        # Discarded: nothing reached the journal or the state.
        assert journal_types(app) == journaled
        assert [o for o in app.session.state.observations if o.event.round_id != "baseline"] == []
        # An empty form closes at once.
        await press_to(app, pilot, "o", RoundScreen)
        await press_to(app, pilot, "escape", MonitoringScreen)
        assert journal_types(app) == journaled


async def test_a_round_that_trips_a_threshold_shows_the_alert_and_its_steps(tmp_path):
    async with session_at(tmp_path, "monitoring") as (app, pilot):
        await press_to(app, pilot, "o", RoundScreen)
        await focus_and_type(app, pilot, "spo2", "89")
        await save_round(app, pilot)
        await until(pilot, lambda: app.screen.query("AlertCard"))
        text = str(app.screen.query_one("AlertCard").content)
        assert "URGENT" in text and "SpO2 below 92" in text and "1. Stimulate" in text
        await press_to(app, pilot, "enter", MonitoringScreen)
        assert [a.measure_id for a in app.session.open_alerts()] == ["spo2"]


async def test_a_note_for_integration_in_the_clients_words(tmp_path):
    async with session_at(tmp_path, "monitoring") as (app, pilot):
        await press_to(app, pilot, "n", NoteScreen)
        await type_text(pilot, "It felt like the sea")
        await pilot.press("tab", "space", "tab", "space")  # both tick boxes
        await press_to(app, pilot, "ctrl+s", MonitoringScreen)
        [note] = app.session.state.notes
        assert note.event.text == "It felt like the sea"
        assert note.event.for_integration and note.event.client_quote
        assert journal_types(app)[-1] == "note_added"


async def test_an_empty_note_is_refused_at_its_field(tmp_path):
    async with session_at(tmp_path) as (app, pilot):
        await press_to(app, pilot, "f3", NoteScreen)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert error_text(app, "text") == "Note: required"
        assert not app.session.state.notes


async def test_an_adverse_event_in_free_text_then_updated_when_it_resolves(tmp_path):
    async with session_at(tmp_path, "monitoring") as (app, pilot):
        await press_to(app, pilot, "a", AdverseEventScreen)
        await choose(app, pilot, "term", "__other__")
        await focus_and_type(app, pilot, "term_text", "Tingling hands")
        await focus_and_type(app, pilot, "onset_at", "-5m")
        await choose(app, pilot, "severity", "mild")
        await press_to(app, pilot, "ctrl+s", MonitoringScreen)
        [logged] = app.session.state.adverse_events
        assert logged.event.term == "Tingling hands" and logged.event.term_id is None
        assert logged.event.severity == "mild"
        assert logged.recorded_at - logged.event.onset_at == timedelta(minutes=5)

        await advance(app, pilot, 10)
        await press_to(app, pilot, "a", AdverseEventScreen)
        await press_to(app, pilot, "ctrl+r", PickScreen)
        await press_to(app, pilot, "enter", AdverseEventUpdateScreen)
        await focus_and_type(app, pilot, "resolved_at", "now")
        await choose(app, pilot, "outcome", "recovered")
        await press_to(app, pilot, "ctrl+s", AdverseEventScreen)
        current = app.session.state.adverse_events[0].effective
        assert current.outcome == "recovered" and current.resolved_at is not None
        assert journal_types(app)[-1] == "adverse_event_updated"


async def test_a_serious_adverse_event_without_its_criterion_is_refused_by_the_core_at_that_field(
    tmp_path,
):
    async with session_at(tmp_path, "monitoring") as (app, pilot):
        await press_to(app, pilot, "a", AdverseEventScreen)
        await choose_all(app, pilot, term="respiratory_depression", severity="3", serious=True)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, AdverseEventScreen)
        assert "criterion" in error_text(app, "serious_criterion")
        assert not app.session.state.adverse_events
        await choose(app, pilot, "serious_criterion", "important_medical_event")
        await press_to(app, pilot, "ctrl+s", MonitoringScreen)
        assert app.session.state.adverse_events[0].event.serious_criterion == (
            "important_medical_event"
        )


async def test_an_alert_is_acknowledged_with_a_note(tmp_path):
    async with session_at(tmp_path, "monitoring") as (app, pilot):
        commit_all(app, [ev.ObservationRecorded(round_id="early", values={"hr": 130})])
        await press_to(app, pilot, "k", AlertsScreen)
        await focus_and_type(app, pilot, "note", "settled after recheck")
        await press_to(app, pilot, "enter", MonitoringScreen)
        [alert] = app.session.state.alerts
        assert alert.acknowledged_seq is not None
        assert alert.acknowledgement_note == "settled after recheck"


async def test_an_entry_is_marked_entered_in_error_from_the_timeline_and_stays_visible(tmp_path):
    async with session_at(tmp_path, "monitoring") as (app, pilot):
        commit_all(app, [ev.NoteAdded(text="wrong client")])
        table = await timeline_row(app, pilot, app.session.state.notes[-1].seq)
        await press_to(app, pilot, "v", VoidScreen)
        await type_text(pilot, "note meant for another session")
        await press_to(app, pilot, "ctrl+s", TimelineScreen)
        [note] = app.session.state.notes
        assert note.voided and note.void_reason == "note meant for another session"
        row = table.get_row(str(note.seq))
        assert "ERROR" in row[3]


async def test_an_amendment_that_does_not_fit_the_field_is_refused_inline(tmp_path):
    async with session_at(tmp_path, "monitoring") as (app, pilot):
        commit_all(app, [ev.ObservationRecorded(round_id="early", values={"hr": 80})])
        seq = app.session.state.observations[-1].seq
        await amend_dialog(app, pilot, seq)
        await choose(app, pilot, "field", "values.hr")
        assert "Now: 80" in str(app.screen.query_one("#old-value").content)
        await focus_and_type(app, pilot, "new", "900")
        await focus_and_type(app, pilot, "reason", "misread")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, AmendScreen)
        shown = error_text(app, "new")
        assert "outside" in shown and "900" not in shown  # limits, never the typed value
        await focus_and_type(app, pilot, "new", "90")
        await press_to(app, pilot, "enter", TimelineScreen)
        assert app.session.state.entry(seq).event.values["hr"] == 90


async def test_an_entry_the_app_could_not_save_keeps_the_form_filled_and_is_not_sent_twice(
    tmp_path,
):
    async with session_at(tmp_path, "monitoring") as (app, pilot):
        sent = []

        def held(event):  # what app.commit does after a save error: the engine holds it
            sent.append(event)
            return None

        app.commit = held
        await press_to(app, pilot, "o", RoundScreen)
        await type_text(pilot, "133")
        await save_round(app, pilot)
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, RoundScreen)
        assert field(app, "sbp").raw() == "133"
        assert "Not saved yet" in str(app.screen.query_one("#form-unsaved").content)
        assert len(sent) == 1


async def test_severity_follows_how_the_chosen_term_is_graded(tmp_path):
    async with session_at(tmp_path) as (app, pilot):
        await press_to(app, pilot, "f2", AdverseEventScreen)
        await choose(app, pilot, "term", "dizziness")  # graded mild / moderate / severe
        assert [value for _, value in field(app, "severity").options] == [
            "mild",
            "moderate",
            "severe",
        ]
        await choose(app, pilot, "term", "tachycardia")  # graded CTCAE 1–5
        assert [value for _, value in field(app, "severity").options] == ["1", "2", "3", "4", "5"]
