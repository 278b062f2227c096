"""The header strip: what a facilitator needs at a glance, on every screen of a session.

    KAP-0042 · Monitoring · Peak · Intramuscular ket… 1.0.0     ┏━┓┏━┓   ┏━┓╺━┓
    Next: Early round due in 4 min                           T ╺╋╸┃ ┃┃ ┃ : ┃ ┃┏━┛ ...
    Stop word: pineapple · Touch: yes (hands)                    ┗━┛┗━┛   ┗━┛┗━╸
    acknowledged · SpO2 88 % still low · recheck in 03:00        ✓ Round saved · 14:05:09

Four lines: who, stage, phase and protocol (its title gives way first); the next round
(its name gives way, never "due now" or "LATE by 05:14"); the consent strip on a line of its
own (the stop word and the touch answer are never cut); then, across the whole width, open
alerts, or an acknowledged alert whose value is still out of range, and at its right end
the receipt of the last entry saved (receipt.py). On the right the time
since the first dose in large digits (a one-line `T+hh:mm:ss` below 72 columns). Every word
comes from the session: nothing here decides what is due, late or alarming; the core does,
and the header says it in words and colour.

The app ticks once a second; a tick recomputes elapsed time, the countdown and any recheck
countdown from the clock (never by counting ticks) and redraws lines without a layout pass.
The round's countdown is in whole minutes until its final minute ("due in 4 min", then
"due in 00:42"), so left idle only the clock moves every second; the screens below name the
round and when it falls due, and leave the countdown to this line.
"""

from __future__ import annotations

import time
from typing import Any

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.widget import Widget
from textual.widgets import Digits, Static

from kap_console.session import format_elapsed, format_span
from kap_console.tui.textual_patches import is_closing
from kap_console.tui.widgets.elapsed_clock import ElapsedClock
from kap_console.tui.widgets.redraw import update_if_changed

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


def schedule_line(view: Any, width: int = 200) -> Content:
    """The next round in words, styled by its status: due in the warning colour, late
    reversed. The status ("due now", "LATE by 05:14", "due in 4 min") is never cut: the
    round's name gives way first."""
    slot = view.next_due
    status = getattr(slot, "status", None)
    style = {"late": "bold reverse $warning", "due": "bold $warning"}.get(status or "", "")
    if slot is None:
        return Content.assemble((fit(view.sentence, width), style))
    name = slot.name
    sentence = view.sentence
    said = sentence[len(name) + 1 :] if sentence.startswith(f"{name} ") else sentence
    for lead in ("Next: ", ""):
        room = width - len(lead) - len(said) - 1
        if room >= min(len(name), 6):
            return Content.assemble((f"{lead}{fit(name, room)} ", style), (said, style))
    return Content.assemble((said, style))


def next_round_words(view: Any) -> str:
    """The next round as the screens below the header name it: which round and when it
    falls due ("Next: Early round at T+30"), or that it is due now or late, without a
    second countdown (this header's line counts down, and says by how much it is late)."""
    slot = view.next_due
    if slot is None or slot.status == "due":
        return view.sentence
    if slot.status == "late":
        more = f" (+{len(view.waiting) - 1} more due)" if len(view.waiting) > 1 else ""
        return f"{slot.name} ({slot.when}) is LATE{more}"
    return f"Next: {slot.name} at {slot.when}"


def _alert_variants(alerts: list[Any], standing: list[Any], state: Any, now: Any) -> list:
    """What the alerts part may say, longest first; each (text, style)."""
    if alerts:
        top = alerts[0]
        level = top.level.upper()
        style = ALERT_STYLE.get(top.level, "bold")
        head = (
            f"{len(alerts)} {level} alert"
            if len(alerts) == 1
            else f"{len(alerts)} alerts, top {level}"
        )
        from kap_console.session import correction_words

        corrected = correction_words(state, top)
        variants = [f"{head} · {corrected}"] if corrected else []
        variants += [head, f"{len(alerts)} {level}"]
        return [(text, style) for text in variants]
    if standing:
        first = standing[0]
        left = first.recheck_left(now) if now is not None else None
        if left is None:
            recheck, short = "recheck", "recheck"
        elif left.total_seconds() > 0:
            recheck, short = f"recheck in {format_span(left)}", format_span(left)
        else:
            recheck = short = f"RECHECK due {format_span(left)} ago"
        style = "bold $warning"
        words = first.words
        low = words.replace(" still ", " ")
        return [
            (f"acknowledged · {words} · {recheck}", style),
            (f"ack'd · {words} · {short}", style),
            (f"ack'd · {low} · {short}", style),
            (f"{low} · {short}", style),
            (low, style),
        ]
    return [("Alerts: none", "$foreground-muted"), ("no alerts", "$foreground-muted")]


