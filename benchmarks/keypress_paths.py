"""Keypress to durable, drawn confirmation, along each way a facilitator enters something.

Each path opens its form the way a facilitator does, fills it (untimed), then times the
save key: from the key until the entry is in the journal (fsynced) and a frame is drawn on
the screen below the form, without the form and with the entry's receipt ("✓ Note saved ·
14:05:09") in the header's bottom line. Pilot, headless, 80x24; Textual composes every
frame and skips only the terminal write, as for the minimal app it is compared with
(bench_tui.py).

Timing starts once the console has settled after start-up: the app freezes what start-up
built out of the garbage collector's reach two seconds after the session opens
(app._freeze_long_lived_objects), and an entry typed in those first two seconds would pay
one full collection of it. A facilitator's first entry comes later than that.

Before each entry any toast still up is let go the way it goes in use, by its own expiry
(entries come more than a toast's few seconds apart): saves are confirmed in the header,
but a notice of something else may be up. `clear_notifications()` is not used: it leaves
an emptied holder in the rack, a state the console never reaches.
"""

from __future__ import annotations

import asyncio
import gc
import shutil
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "tui"))  # the Pilot harness the flow tests use

CALM = {"sbp": 124, "dbp": 78, "hr": 72, "spo2": 98, "rr": 14, "suds": 2}
HIGH_SBP = {"sbp": 165, "dbp": 78, "hr": 72, "spo2": 98, "rr": 14}  # one warning


class FrameClock:
    """Times at which the app produced a frame, on which screen, and which receipt its
    header showed. Headless, Textual composes each frame and skips only the terminal write."""

    def __init__(self, app: Any) -> None:
        self.frames: list[tuple[float, float, str, Any]] = []
        original = app._display

        def display(screen: Any, renderable: Any) -> None:
            if renderable is not None:
                at, cpu = time.perf_counter(), time.process_time()
                current = app.screen
                self.frames.append((at, cpu, type(current).__name__, shown_receipt(current)))
            original(screen, renderable)

        app._display = display

    async def first_after(
        self, since: float, screen: str | None = None, receipt: Any = None
    ) -> tuple[float, float]:
        """(wall, CPU) time of the first frame at or after `since` on `screen` (showing
        `receipt` in its header, when given)."""
        for _ in range(800):
            for at, cpu, name, shown in self.frames:
                if at >= since and (screen is None or name == screen):
                    if receipt is None or shown is receipt:
                        return at, cpu
            await asyncio.sleep(0.0025)
        raise RuntimeError("no frame drawn")


def shown_receipt(screen: Any) -> Any:
    """The receipt whose words the screen's header line holds as the frame is drawn."""
    receipt = getattr(screen.app, "receipt", None)
    header = getattr(screen, "header", None)
    if receipt is None or header is None or not header.is_mounted:
        return None
    line = str(header._lines["header-alerts"].content)
    said = {text for text, _ in receipt.variants(time.monotonic())}
    return receipt if any(line.endswith(text) for text in said) else None


@dataclass
class EntryPath:
    """One way of entering something: where, how the form opens and is filled, the key
    that saves it, and how to tell it was recorded."""

    name: str
    stage: str
    open_keys: tuple[str, ...]
    fill: Callable[[Any, Any, int], Awaitable[None]]
    recorded: Callable[[Any], int]
    save_key: str = "ctrl+s"
    before: Callable[[Any, Any, int], Awaitable[None]] | None = None


async def fill_note(app: Any, pilot: Any, index: int) -> None:
    app.screen.focused.text = f"Client asked for water ({index})"


async def fill_round(app: Any, pilot: Any, index: int) -> None:
    from harness import field

    screen = app.screen
    for measure_id in screen.measure_ids():
        measure = app.session.protocol.measure(measure_id)
        if measure.kind == "number":
            field(app, measure_id).set_raw(CALM.get(measure_id, measure.entry_range().min))
        elif measure.kind == "scale":
            field(app, measure_id).set_raw(float(measure.levels[0].value))
        elif measure.kind == "yes_no":
            field(app, measure_id).set_raw(False)
        else:
            field(app, measure_id).set_raw(f"settled ({index})")


async def raise_alert(app: Any, pilot: Any, index: int) -> None:
    """An extra reading over the protocol's threshold, entered before the timed part."""
    from kap_console.session import events as ev

    choice = app.session.round_to_open()
    reading = ev.ObservationRecorded(
        round_id=choice.round_id, due_minutes=choice.due_minutes, values=HIGH_SBP
    )
    app.commit(reading)
    await pilot.pause()
    assert list(app.session.open_alerts()), "the reading raised no alert"


