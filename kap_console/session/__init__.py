"""The session engine, in rooms (no Textual here):

- `events`, `clock`, `storage`, `scales`, `errors`, `verdicts`, `pinning`: the ground floor;
- `journal/`: the durable, hash-chained log;
- `state/`: what a session holds, and the pure fold that builds it;
- `rules/`: what the protocol says about that state (schedule, alerts, dosing, discharge);
- `record/`: the TOML record built from the journal at close;
- `engine`, `catalog`: a running session, and the sessions on disk; below them `opening`
  (a new session's folder and journal), `closing` (the record written at close) and `moves`
  (a session that continued in another folder).

Each room imports only rooms below it (tests/test_import_graph.py). This module is the one
surface above them: the names the skin (`tui/`), `integration/` and `training/` use, resolved
lazily on first use (PEP 562) so that importing the package costs nothing at start-up. Inside
the engine, every name is imported from the module that defines it.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kap_console.session.catalog import SessionSummary, unfinished_sessions
    from kap_console.session.clock import (
        Clock,
        SimulatedClock,
        SystemClock,
        format_elapsed,
    )
    from kap_console.session.closing import CloseResult
    from kap_console.session.engine import Session
    from kap_console.session.errors import RejectedEntry, SaveError
    from kap_console.session.events import (
        CLIENT_CODE_PATTERN,
        Committed,
    )
    from kap_console.session.journal.errors import JournalError, JournalWriteError
    from kap_console.session.journal.format import SEGMENT_PATTERN
    from kap_console.session.journal.read import read_journal
    from kap_console.session.journal.writer import Journal
    from kap_console.session.pinning import PROTOCOL_COPY, ProtocolUnavailable, pinned_protocol
    from kap_console.session.record.build import build_record
    from kap_console.session.record.model import (
        RECORD_FORMAT,
        RECORD_NAME,
        Dose,
        ProtocolInfo,
        RecordAdverseEvent,
        RecordObservation,
        SessionRecord,
    )
    from kap_console.session.record.reading import RecordError, fingerprint, read_record
    from kap_console.session.record.verify import verify_record
    from kap_console.session.rules.alert_watch import (
        StandingAlert,
        correction_words,
        standing_alerts,
    )
    from kap_console.session.rules.alerts import Block, escalation
    from kap_console.session.rules.discharge import DischargeStatus
    from kap_console.session.rules.dosing import NextDose, next_dose
    from kap_console.session.rules.schedule import (
        RoundSlot,
        RoundSlots,
        RoundToOpen,
        format_countdown,
        format_span,
        round_slots,
    )
    from kap_console.session.scales import (
        PADSS_OPTIONAL,
        SCALE_NAMES,
        score,
    )
    from kap_console.session.state.corrections import (
        FIXED_FIELDS,
        NOT_AMENDABLE,
        NOT_VOIDABLE,
    )
    from kap_console.session.state.entries import AdverseEvent, Alert, Entry
    from kap_console.session.state.field_words import field_label, offered, value_words
    from kap_console.session.state.fold import fold
    from kap_console.session.state.snapshot import (
        RECOVERY_PHASE,
        STAGES,
        SessionState,
        Stage,
    )
    from kap_console.session.state.timeline import (
        SHORT_NAMES,
        SHOWN_UNITS,
        TimelineItem,
        format_value,
        format_values,
        measure_name,
        summarize,
    )
    from kap_console.session.storage import SessionLocked, write_private_atomic
    from kap_console.session.timefmt import local_time
    from kap_console.session.words import shorten

# Each name of the surface and the module that defines it.
HOMES: dict[str, str] = {
    "Clock": "clock",
    "SimulatedClock": "clock",
    "SystemClock": "clock",
    "format_elapsed": "clock",
    "Session": "engine",
    "RejectedEntry": "errors",
    "SaveError": "errors",
    "CLIENT_CODE_PATTERN": "events",
    "Committed": "events",
    "JournalError": "journal.errors",
    "read_journal": "journal.read",
    "fingerprint": "record.reading",
    "escalation": "rules.alerts",
    "format_countdown": "rules.schedule",
    "format_span": "rules.schedule",
    "RoundToOpen": "rules.schedule",
    "PADSS_OPTIONAL": "scales",
    "SCALE_NAMES": "scales",
    "score": "scales",
    "FIXED_FIELDS": "state.corrections",
    "NOT_AMENDABLE": "state.corrections",
    "NOT_VOIDABLE": "state.corrections",
    "RECOVERY_PHASE": "state.snapshot",
    "SessionState": "state.snapshot",
    "STAGES": "state.snapshot",
    "Stage": "state.snapshot",
    "format_values": "state.timeline",
    "measure_name": "state.timeline",
    "shorten": "words",
    "Block": "rules.alerts",
    "AdverseEvent": "state.entries",
    "Alert": "state.entries",
    "DischargeStatus": "rules.discharge",
    "RoundSlot": "rules.schedule",
    "RoundSlots": "rules.schedule",
    "SessionSummary": "catalog",
    "TimelineItem": "state.timeline",
    "Entry": "state.entries",
    "unfinished_sessions": "catalog",
    "CloseResult": "closing",
    "RECORD_NAME": "record.model",
    "RecordError": "record.reading",
    "SessionRecord": "record.model",
    "read_record": "record.reading",
    "RecordAdverseEvent": "record.model",
    "Dose": "record.model",
    "RecordObservation": "record.model",
    "ProtocolInfo": "record.model",
    "JournalWriteError": "journal.errors",
    "Journal": "journal.writer",
    "SessionLocked": "storage",
    "SEGMENT_PATTERN": "journal.format",
    "PROTOCOL_COPY": "pinning",
    "RECORD_FORMAT": "record.model",
    "verify_record": "record.verify",
    "ProtocolUnavailable": "pinning",
    "pinned_protocol": "pinning",
    "SHORT_NAMES": "state.timeline",
    "SHOWN_UNITS": "state.timeline",
    "build_record": "record.build",
    "fold": "state.fold",
    "round_slots": "rules.schedule",
    "write_private_atomic": "storage",
    "summarize": "state.timeline",
    "format_value": "state.timeline",
    "local_time": "timefmt",
    "correction_words": "rules.alert_watch",
    "standing_alerts": "rules.alert_watch",
    "StandingAlert": "rules.alert_watch",
    "next_dose": "rules.dosing",
    "NextDose": "rules.dosing",
    "field_label": "state.field_words",
    "offered": "state.field_words",
    "value_words": "state.field_words",
}


# What `from kap_console.session import *` and type checkers see as exported.
__all__ = [
    "AdverseEvent",
    "Alert",
    "Block",
    "CLIENT_CODE_PATTERN",
    "Clock",
    "CloseResult",
    "Committed",
    "DischargeStatus",
    "Dose",
    "Entry",
    "FIXED_FIELDS",
    "Journal",
    "JournalError",
    "JournalWriteError",
    "NOT_AMENDABLE",
    "NOT_VOIDABLE",
    "NextDose",
    "PADSS_OPTIONAL",
    "PROTOCOL_COPY",
    "ProtocolInfo",
    "ProtocolUnavailable",
    "RECORD_FORMAT",
    "RECORD_NAME",
    "RECOVERY_PHASE",
    "RecordAdverseEvent",
    "RecordError",
    "RecordObservation",
    "RejectedEntry",
    "RoundSlot",
    "RoundSlots",
    "RoundToOpen",
    "SCALE_NAMES",
    "SEGMENT_PATTERN",
    "SHORT_NAMES",
    "SHOWN_UNITS",
    "STAGES",
    "SaveError",
    "Session",
    "SessionLocked",
    "SessionRecord",
    "SessionState",
    "SessionSummary",
    "SimulatedClock",
    "Stage",
    "StandingAlert",
    "SystemClock",
    "TimelineItem",
    "build_record",
    "correction_words",
    "escalation",
    "field_label",
    "fingerprint",
    "fold",
    "format_countdown",
    "format_elapsed",
    "format_span",
    "format_value",
    "format_values",
    "local_time",
    "measure_name",
    "next_dose",
    "offered",
    "pinned_protocol",
    "read_journal",
    "read_record",
    "round_slots",
    "score",
    "shorten",
    "standing_alerts",
    "summarize",
    "unfinished_sessions",
    "value_words",
    "verify_record",
    "write_private_atomic",
]


def __getattr__(name: str) -> Any:
    home = HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f"{__name__}.{home}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *HOMES])
