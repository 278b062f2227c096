"""The base of the screens shown for each stage of a session."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.css.query import NoMatches

from kap_console.tui.screens.base import SessionScreen
from kap_console.tui.screens.form_modal import Committing

if TYPE_CHECKING:
    from kap_console.session import RoundSlots


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
        """Redraw the header and the screen's clocked parts from one reading of the round
        slots: computing them is most of a quiet tick's own work, and the header and the
        screen read them at the same moment."""
        try:
            view = self.session.round_slots()
            if self.header is not None and self.header.is_mounted:
                self.header.tick(view)  # not composed or mounted yet: the next tick draws it
            self.clock_tick(view)
        except NoMatches:
            pass

    def clock_tick(self, view: RoundSlots) -> None:
        """Redraw what changes with the clock alone (countdowns, statuses), from `view`, the
        round slots at this tick. No layout."""
