"""The stage screens: pre-session, intentions, dose, monitoring, discharge, close.

Each test drives one screen from the keyboard and reads the session's state, the journal
or the written record for what it recorded.
"""

from __future__ import annotations

from harness import (
    IM_PROTOCOL,
    ROOT,
    SIZE,
    advance,
    choose,
    commit_all,
    error_text,
    field,
    focus_and_type,
    journal_types,
    make_app,
    on_screen,
    reach,
    read_record,
    ready,
    shown_problems,
    type_text,
    until,
)

from kap_console.session import events as ev
from kap_console.tui.screens.close import CloseScreen
from kap_console.tui.screens.discharge import DischargeFormScreen, DischargeScreen
from kap_console.tui.screens.dose import DoseFormScreen, DoseScreen
from kap_console.tui.screens.end_early import EndEarlyScreen
from kap_console.tui.screens.intentions import ConsentScreen, IntentionsScreen
from kap_console.tui.screens.monitoring import MonitoringScreen, PhaseScreen
from kap_console.tui.screens.pre_session import GoDecisionScreen
from kap_console.tui.widgets.dialogs import ConfirmScreen

SUBLINGUAL = ROOT / "protocols" / "sublingual-ketamine-180.toml"
ESKETAMINE = ROOT / "protocols" / "esketamine-120.toml"


def text_of(app, selector: str) -> str:
    return str(app.screen.query_one(selector).content)


async def test_a_blocking_answer_holds_the_dose_until_the_decider_overrides_it_with_a_reason(
    tmp_path,
):
    app = make_app(tmp_path, IM_PROTOCOL, started=True)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        events = [
            e
            for e in __import__("harness").before_dose_events(app)
            if not isinstance(e, ev.GoDecision)
        ]
        commit_all(app, events)
        await choose(app, pilot, "substances_today", True)  # blocks when "yes"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.session.state.checklist["substances_today"].answer is True
        assert "HOLDS THE DOSE" in text_of(app, "#blocks")

        await pilot.press("ctrl+g")
        await on_screen(app, pilot, GoDecisionScreen)
        await choose(app, pilot, "decision", "go")
        await pilot.press("ctrl+s")
        await pilot.pause()
        # The core refuses a go that leaves a block standing; the form stays filled.
        assert isinstance(app.screen, GoDecisionScreen)
        assert any("substances_today" in problem for problem in shown_problems(app))
        assert app.session.state.go_decision is None

        field(app, "overrides").set_raw(["substances_today"])
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert any("reason" in problem for problem in shown_problems(app))
        await focus_and_type(app, pilot, "reason", "one glass of wine at lunch; prescriber agrees")
        await pilot.press("ctrl+s")
        await on_screen(app, pilot, IntentionsScreen)
        decision = app.session.state.go_decision.event
        assert decision.decision == "go" and decision.overrides == ["substances_today"]


async def test_a_checklist_number_outside_its_range_is_named_at_its_field(tmp_path):
    app = make_app(tmp_path, IM_PROTOCOL, started=True)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await focus_and_type(app, pilot, "weight_kg", "12")
        await pilot.press("enter")
        await pilot.pause()
        assert "Weight today" in error_text(app, "weight_kg")
        assert "weight_kg" not in app.session.state.checklist
        assert "1 answer not saved" in text_of(app, "#unsaved")


async def test_no_go_closes_the_session_and_shows_the_fingerprint(tmp_path):
    app = make_app(tmp_path, IM_PROTOCOL, started=True)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("ctrl+g")
        await on_screen(app, pilot, GoDecisionScreen)
        await choose(app, pilot, "decision", "no_go")
        await focus_and_type(app, pilot, "reason", "ate an hour ago")
        await pilot.press("ctrl+s")
        await on_screen(app, pilot, ConfirmScreen)
        await pilot.press("y")
        await on_screen(app, pilot, CloseScreen)
        await until(pilot, lambda: app.screen.query("#fingerprint"))
        assert "events" in text_of(app, "#fingerprint")
        record = read_record(app)
        assert record["session"]["outcome"] == "no_go"
        assert record["pre_session"]["decisions"][0]["reason"] == "ate an hour ago"


async def test_intentions_one_prompt_at_a_time_and_a_revision_keeps_the_first_wording(tmp_path):
    app = make_app(tmp_path, IM_PROTOCOL, started=True)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await reach(app, pilot, "intentions")
        prompts = app.session.protocol.intention_prompts
        assert text_of(app, "#prompt") == prompts[0].text
        await type_text(pilot, "To feel less alone")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert text_of(app, "#prompt") == prompts[1].text  # the next prompt, alone
        await pilot.press("pageup")
        await pilot.pause()
        assert "To feel less alone" in text_of(app, "#recorded")
        await type_text(pilot, "To feel connected")
        await pilot.press("ctrl+s")
        await pilot.pause()
        first, revision = app.session.state.intentions
        assert first.prompt_id == revision.prompt_id == prompts[0].id
        assert revision.revises_seq == first.seq and not first.current


