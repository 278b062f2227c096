"""The header strip: what a facilitator needs at a glance, on every screen of a session.

    KAP-0042  Intramuscular ketamine KAP, 120 minutes (example) 1.0.0   ╺┓ ┏━┓ ┏━┓ ...
    Monitoring · Peak  ·  Next: Early round due in 04:12              T ╺╋╸┃ ┃ ...
    Alerts: 1 URGENT  ·  Touch: yes (hands)  ·  Stop word: pineapple       ...

Three lines at 80 columns: identity; stage, phase and the next round; open alerts and the
consent strip. On the right the time since the first dose in large digits (a one-line
`T+hh:mm:ss` below 72 columns). Every word comes from the session: nothing here decides
what is due, late or alarming; the core does, and the header says it in words and colour.

The app ticks once a second; a tick recomputes elapsed time and the countdown from the
clock (never by counting ticks) and redraws two lines without a layout pass.
"""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.widget import Widget
from textual.widgets import Digits, Static

from kap_console.session.clock import format_elapsed

NARROW = 72
STAGE_WORDS = {
    "pre_session": "Pre-session checks",
    "intentions": "Intentions",
    "dosing": "Dosing",
    "monitoring": "Monitoring",
    "recovery": "Recovery",
    "discharged": "Discharged",
    "closed": "Closed",
}
ALERT_STYLE = {
    "notice": "bold $accent",
    "warning": "bold $warning",
    "urgent": "bold reverse $error",
}
SEP = ("  ·  ", "$foreground-muted")


def clock_text(elapsed: float | None) -> str:
    """`T+00:12:34` since the first dose, or `not dosed` before it."""
    return "not dosed" if elapsed is None else format_elapsed(elapsed)


def identity_line(state: Any, protocol: Any) -> Content:
    parts: list[tuple[str, str] | str] = []
    if getattr(state, "training", False):
        parts += [(" TRAINING ", "bold reverse $warning"), " "]
    parts += [(state.client_code or "—", "bold"), "  ", f"{protocol.title} {protocol.version}"]
    return Content.assemble(*parts)


def phase_label(state: Any, protocol: Any) -> str | None:
    """The latest phase marked (not entered in error), by its label."""
    marked = [entry for entry in state.phases if not entry.voided]
    if not marked:
        return None
    event = marked[-1].event
    if event.label:
        return event.label
    labels = {phase.id: phase.label for phase in protocol.phases}
    return labels.get(event.phase_id, event.phase_id)


def schedule_part(view: Any) -> tuple[str, str]:
    """The next round in words, styled by its status (late in the warning colour)."""
    slot = view.next_due
    status = getattr(slot, "status", None)
    if status == "late":
        return f"Next: {view.sentence}", "bold reverse $warning"
    if status == "due":
        return f"Next: {view.sentence}", "bold $warning"
    return (f"Next: {view.sentence}" if slot is not None else view.sentence), ""


def stage_line(state: Any, protocol: Any, view: Any) -> Content:
    stage = STAGE_WORDS.get(state.stage, state.stage)
    phase = phase_label(state, protocol)
    parts: list[tuple[str, str] | str] = [(stage, "bold")]
    if phase:
        parts += [" · ", phase]
    parts += [SEP, schedule_part(view)]
    return Content.assemble(*parts)


def alerts_part(alerts: list[Any]) -> tuple[str, str]:
    if not alerts:
        return "No open alerts", "$foreground-muted"
    top = alerts[0].level
    return f"Alerts: {len(alerts)} open, top {top.upper()}", ALERT_STYLE.get(top, "bold")


