"""The time since the dose in large digits, with its "T" beside them, as one widget.

Textual's `Digits` draws through a Rich renderable (aligned, measured and split into lines
each time), and the "T" was a widget of its own beside it. The clock is the one thing that
changes every second on an idle screen, so it is drawn here as three lines of `Content` from
the same 3×3 glyphs: the same cells on screen, one widget fewer for the compositor to
draw each second, and no Rich rendering. It stays a `Digits` (its `value` and `update()`).
"""

from __future__ import annotations

from textual.content import Content
from textual.geometry import Size
from textual.renderables.digits import DIGITS, DIGITS3X3, DIGITS3X3_BOLD
from textual.widgets import Digits

LEAD = 2  # the "T" and a space, before the digits
POINT = str.maketrans({".": "•"})  # as Textual's Digits draws a decimal point


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

    def render(self) -> Content:
        top, middle, bottom = digit_rows(self.value, bool(self.rich_style.bold))
        return Content.assemble(
            " " * LEAD + top + "\n",
            ("T", "$foreground-muted"),
            " " * (LEAD - 1) + middle + "\n",
            " " * LEAD + bottom,
        )

    def get_content_width(self, container: Size, viewport: Size) -> int:
        return LEAD + super().get_content_width(container, viewport)
