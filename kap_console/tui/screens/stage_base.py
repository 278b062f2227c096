"""The base of the screens shown for each stage of a session."""

from __future__ import annotations

from textual.css.query import NoMatches

from kap_console.tui.screens.base import SessionScreen
from kap_console.tui.screens.form_modal import Committing


class StageScreen(Committing, SessionScreen):
    """A stage's main screen: commits through the engine, redraws its clocked parts each tick.

    The app ticks every screen on the stack, including one switched in a moment ago and not
    yet composed; such a tick is skipped (the next one draws it).
    """

    @property
    def composed(self) -> bool:
        """Whether the body is on screen yet (a session change can arrive before it is)."""
        return self.query_one_optional("#session-body") is not None  # by id: no walk

    def tick(self) -> None:
        try:
            super().tick()
            self.clock_tick()
        except NoMatches:
            pass

    def clock_tick(self) -> None:
        """Redraw what changes with the clock alone (countdowns, statuses). No layout."""
