"""The header tells the truth at 80 columns (and at 60): the round's status, the touch answer
and the stop word are never cut, in every theme; an acknowledged alert whose value is still
out of range stays in sight until a reading in range arrives."""

from __future__ import annotations

import pytest
from harness import (
    advance,
    before_dose_events,
    commit_all,
    dose_event,
    on_screen,
    press_to,
    session_at,
)
from textual.widgets import Static

from kap_console.session import events as ev
from kap_console.tui.screens.alerts import AlertsScreen
from kap_console.tui.screens.monitoring import MonitoringScreen
from kap_console.tui.widgets.header import SessionHeader

TOUCH_WHERE = "hands and shoulders, never the face"


def header_lines(app) -> list[tuple[str, int, int]]:
    """Each header line: its text, its width in cells, and the room it has."""
    header = app.screen.query_one(SessionHeader)
    lines = []
    for line in header.query(".header-line").results(Static):
        content = line.render()
        lines.append((str(content), content.cell_length, line.content_size.width))
    return lines


def assert_nothing_cut(app, must_show: list[str]) -> str:
    lines = header_lines(app)
    for text, used, room in lines:
        assert used <= room, f"{text!r} needs {used} cells, has {room}"
    text = "\n".join(text for text, _, _ in lines)
    for words in must_show:
        assert words in text, f"{words!r} not in the header:\n{text}"
    return text


async def to_monitoring(app, pilot) -> None:
    protocol = app.session.protocol
    intentions = [
        ev.IntentionRecorded(prompt_id=prompt.id, text="to rest")
        for prompt in protocol.intention_prompts
    ]
    items = {
        item.id: (True if item.kind == "yes_no" else "paced breathing")
        for item in protocol.consent.items
    }
    consent = ev.ConsentRecorded(
        touch=True, touch_where=TOUCH_WHERE, stop_word="lighthouse", items=items
    )
    commit_all(app, [*before_dose_events(app), *intentions, consent])
    commit_all(app, [dose_event(app)], minutes_between=0)
    await on_screen(app, pilot, MonitoringScreen)


def corrected_reading(app) -> None:
    """A systolic of 185, which raises an alert, then corrected to 158 (misread)."""
    commit_all(app, [ev.ObservationRecorded(round_id="early", values={"sbp": 185})], 0)
    seq = app.session.state.observations[-1].seq
    amend = ev.Amended(target_seq=seq, field="values.sbp", old=185, new=158, reason="misread")
    commit_all(app, [amend], 0)


async def in_every_theme(app, pilot, must_show: list[str]) -> list[str]:
    seen = []
    for theme in app.console_themes:
        app.theme = theme
        await pilot.pause()
        app.screen.refresh_frame()
        await pilot.pause()
        seen.append(assert_nothing_cut(app, must_show))
    return seen


@pytest.mark.parametrize("size", [(80, 24), (60, 20)])
async def test_the_header_keeps_status_touch_and_stop_word_whole(tmp_path, size):
    async with session_at(tmp_path, size=size) as (app, pilot):
        await to_monitoring(app, pilot)
        assert len(app.console_themes) >= 3
        consent = ["lighthouse", "Touch: yes"]

        await advance(app, pilot, 15)  # the first round falls due
        await in_every_theme(app, pilot, ["due now", *consent])

        await advance(app, pilot, 5.25)
        await in_every_theme(app, pilot, ["LATE by 05:15", *consent])

        commit_all(app, [ev.ObservationRecorded(round_id="early", values={"spo2": 88})], 0)
        await pilot.pause()
        await in_every_theme(app, pilot, ["URGENT", *consent])

        alert = app.session.state.alerts[-1]
        commit_all(app, [ev.AlertAcknowledged(alert_seq=alert.seq)], 0)
        await pilot.pause()
        texts = await in_every_theme(app, pilot, ["SpO2 88 %", *consent])
        if size[0] >= 80:
            assert all("acknowledged · SpO2 88 % still low · recheck" in t for t in texts)

        commit_all(app, [ev.ObservationRecorded(round_id="early", values={"spo2": 97})], 0)
        await pilot.pause()
        [text] = (await in_every_theme(app, pilot, consent))[:1]
        assert "SpO2 88" not in text and "still low" not in text


async def test_an_alert_raised_by_a_corrected_reading_says_both_values(tmp_path):
    async with session_at(tmp_path, size=(100, 30)) as (app, pilot):
        await to_monitoring(app, pilot)
        corrected_reading(app)
        await pilot.pause()
        assert_nothing_cut(app, ["raised by 185, corrected to 158"])


async def test_the_alerts_screen_says_the_reading_was_corrected(tmp_path):
    async with session_at(tmp_path, size=(80, 24)) as (app, pilot):
        await to_monitoring(app, pilot)
        corrected_reading(app)
        await press_to(app, pilot, "k", AlertsScreen)
        raised = " ".join(str(w.render()) for w in app.screen.query(".raised").results(Static))
        assert "raised by 185, corrected to 158" in raised
