"""The one harness for the console's Pilot, flow and snapshot tests.

- `make_app(folder, protocol, ...)`: a KapApp on a frozen clock whose data, settings and user
  themes live in `folder`; `started=True` gives it start values so a session opens at once.
- `ready(pilot)`: start-up done: workers finished, and a session's stage screen on top once
  there is a session.
- `on_screen(app, pilot, ScreenClass)`: wait for that screen (asserted by class).
- key helpers (`type_text`, `type_fields`, `choose`, ...) and the entries that take a session
  to a stage (`reach`).
- `session_at(folder, stage)`: all of that at once, as `async with ... as (app, pilot)`; then
  `press_to` (a key, and the screen it leads to), `choose_all`, `save_note`, `timeline_row`
  and `amend_dialog` for the forms a test fills.
Test modules import these; conftest.py only holds the autouse fixtures and the folders.
"""

from __future__ import annotations

import tomllib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from textual.screen import Screen
from textual.widgets import DataTable, Input, Select, TextArea

from kap_console.session import STAGES
from kap_console.session.clock import SimulatedClock
from kap_console.tui.app import KapApp
from kap_console.tui.stages import stage_screen_class
from kap_console.tui.widgets.fields_base import FormField

ROOT = Path(__file__).resolve().parents[2]
PROTOCOLS = ROOT / "protocols"
QUICK = PROTOCOLS / "training" / "quick-im-practice.toml"
IM_PROTOCOL = PROTOCOLS / "im-ketamine-120.toml"
SUBLINGUAL = PROTOCOLS / "sublingual-ketamine-180.toml"
ESKETAMINE = PROTOCOLS / "esketamine-120.toml"
FROZEN_AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
FACILITATOR = "R. Rivera"
CLIENT_CODE = "KAP-0042"
SIZE = (80, 24)
# What the command line can pass so that the console opens a session without the start form.
START_VALUES: dict[str, Any] = {
    "client_code": CLIENT_CODE,
    "facilitator": FACILITATOR,
    "session_number": 1,
}
# Every screen a session's stage can show, from the console's own stage map.
STAGE_SCREENS = tuple({stage_screen_class(stage) for stage in STAGES})


def frozen_clock() -> SimulatedClock:
    """A clock that stands still at FROZEN_AT until a test moves it."""
    return SimulatedClock(FROZEN_AT, speed=0)


def make_app(
    folder: Path,
    protocol: Path | str | None = IM_PROTOCOL,
    *,
    clock: SimulatedClock | None = None,
    data_dir: Path | None = None,
    started: bool = False,
    **options: Any,
) -> KapApp:
    """The console on `protocol`, its data in folder/data and its settings and user themes in
    `folder`, on `clock` (a frozen one by default). `started` passes START_VALUES, so a session
    opens at once; other `options` go to KapApp as they are."""
    if started:
        options = {**START_VALUES, **options}
    options.setdefault("settings_path", folder / "config" / "settings.toml")
    options.setdefault("user_themes_dir", folder / "config" / "themes")
    return KapApp(
        protocol,
        data_dir=data_dir or folder / "data",
        clock=clock or frozen_clock(),
        **options,
    )


async def ready(pilot: Any) -> None:
    """Wait until start-up is done: its workers finished and the screens they opened mounted;
    when the app opens a session straight away, until it shows its stage screen."""
    from kap_console.tui.screens.start import start_values_problems

    app = pilot.app
    values = app.start_values
    await app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.pause()
    # As the console decides (startup.StartUp._protocol_ready): start values given and
    # valid, and nothing about the protocol for the facilitator to confirm first.
    opens_a_session = all(v is not None for v in values.values())
    opens_a_session = opens_a_session and not start_values_problems(values)
    opens_a_session = opens_a_session and app.loaded is not None and not app.start_cautions()
    if opens_a_session:
        await until(
            pilot,
            # Its stage screen is up (perhaps under something it opened at once).
            lambda: (
                app.session is not None
                and any(isinstance(screen, STAGE_SCREENS) for screen in app.screen_stack)
            ),
            timeout=10,
        )


