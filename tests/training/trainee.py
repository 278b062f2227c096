"""A scripted trainee: drives the practice console from the keyboard through a scenario.

The clock is frozen and moved a minute at a time (a practice run at "any speed"), so each
run is exact. The trainee reads the monitor panel's readings from the journal (what the
panel showed), types them into the round, answers every incident's prompt and does what the
scenario expects, unless the plan says to slip: skip a round, mistype a reading, leave an
incident's adverse event unlogged, discharge early.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from dataclasses import field as default
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

TUI_TESTS = Path(__file__).resolve().parents[1] / "tui"
if str(TUI_TESTS) not in sys.path:
    sys.path.insert(0, str(TUI_TESTS))

from harness import (  # noqa: E402
    choose,
    field,
    reach,
    type_text,
    until,
)
from harness import on_screen as on_screen_within  # noqa: E402

from kap_console.session import events as ev  # noqa: E402
from kap_console.session.clock import SimulatedClock  # noqa: E402
from kap_console.training.loader import load_scenario  # noqa: E402
from kap_console.tui.practice.app import PracticeApp  # noqa: E402
from kap_console.tui.practice.debrief_screen import DebriefScreen  # noqa: E402
from kap_console.tui.screens.adverse_event import AdverseEventScreen  # noqa: E402
from kap_console.tui.screens.alerts import AlertsScreen  # noqa: E402
from kap_console.tui.screens.close import CloseScreen  # noqa: E402
from kap_console.tui.screens.discharge import DischargeFormScreen, DischargeScreen  # noqa: E402
from kap_console.tui.screens.note import NoteScreen  # noqa: E402
from kap_console.tui.screens.pre_session import PreSessionScreen  # noqa: E402
from kap_console.tui.screens.round_form import RoundScreen  # noqa: E402
from kap_console.tui.widgets.dialogs import ConfirmScreen  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = ROOT / "scenarios"
PRACTICE_60 = ROOT / "protocols" / "training" / "im-practice-60.toml"
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
TRAINEE = "T. Trainee"
SIZE = (80, 24)


async def on_screen(app: Any, pilot: Any, name: Any, timeout: float = 15.0) -> None:
    """The shared helper with room for a loaded machine (these runs share two cores)."""
    await on_screen_within(app, pilot, name, timeout)


@dataclass
class Plan:
    """Where the trainee slips (nothing: a perfect run)."""

    skip_rounds: set[int] = default(default_factory=set)  # due minutes not taken
    mistype: dict[tuple[int, str], int] = default(
        default_factory=dict
    )  # (minute, measure) -> off by
    leave_undone: set[tuple[str, str]] = default(default_factory=set)  # (incident, action)
    discharge_at: float = 57.0  # minutes since the dose
    recovery_at: float = 52.0


def practice_app(tmp_path: Path, scenario: str, protocol: Path = PRACTICE_60) -> PracticeApp:
    return PracticeApp(
        protocol,
        scenario=load_scenario(SCENARIOS / f"{scenario}.toml"),
        clock=SimulatedClock(START, speed=0),
        data_dir=tmp_path / "data",
        client_code="PRACTICE-01",
        facilitator=TRAINEE,
        session_number=1,
        settings_path=tmp_path / "settings.toml",
        user_themes_dir=tmp_path / "themes",
    )


async def started(app: PracticeApp, pilot: Any) -> None:
    await until(pilot, lambda: app.session is not None, timeout=20)
    await on_screen(app, pilot, PreSessionScreen)


def last_monitor(app: PracticeApp) -> ev.PracticeCue:
    for item in reversed(app.session.state.timeline):
        if item.kind == "practice_cue" and item.event.cue == "monitor":
            return item.event
    raise AssertionError("no monitor reading was shown")


def minute_now(app: PracticeApp) -> float:
    return app.minute() or 0.0


async def step(app: PracticeApp, pilot: Any, minutes: float = 1.0) -> None:
    app.clock.advance(minutes * 60)
    app._tick()
    app._check_scenario()
    await pilot.pause()


async def take_round(app: PracticeApp, pilot: Any, minute: int, plan: Plan) -> None:
    await pilot.press("o")
    await on_screen(app, pilot, RoundScreen)
    await until(pilot, lambda: app.screen.query("#monitor-panel"))
    form = app.screen
    shown = last_monitor(app).readings
    measures = app.screen.measure_ids()
    protocol = app.session.protocol
    numbers = [m for m in measures if protocol.measure(m).kind == "number" and m in shown]
    typed = [f"{shown[m] + plan.mistype.get((minute, m), 0):g}" for m in numbers]
    field(app, numbers[0]).focus_control()
    await pilot.pause()
    await burst(pilot, *typed)
    for measure_id in measures:
        if protocol.measure(measure_id).kind == "scale" and measure_id in shown:
            field(app, measure_id).set_raw(float(shown[measure_id]))  # picked from its list
    await pilot.press("ctrl+s")
    await until(pilot, lambda: form.committed is not None or not _on(app, "RoundScreen"))
    if _on(app, "RoundScreen"):  # alerts shown with their steps: close, then acknowledge
        await pilot.press("enter")
        await until(pilot, lambda: not _on(app, "RoundScreen"))
        await acknowledge_all(app, pilot)


async def burst(pilot: Any, *values: str) -> None:
    """Type as a brisk typist does: every key at once, Tab between values ("_" is a space).
    The keys reach the app in one go, as from a terminal; focus moves the moment Tab is read."""
    from textual import events

    keys: list[str] = []
    for index, value in enumerate(values):
        keys += (["tab"] if index else []) + ["space" if c == "_" else c for c in value]
    for key in keys:
        character = " " if key == "space" else (key if len(key) == 1 else None)
        pilot.app.post_message(events.Key(key, character))
    await pilot.pause()
    await pilot.pause()


def _on(app: PracticeApp, name: str) -> bool:
    return type(app.screen).__name__ == name


async def acknowledge_all(app: PracticeApp, pilot: Any) -> None:
    if not app.session.open_alerts():
        return
    await pilot.press("k")
    await on_screen(app, pilot, AlertsScreen)
    while app.session.open_alerts():
        count = len(app.session.open_alerts())
        await pilot.press("enter")
        await until(pilot, lambda c=count: len(app.session.open_alerts()) < c)
    await until(pilot, lambda: not _on(app, "AlertsScreen"))


async def answer_incident(app: PracticeApp, pilot: Any, plan: Plan) -> None:
    screen = app.screen
    incident = app.scenario.scenario.incident(screen.incident_id)
    await pilot.press("enter")  # noticed
    await until(pilot, lambda: not _on(app, "IncidentScreen"))
    for item in incident.expect:
        if (incident.id, item.action) in plan.leave_undone:
            continue
        if item.action == "adverse_event":
            await log_adverse_event(app, pilot, item.term, list(item.actions))
        elif item.action == "note":
            await add_note(app, pilot, f"{incident.id}: asked, answered, reassured")


async def log_adverse_event(app: PracticeApp, pilot: Any, term: str, actions: list[str]) -> None:
    await pilot.press("a")
    await on_screen(app, pilot, AdverseEventScreen)
    await choose(app, pilot, "term", term)
    await choose(app, pilot, "severity", "2")
    if actions:
        field(app, "actions").set_raw(tuple(actions))
    await pilot.press("ctrl+s")
    await until(pilot, lambda: not _on(app, "AdverseEventScreen"))


async def add_note(app: PracticeApp, pilot: Any, text: str) -> None:
    await pilot.press("n")
    await on_screen(app, pilot, NoteScreen)
    await burst(pilot, text.replace(" ", "_"))
    await pilot.press("ctrl+s")
    await until(pilot, lambda: not _on(app, "NoteScreen"))


async def run_scenario(app: PracticeApp, pilot: Any, plan: Plan) -> None:
    """From the pre-session screen to the closed record and the debrief."""
    await started(app, pilot)
    await reach(app, pilot, "monitoring")  # checklist, baseline, go, intention, consent, dose
    t0 = app.session.state.t0
    app.clock.set(t0)
    slots = sorted(
        {s.due_minutes for s in app.session.round_slots().slots if s.due_minutes is not None}
    )
    # Only the minutes where something happens: the clock jumps between them.
    moments = sorted(
        {m for m in slots if m < plan.recovery_at}
        | {int(-(-i.at // 1)) for i in app.scenario.scenario.incidents if i.at < plan.recovery_at}
        | {int(plan.recovery_at)}
    )
    minute = 0
    for moment in moments:
        await step(app, pilot, moment - minute)
        minute = moment
        while _on(app, "IncidentScreen"):
            await answer_incident(app, pilot, plan)
        if minute in slots and minute not in plan.skip_rounds:
            await take_round(app, pilot, minute, plan)
    await recover_and_close(app, pilot, plan)


async def recover_and_close(app: PracticeApp, pilot: Any, plan: Plan) -> None:
    await pilot.press("r")
    await on_screen(app, pilot, ConfirmScreen)
    await pilot.press("y")
    await on_screen(app, pilot, DischargeScreen)
    await take_round(app, pilot, -1, plan)
    await on_screen(app, pilot, DischargeScreen)
    field(app, "check-oriented").set_raw(True)
    field(app, "escort_present").set_raw(True)
    await pilot.press("ctrl+s")
    await pilot.pause()
    here = minute_now(app)
    if plan.discharge_at > here:
        await step(app, pilot, plan.discharge_at - here)
    await pilot.press("ctrl+l")
    await pilot.pause()
    await pilot.press("ctrl+d")
    await on_screen(app, pilot, DischargeFormScreen)
    field(app, "instructions_given").set_raw(True)
    if app.screen.query("#field-criteria_override_reason"):
        field(app, "criteria_override_reason").set_raw("client wanted to go")
    await pilot.press("ctrl+s")
    await on_screen(app, pilot, CloseScreen)
    await type_text(pilot, "It went fine")
    await pilot.press("ctrl+e")
    await on_screen(app, pilot, ConfirmScreen)
    await pilot.press("y")
    await on_screen(app, pilot, DebriefScreen, timeout=10)
