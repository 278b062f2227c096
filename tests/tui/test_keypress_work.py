"""An entry redraws what it changed and nothing else.

After every entry the app tells each screen of the session that the session changed. What
the screens then do is the cost of every keypress that saves something: these tests pin
what must (and must not) happen, never how long it takes (benchmarks/bench_tui.py times it).
"""

from __future__ import annotations

import pytest
from harness import (
    commit_all,
    field,
    on_screen,
    press_to,
    save_note,
    session_at,
    settle,
    spy_calls,
    type_text,
)
from textual.widgets import Static

from kap_console.session import events as ev
from kap_console.tui.screens.monitoring import MonitoringScreen
from kap_console.tui.screens.note import NoteScreen
from kap_console.tui.screens.pre_session import PreSessionScreen
from kap_console.tui.textual_patches import LeakFreeFooter
from kap_console.tui.widgets.fields_base import FormField


def spy_recomposes(monkeypatch) -> list[LeakFreeFooter]:
    recomposed: list[LeakFreeFooter] = []
    recompose = LeakFreeFooter.recompose

    async def recording(self):
        recomposed.append(self)
        await recompose(self)

    monkeypatch.setattr(LeakFreeFooter, "recompose", recording)
    return recomposed


async def test_a_note_on_the_dashboard_redraws_the_recent_lines_and_nothing_else_it_shows(
    tmp_path, monkeypatch
):
    async with session_at(tmp_path, "monitoring") as (app, pilot):
        await settle(pilot)
        dashboard = app.screen
        updated = spy_calls(monkeypatch, Static, "update")
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
    async with session_at(tmp_path, "monitoring") as (app, pilot):
        await settle(pilot)
        footer = app.screen.query_one(LeakFreeFooter)
        keys = [key.key for key in footer.children]
        recomposed = spy_recomposes(monkeypatch)
        await save_note(app, pilot, "quiet, eyes closed")
        await press_to(app, pilot, "f3", NoteScreen)
        await press_to(app, pilot, "escape", MonitoringScreen)
        await settle(pilot)
        assert footer not in recomposed
        assert [key.key for key in footer.children] == keys


async def test_the_dashboard_footer_drops_a_key_once_it_does_nothing(tmp_path):
    async with session_at(tmp_path, "monitoring") as (app, pilot):
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
    async with session_at(tmp_path) as (app, pilot):
        await on_screen(app, pilot, PreSessionScreen)
        reset_fields = spy_calls(monkeypatch, FormField, "reset")
        reads = spy_calls(monkeypatch, PreSessionScreen, "unsaved_fields")
        await save_note(app, pilot, "arrived calm")
        assert app.session.state.notes[-1].event.text == "arrived calm"
        assert reset_fields == [] and reads == []


async def test_an_answer_recorded_elsewhere_still_shows_in_the_pre_session_checklist(tmp_path):
    async with session_at(tmp_path) as (app, pilot):
        await on_screen(app, pilot, PreSessionScreen)
        item = next(i for i in app.session.protocol.checklist if i.kind == "yes_no")
        answer = item.blocks_dosing_when != "yes"
        commit_all(app, [ev.CheckAnswered(item_id=item.id, answer=answer)])
        await settle(pilot)
        assert field(app, item.id).raw() is answer


async def test_closing_a_form_does_not_restyle_its_fields_on_the_way_out(tmp_path, monkeypatch):
    async with session_at(tmp_path, "monitoring") as (app, pilot):
        await press_to(app, pilot, "f3", NoteScreen)
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
        await press_to(app, pilot, "ctrl+s", MonitoringScreen)
        await settle(pilot)
        assert note not in app.screen_stack
        assert marked_on_the_note == []


async def test_a_note_saved_over_the_timeline_adds_one_row_and_keeps_the_others(
    tmp_path, monkeypatch
):
    from textual.widgets import DataTable

    from kap_console.tui.screens.timeline import TimelineScreen

    async with session_at(tmp_path, "monitoring") as (app, pilot):
        await press_to(app, pilot, "t", TimelineScreen)
        table = app.screen.query_one(DataTable)
        rows = [str(key.value) for key in table.rows]
        cleared = spy_calls(monkeypatch, DataTable, "clear")
        await save_note(app, pilot, "asked for a blanket")
        note = app.session.state.notes[-1]
        assert [str(key.value) for key in table.rows] == [*rows, str(note.seq)]
        assert "asked for a blanket" in table.get_row(str(note.seq))[4]
        assert cleared == []  # not rebuilt


