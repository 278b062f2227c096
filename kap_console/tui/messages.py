"""Messages the app sends its screens."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from textual.message import Message

if TYPE_CHECKING:
    from kap_console.session import Committed

# Why the app says the session changed: an entry committed ("event"), an entry kept in memory
# after a save error ("unsaved"), saving works again ("saved"), a session opened ("started")
# or closed ("closed"), or a practice scenario moved on ("practice").
ChangeReason = Literal["event", "unsaved", "saved", "started", "closed", "practice"]


class SessionChanged(Message, bubble=False):
    """The session changed: an event was committed (or kept unsaved after a save error), a save
    error began or ended, or the session itself was started, resumed or closed.

    The app posts one to every screen on the stack. `SessionScreen` and `SessionModal`
    refresh the header and banner; a screen that shows session data handles it too
    (`on_session_changed`) and re-reads `self.app.session`. It carries no facts of its own.
    """

    def __init__(
        self, committed: Committed | None = None, *, reason: ChangeReason = "event"
    ) -> None:
        super().__init__()
        self.committed = committed
        """The `Committed` result when an event was saved, else None."""
        self.reason: ChangeReason = reason
        """Why: see ChangeReason."""