async def fill_acknowledgement(app: Any, pilot: Any, index: int) -> None:
    from harness import field

    field(app, "note").set_raw(f"rechecked, resting ({index})")


async def fill_adverse_event(app: Any, pilot: Any, index: int) -> None:
    from harness import field

    protocol = app.session.protocol
    field(app, "term").set_raw(protocol.adverse_events[0].id)
    await pilot.pause()
    severity = field(app, "severity")
    severity.set_raw(severity.options[0][1])


PATHS = {
    "note-pre-session": EntryPath(
        "note, pre-session checks",
        "pre_session",
        ("f3",),
        fill_note,
        lambda state: len(state.notes),
    ),
    "note": EntryPath(
        "note, dashboard", "monitoring", ("f3",), fill_note, lambda state: len(state.notes)
    ),
    "round": EntryPath(
        "observation round, dashboard",
        "monitoring",
        ("o",),
        fill_round,
        lambda state: len(state.observations),
    ),
    "acknowledge": EntryPath(
        "alert acknowledged, dashboard",
        "monitoring",
        ("k",),
        fill_acknowledgement,
        lambda state: sum(1 for alert in state.alerts if alert.acknowledged_seq is not None),
        before=raise_alert,
    ),
    "adverse-event": EntryPath(
        "adverse event, dashboard",
        "monitoring",
        ("f2",),
        fill_adverse_event,
        lambda state: len(state.adverse_events),
    ),
}


def expire_toasts(app: Any) -> None:
    """Let every toast go as its own timer lets it go in use (see the docstring)."""
    from textual.widgets._toast import Toast

    for screen in app.screen_stack:
        for toast in list(screen.query(Toast)):
            toast._expire()


async def settled(app: Any, pilot: Any) -> None:
    """Until start-up's one-off freeze of long-lived objects has run (see the docstring).
    Each path's console starts with nothing frozen (`time_path` gives back what one before
    it froze), so a count above zero is this console's own freeze."""
    for _ in range(200):
        if gc.get_freeze_count():
            break
        await pilot.pause(0.05)
    for _ in range(3):
        await pilot.pause()


async def time_path(key: str, count: int) -> tuple[list[float], list[float]]:
    """(wall seconds, CPU seconds) from the save key to the drawn confirmation, per entry."""
    from harness import make_app, reach, ready, settle

    from kap_console.session.clock import SimulatedClock

    path = PATHS[key]
    gc.unfreeze()  # this console starts as in a new process, nothing frozen (see `settled`)
    work = Path(tempfile.mkdtemp(prefix="kap-bench-"))
    # A clock running at real speed that the set-up can move on (for rounds to come due).
    clock = SimulatedClock(datetime.now(UTC), speed=1)
    app = make_app(work, started=True, clock=clock)
    committed_at: list[float] = []
    commit = app.commit

    def timed_commit(event: Any) -> Any:
        result = commit(event)  # returns once the journal line is fsynced
        committed_at.append(time.perf_counter())
        return result

    app.commit = timed_commit  # type: ignore[method-assign]
    walls: list[float] = []
    cpus: list[float] = []
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await ready(pilot)
        if path.stage != "pre_session":
            await reach(app, pilot, path.stage)
        await settled(app, pilot)
        main = type(app.screen).__name__
        frames = FrameClock(app)
        for index in range(count):
            if path.before is not None:
                await path.before(app, pilot, index)
            await pilot.press(*path.open_keys)
            await settle(pilot)
            await path.fill(app, pilot, index)
            expire_toasts(app)
            await settle(pilot)
            before = path.recorded(app.session.state)
            receipt = app.receipt
            commits = len(committed_at)
            cpu_start = time.process_time()
            start = time.perf_counter()
            await pilot.press(path.save_key)
            while len(committed_at) <= commits:
                await asyncio.sleep(0.001)
            while app.receipt is receipt:  # confirmed just after the commit returns
                await asyncio.sleep(0.001)
            drawn, cpu = await frames.first_after(
                committed_at[commits], screen=main, receipt=app.receipt
            )
            assert path.recorded(app.session.state) == before + 1, f"{path.name}: not recorded"
            walls.append(drawn - start)
            cpus.append(cpu - cpu_start)
        app.session.release()
    shutil.rmtree(work, ignore_errors=True)
    return walls, cpus
