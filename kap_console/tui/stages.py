"""Which screen shows each stage of a session. The stage itself is the core's verdict."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.screen import Screen

if TYPE_CHECKING:
    from kap_console.session import Stage


def stage_screen_class(stage: Stage) -> type[Screen[Any]]:
    """The class of the main screen for `stage` (imported on first use: start-up is quicker
    without the screens a session has not reached)."""
    if stage == "pre_session":
        from kap_console.tui.screens.pre_session import PreSessionScreen

        return PreSessionScreen
    if stage == "intentions":
        from kap_console.tui.screens.intentions import IntentionsScreen

        return IntentionsScreen
    if stage == "dosing":
        from kap_console.tui.screens.dose import DoseScreen

        return DoseScreen
    if stage == "monitoring":
        from kap_console.tui.screens.monitoring import MonitoringScreen

        return MonitoringScreen
    if stage == "discharge":
        from kap_console.tui.screens.discharge import DischargeScreen

        return DischargeScreen
    if stage in ("discharged", "closed"):
        from kap_console.tui.screens.close import CloseScreen

        return CloseScreen
    raise ValueError(f"no screen for stage {stage!r}")


def stage_screen(stage: Stage) -> Screen[Any]:
    """A new main screen for `stage`."""
    return stage_screen_class(stage)()