async def settle(pilot: Any) -> None:
    """After a screen push, pop or switch (Textual 8 delays screen changes a little)."""
    for _ in range(3):
        await pilot.pause(0.05)


async def until(pilot: Any, predicate: Any, timeout: float = 3.0) -> None:
    """Let the app run until `predicate()` holds (screens change a few frames after a key)."""
    waited = 0.0
    while not predicate():
        if waited >= timeout:
            raise AssertionError(
                f"timed out waiting for {getattr(predicate, '__name__', predicate)}"
            )
        await pilot.pause(0.05)
        waited += 0.05
    await pilot.pause()


async def on_screen(
    app: KapApp, pilot: Any, screen: type[Screen[Any]], timeout: float = 3.0
) -> None:
    """Wait until the screen on top is a `screen`; fail, saying what is on top, if it never is."""
    try:
        await until(pilot, lambda: type(app.screen) is screen, timeout)
    except AssertionError:
        raise AssertionError(
            f"expected {screen.__name__} on top, found {type(app.screen).__name__}; "
            f"problems shown: {shown_problems(app)}"
        ) from None


def shown_problems(app: KapApp) -> list[str]:
    """Every error line the screen on top shows (for failure messages)."""
    from textual.widgets import Static

    texts = []
    for widget in app.screen.query(".field-error, #form-problem").results(Static):
        text = str(widget.content)
        if text:
            texts.append(text)
    return texts


async def advance(app: KapApp, pilot: Any, minutes: float) -> None:
    app.clock.advance(minutes * 60)  # type: ignore[attr-defined]
    app._tick()
    await pilot.pause()


def field(app: KapApp, field_id: str) -> FormField:
    return app.screen.query_one(f"#field-{field_id}", FormField)


def fill(app: KapApp, **values: Any) -> None:
    """Set fields of the form on top, as if typed (for fields a test does not type key by key)."""
    for field_id, value in values.items():
        field(app, field_id).set_raw(value)


async def type_text(pilot: Any, text: str) -> None:
    await pilot.press(*["space" if char == " " else char for char in text])


async def type_fields(pilot: Any, *values: str) -> None:
    """Type into consecutive fields, pressing tab between them (a round's readings)."""
    for index, value in enumerate(values):
        if index:
            await pilot.press("tab")
        await type_text(pilot, value)


async def choose(app: KapApp, pilot: Any, field_id: str, value: Any) -> None:
    """Pick an option of a Select field with the keyboard: focus, open, arrow to it, enter."""
    target = field(app, field_id)
    select = target.query_one(Select)
    select.focus()
    await pilot.pause()
    options = [option for _, option in target.options]  # type: ignore[attr-defined]
    await pilot.press("enter")
    await pilot.pause()
    # The open list starts on the blank prompt (or the current value).
    current = select.value
    start = 0 if current is Select.NULL else options.index(current) + 1
    steps = options.index(value) + 1 - start
    await pilot.press(*(["down"] * steps if steps >= 0 else ["up"] * -steps))
    await pilot.press("enter")
    await pilot.pause()
    assert select.value == value, f"{field_id}: {select.value!r} != {value!r}"


async def focus_and_type(app: KapApp, pilot: Any, field_id: str, text: str) -> None:
    target = field(app, field_id)
    areas = target.query(TextArea)
    if areas:
        area = areas.first()
        area.focus()
        area.load_text("")
    else:
        entry = target.query_one(Input)
        entry.focus()
        entry.value = ""
    await pilot.pause()
    await type_text(pilot, text)


def error_text(app: KapApp, field_id: str) -> str:
    from textual.widgets import Static

    return str(field(app, field_id).query_one(".field-error", Static).content)


