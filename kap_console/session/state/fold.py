"""The session state: a pure fold of the journal's events.

`fold(protocol, entries)` turns (seq, event) pairs into a read-only `SessionState`. The engine
keeps a `StateBuilder` and applies each new event as it is journaled; `fold` is the same
builder run over a whole journal, so a resumed session replays to exactly the state it had.

Corrections never edit an event. An `Amended` event names a target seq and a dotted field path
("values.sbp", "text", "severity"); the state shows the effective value and keeps the history.
A `Voided` event marks its target "entered in error": it stays visible, flagged, and drops out
of every effective fact (a voided observation no longer satisfies its round, a voided adverse
event is not counted). Corrections that cannot apply (unknown target or field, a stale `old`
value) are kept as ineffective rather than raising: the journal is the truth, and replay must
never fail. `validate_amendment` and `validate_event` give the same verdicts to the engine
before anything is journaled.

The parts live in their own modules of this room: the entries (entries.py), the read-only
state (snapshot.py), the builder (builder.py), corrections (corrections.py) and an entry's own
content checks (content.py). The checks that depend on the rest of the session are rules
(`kap_console.session.rules.validation`).
"""

from __future__ import annotations

from collections.abc import Iterable

from kap_console.protocol.models import Protocol
from kap_console.session import events as ev
from kap_console.session.state.builder import StateBuilder
from kap_console.session.state.snapshot import SessionState


def fold(protocol: Protocol, entries: Iterable[tuple[int, ev.EventBase]]) -> SessionState:
    """The state after every (seq, event) in `entries`, in order. Pure: same input, same state."""
    builder = StateBuilder(protocol)
    for seq, event in entries:
        builder.apply(seq, event)
    return builder.snapshot()