async def test_a_correction_over_the_timeline_redraws_the_row_it_corrects_in_place(
    tmp_path, monkeypatch
):
    from textual.widgets import DataTable

    from kap_console.tui.screens.timeline import TimelineScreen

    async with session_at(tmp_path, "monitoring") as (app, pilot):
        commit_all(app, [ev.NoteAdded(text="wrong client")])
        await press_to(app, pilot, "t", TimelineScreen)
        table = app.screen.query_one(DataTable)
        [note] = app.session.state.notes
        cleared = spy_calls(monkeypatch, DataTable, "clear")
        commit_all(app, [ev.Voided(target_seq=note.seq, reason="meant for another session")])
        await settle(pilot)
        assert "ERROR" in table.get_row(str(note.seq))[3]
        assert table.row_count == len(app.session.state.timeline)
        assert cleared == []
        # An entry that belongs earlier in time (a late note) goes where it belongs: the
        # table is rebuilt in time order.
        late = ev.NoteAdded(text="seen earlier", observed_at=app.session.state.t0)
        commit_all(app, [late])
        await settle(pilot)
        assert cleared == [table]
        order = [str(item.seq) for item in app.session.state.timeline]
        assert [str(key.value) for key in table.rows] == order


async def test_acknowledging_one_of_two_alerts_removes_its_line_and_keeps_the_other(tmp_path):
    from textual.widgets import ListItem, ListView

    from kap_console.tui.screens.alerts import AlertsScreen

    async with session_at(tmp_path, "monitoring") as (app, pilot):
        high = {"sbp": 165, "dbp": 78, "hr": 72, "spo2": 98, "rr": 14}
        commit_all(app, [ev.ObservationRecorded(round_id="early", values=high)])
        commit_all(app, [ev.ObservationRecorded(round_id="early", values={**high, "spo2": 85})])
        assert len(list(app.session.open_alerts())) == 2
        await press_to(app, pilot, "k", AlertsScreen)
        listing = app.screen.query_one(ListView)
        first, second = listing.query_children(ListItem)
        listing.index = 0
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, AlertsScreen)
        assert list(listing.query_children(ListItem)) == [second]  # the same line, kept
        [still_open] = app.session.open_alerts()
        assert second.name == str(still_open.seq) and first.name != second.name


def test_the_dashboard_reads_only_the_end_of_the_timeline_for_its_recent_lines() -> None:
    from types import SimpleNamespace

    from kap_console.tui.screens.monitoring import recent_lines

    class Timeline:
        """Ten thousand entries, of which only the last few may be read."""

        def __init__(self) -> None:
            self.items = [
                SimpleNamespace(voided=index == 9_998, at=None, late=False, amended=False)
                for index in range(10_000)
            ]
            for index, item in enumerate(self.items):
                item.summary, item.kind, item.event = f"entry {index}", "note_added", None
            self.read = 0

        def __iter__(self):
            raise AssertionError("walked the whole timeline")

        def __reversed__(self):
            for item in reversed(self.items):
                self.read += 1
                yield item

    timeline = Timeline()
    session = SimpleNamespace(state=SimpleNamespace(timeline=timeline, t0=None))
    lines = recent_lines(session, count=4)  # type: ignore[arg-type]
    assert [text.split()[-1] for text, _ in lines] == ["9995", "9996", "9997", "9999"]
    assert timeline.read == 5  # four shown and the voided one passed over


async def test_the_collector_waits_from_an_entry_until_its_frame_and_then_runs_again(tmp_path):
    import gc

    from kap_console.session import RejectedEntry

    async with session_at(tmp_path, "monitoring") as (app, pilot):
        await settle(pilot)
        assert gc.isenabled()
        during: list[bool] = []
        commit = app.commit

        def recording(event):
            result = commit(event)
            during.append(gc.isenabled())
            return result

        app.commit = recording
        await save_note(app, pilot, "drowsy, answers to her name")
        assert during == [False]  # held from the commit on
        assert gc.isenabled()  # and released once the confirmation was drawn
        # An entry the core refuses is not drawn at all: the hold ends on its own.
        with pytest.raises(RejectedEntry):
            app.commit(ev.StepMarked(step_id="no-such-step", status="done"))
        assert not gc.isenabled()
        await pilot.pause(0.4)
        assert gc.isenabled()
