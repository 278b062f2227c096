"""Focus and fields: the focused field is marked by more than colour, and the dose
confirmation shows every field (who gave it, who checked it)."""

from __future__ import annotations

from harness import field, press_to, session_at, type_text
from textual.widgets import Static

from kap_console.tui.screens.round_form import RoundScreen
from kap_console.tui.widgets.dialogs import ConfirmScreen
from kap_console.tui.widgets.fields_base import FOCUS_MARK


def mark_of(app, field_id: str) -> str:
    return str(field(app, field_id).query_one(".field-mark").render()).strip()


async def test_the_focused_field_carries_a_marker_in_every_theme(tmp_path):
    async with session_at(tmp_path, "monitoring") as (app, pilot):
        await press_to(app, pilot, "o", RoundScreen)
        for theme in app.console_themes:
            app.theme = theme
            await pilot.pause()
            assert mark_of(app, "sbp") == FOCUS_MARK.strip()
            assert mark_of(app, "dbp") == ""
        await pilot.press("tab")
        await pilot.pause()
        assert mark_of(app, "sbp") == "" and mark_of(app, "dbp") == FOCUS_MARK.strip()


async def test_the_dose_confirmation_shows_who_gave_and_who_checked(tmp_path):
    async with session_at(tmp_path, "dosing") as (app, pilot):
        await type_text(pilot, "40")
        field(app, "weight_kg").set_raw(70)
        field(app, "lot").set_raw("LOT-7781")
        field(app, "given_by").set_raw("Dr Chen")
        field(app, "checked_by").set_raw("R. Rivera")
        await press_to(app, pilot, "ctrl+s", ConfirmScreen)
        question = str(app.screen.query_one(".question", Static).render())
        for words in (
            "40 mg",
            "70 kg (0.57 mg/kg)",
            "LOT-7781",
            "Given by    Dr Chen",
            "Checked by  R. Rivera",
        ):
            assert words in question, question
