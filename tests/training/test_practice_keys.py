"""The practice console's own keys and panels: pause, jump, speed, the header badge, the
monitor over a round, and an incident's prompt answered with its first key."""

from __future__ import annotations

from datetime import timedelta

from trainee import SIZE, TRAINEE, last_monitor, on_screen, practice_app, started

from kap_console.session.clock import SimulatedClock
from kap_console.tui.practice.incident import IncidentScreen
from kap_console.tui.screens.adverse_event import AdverseEventScreen
from kap_console.tui.screens.protocol_error import ProtocolErrorScreen
from kap_console.tui.screens.resume_offer import ResumeOfferScreen
from kap_console.tui.widgets.header import SessionHeader


class FrozenReal:
    """A real clock that moves only when told, so speed arithmetic is exact."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _app(tmp_path, scenario="hypertension-40", speed=10.0):
    real = FrozenReal()
    app = practice_app(tmp_path, scenario)
    clock = SimulatedClock(app.clock.now(), speed=speed, real_monotonic=real)
    app.clock = app.practice_clock = clock
    return app, real


def _badge(app) -> str:
    header = app.screen.query_one(SessionHeader)
    return str(header.query_one("#header-identity").content)


async def _dosed(app, pilot) -> None:
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tui"))
    from harness import reach

    await started(app, pilot)
    await reach(app, pilot, "monitoring")


async def test_the_header_says_practice_the_scenario_and_the_speed(tmp_path) -> None:
    app, _ = _app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await started(app, pilot)
        assert _badge(app).strip().startswith("PRACTICE · hypertension-40 · 10×  PRACTICE-01")
        await pilot.press("greater_than_sign")
        await pilot.pause()
        assert app.practice_clock.speed == 20
        assert "· 20×" in _badge(app)
        await pilot.press("less_than_sign", "less_than_sign")
        await pilot.pause()
        assert app.practice_clock.speed == 5


async def test_pause_stops_the_simulated_client_until_resumed(tmp_path) -> None:
    app, real = _app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await started(app, pilot)
        before = app.clock.now()
        await pilot.press("p")
        await pilot.pause()
        real.now += 60  # a real minute passes while paused
        assert app.clock.now() == before
        assert "PAUSED" in _badge(app)
        await pilot.press("p")
        await pilot.pause()
        real.now += 6
        assert app.clock.now() == before + timedelta(seconds=60)  # 6 s at 10x


async def test_jump_goes_to_the_next_due_round_and_the_monitor_shows_its_readings(
    tmp_path,
) -> None:
    app, _ = _app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await _dosed(app, pilot)
        app.practice_clock.pause()
        t0 = app.session.state.t0
        await pilot.press("j")
        await pilot.pause()
        assert app.clock.now() == t0 + timedelta(minutes=10)
        assert app.session.round_slots().next_due.status == "due"
        await pilot.press("o")
        await pilot.pause()
        await pilot.pause()
        panel = app.screen.query_one("#monitor-panel")
        shown = last_monitor(app)
        assert shown.round_id == "check" and shown.minute == 10
        assert shown.readings["sbp"] == 132.0  # 128 at T-10 to 136 at T+30, at T+10
        assert "MONITOR (simulated client, T+00:10:00): Systolic BP 132 mmHg" in str(panel.content)


async def test_an_incident_prompt_is_journaled_and_answered_by_its_first_key(tmp_path) -> None:
    app, _ = _app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await _dosed(app, pilot)
        app.practice_clock.pause()
        app.practice_clock.set(app.session.state.t0 + timedelta(minutes=40))
        app._check_scenario()
        await pilot.pause()
        assert isinstance(app.screen, IncidentScreen)
        await pilot.press("a")  # straight to the adverse-event form
        await pilot.pause()
        await pilot.pause()
        assert isinstance(app.screen, AdverseEventScreen)
        kinds = [item.kind for item in app.session.state.timeline]
        assert kinds[-2:] == ["practice_cue", "practice_answered"]
        cue = app.session.state.timeline[-2].event
        assert (cue.cue, cue.incident_id, cue.minute) == ("incident", "hypertension", 40)
        assert app.session.state.timeline[-1].event.recorded_by == TRAINEE


async def test_a_practice_session_resumes_only_on_the_scenario_it_was_played_on(tmp_path) -> None:
    from datetime import UTC, datetime

    from trainee import PRACTICE_60

    from kap_console import paths
    from kap_console.protocol.loader import load_protocol
    from kap_console.session import events as ev
    from kap_console.session.engine import Session

    left = Session.start(
        load_protocol(PRACTICE_60),
        data_dir=paths.practice_dir(tmp_path / "data"),
        client_code="PRACTICE-02",
        facilitator=TRAINEE,
        session_number=1,
        clock=SimulatedClock(datetime(2026, 3, 2, 8, 0, tzinfo=UTC), speed=0),
        practice=ev.PracticeIdentity(
            scenario_id="uneventful", scenario_version="1.0.0", scenario_sha256="0" * 64
        ),
    )
    left.release()
    app, _ = _app(tmp_path, scenario="hypertension-40")
    async with app.run_test(size=SIZE) as pilot:
        await on_screen(app, pilot, ResumeOfferScreen, timeout=15)
        await pilot.press("r")
        await on_screen(app, pilot, ProtocolErrorScreen, timeout=15)
        assert isinstance(app.screen, ProtocolErrorScreen)
        assert app.session is None
        shown = " ".join(str(w.content) for w in app.screen.query("Static"))
        assert "practised on uneventful, not on hypertension-40" in shown


async def test_a_scenario_that_does_not_fit_the_protocol_is_refused_with_its_place(
    tmp_path,
) -> None:
    from trainee import ROOT, SCENARIOS

    from kap_console.training.loader import load_scenario
    from kap_console.tui.practice.app import PracticeApp

    app = PracticeApp(
        ROOT / "protocols" / "training" / "quick-im-practice.toml",
        scenario=load_scenario(SCENARIOS / "respiratory-scare.toml"),
        clock=SimulatedClock(app_start(), speed=0),
        data_dir=tmp_path / "data",
        settings_path=tmp_path / "settings.toml",
        user_themes_dir=tmp_path / "themes",
    )
    async with app.run_test(size=SIZE) as pilot:
        await on_screen(app, pilot, ProtocolErrorScreen, timeout=15)
        assert isinstance(app.screen, ProtocolErrorScreen)
        shown = " ".join(str(w.content) for w in app.screen.query("Static"))
        assert "respiratory-scare.toml:" in shown
        assert "protocols: does not name the protocol 'quick-im-practice'" in shown
        assert app.session is None


def app_start():
    from trainee import START

    return START