def read_record(app: KapApp) -> dict[str, Any]:
    written = app.session.state.record_written  # type: ignore[union-attr]
    assert written is not None, "the record has not been written"
    path = app.session.session_dir / written.event.record_path  # type: ignore[union-attr]
    with path.open("rb") as handle:
        return tomllib.load(handle)


def journal_types(app: KapApp) -> list[str]:
    from kap_console.session.journal.read import read_journal

    return [entry.payload["type"] for entry in read_journal(app.session.session_dir).entries]  # type: ignore[union-attr]


def _answers(protocol: Any) -> dict[str, Any]:
    answers: dict[str, Any] = {}
    for item in protocol.checklist:
        if item.kind == "yes_no":
            answers[item.id] = item.blocks_dosing_when != "yes"
        elif item.kind == "number":
            answers[item.id] = 70.0 if "weight" in item.id else item.range.min
        elif item.kind == "time":
            answers[item.id] = "07:30"
        else:
            answers[item.id] = "J. Doe 555-0100"
    return answers


CALM = {"sbp": 124, "dbp": 78, "hr": 72, "spo2": 98, "rr": 14, "suds": 4}


def commit_all(app: KapApp, events: list[Any], minutes_between: float = 0.5) -> None:
    """Commit entries through the app, as the forms do (the clock moves between them)."""
    for event in events:
        app.clock.advance(minutes_between * 60)  # type: ignore[attr-defined]
        assert app.commit(event) is not None


def before_dose_events(app: KapApp) -> list[Any]:
    from kap_console.session import events as ev

    protocol = app.session.protocol  # type: ignore[union-attr]
    events: list[Any] = [
        ev.CheckAnswered(item_id=item, answer=answer) for item, answer in _answers(protocol).items()
    ]
    baseline = {m: CALM[m] for m in protocol.baseline_measures if m in CALM}
    events.append(ev.ObservationRecorded(round_id=ev.BASELINE_ROUND, values=baseline))
    events.append(ev.GoDecision(decision="go", reason="all clear", decided_by="Dr Chen"))
    return events


def intentions_events(app: KapApp) -> list[Any]:
    from kap_console.session import events as ev

    protocol = app.session.protocol  # type: ignore[union-attr]
    events: list[Any] = [
        ev.IntentionRecorded(prompt_id=prompt.id, text=f"Answer to {prompt.id}")
        for prompt in protocol.intention_prompts
    ]
    items = {
        item.id: (True if item.kind == "yes_no" else "paced breathing")
        for item in protocol.consent.items
    }
    events.append(
        ev.ConsentRecorded(touch=True, touch_where="hand", stop_word="lighthouse", items=items)
    )
    return events


def dose_event(app: KapApp) -> Any:
    from kap_console.session import events as ev

    protocol = app.session.protocol  # type: ignore[union-attr]
    devices = protocol.dosing.devices
    if devices is not None:
        return ev.DoseGiven(
            kind="device",
            drug=protocol.drug.name,
            route=protocol.drug.routes[0],
            dose_mg=devices.mg_per_device,
            given_by="Dr Chen",
            device_number=1,
        )
    dose = 40.0 if protocol.drug.dose_mg.contains(40) else protocol.drug.dose_mg.min
    return ev.DoseGiven(
        drug=protocol.drug.name,
        route=protocol.drug.routes[0],
        dose_mg=dose,
        weight_kg=70,
        mg_per_kg=round(dose / 70, 3),
        given_by="Dr Chen",
        checked_by=FACILITATOR,
    )


async def reach(app: KapApp, pilot: Any, stage: str) -> None:
    """Commit what it takes for the session to reach `stage`, and wait for its screen."""
    from kap_console.session import events as ev

    order = list(STAGES)
    steps = {
        "intentions": lambda: before_dose_events(app),
        "dosing": lambda: intentions_events(app),
        "monitoring": lambda: [dose_event(app)],
        "discharge": lambda: [ev.PhaseMarked(phase_id="recovery", label="Recovery")],
    }
    current = order.index(app.session.state.stage)  # type: ignore[union-attr]
    for name in order[current + 1 : order.index(stage) + 1]:
        commit_all(app, steps[name]())
    await on_screen(app, pilot, stage_screen_class(stage))