def consent_parts(state: Any, protocol: Any) -> list[tuple[str, str] | str]:
    consent = state.consent.event if state.consent is not None else None
    parts: list[tuple[str, str] | str] = []
    if protocol.consent.touch:
        if consent is None or consent.touch is None:
            parts += [SEP, ("Touch: not agreed", "$foreground-muted")]
        elif consent.touch:
            where = f" ({consent.touch_where})" if consent.touch_where else ""
            parts += [SEP, f"Touch: yes{where}"]
        else:
            parts += [SEP, ("Touch: NO", "bold")]
    if protocol.consent.stop_word:
        if consent is not None and consent.stop_word:
            parts += [SEP, "Stop word: ", (consent.stop_word, "bold")]
        else:
            parts += [SEP, ("Stop word: not set", "$foreground-muted")]
    return parts


def alerts_line(state: Any, protocol: Any, alerts: list[Any]) -> Content:
    return Content.assemble(alerts_part(alerts), *consent_parts(state, protocol))


class SessionHeader(Widget):
    """The session's header strip (docked top, three lines)."""

    DEFAULT_CSS = """
    SessionHeader {
        dock: top;
        height: 3;
        layout: horizontal;
        background: $panel;
        color: $foreground;
    }
    SessionHeader #header-lines {
        width: 1fr;
        height: 3;
        padding: 0 1;
    }
    SessionHeader .header-line {
        height: 1;
        width: 1fr;
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    SessionHeader #header-clock {
        width: auto;
        height: 3;
        padding: 0 1 0 0;
    }
    SessionHeader #clock-t {
        width: 2;
        height: 3;
        padding: 1 0 0 0;
        color: $foreground-muted;
    }
    SessionHeader #clock-digits {
        width: auto;
        color: $primary;
    }
    SessionHeader #clock-text {
        width: auto;
        height: 3;
        padding: 1 0 0 0;
        text-style: bold;
        color: $primary;
        display: none;
    }
    SessionHeader.-not-dosed #clock-text {
        color: $foreground-muted;
        text-style: none;
    }
    SessionHeader.-narrow #clock-text, SessionHeader.-not-dosed #clock-text {
        display: block;
    }
    SessionHeader.-narrow #clock-digits, SessionHeader.-not-dosed #clock-digits,
    SessionHeader.-narrow #clock-t, SessionHeader.-not-dosed #clock-t {
        display: none;
    }
    """

    def compose(self) -> ComposeResult:
        with Vertical(id="header-lines"):
            yield Static("", id="header-identity", classes="header-line", markup=False)
            yield Static("", id="header-stage", classes="header-line", markup=False)
            yield Static("", id="header-alerts", classes="header-line", markup=False)
        with Horizontal(id="header-clock"):
            yield Static("\nT", id="clock-t", markup=False)
            yield Digits("", id="clock-digits")
            yield Static("", id="clock-text", markup=False)

    def on_mount(self) -> None:
        self.refresh_from_session()

    def on_resize(self) -> None:
        self.set_class(self.size.width < NARROW, "-narrow")

    @property
    def _session(self) -> Any:
        return getattr(self.app, "session", None)

    def refresh_from_session(self) -> None:
        """Redraw every line (after a commit, a resume, or a theme change)."""
        session = self._session
        if session is None:
            return
        state = session.state
        self.query_one("#header-identity", Static).update(
            identity_line(state, session.protocol), layout=False
        )
        self.query_one("#header-alerts", Static).update(
            alerts_line(state, session.protocol, list(session.open_alerts())), layout=False
        )
        self.tick()

    def tick(self) -> None:
        """Redraw the clock and the next-round line from the clock (no layout)."""
        session = self._session
        if session is None:
            return
        elapsed = session.elapsed_since_dose()
        self.set_class(elapsed is None, "-not-dosed")
        text = clock_text(elapsed)
        self.query_one("#clock-text", Static).update(text, layout=False)
        if elapsed is not None:
            digits = self.query_one("#clock-digits", Digits)
            value = text[1:]  # Digits has no "T": it is drawn beside them
            if digits.value != value:
                digits.update(value)
        self.query_one("#header-stage", Static).update(
            stage_line(session.state, session.protocol, session.schedule()), layout=False
        )