def consent_variants(state: Any, protocol: Any) -> list[list[tuple[str, str] | str]]:
    """The consent strip, longest first. The stop word and the touch answer are in every
    variant whole; only the labels shorten and where touch is agreed gives way."""
    consent = state.consent.event if state.consent is not None else None
    variants = []
    for stop_label, touch_label, where_room in (
        ("Stop word: ", "Touch: ", 60),
        ("Stop word: ", "Touch: ", 12),
        ("Stop: ", "Touch: ", 8),
        ("Stop: ", "Touch: ", 0),
    ):
        parts: list[tuple[str, str] | str] = []
        if protocol.consent.stop_word:
            if consent is not None and consent.stop_word:
                parts += [SEP, stop_label, (consent.stop_word, "bold")]
            else:
                parts += [SEP, (f"{stop_label}not set", "$foreground-muted")]
        if protocol.consent.touch:
            if consent is None or consent.touch is None:
                parts += [SEP, (f"{touch_label}not agreed", "$foreground-muted")]
            elif consent.touch:
                where = fit(consent.touch_where or "", where_room)
                parts += [SEP, f"{touch_label}yes" + (f" ({where})" if where else "")]
            else:
                parts += [SEP, (f"{touch_label}NO", "bold")]
        variants.append(parts)
    return variants


def consent_line(state: Any, protocol: Any, width: int = 200) -> Content:
    """The stop word and touch consent, on a line of their own: never cut (the labels
    shorten and where touch is agreed gives way)."""
    variants = consent_variants(state, protocol)
    for parts in variants:
        if Content.assemble(*parts[1:]).cell_length <= width:
            return Content.assemble(*parts[1:])
    return Content.assemble(*variants[-1][1:])


def alerts_line(
    state: Any,
    protocol: Any,
    alerts: list[Any],
    standing: list[Any] | None = None,
    now: Any = None,
    width: int = 200,
    receipt: list[tuple[str, str]] | None = None,
) -> Content:
    """Open alerts, or one acknowledged but still out of range, in the longest words that
    fit; at the right end, the receipt of the last entry saved (`receipt`: its variants,
    longest first). The alerts come first: they take their longest words that leave room
    for the receipt's shortest, and the receipt gives way only when nothing else fits."""
    options = _alert_variants(alerts, standing or [], state, now)
    for text, style in options:
        for said, said_style in receipt or ():
            gap = width - len(text) - len(said)
            if gap >= 2:
                return Content.assemble((text, style), " " * gap, (said, said_style))
    for text, style in options:
        if len(text) <= width:
            return Content.assemble((text, style))
    text, style = options[-1]
    return Content.assemble((fit(text, width), style))