async def save_round(app: KapApp, pilot: Any, reason: str = "not needed this round") -> None:
    """Save the round form on top; when measures were left blank, say why they were not taken."""
    from kap_console.tui.screens.round_form import NotTakenScreen

    await pilot.press("enter")
    await settle(pilot)
    if isinstance(app.screen, NotTakenScreen):
        await type_text(pilot, reason)
        await pilot.press("ctrl+s")
        await settle(pilot)


# -- a session at a stage, and the forms over it ----------------------------------------------


@asynccontextmanager
async def session_at(
    folder: Path,
    stage: str | None = None,
    protocol: Path | str = IM_PROTOCOL,
    *,
    size: tuple[int, int] = SIZE,
    **options: Any,
) -> AsyncIterator[tuple[KapApp, Any]]:
    """The console with a session open (START_VALUES), started up (`ready`) and taken to
    `stage` when one is given (`reach`): `async with session_at(tmp_path, "monitoring") as
    (app, pilot):`. Other `options` go to `make_app`."""
    app = make_app(folder, protocol, started=True, **options)
    async with app.run_test(size=size) as pilot:
        await ready(pilot)
        if stage is not None:
            await reach(app, pilot, stage)
        yield app, pilot


async def press_to(app: KapApp, pilot: Any, key: str, screen: type[Screen[Any]]) -> None:
    """Press `key` and wait until `screen` is on top (the form it opens, or the one it leaves
    for)."""
    await pilot.press(key)
    await on_screen(app, pilot, screen)


async def choose_all(app: KapApp, pilot: Any, **choices: Any) -> None:
    """`choose` each field's option, in the order given."""
    for field_id, value in choices.items():
        await choose(app, pilot, field_id, value)


async def save_note(app: KapApp, pilot: Any, text: str) -> None:
    """Write a note from the screen on top (F3), save it, and wait until that screen is back."""
    from kap_console.tui.screens.note import NoteScreen

    screen = type(app.screen)
    await press_to(app, pilot, "f3", NoteScreen)
    await type_text(pilot, text)
    await press_to(app, pilot, "ctrl+s", screen)
    await settle(pilot)


async def timeline_row(app: KapApp, pilot: Any, seq: int) -> DataTable[Any]:
    """Open the timeline with its cursor on the row of entry `seq`; its table."""
    from kap_console.tui.screens.timeline import TimelineScreen

    await press_to(app, pilot, "t", TimelineScreen)
    table: DataTable[Any] = app.screen.query_one(DataTable)
    timeline = app.session.state.timeline  # type: ignore[union-attr]
    table.move_cursor(row=[item.seq for item in timeline].index(seq))
    return table


async def amend_dialog(app: KapApp, pilot: Any, seq: int) -> DataTable[Any]:
    """Open the amend dialog on entry `seq` from the timeline; the timeline's table."""
    from kap_console.tui.screens.timeline import AmendScreen

    table = await timeline_row(app, pilot, seq)
    await press_to(app, pilot, "m", AmendScreen)
    return table


def spy_calls(monkeypatch: Any, owner: Any, name: str) -> list[Any]:
    """Every first argument `owner.name` is called with from now on (it still runs): the
    instances of a class whose method is called, e.g. every Static given new content with
    `spy_calls(monkeypatch, Static, "update")`, or a module function's first argument."""
    called: list[Any] = []
    original = getattr(owner, name)

    def recording(first: Any, *args: Any, **kwargs: Any) -> Any:
        called.append(first)
        return original(first, *args, **kwargs)

    monkeypatch.setattr(owner, name, recording)
    return called
