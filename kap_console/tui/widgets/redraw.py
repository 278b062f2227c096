"""Give a widget new content only when what it shows changes.

`Static.update` repaints its widget even when the content is the same, and by default asks
for a layout pass of the screen. After an entry, every screen of the session redraws its
header, banner and panels from the session; most of what they show did not change. Here an
unchanged content costs nothing, and a layout is asked for only when the widget's height
can change.
"""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Static


def same_content(shown: object, new: object) -> bool:
    """Whether `new` draws exactly what `shown` draws: the same text with the same styles.
    (`Content.__eq__` compares the text alone.)"""
    if isinstance(shown, Content) and isinstance(new, Content):
        return shown.plain == new.plain and shown.spans == new.spans
    if isinstance(shown, str) and isinstance(new, str):
        return shown == new
    return False


def line_count(content: object) -> int:
    text = content.plain if isinstance(content, Content) else str(content)
    return text.count("\n") + 1


def redraw(widget: Static, content: str | Content, *, wraps: bool = True) -> bool:
    """Show `content` in `widget` unless it already shows it; True if it changed.

    A widget whose lines do not wrap (`text-wrap: nowrap`) is as high as its line count,
    so `wraps=False` asks for a layout only when that count changes; otherwise any change
    may change the height and asks for one."""
    shown = widget.content
    if same_content(shown, content):
        return False
    widget.update(content, layout=wraps or line_count(shown) != line_count(content))
    return True
