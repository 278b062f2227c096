"""The protocol's timing is kept: an early device says how early and needs a reason, the
countdown runs live; each dose form opens on the field to fill first."""

from __future__ import annotations

from harness import IM_PROTOCOL, ROOT, advance, press_to, session_at, type_text
from textual.widgets import Static

from kap_console.tui.screens.dose import DoseFormScreen, ReasonScreen
from kap_console.tui.screens.monitoring import MonitoringScreen
from kap_console.tui.widgets.dialogs import ConfirmScreen

ESKETAMINE = ROOT / "protocols" / "esketamine-120.toml"


def focused_field(app) -> str:
    from kap_console.tui.widgets.fields_base import FormField

    widget = app.focused
    field = next((a for a in widget.ancestors_with_self if isinstance(a, FormField)), None)
    return field.field_id if field is not None else type(widget).__name__


def subtitle(app) -> str:
    return str(app.screen.query_one("#form-subtitle", Static).content)


async def test_a_second_device_at_t_plus_3_says_how_early_and_needs_a_reason(tmp_path):
    async with session_at(tmp_path, "monitoring", ESKETAMINE) as (app, pilot):
        await advance(app, pilot, 3)
        await press_to(app, pilot, "b", DoseFormScreen)
        assert "(in 02:00)" in subtitle(app)
        await advance(app, pilot, 0.5)  # the tick redraws; the time left comes from the clock
        assert "(in 01:30)" in subtitle(app)

        await press_to(app, pilot, "ctrl+s", ReasonScreen)
        assert "01:30 early" in subtitle(app) and "5 min apart" in subtitle(app)
        await press_to(app, pilot, "escape", DoseFormScreen)  # backing out records nothing
        assert len(app.session.state.effective_doses) == 1

        await press_to(app, pilot, "ctrl+s", ReasonScreen)
        await type_text(pilot, "client anxious, prescriber agreed")
        await press_to(app, pilot, "ctrl+s", ConfirmScreen)
        await press_to(app, pilot, "y", MonitoringScreen)
        doses = app.session.state.effective_doses
        assert [d.event.device_number for d in doses] == [1, 2]
        note = app.session.state.notes[-1].event.text
        assert note.startswith("Device 2 given 01:30 early (protocol: 5 min apart)")
        assert note.endswith("client anxious, prescriber agreed")


async def test_a_device_after_the_interval_asks_no_reason(tmp_path):
    async with session_at(tmp_path, "monitoring", ESKETAMINE) as (app, pilot):
        await advance(app, pilot, 6)
        await press_to(app, pilot, "b", DoseFormScreen)
        assert "may be given now" in subtitle(app)
        await press_to(app, pilot, "ctrl+s", ConfirmScreen)


async def test_the_esketamine_dose_form_opens_on_weight_and_the_im_one_on_dose(tmp_path):
    for protocol, expected in ((ESKETAMINE, "weight_kg"), (IM_PROTOCOL, "dose_mg")):
        async with session_at(tmp_path / protocol.stem, "dosing", protocol) as (app, pilot):
            await pilot.pause()
            assert focused_field(app) == expected, protocol.stem
