"""Tick boxes that say their state in the glyph, not by colour alone.

Textual draws the same "X" in a ticked and an unticked box and tells them apart only by
colour, which a dim night theme, a colour-blind facilitator or a poor laptop screen can
lose. These show "✓" when ticked and a blank when not.
"""

from __future__ import annotations

from rich.segment import Segment
from textual.strip import Strip
from textual.widgets import Checkbox, SelectionList
from textual.widgets._toggle_button import ToggleButton

TICKED = "✓"
UNTICKED = " "


class TickBox(Checkbox):
    @property
    def BUTTON_INNER(self) -> str:  # type: ignore[override]  # noqa: N802 (Textual's class constant, per state here)
        return TICKED if self.value else UNTICKED


class TickList(SelectionList):
    def render_line(self, y: int) -> Strip:
        strip = super().render_line(y)
        index = self.scroll_offset.y + y
        if index >= self.option_count:
            return strip
        segments = list(strip)
        # The button is drawn as the first three segments: left side, inner mark, right side.
        if len(segments) >= 3 and segments[1].text == ToggleButton.BUTTON_INNER:
            option = self.get_option_at_index(index)
            mark = TICKED if option.value in self._selected else UNTICKED
            segments[1] = Segment(mark, segments[1].style)
            return Strip(segments, strip.cell_length)
        return strip
