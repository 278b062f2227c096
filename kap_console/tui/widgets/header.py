"""The header strip: what a facilitator needs at a glance, on every screen of a session.

    KAP-0042 · Monitoring · Peak · Intramuscular ket… 1.0.0     ┏━┓┏━┓   ┏━┓╺━┓
    Next: Early round due in 04:12                           T ╺╋╸┃ ┃┃ ┃ : ┃ ┃┏━┛ ...
    Alerts: none · Stop word: pineapple · Touch: yes (hands)     ┗━┛┗━┛   ┗━┛┗━╸

Three lines at 80 columns: who, stage, phase and protocol (its title gives way first);
the next round; open alerts and the consent strip (stop word before touch, so it is never
the part cut off). On the right the time since the first dose in large digits (a one-line
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

from kap_console.session import format_elapsed
from kap_console.tui.textual_patches import is_closing

NARROW = 72
STAGE_WORDS = {
    "pre_session": "Pre-session checks",
    "intentions": "Intentions",
    "dosing": "Dosing",
    "monitoring": "Monitoring",
    "discharge": "Recovery",
    "discharged": "Discharged",
    "closed": "Closed",
}
ALERT_STYLE = {
    "notice": "bold $accent",
    "warning": "bold $warning",
    "urgent": "bold reverse $error",
}
SEP = (" · ", "$foreground-muted")


def clock_text(elapsed: float | None) -> str:
    """`T+00:12:34` since the first dose, or `not dosed` before it."""
    return "not dosed" if elapsed is None else format_elapsed(elapsed)


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


def fit(text: str, room: int) -> str:
    """`text` cut to `room` characters with an ellipsis (nothing when there is no room)."""
    if len(text) <= room:
        return text
    return text[: room - 1] + "…" if room > 1 else ""


def identity_line(state: Any, protocol: Any, width: int = 200, badge: str | None = None) -> Content:
    """`KAP-0042 · Monitoring · Peak · <protocol title…> 1.0.0`: the title gives way first,
    the version stays (it says exactly which protocol runs). `badge` (practice: the
    scenario and the speed) takes the place of the TRAINING mark."""
    parts: list[tuple[str, str] | str] = []
    if badge:
        parts += [(f" {badge} ", "bold reverse $warning"), " "]
    elif getattr(state, "training", False):
        parts += [(" TRAINING ", "bold reverse $warning"), " "]
    parts += [
        (state.client_code or "—", "bold"),
        SEP,
        (STAGE_WORDS.get(state.stage, state.stage), "bold"),
    ]
    phase = phase_label(state, protocol)
    stage_words = STAGE_WORDS.get(state.stage, state.stage)
    if phase and phase.casefold() != stage_words.casefold():  # not "Recovery · Recovery"
        parts += [" · ", phase]
    used = Content.assemble(*parts).cell_length + len(SEP[0])
    version = f" {protocol.version}"
    title = fit(protocol.title, width - used - len(version))
    if title:
        parts += [SEP, (title, "$foreground-muted"), (version, "$foreground-muted")]
    return Content.assemble(*parts)


def schedule_line(view: Any) -> Content:
    """The next round in words, styled by its status: due in the warning colour, late
    reversed (and always the word LATE, from the core's sentence)."""
    slot = view.next_due
    status = getattr(slot, "status", None)
    text = f"Next: {view.sentence}" if slot is not None else view.sentence
    style = {"late": "bold reverse $warning", "due": "bold $warning"}.get(status or "", "")
    return Content.assemble((text, style))


def alerts_part(alerts: list[Any]) -> tuple[str, str]:
    if not alerts:
        return "Alerts: none", "$foreground-muted"
    top = alerts[0].level
    text = (
        f"{len(alerts)} {top.upper()} alert"
        if len(alerts) == 1
        else (f"{len(alerts)} alerts, top {top.upper()}")
    )
    return text, ALERT_STYLE.get(top, "bold")


def consent_parts(state: Any, protocol: Any) -> list[tuple[str, str] | str]:
    """The stop word first (it must never be cut off), then touch consent."""
    consent = state.consent.event if state.consent is not None else None
    parts: list[tuple[str, str] | str] = []
    if protocol.consent.stop_word:
        if consent is not None and consent.stop_word:
            parts += [SEP, "Stop word: ", (consent.stop_word, "bold")]
        else:
            parts += [SEP, ("Stop word: not set", "$foreground-muted")]
    if protocol.consent.touch:
        if consent is None or consent.touch is None:
            parts += [SEP, ("Touch: not agreed", "$foreground-muted")]
        elif consent.touch:
            where = f" ({consent.touch_where})" if consent.touch_where else ""
            parts += [SEP, f"Touch: yes{where}"]
        else:
            parts += [SEP, ("Touch: NO", "bold")]
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
            yield Static("", id="header-next", classes="header-line", markup=False)
            yield Static("", id="header-alerts", classes="header-line", markup=False)
        with Horizontal(id="header-clock"):
            yield Static("T", id="clock-t", markup=False)
            yield Digits("", id="clock-digits")
            yield Static("", id="clock-text", markup=False)

    def on_mount(self) -> None:
        self.refresh_from_session()

    def on_resize(self) -> None:
        self.set_class(self.size.width < NARROW, "-narrow")
        self.call_after_refresh(self.refresh_from_session)

    @property
    def _session(self) -> Any:
        """The session to show, or None (none yet, or this header is not composed or is
        being removed with its screen)."""
        if not self.is_attached or is_closing(self) or not self.query("#clock-text"):
            return None
        return getattr(self.app, "session", None)

    def refresh_from_session(self) -> None:
        """Redraw every line (after a commit, a resume, or a theme change)."""
        session = self._session
        if session is None:
            return
        state = session.state
        identity = self.query_one("#header-identity", Static)
        identity.update(
            identity_line(
                state,
                session.protocol,
                identity.content_size.width or 200,
                badge=getattr(self.app, "header_badge", None),
            ),
            layout=False,
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
        self.query_one("#header-next", Static).update(
            schedule_line(session.round_slots()), layout=False
        )
