"""Messages the app sends its screens."""

from __future__ import annotations

from typing import Any

from textual.message import Message


class SessionChanged(Message, bubble=False):
    """The session changed: an event was committed (or held after a save error), a save
    error began or ended, or the session itself was started, resumed or closed.

    The app posts one to every screen on the stack. `SessionScreen` and `SessionModal`
    refresh the header and banner; a screen that shows session data handles it too
    (`on_session_changed`) and re-reads `self.app.session`. It carries no facts of its own.
    """

    def __init__(self, committed: Any | None = None, *, reason: str = "event") -> None:
        super().__init__()
        self.committed = committed
        """The `Committed` result when an event was saved, else None."""
        self.reason = reason
        """"event", "held" (not saved), "saved" (writing works again), "started", "closed"."""
