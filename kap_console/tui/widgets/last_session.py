"""The next session starts where the last one ended: a "last session" panel and the last dose.

When a new session starts for a client code with earlier closed (real, not training) records,
a short panel shows the last one (date, dose, adverse events, intentions, follow-up items,
the integration therapist's included) before the pre-session checks; the dose screen shows
the last dose as a reference line. Both only show: nothing here becomes an entry of the new
session, and no field is filled from them.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Static

# Imports nothing of the integration package until there is a last session to show: the
# dose screen and the start of every session go through here, and a facilitator's keys must
# not wait on module loading.
MARK = "★"


def last_session_text(last: Any) -> Text:
    """The panel's words for a `CourseSession`."""
    text = Text()
    text.append(
        f"Session {last.session_number} on {last.started_at:%Y-%m-%d} ({last.protocol})",
        style="bold",
    )
    if last.outcome != "completed":
        text.append(f"  ended: {last.outcome.replace('_', ' ')}", style="bold")
    doses = "; ".join(d.text for d in last.doses) or "no dose given"
    text.append(f"\nDose: {doses}")
    if len(last.doses) > 1:
        text.append(f" (total {last.total_mg:g} mg)")
    if last.adverse_events:
        text.append(
            f"\nAdverse events: {last.adverse_events}, highest {last.highest_severity}"
            + (f", {last.open_adverse_events} STILL OPEN" if last.open_adverse_events else ""),
            style="bold" if last.open_adverse_events else "",
        )
    else:
        text.append("\nAdverse events: none")
    if last.intentions:
        text.append("\nIntentions:")
        for intention in last.intentions:
            text.append(f"\n  “{intention}”")
    if last.quotes:
        text.append(f"\nTagged for integration: {len(last.quotes)} ({MARK})")
    if last.follow_up:
        text.append("\nFollow-up:")
        for item in last.follow_up:
            text.append(f"\n  {item}")
    return text


class LastSessionScreen(ModalScreen[None]):
    """Shown once, over the pre-session checks; enter or escape goes on to them."""

    DEFAULT_CSS = """
    LastSessionScreen { align: center middle; background: $background 60%; }
    LastSessionScreen #last-session {
        width: 76; max-width: 100%; height: auto; max-height: 100%;
        border: round $primary; background: $surface; padding: 0 1;
    }
    LastSessionScreen .last-title { text-style: bold; color: $primary; }
    LastSessionScreen .last-hint { color: $foreground-muted; }
    """
    BINDINGS = [
        Binding("enter", "close", "Go on to the checks"),
        Binding("escape", "close", "Go on to the checks", show=False),
    ]

    def __init__(self, last: Any, earlier: int) -> None:
        super().__init__()
        self.last = last
        self.earlier = earlier

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="last-session"):
            yield Static(
                f"Last session of this client ({self.earlier} earlier in the course)",
                classes="last-title",
            )
            yield Static(last_session_text(self.last), id="last-session-text")
            yield Static(
                "For reference only: nothing here is entered in this session. "
                "Enter: go on to the pre-session checks.",
                classes="last-hint",
            )

    def on_mount(self) -> None:
        self.query_one("#last-session").focus()

    def action_close(self) -> None:
        self.dismiss(None)


def earlier_sessions(data_dir: Any, session: Any) -> list[Any]:
    """The client's closed real sessions that started before `session` (oldest first)."""
    started = session.state.started
    if started is None or started.training:
        return []
    from kap_console.integration.course import client_course

    course = client_course(data_dir, started.client_code)
    return [s for s in course.before(started.observed_at) if s.session_dir != session.session_dir]


def offer_last_session(app: Any, session: Any) -> None:
    """After a new session started: remember its client's last session and show the panel."""
    try:
        earlier = earlier_sessions(app.data_dir, session)
    except OSError:
        earlier = []
    app.last_session = earlier[-1] if earlier else None
    if earlier:
        app.push_screen(LastSessionScreen(earlier[-1], len(earlier)))


def last_dose_reference(app: Any) -> Iterator[Widget]:
    """For the dose screen: the last session's dose as one line (nothing if none)."""
    last = getattr(app, "last_session", None)
    if last is None or not last.doses:
        return
    doses = "; ".join(d.text for d in last.doses)
    yield Static(
        f"Last session (#{last.session_number}, {last.started_at:%Y-%m-%d}): {doses}"
        " (for reference; not entered)",
        id="last-dose",
        classes="hint",
    )
