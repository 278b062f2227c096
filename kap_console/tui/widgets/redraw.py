"""Redraw a line only when what it says changed.

The app ticks once a second and every clocked line is recomputed from the clock; most of
them say the same as a second before (a slot's status, the alerts line, the discharge checks).
`Static.update` redraws whatever it is given, and each redraw is a render, a compositor
pass and bytes to the terminal; so a tick goes through `update_if_changed`, which leaves an unchanged
line alone.
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
