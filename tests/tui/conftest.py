"""Shared setup for the console's Pilot and snapshot tests.

- `clock`: a SimulatedClock frozen (speed 0) at a fixed UTC time; tests move it by hand.
- `data_dir`: an empty data folder for sessions.
- `make_app(protocol_path, clock, data_dir, **kw)`: a KapApp whose settings and user
  themes live in the test's own folder.
- The cursor does not blink (Input and TextArea), so screenshots are stable.
- `ready(pilot)`: wait until the start-up worker and the screens it opened are done.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from textual.widgets import Input, TextArea

from kap_console.session.clock import SimulatedClock
from kap_console.tui.app import KapApp

ROOT = Path(__file__).resolve().parents[2]
IM_PROTOCOL = ROOT / "protocols" / "im-ketamine-120.toml"
FROZEN_AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _steady_cursor(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Input, "_toggle_cursor", lambda self: None)
    monkeypatch.setattr(TextArea, "_toggle_cursor_blink_visible", lambda self: None)


@pytest.fixture
def clock() -> SimulatedClock:
    return SimulatedClock(FROZEN_AT, speed=0)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    return tmp_path / "config"


@pytest.fixture
def make_app(clock: SimulatedClock, data_dir: Path, config_dir: Path):
    def factory(
        protocol_path: Path | str | None = IM_PROTOCOL,
        clock: SimulatedClock = clock,
        data_dir: Path = data_dir,
        **kw,
    ) -> KapApp:
        kw.setdefault("settings_path", config_dir / "settings.toml")
        kw.setdefault("user_themes_dir", config_dir / "themes")
        return KapApp(protocol_path, data_dir=data_dir, clock=clock, **kw)

    return factory


async def _ready(pilot) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.pause()


@pytest.fixture
def ready():
    """`await ready(pilot)`: start-up done (workers finished, the screens they opened mounted)."""
    return _ready
