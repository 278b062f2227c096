"""Every action of every stage screen is in the command palette, under the same words as
its key in the footer, and running it from the palette does what the key does."""

from __future__ import annotations

import pytest
from harness import QUICK, SIZE, make_app, on_screen, reach, ready
from textual.binding import Binding

from kap_console.session import STAGES
from kap_console.tui.commands import KapCommands
from kap_console.tui.screens.round_form import RoundScreen

# The stages a session is open and working in (after discharge the close screen acts alone).
WORKING_STAGES = STAGES[: STAGES.index("discharge") + 1]


def described_bindings(screen) -> dict[str, Binding]:
    found: dict[str, Binding] = {}
    for cls in type(screen).__mro__:
        for binding in cls.__dict__.get("BINDINGS", ()):
            if isinstance(binding, Binding) and binding.description:
                if not binding.action.startswith("app."):
                    found.setdefault(binding.action, binding)
    return found


async def palette_titles(app) -> set[str]:
    provider = KapCommands(app.screen)
    return {hit.text async for hit in provider.discover()}


@pytest.mark.parametrize("stage", WORKING_STAGES)
async def test_each_action_of_the_stage_screen_has_a_palette_entry(tmp_path, stage):
    app = make_app(tmp_path, QUICK, started=True)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await reach(app, pilot, stage)
        screen = app.screen
        wanted = {
            binding.description
            for action, binding in described_bindings(screen).items()
            if screen.check_action(action, ()) is not False
        }
        assert wanted, "every stage screen has actions of its own"
        assert wanted <= await palette_titles(app)


async def test_baseline_from_the_palette_opens_the_baseline_form(tmp_path):
    app = make_app(tmp_path, QUICK, started=True)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        provider = KapCommands(app.screen)
        [hit] = [hit async for hit in provider.search("Baseline") if hit.text == "Baseline"]
        await hit.command()
        await on_screen(app, pilot, RoundScreen)
        assert app.screen.round_id == "baseline"
