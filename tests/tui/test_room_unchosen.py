"""In the room, nothing nobody chose is recorded: no outcome, relatedness or action that the
facilitator never picked; no earlier reading saved again by a bare Enter; a round saved with
measures left blank says which and why; a round opened early says how early."""

from __future__ import annotations

from harness import (
    QUICK,
    advance,
    choose,
    commit_all,
    field,
    on_screen,
    press_to,
    session_at,
    type_text,
)
from textual.widgets import Input, Select

from kap_console.session import events as ev
from kap_console.tui.screens.adverse_event import AdverseEventScreen
from kap_console.tui.screens.monitoring import MonitoringScreen
from kap_console.tui.screens.round_form import NotTakenScreen, RoundScreen


def prefill_protocol(tmp_path, measure_id: str, label: str):
    text = QUICK.read_text(encoding="utf-8")
    marker = f'id = "{measure_id}"\nlabel = "{label}"'
    assert marker in text
    protocol = tmp_path / "quick-prefill.toml"
    protocol.write_text(text.replace(marker, f"{marker}\nprefill = true"), encoding="utf-8")
    return protocol


async def test_an_adverse_event_records_not_assessed_for_what_nobody_picked(tmp_path):
    async with session_at(tmp_path, "monitoring") as (app, pilot):
        await press_to(app, pilot, "a", AdverseEventScreen)
        for field_id in ("serious", "relatedness", "outcome"):
            assert field(app, field_id).query_one(Select).value is Select.NULL
        assert field(app, "actions").raw() == ()
        term = app.session.protocol.adverse_events[0].id
        await choose(app, pilot, "term", term)
        await choose(app, pilot, "severity", field(app, "severity").options[1][1])
        await press_to(app, pilot, "ctrl+s", MonitoringScreen)
        logged = app.session.state.adverse_events[-1].event
        assert logged.outcome == "not_assessed"
        assert logged.relatedness == "not_assessed"
        assert logged.actions == ["not_assessed"]
        assert logged.serious is None


async def test_an_adverse_event_without_severity_is_refused_at_the_field(tmp_path):
    async with session_at(tmp_path, "monitoring") as (app, pilot):
        await press_to(app, pilot, "a", AdverseEventScreen)
        await choose(app, pilot, "term", app.session.protocol.adverse_events[0].id)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert type(app.screen) is AdverseEventScreen
        assert "Severity: required" in str(field(app, "severity").query_one(".field-error").content)
        assert not app.session.state.adverse_events


async def test_prefilled_spo2_is_not_saved_unless_confirmed(tmp_path):
    protocol = prefill_protocol(tmp_path, "spo2", "SpO2")
    async with session_at(tmp_path, "monitoring", protocol) as (app, pilot):
        commit_all(app, [ev.ObservationRecorded(round_id="check", values={"spo2": 88})])
        await press_to(app, pilot, "o", RoundScreen)
        spo2 = field(app, "spo2")
        assert spo2.raw() == ""  # not a value: a hint
        assert spo2.query_one(Input).placeholder.startswith("last: 88 at ")
        await type_text(pilot, "124")  # systolic only
        await press_to(app, pilot, "enter", NotTakenScreen)
        assert "SpO2" in str(app.screen.query_one("#form-subtitle").content)
        await type_text(pilot, "probe fell off")
        await press_to(app, pilot, "ctrl+s", MonitoringScreen)
        last = app.session.state.observations[-1]
        assert "spo2" not in last.values and last.values["sbp"] == 124
        assert "Not taken (" in last.event.note and "SpO2" in last.event.note
        assert last.event.note.endswith(": probe fell off")


async def test_backing_out_of_why_not_taken_keeps_the_round_filled(tmp_path):
    async with session_at(tmp_path, "monitoring") as (app, pilot):
        await press_to(app, pilot, "o", RoundScreen)
        await type_text(pilot, "131")
        await press_to(app, pilot, "enter", NotTakenScreen)
        await press_to(app, pilot, "escape", RoundScreen)
        assert field(app, "sbp").raw() == "131"
        assert len(app.session.state.observations) == 1  # the baseline only


async def test_a_round_opened_long_before_it_is_due_says_how_early(tmp_path):
    async with session_at(tmp_path, "monitoring") as (app, pilot):
        await advance(app, pilot, 3)  # the first round is due at T+15
        await press_to(app, pilot, "o", RoundScreen)
        subtitle = str(app.screen.query_one("#form-subtitle").content)
        assert "EARLY: due in " in subtitle


async def test_an_adverse_event_from_the_dashboard_takes_ten_keys(tmp_path):
    """a · term (enter, down, enter) · tab · severity 2 (enter, down, down, enter) · ctrl+s:
    10 keys, where the form before took 12 (three tabs to reach Severity)."""
    async with session_at(tmp_path, "monitoring") as (app, pilot):
        keys = ["a", "enter", "down", "enter", "tab", "enter", "down", "down", "enter", "ctrl+s"]
        for key in keys:
            await pilot.press(key)
            await pilot.pause()
        await on_screen(app, pilot, MonitoringScreen)
        logged = app.session.state.adverse_events[-1].event
        assert logged.term_id == app.session.protocol.adverse_events[0].id
        assert logged.severity == "2" and logged.outcome == "not_assessed"
        assert len(keys) == 10
