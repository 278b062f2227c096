"""Redraw a line only when what it says changed.

The app ticks once a second and every clocked line is recomputed from the clock; most of
them say the same as a second before (a slot's status, the alerts line, the discharge checks).
After an entry, every screen of the session redraws its header, banner and panels from the
session; most of what they show did not change either. `Static.update` redraws whatever it
is given, and each redraw is a render, a compositor pass and bytes to the terminal (and by
default a layout pass of the screen); so these go through `update_if_changed` or `redraw`,
which leave an unchanged line alone.
"""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Static


def same(shown: object, content: str | Content) -> bool:
    """Whether `content` is exactly what is `shown`: the same text *and* the same styles
    (Content's `==` compares the text alone)."""
    if isinstance(content, Content):
        return isinstance(shown, Content) and shown.is_same(content)
    return isinstance(shown, str) and shown == content


def update_if_changed(line: Static, content: str | Content, *, layout: bool = False) -> bool:
    """Put `content` in `line` unless it already shows exactly that. Returns whether it
    was redrawn."""
    if same(line.content, content):
        return False
    line.update(content, layout=layout)
    return True


def line_count(content: object) -> int:
    text = content.plain if isinstance(content, Content) else str(content)
    return text.count("\n") + 1


def redraw(widget: Static, content: str | Content, *, wraps: bool = True) -> bool:
    """Show `content` in `widget` unless it already shows it; True if it changed.

    A widget whose lines do not wrap (`text-wrap: nowrap`) is as high as its line count,
    so `wraps=False` asks for a layout only when that count changes; otherwise any change
    may change the height and asks for one."""
    shown = widget.content
    return update_if_changed(
        widget, content, layout=wraps or line_count(shown) != line_count(content)
    )
