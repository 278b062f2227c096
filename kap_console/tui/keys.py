"""Keys typed quickly must land where they were typed, in the order they were typed.

The app reads keys in order, but hands a printable key to the focused field's own queue,
while a priority binding (ctrl+s, the focus keys) runs at once. Two races follow, both
seen in a real terminal with a brisk typist:

- Tab was handled only after it bubbled up from the field, so digits typed right after it
  still went into the old field ("128", Tab, "82" gave "12882"). Focus keys are therefore
  priority bindings on the app: focus moves the moment the key is read.
- A priority save could read a field before the keys typed just before it had reached the
  field. `after_typing` runs such an action behind those keys, in the field's own queue.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from textual.binding import Binding

FOCUS_BINDINGS = [
    Binding("tab", "app.focus_next", "Next field", show=False, priority=True),
    Binding("shift+tab", "app.focus_previous", "Previous field", show=False, priority=True),
]


def after_typing(action: Callable[..., Any]) -> Callable[..., Any]:
    """Decorate a screen action bound with priority so it runs after the keys already
    handed to the focused widget have been handled."""

    @functools.wraps(action)
    def run_after_typing(self: Any, *args: Any) -> None:
        target = self.app.focused or self
        target.call_later(action, self, *args)

    return run_after_typing
