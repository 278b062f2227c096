"""Fixtures for the console's Pilot and snapshot tests (the helpers are in harness.py).

- The cursor does not blink (Input and TextArea), so screenshots are stable.
- `clock`: a SimulatedClock frozen (speed 0) at harness.FROZEN_AT; tests move it by hand.
- `data_dir`, `config_dir`: the folders harness.make_app(tmp_path, ...) uses.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from harness import frozen_clock
from textual.widgets import Input, TextArea

from kap_console.session.clock import SimulatedClock


@pytest.fixture(autouse=True)
def _steady_cursor(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Input, "_toggle_cursor", lambda self: None)
    monkeypatch.setattr(TextArea, "_toggle_cursor_blink_visible", lambda self: None)


@pytest.fixture
def clock() -> SimulatedClock:
    return frozen_clock()


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    return tmp_path / "config"
