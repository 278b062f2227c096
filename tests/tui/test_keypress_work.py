"""An entry redraws what it changed and nothing else.

After every entry the app tells each screen of the session that the session changed. What
the screens then do is the cost of every keypress that saves something: these tests pin
what must (and must not) happen, never how long it takes (benchmarks/bench_tui.py times it).
"""

from __future__ import annotations

from harness import (
    IM_PROTOCOL,
    SIZE,
    commit_all,
    field,
    make_app,
    on_screen,
    reach,
    ready,
    settle,
    type_text,
)
from textual.widgets import Static

from kap_console.session import events as ev
from kap_console.tui.screens.monitoring import MonitoringScreen
from kap_console.tui.screens.note import NoteScreen
from kap_console.tui.screens.pre_session import PreSessionScreen
from kap_console.tui.textual_patches import LeakFreeFooter
from kap_console.tui.widgets.fields_base import FormField


def spy_updates(monkeypatch) -> list[Static]:
    """Every Static given new content from now on."""
    updated: list[Static] = []
    update = Static.update

    def recording(self, *args, **kwargs):
        updated.append(self)
        return update(self, *args, **kwargs)

    monkeypatch.setattr(Static, "update", recording)
    return updated


def spy_recomposes(monkeypatch) -> list[LeakFreeFooter]:
    recomposed: list[LeakFreeFooter] = []
    recompose = LeakFreeFooter.recompose

    async def recording(self):
        recomposed.append(self)
        await recompose(self)

    monkeypatch.setattr(LeakFreeFooter, "recompose", recording)
    return recomposed


async def save_note(app, pilot, text: str) -> None:
    screen = type(app.screen)
    await pilot.press("f3")
    await on_screen(app, pilot, NoteScreen)
    await type_text(pilot, text)
    await pilot.press("ctrl+s")
    await on_screen(app, pilot, screen)
    await settle(pilot)


async def test_a_note_on_the_dashboard_redraws_the_recent_lines_and_nothing_else_it_shows(
    tmp_path, monkeypatch
):
    app = make_app(tmp_path, IM_PROTOCOL, started=True)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await reach(app, pilot, "monitoring")
        await settle(pilot)
        dashboard = app.screen
        updated = spy_updates(monkeypatch)
        await save_note(app, pilot, "client asked for water")
        assert app.session.state.notes[-1].event.text == "client asked for water"
        ids = {widget.id for widget in updated if dashboard in widget.ancestors}
        assert "recent" in ids
        assert "client asked for water" in str(dashboard.query_one("#recent", Static).content)
        # The rounds, the due line, alerts, last values, the header's identity and consent
        # lines, the banner and the key strip show the same as before: not redrawn. (The
        # clock stands still; the header's clock lines are the tick's to redraw.)
        untouched = {"slots", "due", "alerts", "last", "header-identity", "header-consent"}
        assert not ids & untouched, ids & untouched
        assert not [w for w in updated if w is dashboard.banner or w is dashboard.key_strip]


async def test_closing_the_note_form_does_not_recompose_the_dashboard_footer(tmp_path, monkeypatch):
    app = make_app(tmp_path, IM_PROTOCOL, started=True)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await reach(app, pilot, "monitoring")
        await settle(pilot)
        footer = app.screen.query_one(LeakFreeFooter)
        keys = [key.key for key in footer.children]
        recomposed = spy_recomposes(monkeypatch)
        await save_note(app, pilot, "quiet, eyes closed")
        await pilot.press("f3")
        await on_screen(app, pilot, NoteScreen)
        await pilot.press("escape")
        await on_screen(app, pilot, MonitoringScreen)
        await settle(pilot)
        assert footer not in recomposed
        assert [key.key for key in footer.children] == keys


async def test_the_dashboard_footer_drops_a_key_once_it_does_nothing(tmp_path):
    app = make_app(tmp_path, IM_PROTOCOL, started=True)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await reach(app, pilot, "monitoring")
        await settle(pilot)
        footer = app.screen.query_one(LeakFreeFooter)
        step = app.session.current_step()
        assert step is not None and "x" in [key.key for key in footer.children]
        commit_all(app, [ev.StepMarked(step_id=step.step.id, status="done")])
        await settle(pilot)
        assert app.session.current_step() is None
        assert "x" not in [key.key for key in footer.children]


async def test_a_note_on_the_pre_session_screen_leaves_the_checklist_fields_alone(
    tmp_path, monkeypatch
):
    app = make_app(tmp_path, IM_PROTOCOL, started=True)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await on_screen(app, pilot, PreSessionScreen)
        reset_fields: list[FormField] = []
        reset = FormField.reset

        def recording(self, value):
            reset_fields.append(self)
            return reset(self, value)

        monkeypatch.setattr(FormField, "reset", recording)
        read = PreSessionScreen.unsaved_fields
        reads: list[object] = []
        monkeypatch.setattr(
            PreSessionScreen, "unsaved_fields", lambda self: reads.append(self) or read(self)
        )
        await save_note(app, pilot, "arrived calm")
        assert app.session.state.notes[-1].event.text == "arrived calm"
        assert reset_fields == [] and reads == []


async def test_an_answer_recorded_elsewhere_still_shows_in_the_pre_session_checklist(tmp_path):
    app = make_app(tmp_path, IM_PROTOCOL, started=True)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await on_screen(app, pilot, PreSessionScreen)
        item = next(i for i in app.session.protocol.checklist if i.kind == "yes_no")
        answer = item.blocks_dosing_when != "yes"
        commit_all(app, [ev.CheckAnswered(item_id=item.id, answer=answer)])
        await settle(pilot)
        assert field(app, item.id).raw() is answer


async def test_closing_a_form_does_not_restyle_its_fields_on_the_way_out(tmp_path, monkeypatch):
    app = make_app(tmp_path, IM_PROTOCOL, started=True)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await reach(app, pilot, "monitoring")
        await pilot.press("f3")
        await on_screen(app, pilot, NoteScreen)
        note = app.screen
        marked_on_the_note: list[FormField] = []
        mark = FormField._mark

        def recording(self, text):
            if note in self.ancestors:
                marked_on_the_note.append(self)
            return mark(self, text)

        monkeypatch.setattr(FormField, "_mark", recording)
        await type_text(pilot, "resting")
        marked_on_the_note.clear()  # typing in the field marked it: that is wanted
        await pilot.press("ctrl+s")
        await on_screen(app, pilot, MonitoringScreen)
        await settle(pilot)
        assert note not in app.screen_stack
        assert marked_on_the_note == []
