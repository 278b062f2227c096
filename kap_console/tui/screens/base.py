"""The frame every screen of a session shares.

`SessionScreen` (a full screen: one per stage, and the timeline) composes, top to bottom:
the `SessionHeader` (docked top, never goes away), the subclass's `compose_body()`, the
alert `Banner`, the `KeyStrip` of app-wide keys and the `Footer` (the screen's own keys). `SessionModal` is the base for forms and dialogs shown over
it: the header stays visible above a modal, and the app-wide keys (AE, note, round, ...)
work there too.

Both refresh themselves on `SessionChanged` (posted by the app after every commit). A
subclass that shows session data handles it as well, `on_session_changed(self, message)`,
and re-reads `self.app.session`; Textual calls this base handler too, so there is no need
to call `super()`.

When `app.commit()` returns None the entry was not saved: the engine holds it in memory
and writes it once the facilitator picks a folder (the app shows how). Do not submit the
same entry again; keep the form open so nothing typed is lost, and close it on a
`SessionChanged` whose `reason == "saved"` if it wants to.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from textual import getters
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from kap_console.tui.commands import Command, modal_bindings, strip_commands
from kap_console.tui.keys import FOCUS_BINDINGS
from kap_console.tui.messages import SessionChanged
from kap_console.tui.textual_patches import LeakFreeFooter
from kap_console.tui.widgets.banner import Banner
from kap_console.tui.widgets.header import SessionHeader
from kap_console.tui.widgets.redraw import redraw

if TYPE_CHECKING:
    from kap_console.session import Session
    from kap_console.tui.console import ConsoleApp

NARROW = 72


def key_strip_text(
    narrow: bool = False, available: Callable[[type], bool] | None = None
) -> Content:
    """`a F2 AE  n F3 Note  ...`: the app-wide keys, from the command registry. When
    narrow, only the F-keys (they work whether or not a text field has focus). `available`
    leaves out what does nothing now (after the close: no AE, note or round)."""
    parts: list[tuple[str, str] | str] = []
    for command in strip_commands():
        if available is not None and not available(command):
            continue
        if parts:
            parts.append("  ")
        keys = _typing_key(command) if narrow else command.key_display()
        parts += [(keys, "bold $accent"), f" {command.FOOTER}"]
    return Content.assemble(*parts)


def _typing_key(command: type[Command]) -> str:
    return command.key_display().split()[-1]


class KeyStrip(Static):
    """The keys that work from anywhere, on their own row above the footer. The footer
    below it keeps the screen's own keys, so both fit at 80 columns."""

    DEFAULT_CSS = """
    KeyStrip {
        height: 1;
        width: 1fr;
        padding: 0 1;
        background: $panel;
        color: $foreground-muted;
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    """

    def __init__(self) -> None:
        super().__init__(key_strip_text())

    def on_resize(self) -> None:
        self.refresh_keys()

    def refresh_keys(self) -> None:
        def available(command: type) -> bool:
            return self.app.check_action(command.ACTION, ()) is not False  # type: ignore[attr-defined]

        narrow = 0 < self.size.width < NARROW  # not yet laid out: as wide
        redraw(self, key_strip_text(narrow, available), wraps=False)


class SessionScreen(Screen[None]):
    """A full screen of a session: header, body, banner, footer."""

    if TYPE_CHECKING:
        app = getters.app(ConsoleApp)

    @property
    def session(self) -> Session:
        """The open session (a session's screens are shown only while one is open)."""
        session = self.app.session
        if session is None:
            raise RuntimeError("no session is open")
        return session

    DEFAULT_CSS = """
    SessionScreen > #session-body {
        height: 1fr;
    }
    """

    # The frame's widgets, kept from compose: refreshing them after every entry by a query
    # would walk the whole screen each time.
    header: SessionHeader | None = None
    banner: Banner | None = None
    key_strip: KeyStrip | None = None

    def compose(self) -> ComposeResult:
        self.header, self.banner, self.key_strip = SessionHeader(), Banner(), KeyStrip()
        yield self.header
        with Vertical(id="session-body"):
            yield from self.compose_body()
        yield self.banner
        yield self.key_strip
        yield LeakFreeFooter(compact=True)

    def compose_body(self) -> ComposeResult:
        """The screen's own content, between the header and the banner."""
        yield from ()

    def on_session_changed(self, message: SessionChanged) -> Awaitable[None] | None:
        self.refresh_frame()
        return None

    def on_screen_resume(self) -> None:
        # Every entry made while a form was open has been shown already (each screen of the
        # stack hears of it); what may have changed with the clock alone (how loud an alert
        # is) is drawn just after the frame that shows the form gone.
        self.call_after_refresh(self.refresh_frame)
        # A stage change that happened while a form was open is applied now.
        sync = getattr(self.app, "sync_stage", None)
        if sync is not None:
            self.call_after_refresh(sync)

    def refresh_frame(self) -> None:
        """Redraw the header, banner and key strip from the session (what is unchanged is
        not redrawn)."""
        if self.header is not None:
            self.header.refresh_from_session()
        if self.banner is not None and self.banner.is_mounted:
            self.banner.refresh_from_session()
        if self.key_strip is not None and self.key_strip.is_mounted:
            self.key_strip.refresh_keys()

    def tick(self) -> None:
        """Once a second, from the app: redraw the clock and countdown."""
        if self.header is not None and self.header.is_mounted:
            self.header.tick()  # not composed or mounted yet: the next tick draws it


class SessionModal(ModalScreen[Any]):
    """A form or dialog over a session screen.

    Leaves the header rows (top) and the banner and key rows (bottom) of the screen below
    uncovered, so the clock and any alert stay in sight while typing.
    Subclasses either override `compose()` or fill `compose_body()` (inside `#modal-body`).
    Textual stops app bindings at a modal screen, so the quick keys are bound here again
    (subclasses' BINDINGS add to these).
    """

    # Margins on the dialog, not padding on the screen: a modal draws the screen below
    # inside its own content region, so padding would shift that picture down.
    DEFAULT_CSS = """
    SessionModal {
        align: center middle;
        background: $background 40%;
    }
    SessionModal > Widget {
        margin: 4 0 2 0;
    }
    SessionModal > Footer {
        margin: 0;
    }
    SessionModal > #modal-body {
        width: 80;
        max-width: 100%;
        height: auto;
        max-height: 100%;
        border: round $primary;
        background: $surface;
        padding: 0 1;
    }
    """

    BINDINGS = [*modal_bindings(), *FOCUS_BINDINGS]

    if TYPE_CHECKING:
        app = getters.app(ConsoleApp)

    @property
    def session(self) -> Session:
        """The open session (a session's screens are shown only while one is open)."""
        session = self.app.session
        if session is None:
            raise RuntimeError("no session is open")
        return session

    def compose(self) -> ComposeResult:
        with Vertical(id="modal-body"):
            yield from self.compose_body()
        yield LeakFreeFooter()

    def compose_body(self) -> ComposeResult:
        yield from ()

    def on_session_changed(self, message: SessionChanged) -> Awaitable[None] | None:
        """The header and banner a modal leaves in sight belong to the screen below, which
        gets its own SessionChanged."""
        return None

    def tick(self) -> None:
        """Modals have no clock of their own; the screen below keeps ticking."""
