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

This module is the session's state API, and every name of it can be imported from here. The
parts live in their own modules: the entries (entries.py), the read-only state (snapshot.py),
the builder (state_builder.py), corrections (amendments.py) and the checks before journaling
(validation.py, with dosing.py and entry_checks.py).
"""

from __future__ import annotations

from collections.abc import Iterable

from kap_console.protocol.models import Protocol

from . import events as ev
from .amendments import FIXED_FIELDS, NOT_AMENDABLE, NOT_VOIDABLE, same_value, validate_amendment
from .entries import (
    ENTRY_NAMES,
    AdverseEvent,
    Alert,
    Amendment,
    ChecklistAnswer,
    E,
    Entry,
    Ineffective,
    Intention,
    MeasureValue,
    Observation,
    Void,
    entry_name,
)
from .entry_checks import check_value
from .snapshot import RECOVERY_PHASE, STAGES, SessionState, Stage
from .state_builder import StateBuilder
from .validation import validate_event

__all__ = [
    "ENTRY_NAMES",
    "FIXED_FIELDS",
    "NOT_AMENDABLE",
    "NOT_VOIDABLE",
    "RECOVERY_PHASE",
    "STAGES",
    "AdverseEvent",
    "Alert",
    "Amendment",
    "ChecklistAnswer",
    "E",
    "Entry",
    "Ineffective",
    "Intention",
    "MeasureValue",
    "Observation",
    "SessionState",
    "Stage",
    "StateBuilder",
    "Void",
    "check_value",
    "entry_name",
    "fold",
    "same_value",
    "validate_amendment",
    "validate_event",
]


def fold(protocol: Protocol, entries: Iterable[tuple[int, ev.EventBase]]) -> SessionState:
    """The state after every (seq, event) in `entries`, in order. Pure: same input, same state."""
    builder = StateBuilder(protocol)
    for seq, event in entries:
        builder.apply(seq, event)
    return builder.snapshot()