class SessionHeader(Widget):
    """The session's header strip (docked top, four lines: three beside the clock, then the
    alerts across the whole width)."""

    DEFAULT_CSS = """
    SessionHeader {
        dock: top;
        height: 4;
        layout: vertical;
        background: $panel;
        color: $foreground;
    }
    SessionHeader #header-top {
        height: 3;
        width: 1fr;
    }
    SessionHeader #header-alerts {
        padding: 0 1;
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
    SessionHeader #clock-digits {
        width: auto;
        padding: 0 1 0 0;
        color: $primary;
    }
    SessionHeader #clock-text {
        width: auto;
        height: 3;
        padding: 1 1 0 0;
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
    SessionHeader.-narrow #clock-digits, SessionHeader.-not-dosed #clock-digits {
        display: none;
    }
    """

    def compose(self) -> ComposeResult:
        with Horizontal(id="header-top"):
            with Vertical(id="header-lines"):
                yield Static("", id="header-identity", classes="header-line", markup=False)
                yield Static("", id="header-next", classes="header-line", markup=False)
                yield Static("", id="header-consent", classes="header-line", markup=False)
            # The clock sits in the top row itself, one widget with its "T", not in a
            # container of its own: each second the compositor redraws the clock's region,
            # and with it every widget whose container overlaps it.
            yield ElapsedClock("", id="clock-digits")
            yield Static("", id="clock-text", markup=False)
        yield Static("", id="header-alerts", classes="header-line", markup=False)

    def on_mount(self) -> None:
        # Looked up once: the tick redraws these every second.
        self._lines = {
            name: self.query_one(f"#{name}", Static)
            for name in ("header-identity", "header-next", "header-consent", "header-alerts")
        }
        self._clock_text = self.query_one("#clock-text", Static)
        self._digits = self.query_one("#clock-digits", Digits)
        self.refresh_from_session()

    def on_resize(self) -> None:
        self.set_class(self.size.width < NARROW, "-narrow")
        session = self._session
        if session is not None:
            self.show_clock(session)  # the form now shown is current in the same frame
        self.call_after_refresh(self.refresh_from_session)

    @property
    def _session(self) -> Any:
        """The session to show, or None (none yet, or this header is not composed or is
        being removed with its screen)."""
        if not self.is_attached or is_closing(self) or not hasattr(self, "_clock_text"):
            return None
        return getattr(self.app, "session", None)

    def refresh_from_session(self) -> None:
        """Redraw every line (after a commit, a resume, or a theme change)."""
        session = self._session
        if session is None:
            return
        state = session.state
        identity = self._lines["header-identity"]
        update_if_changed(
            identity,
            identity_line(
                state,
                session.protocol,
                identity.content_size.width or 200,
                badge=getattr(self.app, "header_badge", None),
            ),
        )
        consent = self._lines["header-consent"]
        update_if_changed(
            consent, consent_line(state, session.protocol, consent.content_size.width or 200)
        )
        self.tick()

    def tick(self, view: Any = None) -> None:
        """Recompute the clock, the next-round line and the alerts line from the clock, and
        redraw those that changed (no layout). Elapsed time is the clock's, never a count
        of ticks. `view`: the round slots at this tick, when the screen has them already
        (computed once per tick for the header and the screen alike)."""
        session = self._session
        if session is None:
            return
        self.show_clock(session)
        line = self._lines["header-next"]
        if view is None:
            view = session.round_slots()
        update_if_changed(line, schedule_line(view, line.content_size.width or 200))
        self.show_alerts(session)

    def show_clock(self, session: Any) -> None:
        """The time since the dose, in whichever of its two forms is shown: the large
        digits, or one line when narrow or not dosed. The hidden one is left alone (each
        redraw is a message and a compositor pass), and brought up to date when it shows."""
        elapsed = session.elapsed_since_dose()
        self.set_class(elapsed is None, "-not-dosed")
        text = clock_text(elapsed)
        if elapsed is None or self.has_class("-narrow"):
            update_if_changed(self._clock_text, text)
        else:
            value = text[1:]  # the clock draws its "T" itself, apart from the digits
            if self._digits.value != value:
                self._digits.update(value)

    def show_alerts(self, session: Any) -> None:
        """The alerts line and the receipt of the last entry saved (a recheck countdown
        runs in it, and the receipt dims after a while, so on every tick)."""
        from kap_console.session import standing_alerts

        line = self._lines["header-alerts"]
        state = session.state
        receipt = getattr(self.app, "receipt", None)
        if session.save_error is not None or session.unsaved:
            receipt = None  # while an entry is held unsaved, no "saved" beside NOT SAVED
        update_if_changed(
            line,
            alerts_line(
                state,
                session.protocol,
                list(session.open_alerts()),
                standing_alerts(session.protocol, state),
                session.clock.now(),
                line.content_size.width or 200,
                receipt.variants(time.monotonic()) if receipt is not None else None,
            ),
        )
