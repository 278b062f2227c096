"""The frame around a running session: the header's clock and next round, the quiet alert
banner and optional bell, saving that fails and carries on elsewhere, resizing, leaving."""

from __future__ import annotations

from datetime import timedelta

import pytest
from harness import make_app, ready
from record_helpers import at_minute, dosed_session, early_round, fail_fsync_once
from textual.widgets import Digits, Input, Static

from kap_console.session import events as ev
from kap_console.tui.commands import ChooseSaveFolder, KapCommands
from kap_console.tui.messages import SessionChanged
from kap_console.tui.screens.monitoring import MonitoringScreen
from kap_console.tui.screens.save_error import SaveErrorScreen
from kap_console.tui.widgets.banner import Banner
from kap_console.tui.widgets.header import SessionHeader


@pytest.fixture
async def monitoring(data_dir, clock, tmp_path):
    """A dosed session (T0 = now), resumed in the console: the monitoring dashboard."""
    dosed_session(data_dir, clock).release()
    messages: list = []
    app = make_app(tmp_path, clock=clock, protocol=None)
    async with app.run_test(size=(80, 24), message_hook=messages.append) as pilot:
        await ready(pilot)
        await pilot.press("r")
        await ready(pilot)
        assert app.session.state.stage == "monitoring"
        yield app, pilot, messages


def line(app, selector: str) -> str:
    return str(app.screen.query_one(SessionHeader).query_one(selector, Static).render())


def banner(app) -> Banner:
    return app.screen.query_one(Banner)


async def tick(pilot) -> None:
    pilot.app._tick()
    await pilot.pause()


async def test_time_since_dose_is_computed_from_the_clock(monitoring):
    app, pilot, _ = monitoring
    at_minute(app.session, 12 + 34 / 60)
    await tick(pilot)
    header = app.screen.query_one(SessionHeader)
    assert header.query_one(Digits).value == "+00:12:34"
    await pilot.resize_terminal(60, 20)  # narrow: the clock on one line, as current
    await pilot.pause()
    assert header.query_one("#clock-text").display
    assert line(app, "#clock-text") == "T+00:12:34"
    at_minute(app.session, 12 + 40 / 60)
    await tick(pilot)
    assert line(app, "#clock-text") == "T+00:12:40"
    await pilot.resize_terminal(80, 24)  # wide again: the digits, as current
    await pilot.pause()
    assert header.query_one(Digits).value == "+00:12:40"


async def test_next_round_counts_down_then_says_late_in_words(monitoring):
    app, pilot, _ = monitoring
    at_minute(app.session, 10)
    await tick(pilot)
    assert "Next: Early round due in 5 min" in line(app, "#header-next")

    at_minute(app.session, 23)  # due at 15, five minutes' grace
    await tick(pilot)
    assert "Early round LATE by 08:00" in line(app, "#header-next")


async def test_urgent_alert_shows_a_banner_in_words_until_acknowledged(monitoring):
    app, pilot, messages = monitoring
    assert not banner(app).has_class("-shown")
    at_minute(app.session, 15)
    committed = app.commit(early_round(15, spo2=88))
    await pilot.pause()

    assert committed is not None and committed.alerts
    assert any(isinstance(m, SessionChanged) and m.committed is committed for m in messages)
    text = str(banner(app).render())
    assert banner(app).has_class("-shown") and banner(app).has_class("-urgent")
    assert text.startswith("URGENT: SpO2 below 92 %") and "press k (F6)" in text
    assert "1 URGENT alert" in line(app, "#header-alerts")

    [(seq, _alert)] = committed.alerts
    app.commit(ev.AlertAcknowledged(alert_seq=seq, note="repositioned"))
    await pilot.pause()
    assert not banner(app).has_class("-shown")
    # Acknowledged, not resolved: the header keeps it in sight until a reading in range.
    assert "SpO2 88 % still low" in line(app, "#header-alerts")
    app.commit(early_round(15, spo2=97))
    await pilot.pause()
    assert "Alerts: none" in line(app, "#header-alerts")


async def test_a_notice_only_colours_the_header(monitoring):
    app, pilot, _ = monitoring
    at_minute(app.session, 15)
    app.commit(early_round(15, nausea=True))
    await pilot.pause()
    assert not banner(app).has_class("-shown")
    assert "1 NOTICE alert" in line(app, "#header-alerts")


async def test_no_bell_unless_it_is_switched_on(monitoring, monkeypatch):
    app, pilot, _ = monitoring
    rings: list[None] = []
    monkeypatch.setattr(app, "bell", lambda: rings.append(None))
    at_minute(app.session, 15)
    app.commit(early_round(15, spo2=88))
    at_minute(app.session, 45)
    await tick(pilot)
    assert rings == []


