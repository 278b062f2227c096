"""What the facilitator sees at 80×24 in the night theme, with the clock frozen.

Update after an intended change with `pytest tests/tui/test_snapshots.py --snapshot-update`
and look at the pictures (tests/tui/__snapshots__/) before committing them.
"""

from __future__ import annotations

import pytest
from harness import SIZE, make_app, ready
from record_helpers import at_minute, dosed_session, early_round

from kap_console.session import events as ev


@pytest.fixture
def dosed_app(data_dir, clock, tmp_path):
    """The console about to resume a session dosed at the clock's current time."""
    dosed_session(data_dir, clock).release()
    return make_app(tmp_path, clock=clock, protocol=None)


async def resume(pilot) -> None:
    await ready(pilot)
    await pilot.press("r")
    await ready(pilot)


def test_start_form(snap_compare, tmp_path):
    async def run_before(pilot):
        await ready(pilot)
        await pilot.press(*"kap-0042", "tab", *"R. Rivera")

    assert snap_compare(make_app(tmp_path), terminal_size=SIZE, run_before=run_before)


def test_start_form_with_an_invalid_client_code(snap_compare, tmp_path):
    async def run_before(pilot):
        await ready(pilot)
        await pilot.press(*"jo smith", "tab", *"R. Rivera", "enter")
        await pilot.pause()

    assert snap_compare(make_app(tmp_path), terminal_size=SIZE, run_before=run_before)


def test_protocol_picker(snap_compare, monkeypatch, tmp_path):
    # The picker names the user's protocol folder: make it the same on every machine.
    monkeypatch.setenv("KAP_CONSOLE_CONFIG_DIR", "/home/facilitator/.config/kap-console")

    async def run_before(pilot):
        await ready(pilot)

    assert snap_compare(
        make_app(tmp_path, protocol=None), terminal_size=SIZE, run_before=run_before
    )


def test_help(snap_compare, dosed_app):
    async def run_before(pilot):
        await resume(pilot)
        await pilot.press("f1")
        await pilot.pause()

    assert snap_compare(dosed_app, terminal_size=SIZE, run_before=run_before)


def test_monitoring_dashboard(snap_compare, dosed_app):
    async def run_before(pilot):
        await resume(pilot)
        session = pilot.app.session
        at_minute(session, 15.5)
        pilot.app.commit(early_round(15))
        at_minute(session, 20)
        pilot.app.commit(ev.PhaseMarked(phase_id="peak", label="Peak"))
        at_minute(session, 23 + 25 / 60)
        pilot.app._tick()
        await pilot.pause()

    assert snap_compare(dosed_app, terminal_size=SIZE, run_before=run_before)


def test_monitoring_dashboard_with_an_urgent_alert_and_a_late_round(snap_compare, dosed_app):
    async def run_before(pilot):
        await resume(pilot)
        session = pilot.app.session
        at_minute(session, 16)
        pilot.app.commit(early_round(15, spo2=89))
        at_minute(session, 38 + 10 / 60)
        pilot.app._tick()
        await pilot.pause()

    assert snap_compare(dosed_app, terminal_size=SIZE, run_before=run_before)


def test_monitoring_dashboard_at_60_by_20(snap_compare, dosed_app):
    async def run_before(pilot):
        await resume(pilot)
        at_minute(pilot.app.session, 7)
        pilot.app._tick()
        await pilot.pause()

    assert snap_compare(dosed_app, terminal_size=(60, 20), run_before=run_before)


def test_a_form_over_the_dashboard_leaves_header_banner_and_keys_in_sight(snap_compare, dosed_app):
    async def run_before(pilot):
        await resume(pilot)
        at_minute(pilot.app.session, 16)
        pilot.app.commit(early_round(15, spo2=89))
        at_minute(pilot.app.session, 17.5)
        pilot.app._tick()
        await pilot.press("f3", *"Client smiled")
        await pilot.pause()

    assert snap_compare(dosed_app, terminal_size=SIZE, run_before=run_before)


def test_save_error_screen(snap_compare, dosed_app, monkeypatch):
    import errno
    import os

    async def run_before(pilot):
        await resume(pilot)
        at_minute(pilot.app.session, 16)
        real = os.fsync

        def fail_once(fd):
            monkeypatch.setattr(os, "fsync", real)
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

        monkeypatch.setattr(os, "fsync", fail_once)
        pilot.app.commit(ev.NoteAdded(text="Asked for a blanket"))
        await pilot.pause()
        # The session folder's real path differs on every run.
        pilot.app.screen.query_one("#folder-now").update(
            "Session folder now: ~/.local/share/kap-console/sessions/20260302T090000Z-KAP-0042"
        )
        folder = pilot.app.screen.query_one("#folder")
        folder.value = "/media/usb/kap-console-sessions/KAP-0042"
        folder.cursor_position = len(folder.value)
        await pilot.pause()

    assert snap_compare(dosed_app, terminal_size=SIZE, run_before=run_before)
