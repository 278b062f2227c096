"""Keys typed in one burst land where they were typed.

A terminal delivers a fast typist's keys (or a paste of "128<tab>82") in one read. The app
must move focus the moment it reads Tab, and a save key must read what was typed before it.
`pilot.press` waits for the app between keys, so these tests post the keys in one go.
"""

from __future__ import annotations

from harness import QUICK, SIZE, field, make_app, on_screen, ready, settle
from textual import events

from kap_console.tui.screens.pre_session import PreSessionScreen
from kap_console.tui.screens.round_form import RoundScreen
from kap_console.tui.screens.start import StartFormScreen


def burst(app, *keys: str) -> None:
    """Post keys to the app back to back, as one read from a terminal would."""
    for key in keys:
        character = key if len(key) == 1 else None
        app.post_message(events.Key(key, character))


async def test_digits_typed_right_after_tab_go_into_the_next_field(tmp_path):
    app = make_app(tmp_path, QUICK, started=True)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("ctrl+b")
        await on_screen(app, pilot, RoundScreen)
        burst(app, "1", "2", "8", "tab", "8", "2", "tab", "7", "2", "tab", "9", "8")
        await settle(pilot)
        assert [field(app, name).raw() for name in ("sbp", "dbp", "hr", "spo2")] == [
            "128",
            "82",
            "72",
            "98",
        ]


async def test_save_key_right_after_typing_saves_what_was_typed(tmp_path):
    app = make_app(tmp_path, QUICK, started=True)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("ctrl+b")
        await on_screen(app, pilot, RoundScreen)
        burst(app, "1", "2", "8", "tab", "8", "2", "tab", "7", "2", "tab", "9", "8", "ctrl+s")
        await on_screen(app, pilot, PreSessionScreen)
        baseline = app.session.state.baseline
        assert {name: baseline[name].value for name in ("sbp", "dbp", "hr", "spo2")} == {
            "sbp": 128,
            "dbp": 82,
            "hr": 72,
            "spo2": 98,
        }


async def test_letters_typed_right_after_tab_on_the_start_form_go_into_the_next_field(
    tmp_path,
):
    """Seen in a browser through `kap-console serve`: "…-07<tab>Ana" gave "…-07A", "na"."""
    from harness import FROZEN_AT, QUICK
    from textual.widgets import Input

    from kap_console.session.clock import SimulatedClock
    from kap_console.tui.app import KapApp

    app = KapApp(
        QUICK,
        data_dir=tmp_path / "data",
        clock=SimulatedClock(FROZEN_AT, speed=0),
        settings_path=tmp_path / "settings.toml",
        user_themes_dir=tmp_path / "themes",
    )
    async with app.run_test(size=SIZE) as pilot:
        await on_screen(app, pilot, StartFormScreen, timeout=10)
        await settle(pilot)
        burst(app, "K", "A", "P", "-", "7", "tab", "A", "n", "a")
        await settle(pilot)
        assert isinstance(app.screen, StartFormScreen)
        values = [
            app.screen.query_one(f"#{name}", Input).value for name in ("client_code", "facilitator")
        ]
        assert values == ["KAP-7", "Ana"]
