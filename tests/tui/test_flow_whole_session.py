"""A whole practice session driven from the keyboard, start to written record.

The quick IM practice protocol on a frozen clock moved between steps: checklist, baseline,
go, intention, consent, dose (T0), a round that trips an urgent alert, a late round entered
as "-3m", the alert acknowledged, an adverse event, a note for integration, an amendment,
recovery, the before-discharge round, the discharge assessment, ready to leave, discharge,
a reflection, and the close. The assertions read the written record.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from harness import (
    FACILITATOR,
    FROZEN_AT,
    QUICK,
    SIZE,
    advance,
    choose,
    field,
    focus_and_type,
    make_app,
    on_screen,
    read_record,
    ready,
    save_round,
    type_fields,
    type_text,
    until,
)

from kap_console.tui.screens.adverse_event import AdverseEventScreen
from kap_console.tui.screens.alerts import AlertsScreen
from kap_console.tui.screens.close import CloseScreen
from kap_console.tui.screens.discharge import DischargeFormScreen, DischargeScreen
from kap_console.tui.screens.dose import DoseScreen
from kap_console.tui.screens.intentions import ConsentScreen, IntentionsScreen
from kap_console.tui.screens.monitoring import MonitoringScreen
from kap_console.tui.screens.note import NoteScreen
from kap_console.tui.screens.pre_session import GoDecisionScreen, PreSessionScreen
from kap_console.tui.screens.round_form import RoundScreen
from kap_console.tui.screens.timeline import AmendScreen, TimelineScreen
from kap_console.tui.widgets.dialogs import ConfirmScreen


def when(value: datetime | str) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(value)


async def test_a_whole_practice_session_from_checklist_to_closed_record(tmp_path):
    app = make_app(tmp_path, QUICK, started=True)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        session = app.session
        assert isinstance(app.screen, PreSessionScreen)

        # Pre-session: answer the checklist from the keyboard, save with enter.
        await choose(app, pilot, "consent_on_file", True)
        await focus_and_type(app, pilot, "escort_name", "J. Doe 555-0100")
        await pilot.press("enter")
        await pilot.pause()
        assert session.state.checklist["consent_on_file"].answer is True
        assert session.state.checklist["escort_name"].answer == "J. Doe 555-0100"

        # Baseline through the round form.
        await pilot.press("ctrl+b")
        await on_screen(app, pilot, RoundScreen)
        await type_fields(pilot, "128", "82", "72", "98")
        await save_round(app, pilot)
        await on_screen(app, pilot, PreSessionScreen)
        assert session.state.baseline["sbp"].value == 128
        assert session.dosing_blocks() == []

        # Go.
        await pilot.press("ctrl+g")
        await on_screen(app, pilot, GoDecisionScreen)
        await choose(app, pilot, "decision", "go")
        await focus_and_type(app, pilot, "reason", "all checks passed")
        await pilot.press("ctrl+s")
        await on_screen(app, pilot, IntentionsScreen)
        assert session.state.go_decision.event.decision == "go"

        # Intention, then the consent form opens by itself.
        await type_text(pilot, "To rest and listen")
        await pilot.press("ctrl+s")
        await on_screen(app, pilot, ConsentScreen)
        await choose(app, pilot, "touch", True)
        await focus_and_type(app, pilot, "touch_where", "hand")
        await focus_and_type(app, pilot, "stop_word", "lighthouse")
        await pilot.press("enter")
        await on_screen(app, pilot, DoseScreen)
        assert session.state.stage == "dosing"

        # The dose: T0.
        await advance(app, pilot, 1)
        await focus_and_type(app, pilot, "dose_mg", "40")
        await focus_and_type(app, pilot, "lot", "LOT-7781")
        await focus_and_type(app, pilot, "given_by", "Dr Chen")
        await pilot.press("enter")
        await on_screen(app, pilot, ConfirmScreen)
        await pilot.press("y")
        await on_screen(app, pilot, MonitoringScreen)
        assert session.state.t0 == FROZEN_AT + timedelta(minutes=1)

        # T+2: the round falls due; a systolic of 185 trips the urgent alert.
        await advance(app, pilot, 2)
        await pilot.press("o")
        await on_screen(app, pilot, RoundScreen)
        assert app.screen.round_id == "check"
        await type_fields(pilot, "185", "95", "88", "97")
        await save_round(app, pilot)
        await until(pilot, lambda: app.screen.query("AlertCard"))
        assert [alert.level for alert in session.open_alerts()] == ["urgent"]
        assert app.screen.query("AlertCard")  # the tripped alert, with its steps
        await pilot.press("enter")
        await on_screen(app, pilot, MonitoringScreen)

        # T+7: the T+4 round was taken on time but typed only now: observed "-3m".
        await advance(app, pilot, 5)
        await pilot.press("o")
        await on_screen(app, pilot, RoundScreen)
        assert app.screen.due_minutes == 4
        await type_fields(pilot, "150", "88", "80", "97")
        await focus_and_type(app, pilot, "observed_at", "-3m")
        await save_round(app, pilot)
        await on_screen(app, pilot, MonitoringScreen)

        # Acknowledge the alert.
        await pilot.press("k")
        await on_screen(app, pilot, AlertsScreen)
        await pilot.press("enter")
        await on_screen(app, pilot, MonitoringScreen)
        assert session.open_alerts() == []

        # An adverse event from the catalogue.
        await pilot.press("a")
        await on_screen(app, pilot, AdverseEventScreen)
        await choose(app, pilot, "term", "hypertension")
        await choose(app, pilot, "severity", "2")
        await pilot.press("ctrl+s")
        await on_screen(app, pilot, MonitoringScreen)
        [adverse] = session.state.adverse_events
        assert adverse.event.term == "Raised blood pressure"

        # A note for integration, the client's own words.
        await pilot.press("n")
        await on_screen(app, pilot, NoteScreen)
        await type_text(pilot, "I felt held")
        field(app, "for_integration").set_raw(True)
        field(app, "client_quote").set_raw(True)
        await pilot.press("ctrl+s")
        await on_screen(app, pilot, MonitoringScreen)
        [note] = session.state.notes
        assert note.event.for_integration and note.event.client_quote

        # Amend the note's text from the timeline, with a reason.
        await pilot.press("t")
        await on_screen(app, pilot, TimelineScreen)
        table = app.screen.query_one("DataTable")
        table.move_cursor(row=[item.seq for item in session.state.timeline].index(note.seq))
        await pilot.press("m")
        await on_screen(app, pilot, AmendScreen)
        await choose(app, pilot, "field", "text")
        await focus_and_type(app, pilot, "new", "I felt held and safe")
        await focus_and_type(app, pilot, "reason", "typed before she finished")
        await pilot.press("ctrl+s")
        await on_screen(app, pilot, TimelineScreen)
        assert session.state.entry(note.seq).event.text == "I felt held and safe"
        await pilot.press("escape")
        await on_screen(app, pilot, MonitoringScreen)

        # Recovery, and the round before discharge.
        await pilot.press("r")
        await on_screen(app, pilot, ConfirmScreen)
        await pilot.press("y")
        await on_screen(app, pilot, DischargeScreen)
        assert session.state.stage == "discharge"
        await pilot.press("o")
        await on_screen(app, pilot, RoundScreen)
        assert app.screen.round_id == "pre_discharge"
        await type_fields(pilot, "126", "80", "70")
        await save_round(app, pilot)
        await on_screen(app, pilot, DischargeScreen)

        # The discharge assessment, ready to leave, discharge.
        field(app, "check-oriented").set_raw(True)
        field(app, "escort_present").set_raw(True)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert session.state.latest_assessment.event.escort_name == "J. Doe 555-0100"
        await pilot.press("ctrl+l")
        await pilot.pause()
        assert session.state.ready_to_leave_at is not None
        assert session.discharge_status().met, session.discharge_status().unmet
        await pilot.press("ctrl+d")
        await on_screen(app, pilot, DischargeFormScreen)
        field(app, "instructions_given").set_raw(True)
        await pilot.press("ctrl+s")
        await on_screen(app, pilot, CloseScreen)
        assert session.state.stage == "discharged"

        # A reflection, then close and write the record.
        await type_text(pilot, "Grounding helped; music too loud")
        await pilot.press("ctrl+e")
        await on_screen(app, pilot, ConfirmScreen)
        await pilot.press("y")
        await until(pilot, lambda: app.screen.query("#fingerprint"))
        assert session.state.record_written is not None
        record = read_record(app)

    assert record["session"]["outcome"] == "completed"
    assert [i["text"] for i in record["intentions"]] == ["To rest and listen"]
    [dose] = record["doses"]
    assert dose["dose_mg"] == 40 and dose["lot"] == "LOT-7781" and dose["given_by"] == "Dr Chen"
    late = [o for o in record["observations"] if o.get("due_minutes") == 4]
    [late] = late
    t0 = when(record["session"]["dosed_at"])
    assert when(late["observed_at"]) == t0 + timedelta(minutes=4)
    assert when(late["recorded_at"]) == t0 + timedelta(minutes=7)
    [alert] = record["alerts"]
    assert alert["level"] == "urgent" and alert["acknowledged_by"] == FACILITATOR
    [adverse] = record["adverse_events"]
    assert adverse["term_id"] == "hypertension" and adverse["severity"] == "2"
    [note] = record["notes"]
    assert note["for_integration"] is True and note["text"] == "I felt held and safe"
    [correction] = record["corrections"]
    assert correction["kind"] == "amended" and correction["reason"] == "typed before she finished"
    [before_discharge] = [o for o in record["observations"] if o["round_id"] == "pre_discharge"]
    assert before_discharge["values"] == {"sbp": 126, "dbp": 80, "hr": 70}
    assert "due_minutes" not in before_discharge  # a slot with no due time
    assert when(before_discharge["observed_at"]) >= t0
    assert record["discharge"]["ready_to_leave_at"]
    assert record["discharge"]["discharged_by"] == FACILITATOR
    assert [r["text"] for r in record["reflections"]] == ["Grounding helped; music too loud"]