async def test_consent_records_touch_where_stop_word_and_the_protocols_items(tmp_path):
    app = make_app(tmp_path, IM_PROTOCOL, started=True)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await reach(app, pilot, "intentions")
        await pilot.press("ctrl+o")
        await on_screen(app, pilot, ConsentScreen)
        await choose(app, pilot, "touch", True)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "Touch: where" in error_text(app, "touch_where")
        await focus_and_type(app, pilot, "touch_where", "hand")
        await focus_and_type(app, pilot, "stop_word", "lighthouse")
        await choose(app, pilot, "item-eyeshades_music", True)
        await focus_and_type(app, pilot, "item-grounding", "paced breathing")
        await pilot.press("ctrl+s")
        await on_screen(app, pilot, IntentionsScreen)
        consent = app.session.state.consent.event
        assert (consent.touch, consent.touch_where, consent.stop_word) == (
            True,
            "hand",
            "lighthouse",
        )
        assert consent.items == {"eyeshades_music": True, "grounding": "paced breathing"}


async def test_the_dose_shows_mg_per_kg_and_confirming_it_sets_t0(tmp_path):
    app = make_app(tmp_path, IM_PROTOCOL, started=True)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await reach(app, pilot, "dosing")
        assert field(app, "weight_kg").raw() == "70"  # from the checklist
        await focus_and_type(app, pilot, "dose_mg", "40")
        assert "0.57 mg/kg" in str(field(app, "weight_kg").query_one(".field-hint").content)
        await focus_and_type(app, pilot, "lot", "LOT-1")
        await focus_and_type(app, pilot, "given_by", "Dr Chen")
        await pilot.press("ctrl+s")
        await on_screen(app, pilot, ConfirmScreen)
        await pilot.press("n")
        await on_screen(app, pilot, DoseScreen)
        assert app.session.state.t0 is None
        await pilot.press("ctrl+s")
        await on_screen(app, pilot, ConfirmScreen)
        await pilot.press("y")
        await on_screen(app, pilot, MonitoringScreen)
        dose = app.session.state.doses[0].event
        assert (dose.dose_mg, dose.weight_kg, dose.mg_per_kg, dose.lot) == (40, 70, 0.571, "LOT-1")
        assert app.session.state.t0 == dose.observed_at


async def test_a_dose_above_the_weight_based_range_is_refused_by_the_core_at_the_dose(tmp_path):
    app = make_app(tmp_path, IM_PROTOCOL, started=True)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await reach(app, pilot, "dosing")
        await focus_and_type(app, pilot, "dose_mg", "60")
        await focus_and_type(app, pilot, "given_by", "Dr Chen")
        await pilot.press("ctrl+s")
        await on_screen(app, pilot, ConfirmScreen)
        await pilot.press("y")
        await on_screen(app, pilot, DoseScreen)
        assert "mg/kg" in error_text(app, "dose_mg")
        assert field(app, "dose_mg").raw() == "60"
        assert app.session.state.t0 is None


async def test_a_booster_inside_its_window_and_the_swish_countdown(tmp_path):
    app = make_app(tmp_path, SUBLINGUAL, started=True)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await reach(app, pilot, "monitoring")
        assert "x: start the timer" in text_of(app, "#step")
        await pilot.press("x")
        await until(pilot, lambda: "left" in text_of(app, "#step"))
        assert "12:00 left" in text_of(app, "#step")
        await advance(app, pilot, 5)
        assert "07:00 left" in text_of(app, "#step")
        await advance(app, pilot, 8)
        assert "time is up" in text_of(app, "#step")
        await pilot.press("x")
        await until(pilot, lambda: "Spit" in text_of(app, "#step"))
        assert [s.event.status for s in app.session.state.steps] == ["started", "done"]

        await advance(app, pilot, 20)  # T+33: inside the 30–45 min booster window
        await pilot.press("b")
        await on_screen(app, pilot, DoseFormScreen)
        assert "open now" in text_of(app, "#form-subtitle")
        await focus_and_type(app, pilot, "dose_mg", "100")
        await pilot.press("ctrl+s")
        await on_screen(app, pilot, ConfirmScreen)
        await pilot.press("y")
        await on_screen(app, pilot, MonitoringScreen)
        assert [d.event.kind for d in app.session.state.doses] == ["initial", "booster"]


