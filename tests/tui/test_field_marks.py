"""Fields say their state in marks and words, not by colour alone: ticks, and the label
of the field being typed in."""

from __future__ import annotations

from textual.app import App, ComposeResult

from kap_console.tui.screens.round_form import RoundScreen
from kap_console.tui.widgets.ticks import TICKED, UNTICKED, TickBox, TickList


class Boxes(App):
    def compose(self) -> ComposeResult:
        yield TickBox("Oriented", False, id="box")
        yield TickList(("none", "none"), ("dose withheld", "withheld"), id="list")


def marks(app: App) -> list[str]:
    """The mark drawn inside each option's button in the list."""
    tick_list = app.query_one(TickList)
    return [tick_list.render_line(y).text[1] for y in range(tick_list.option_count)]


async def test_a_tick_box_shows_a_tick_only_when_ticked():
    app = Boxes()
    async with app.run_test() as pilot:
        box = app.query_one(TickBox)
        assert box.render().plain.startswith(f"▐{UNTICKED}▌")
        box.value = True
        await pilot.pause()
        assert box.render().plain.startswith(f"▐{TICKED}▌")


async def test_a_tick_list_marks_only_the_chosen_options():
    app = Boxes()
    async with app.run_test() as pilot:
        assert marks(app) == [UNTICKED, UNTICKED]
        app.query_one(TickList).select("withheld")
        await pilot.pause()
        assert marks(app) == [UNTICKED, TICKED]


async def test_only_the_field_being_typed_in_has_its_label_highlighted(tmp_path):
    from harness import QUICK, SIZE, make_app, on_screen, ready

    from kap_console.tui.widgets.forms import fields_of

    app = make_app(tmp_path, QUICK, started=True)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("ctrl+b")
        await on_screen(app, pilot, RoundScreen)
        await pilot.press("tab", "tab")
        await pilot.pause()
        highlighted = [f.field_id for f in fields_of(app.screen) if f.has_class("-focused")]
        assert highlighted == ["hr"]
