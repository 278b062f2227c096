"""Left idle, the dashboard redraws once a second only what the clock changed: the digits,
and the header's countdown once a minute (by the second in its final minute, and when late),
all computed from the clock; a line that says the same is left alone."""

from __future__ import annotations

import pytest
from harness import make_app, ready, spy_calls
from record_helpers import at_minute, dosed_session
from textual.widgets import Digits, Static

from kap_console.tui.screens.monitoring import MonitoringScreen
from kap_console.tui.widgets.header import SessionHeader


@pytest.fixture
async def dashboard(data_dir, clock, tmp_path):
    dosed_session(data_dir, clock).release()
    app = make_app(tmp_path, clock=clock, protocol=None)
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot)
        await pilot.press("r")
        await ready(pilot)
        assert isinstance(app.screen, MonitoringScreen)
        yield app, pilot


def count_redraws(monkeypatch) -> list[str]:
    """The ids of the Statics and Digits updated from now on."""
    updated: list[str] = []
    static_update, digits_update = Static.update, Digits.update

    def static(self, *args, **kwargs):
        updated.append(self.id or type(self).__name__)
        return static_update(self, *args, **kwargs)

    def digits(self, value):
        updated.append(self.id or "digits")
        return digits_update(self, value)

    monkeypatch.setattr(Static, "update", static)
    monkeypatch.setattr(Digits, "update", digits)
    return updated


async def test_a_tick_on_an_unchanged_clock_redraws_nothing(dashboard, monkeypatch):
    app, pilot = dashboard
    at_minute(app.session, 10)
    app._tick()
    await pilot.pause()
    updated = count_redraws(monkeypatch)
    app._tick()
    await pilot.pause()
    assert updated == []


