"""The console app as its screens and widgets see it: the open session, the clock, and what
they may ask of the app. `KapApp` (app.py) is the one implementation; screens type
`self.app` as `ConsoleApp` so that they need not import app.py, which imports them."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from textual.app import App

if TYPE_CHECKING:
    from kap_console.session import Clock, Committed, Session
    from kap_console.session.events import EventBase
    from kap_console.tui.messages import ChangeReason
    from kap_console.tui.receipt import Receipt


class ConsoleApp(App[None]):
    """What a screen may rely on. Attributes are set by KapApp.__init__."""

    session: Session | None
    clock: Clock
    receipt: Receipt | None  # the last entry saved, as the header says it

    if TYPE_CHECKING:

        def commit(self, event: EventBase) -> Committed | None: ...

        def session_changed(
            self, committed: Committed | None = None, *, reason: ChangeReason = "event"
        ) -> None: ...

        def sync_stage(self) -> None: ...

        def confirm_saved(self, words: str) -> None: ...

        def escalation(self) -> str: ...

        def start_session(
            self, client_code: str, facilitator: str, session_number: int
        ) -> Session: ...

        def resume_session(self, session_dir: Path) -> Session | None: ...

        def choose_protocol(self, path: Path) -> None: ...

        def open_session(self, session: Session) -> None: ...