async def test_devices_are_recorded_one_by_one_with_their_number(tmp_path):
    app = make_app(tmp_path, ESKETAMINE, started=True)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await reach(app, pilot, "dosing")
        assert "Device 1" in text_of(app, "#form-subtitle")
        await focus_and_type(app, pilot, "given_by", "Client, observed")
        await pilot.press("ctrl+s")
        await on_screen(app, pilot, ConfirmScreen)
        await pilot.press("y")
        await on_screen(app, pilot, MonitoringScreen)
        await advance(app, pilot, 5)
        await pilot.press("b")
        await on_screen(app, pilot, DoseFormScreen)
        assert "Device 2" in text_of(app, "#form-subtitle")
        await pilot.press("ctrl+s")
        await on_screen(app, pilot, ConfirmScreen)
        await pilot.press("y")
        await on_screen(app, pilot, MonitoringScreen)
        assert [d.event.device_number for d in app.session.state.doses] == [1, 2]


async def test_the_dashboard_lists_rounds_in_words_and_marks_a_phase(tmp_path):
    app = make_app(tmp_path, IM_PROTOCOL, started=True)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await reach(app, pilot, "monitoring")
        await advance(app, pilot, 21)
        slots = text_of(app, "#slots")
        assert "T+15" in slots and "LATE" in slots and "upcoming" in slots
        assert "LATE" in text_of(app, "#due") and "o: record it now" in text_of(app, "#due")
        await pilot.press("p")
        await on_screen(app, pilot, PhaseScreen)
        await choose(app, pilot, "phase_id", "peak")
        await pilot.press("ctrl+s")
        await on_screen(app, pilot, MonitoringScreen)
        assert app.session.state.phases[-1].event.phase_id == "peak"
        assert "Peak" in text_of(app, "#recent")


async def test_discharge_scores_are_totalled_as_typed_and_an_unmet_discharge_needs_a_reason(
    tmp_path,
):
    app = make_app(tmp_path, IM_PROTOCOL, started=True)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await reach(app, pilot, "monitoring")
        await pilot.press("r")
        await on_screen(app, pilot, ConfirmScreen)
        await pilot.press("y")
        await on_screen(app, pilot, DischargeScreen)
        for item, value in (
            ("activity", "2"),
            ("respiration", "2"),
            ("circulation", "2"),
            ("consciousness", "1"),
            ("spo2", "2"),
        ):
            await focus_and_type(app, pilot, f"modified_aldrete-{item}", value)
        assert "Total 9/10 (needs 9)" in text_of(app, "#total-modified_aldrete")
        field(app, "check-oriented").set_raw(True)
        field(app, "escort_present").set_raw(True)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assessment = app.session.state.latest_assessment.event
        assert assessment.scores["modified_aldrete"]["consciousness"] == 1
        assert assessment.checks["oriented"] is True

        await pilot.press("ctrl+l")
        await until(pilot, lambda: app.session.state.ready_to_leave_at is not None)
        assert "Ready to leave at" in text_of(app, "#status")

        # Only minutes after the dose: the criteria are not met.
        await pilot.press("ctrl+d")
        await on_screen(app, pilot, DischargeFormScreen)
        assert "NOT MET" in text_of(app, "#form-subtitle")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "required" in error_text(app, "criteria_override_reason")
        assert "required" in error_text(app, "instructions_given")  # asked, never pre-ticked
        field(app, "instructions_given").set_raw(True)
        await focus_and_type(
            app, pilot, "criteria_override_reason", "transfer to ED with paramedics"
        )
        await pilot.press("ctrl+s")
        await on_screen(app, pilot, CloseScreen)
        assert app.session.state.discharged.event.criteria_override_reason.startswith("transfer")


async def test_closing_saves_the_reflections_then_writes_the_record(tmp_path):
    app = make_app(tmp_path, IM_PROTOCOL, started=True)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await reach(app, pilot, "monitoring")
        await pilot.press("e")  # end early: asks why first
        await on_screen(app, pilot, EndEarlyScreen)
        await type_text(pilot, "client asked to stop")
        await pilot.press("ctrl+s")
        await on_screen(app, pilot, CloseScreen)
        assert field(app, "outcome").raw() == "stopped_early"
        await type_text(pilot, "Stopped: client asked to")
        await focus_and_type(app, pilot, "for_integration", "Talk about the fear at the start")
        await pilot.press("ctrl+e")
        await on_screen(app, pilot, ConfirmScreen)
        await pilot.press("y")
        await until(pilot, lambda: app.screen.query("#fingerprint"))
        record = read_record(app)
        assert record["session"]["outcome"] == "stopped_early"
        assert [r["prompt_id"] for r in record["reflections"]] == ["what_helped", "for_integration"]
        assert journal_types(app)[-2:] == ["session_closed", "record_written"]
