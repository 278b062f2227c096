"""Once the session screen is up, the memory start-up freed goes back to the system."""

from __future__ import annotations

import gc
import platform
import sys

import pytest
from harness import make_app, ready
from record_helpers import dosed_session

from kap_console.tui import app as app_module
from kap_console.tui.free_memory import return_free_memory


@pytest.mark.skipif(
    not sys.platform.startswith("linux") or platform.libc_ver()[0] != "glibc",
    reason="malloc_trim is glibc's",
)
def test_glibc_hands_its_free_pages_back() -> None:
    assert return_free_memory() is True


def test_nothing_is_tried_where_there_is_no_glibc(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "platform", "darwin")
    assert return_free_memory() is False


async def test_the_console_gives_memory_back_once_the_session_screen_is_up(
    data_dir, clock, tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[bool] = []
    monkeypatch.setattr(app_module, "return_free_memory", lambda: calls.append(True) or True)
    monkeypatch.setattr(gc, "freeze", lambda: None)  # the test run's objects stay as they are
    dosed_session(data_dir, clock).release()
    app = make_app(tmp_path, clock=clock, protocol=None)
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        await pilot.press("r")
        await ready(pilot)
        assert app.session is not None
        assert calls == []  # not while the session screen is being drawn
        await pilot.pause(2.3)
        assert calls == [True]