def text_of(app, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


async def test_a_second_later_only_the_digits_are_redrawn(dashboard, monkeypatch):
    app, pilot = dashboard
    at_minute(app.session, 10 + 20 / 60)  # the early round falls due at T+15
    app._tick()
    await pilot.pause()
    updated = count_redraws(monkeypatch)
    at_minute(app.session, 10 + 21 / 60)
    app._tick()
    await pilot.pause()
    assert updated == ["clock-digits"]  # the one-line clock is hidden at this width
    header = app.screen.query_one(SessionHeader)
    assert header.query_one(Digits).value == "+00:10:21"
    assert "Early round due in 4 min" in text_of(app, "#header-next")
    assert text_of(app, "#due") == "Next: Early round at T+15"


async def test_the_countdown_moves_once_a_minute_and_only_in_the_header(dashboard, monkeypatch):
    app, pilot = dashboard
    at_minute(app.session, 11)  # 4 minutes to go: "due in 4 min" until T+11:00
    app._tick()
    await pilot.pause()
    updated = count_redraws(monkeypatch)
    at_minute(app.session, 11 + 1 / 60)
    app._tick()
    await pilot.pause()
    assert sorted(updated) == ["clock-digits", "header-next"]
    assert "Early round due in 3 min" in text_of(app, "#header-next")


async def test_the_round_shows_due_at_the_tick_it_falls_due(dashboard):
    app, pilot = dashboard
    said = []
    for seconds in (-1, 0, 1):  # one tick each, on the injected clock
        at_minute(app.session, 15 + seconds / 60)
        app._tick()
        await pilot.pause()
        said.append((text_of(app, "#header-next"), text_of(app, "#due")))
    assert said[0] == ("Next: Early round due in 00:01", "Next: Early round at T+15")
    for header_line, due_line in said[1:]:
        assert header_line == "Next: Early round due now"
        assert due_line == "▶ Early round due now · o: record it"


async def test_a_late_round_counts_seconds_in_the_header_alone(dashboard):
    app, pilot = dashboard
    at_minute(app.session, 23)  # due at 15, five minutes' grace
    app._tick()
    await pilot.pause()
    assert text_of(app, "#header-next") == "Next: Early round LATE by 08:00"
    assert text_of(app, "#due") == "▶ Early round (T+15) is LATE · o: record it now"
    at_minute(app.session, 23 + 1 / 60)
    app._tick()
    await pilot.pause()
    assert text_of(app, "#header-next") == "Next: Early round LATE by 08:01"
    assert text_of(app, "#due") == "▶ Early round (T+15) is LATE · o: record it now"


async def test_the_clock_stays_on_the_clock_however_the_ticks_fall(dashboard):
    app, pilot = dashboard
    header = app.screen.query_one(SessionHeader)
    at_minute(app.session, 20)
    for _ in range(3):  # ticks that come late, early or twice change nothing
        app._tick()
    await pilot.pause()
    assert header.query_one(Digits).value == "+00:20:00"
    at_minute(app.session, 20 + 7 / 60)  # seven seconds, one tick
    app._tick()
    await pilot.pause()
    assert header.query_one(Digits).value == "+00:20:07"


async def test_in_recovery_a_tick_on_an_unchanged_clock_redraws_nothing(dashboard, monkeypatch):
    from harness import on_screen

    from kap_console.tui.screens.discharge import DischargeScreen
    from kap_console.tui.widgets.dialogs import ConfirmScreen

    app, pilot = dashboard
    await pilot.press("r")
    await on_screen(app, pilot, ConfirmScreen)
    await pilot.press("y")
    await on_screen(app, pilot, DischargeScreen)
    app._tick()
    await pilot.pause()
    updated = count_redraws(monkeypatch)
    app._tick()
    await pilot.pause()
    assert updated == []


async def test_a_second_later_only_the_clock_region_is_drawn_again(dashboard, monkeypatch):
    """What the compositor draws on an idle tick: the clock's region alone, and only the
    widgets whose container overlaps it (a structural fact, not a timing)."""
    from textual.widget import Widget

    app, pilot = dashboard
    at_minute(app.session, 10 + 20 / 60)
    app._tick()
    await pilot.pause()
    widgets = spy_calls(monkeypatch, Widget, "render_lines")
    at_minute(app.session, 10 + 21 / 60)
    app._tick()
    await pilot.pause()
    drawn = [widget.id or type(widget).__name__ for widget in widgets]
    for line in ("header-next", "header-identity", "due", "slots", "step", "recent"):
        assert line not in drawn
    assert "clock-digits" in drawn
    assert len(drawn) <= 9  # 11 with the clock in a container and its "T" apart


async def test_in_recovery_a_late_round_is_named_and_the_header_counts(dashboard):
    from harness import on_screen

    from kap_console.tui.screens.discharge import DischargeScreen
    from kap_console.tui.widgets.dialogs import ConfirmScreen

    app, pilot = dashboard
    at_minute(app.session, 21)  # the early round (T+15, five minutes' grace) is late
    await pilot.press("r")
    await on_screen(app, pilot, ConfirmScreen)
    await pilot.press("y")
    await on_screen(app, pilot, DischargeScreen)
    for seconds in (1, 2):
        at_minute(app.session, 21 + seconds / 60)
        app._tick()
        await pilot.pause()
        due = text_of(app, "#due")
        assert due == "Early round (T+15) is LATE (+1 more due) · o: record it"
        assert f"LATE by 06:0{seconds}" in text_of(app, "#header-next")


def test_the_clock_draws_the_glyphs_textual_digits_draw():
    from rich.console import Console
    from rich.style import Style
    from textual.renderables.digits import Digits as DigitsRenderable

    from kap_console.tui.widgets.elapsed_clock import digit_rows

    for value in ("+00:10:21", "+12:34:56", "-00:00:05", "+1.5"):
        console = Console(width=80, legacy_windows=False)
        lines = console.render_lines(DigitsRenderable(value, Style()), pad=False)
        drawn = tuple("".join(segment.text for segment in line) for line in lines)
        assert digit_rows(value) == drawn


def count_schedule_reads(monkeypatch) -> list[object]:
    """One entry per computation of the round slots (the session's round_slots) from now on."""
    from kap_console.session.engine import Session

    return spy_calls(monkeypatch, Session, "round_slots")


async def test_a_tick_computes_the_round_slots_once_for_the_header_and_the_dashboard(
    dashboard, monkeypatch
):
    app, pilot = dashboard
    at_minute(app.session, 10)
    app._tick()
    await pilot.pause()
    reads = count_schedule_reads(monkeypatch)
    for second in range(1, 4):
        at_minute(app.session, 10 + second / 60)
        app._tick()
    await pilot.pause()
    assert len(reads) == 3
    assert "Early round due in 4 min" in text_of(app, "#header-next")


async def test_in_recovery_a_tick_computes_the_round_slots_once(dashboard, monkeypatch):
    from harness import on_screen

    from kap_console.tui.screens.discharge import DischargeScreen
    from kap_console.tui.widgets.dialogs import ConfirmScreen

    app, pilot = dashboard
    await pilot.press("r")
    await on_screen(app, pilot, ConfirmScreen)
    await pilot.press("y")
    await on_screen(app, pilot, DischargeScreen)
    reads = count_schedule_reads(monkeypatch)
    app._tick()
    await pilot.pause()
    assert len(reads) == 1


async def test_the_slot_lines_are_built_again_only_when_a_slot_changes(dashboard, monkeypatch):
    from kap_console.tui.screens import monitoring

    app, pilot = dashboard
    at_minute(app.session, 14 + 58 / 60)
    app._tick()
    await pilot.pause()
    built = spy_calls(monkeypatch, monitoring, "slot_line")  # the slots whose line is built
    at_minute(app.session, 14 + 59 / 60)  # a second before the early round falls due
    app._tick()
    await pilot.pause()
    assert built == []
    at_minute(app.session, 15)  # it falls due: its line says so on this tick
    app._tick()
    await pilot.pause()
    assert "due" in [slot.status for slot in built]
    assert "DUE" in text_of(app, "#slots")


async def test_the_clock_draws_line_for_line_what_content_draws_of_it():
    from textual.app import App
    from textual.widget import Widget

    from kap_console.tui.widgets.elapsed_clock import ElapsedClock

    class Clocks(App[None]):
        CSS = "ElapsedClock { color: $primary; padding: 0 1 0 0; } #bold { text-style: bold; }"

        def compose(self):
            yield ElapsedClock("+00:10:21", id="plain")
            yield ElapsedClock("-12:34:56", id="bold")

    app = Clocks()
    async with app.run_test() as pilot:
        await pilot.pause()
        for clock in app.query(ElapsedClock):
            for y in range(3):
                # Widget.render_line draws render() (the clock as Content) through Textual
                assert list(clock.render_line(y)) == list(Widget.render_line(clock, y))
        clock = app.query_one("#plain", ElapsedClock)
        clock.update("+00:10:22")
        await pilot.pause()
        assert list(clock.render_line(1)) == list(Widget.render_line(clock, 1))


async def test_a_second_later_the_clock_is_drawn_without_a_content_pass(dashboard, monkeypatch):
    from kap_console.tui.widgets.elapsed_clock import ElapsedClock

    app, pilot = dashboard
    at_minute(app.session, 10 + 20 / 60)
    app._tick()
    await pilot.pause()
    rendered = spy_calls(monkeypatch, ElapsedClock, "render")
    at_minute(app.session, 10 + 21 / 60)
    app._tick()
    await pilot.pause()
    assert rendered == []
    assert app.screen.query_one(ElapsedClock).value == "+00:10:21"