async def test_bell_rings_for_an_urgent_alert_left_open_then_again_after_as_long(
    monitoring, monkeypatch
):
    app, pilot, _ = monitoring
    app.settings = app.settings.updated(bell=True, bell_after_seconds=30)
    rings: list[None] = []
    monkeypatch.setattr(app, "bell", lambda: rings.append(None))
    at_minute(app.session, 15)
    app.commit(early_round(15, spo2=88))

    app.clock.advance(20)
    await tick(pilot)
    assert rings == []
    app.clock.advance(11)
    await tick(pilot)
    assert len(rings) == 1
    await tick(pilot)
    assert len(rings) == 1
    app.clock.advance(30)
    await tick(pilot)
    assert len(rings) == 2


async def test_a_warning_never_rings(monitoring, monkeypatch):
    app, pilot, _ = monitoring
    app.settings = app.settings.updated(bell=True, bell_after_seconds=0)
    rings: list[None] = []
    monkeypatch.setattr(app, "bell", lambda: rings.append(None))
    at_minute(app.session, 15)
    app.commit(early_round(15, sbp=165))
    app.clock.advance(600)
    await tick(pilot)
    assert banner(app).has_class("-shown") and rings == []


async def test_a_failed_save_says_not_saved_and_continues_in_another_folder(
    monitoring, monkeypatch, tmp_path
):
    app, pilot, _ = monitoring
    at_minute(app.session, 16)
    fail_fsync_once(monkeypatch)

    assert app.commit(ev.NoteAdded(text="Asked for a blanket")) is None
    await pilot.pause()
    assert isinstance(app.screen, SaveErrorScreen)
    assert app.check_action("choose_save_folder", ()) is True
    frame = app.screen_stack[-2]
    text = str(frame.query_one(Banner).render())
    assert text.startswith("NOT SAVED — 1 entry held in memory — press s (F7)")
    said = " ".join(str(widget.render()) for widget in app.screen.query(Static))
    assert "the disk is full" in said and "Nothing is lost" in said
    assert "blanket" not in said

    # "Later" keeps working with the entry held; the banner stays, s or the palette reopen.
    await pilot.press("escape")
    await pilot.pause()
    assert isinstance(app.screen, MonitoringScreen)
    assert app.screen.query_one(Banner).has_class("-not-saved")
    provider = KapCommands(app.screen)
    title = ChooseSaveFolder.TITLE
    assert [hit async for hit in provider.search(title) if hit.text == title]
    app.screen.set_focus(None)
    await pilot.press("s")
    await pilot.pause()
    assert isinstance(app.screen, SaveErrorScreen)

    usb = tmp_path / "usb" / "KAP-0042"
    folder = app.screen.query_one("#folder", Input)
    folder.value = str(usb)
    folder.focus()
    await pilot.press("enter")
    await pilot.pause()

    assert app.session.save_error is None and app.session.unsaved == 0
    assert app.session.session_dir == usb
    assert [note.event.text for note in app.session.state.notes] == ["Asked for a blanket"]
    assert isinstance(app.screen, MonitoringScreen)
    assert not app.screen.query_one(Banner).has_class("-shown")


async def test_resizing_down_to_60_by_20_keeps_what_was_typed(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        code = app.screen.query_one("#client_code", Input)
        code.focus()
        await pilot.press(*"KAP-00")
        await pilot.resize_terminal(60, 20)
        await pilot.pause()
        assert code.value == "KAP-00" and code.has_focus
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        await pilot.press(*"42")
        assert code.value == "KAP-0042"


async def test_a_note_being_typed_survives_resizing_and_the_header_narrows(monitoring):
    app, pilot, _ = monitoring
    await pilot.press("f3")
    await pilot.pause()
    await pilot.press(*"Client smiled")
    field = app.screen.focused
    await pilot.resize_terminal(60, 20)
    await pilot.pause()
    assert app.screen.focused is field
    assert (field.value if isinstance(field, Input) else field.text) == "Client smiled"
    header = app.screen_stack[-2].query_one(SessionHeader)
    assert header.has_class("-narrow")
    assert header.query_one("#clock-text").display


async def test_leaving_an_open_session_takes_a_second_ctrl_q_and_says_how_to_resume(
    monitoring,
):
    app, pilot, _ = monitoring
    await pilot.press("ctrl+q")
    await pilot.pause()
    assert app.is_running
    await pilot.press("ctrl+q")
    await pilot.pause()
    assert not app.is_running
    lines = app.exit_lines()
    assert lines[0].startswith("Session not closed. Its journal is safe at ")
    assert f"--data-dir {app.data_dir}" in lines[1]


async def test_after_the_record_is_written_exit_prints_its_path_and_fingerprint(monitoring):
    app, pilot, _ = monitoring
    app.session.clock.advance(timedelta(minutes=20).total_seconds())
    result = app.session.close(outcome="stopped_early", note="ended for the test")
    app.session_changed(reason="closed")
    await pilot.pause()
    assert app.exit_lines() == [
        f"Record written: {result.record_path}",
        f"Fingerprint: {result.fingerprint}  (copy it into the chart)",
    ]
