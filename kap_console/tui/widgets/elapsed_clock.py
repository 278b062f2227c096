"""The time since the dose in large digits, with its "T" beside them, as one widget.

Textual's `Digits` draws through a Rich renderable (aligned, measured and split into lines
each time), and the "T" was a widget of its own beside it. The clock is the one thing that
changes every second on an idle screen, so it is drawn here as three lines from the same
3×3 glyphs, straight to strips (Textual's line API, `render_line`): the same cells and
styles as `render()` drawn through `Content` (a test compares them line for line), one
widget fewer for the compositor each second, and neither Rich rendering nor `Content`'s
wrapping and styling pass, which was half of what an idle tick drew. It stays a `Digits`
(its `value` and `update()`).
"""

from __future__ import annotations

from rich.segment import Segment
from rich.style import Style as RichStyle
from textual.content import Content
from textual.geometry import Size
from textual.renderables.digits import DIGITS, DIGITS3X3, DIGITS3X3_BOLD
from textual.strip import Strip
from textual.style import Style
from textual.widgets import Digits

LEAD = 2  # the "T" and a space, before the digits
POINT = str.maketrans({".": "•"})  # as Textual's Digits draws a decimal point
T_STYLE = "$foreground-muted"


def digit_rows(text: str, bold: bool = False) -> tuple[str, str, str]:
    """`text` in 3×3 glyphs, as Textual's Digits draws it: three rows of equal width (a
    character without a glyph sits on the bottom row, one cell wide)."""
    glyphs = DIGITS3X3_BOLD if bold else DIGITS3X3
    rows: tuple[list[str], list[str], list[str]] = ([], [], [])
    for character in text.translate(POINT):
        position = DIGITS.find(character)
        if position < 0:
            rows[0].append(" ")
            rows[1].append(" ")
            rows[2].append(character)
            continue
        for row in range(3):
            rows[row].append(glyphs[position * 3 + row].ljust(3))
    return "".join(rows[0]), "".join(rows[1]), "".join(rows[2])


class ElapsedClock(Digits):
    """`T` and the time since the dose in large digits (its value without the "T")."""

    DEFAULT_CSS = """
    ElapsedClock {
        width: auto;
        height: 3;
    }
    """

    _drawn: tuple[object, list[Strip]] | None = None

    def render(self) -> Content:
        """The clock as `Content` (what `render_line` draws, line for line)."""
        top, middle, bottom = digit_rows(self.value, bool(self.rich_style.bold))
        return Content.assemble(
            " " * LEAD + top + "\n",
            ("T", T_STYLE),
            " " * (LEAD - 1) + middle + "\n",
            " " * LEAD + bottom,
        )

    def render_line(self, y: int) -> Strip:
        """Line `y` of the clock, drawn once per value and style (a second's three lines)."""
        base = self.visual_style
        key = (self.value, base, self.content_size.width)
        if self._drawn is None or self._drawn[0] != key:
            self._drawn = (key, self._strips(base))
        lines = self._drawn[1]
        if 0 <= y < len(lines):
            return lines[y]
        return Strip.blank(self.content_size.width, base.rich_style)

    def _strips(self, base: Style) -> list[Strip]:
        """The three lines as `Content` draws `render()`: each piece styled with its offset
        (what text selection reads), the "T" in the muted colour."""
        muted = base + Style.parse(T_STYLE)
        top, middle, bottom = digit_rows(self.value, bool(base.rich_style.bold))
        width = self.content_size.width
        strips = [
            Strip([Segment(" " * LEAD + top, base.rich_style_with_offset(0, 0))]),
            Strip(
                [
                    Segment("T", muted.rich_style_with_offset(0, 1)),
                    Segment(" " * (LEAD - 1) + middle, base.rich_style_with_offset(1, 1)),
                ]
            ),
            Strip([Segment(" " * LEAD + bottom, base.rich_style_with_offset(0, 2))]),
        ]
        fill: RichStyle = base.rich_style
        return [strip.extend_cell_length(width, fill).crop(0, width) for strip in strips]

    def get_content_width(self, container: Size, viewport: Size) -> int:
        return LEAD + super().get_content_width(container, viewport)
