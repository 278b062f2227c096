"""Corrections: whether an amendment or an entered-in-error mark can apply, and to what.

Corrections never edit an event. An `Amended` event names a target seq and a dotted field path
("values.sbp", "text", "severity") with the value it had (`old`) and the value it should have
(`new`); `check_amendment` gives the target's new effective event, or why there is none. A
`Voided` event marks its target "entered in error" (`check_void`). The fold and the checks
before journaling call the same functions, so they never disagree about a correction.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from kap_console.protocol.models import Protocol
from kap_console.session import events as ev
from kap_console.session.state.content import check_content
from kap_console.session.state.entries import Entry, entry_name
from kap_console.session.verdicts import Rejection

# Entries about the console itself, or about other entries: correct them with a new entry.
NOT_AMENDABLE = frozenset(
    {
        "amended",
        "voided",
        "alert_raised",
        "session_closed",
        "record_written",
        "resumed",
        "segment_opened",
    }
)
NOT_VOIDABLE = NOT_AMENDABLE | {"session_started"}
# Stamped by the console, or links between entries: changing them would rewrite the audit trail.
FIXED_FIELDS = frozenset(
    {
        "type",
        "recorded_at",
        "recorded_by",
        "target_seq",
        "alert_seq",
        "revises_seq",
        "source_seq",
        "session_id",
        "protocol",
        "app_version",
    }
)


def _get_path(data: Any, path: list[str]) -> Any:
    for part in path:
        if isinstance(data, dict):
            if part not in data:
                raise KeyError(part)
            data = data[part]
        elif isinstance(data, list):
            if not part.isdigit() or int(part) >= len(data):
                raise KeyError(part)
            data = data[int(part)]
        else:
            raise KeyError(part)
    return data


def _set_path(data: Any, path: list[str], value: Any) -> None:
    for part in path[:-1]:
        data = data[int(part)] if isinstance(data, list) else data[part]
    last = path[-1]
    if isinstance(data, list):
        data[int(last)] = value
    else:
        data[last] = value


def _parse_time(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            return None
    return None


def same_value(current: Any, other: Any) -> bool:
    """Whether `other` (as typed, or as it came back from JSON) is the value `current`.

    Numbers compare by value (128 == 128.0) but a yes/no never equals a number, and times
    compare as instants whatever their spelling.
    """
    if isinstance(current, bool) or isinstance(other, bool):
        return isinstance(current, bool) and isinstance(other, bool) and current == other
    if isinstance(current, int | float) and isinstance(other, int | float):
        return float(current) == float(other)
    if isinstance(current, datetime):
        parsed = _parse_time(other)
        if parsed is None or parsed.tzinfo is None:
            return False
        return parsed == current
    if isinstance(current, list | tuple) and isinstance(other, list | tuple):
        return len(current) == len(other) and all(map(same_value, current, other))
    if isinstance(current, dict) and isinstance(other, dict):
        return current.keys() == other.keys() and all(
            same_value(current[k], other[k]) for k in current
        )
    return bool(current == other)


def check_amendment(
    protocol: Protocol, lookup: Callable[[int], Entry[Any] | None], amended: ev.Amended
) -> tuple[Rejection | None, ev.EventBase | None]:
    """(error, None) when `amended` cannot apply, else (None, the target's new effective event)."""
    target = lookup(amended.target_seq)
    if target is None:
        return Rejection("target_seq", f"there is no entry #{amended.target_seq} to amend"), None
    if target.kind in NOT_AMENDABLE:
        return Rejection("target_seq", f"{entry_name(target.kind)} cannot be amended"), None
    if target.voided:
        return (
            Rejection(
                "target_seq",
                f"entry #{amended.target_seq} was marked entered in error and cannot be amended",
            ),
            None,
        )
    path = amended.field.split(".")
    event = target.event
    model = type(event)
    if path[0] in FIXED_FIELDS:
        return Rejection("field", f"'{path[0]}' is kept as recorded and cannot be amended"), None
    if path[0] not in model.model_fields:
        return Rejection("field", f"{entry_name(target.kind)} has no '{path[0]}'"), None
    data = event.model_dump()
    try:
        current = _get_path(data, path)
    except KeyError:
        return Rejection("field", f"entry #{amended.target_seq} has no '{amended.field}'"), None
    if not same_value(current, amended.old):
        return (
            Rejection(
                "old",
                f"is not the current value of {amended.field} of entry #{amended.target_seq} (it may have been corrected already)",
            ),
            None,
        )
    if same_value(current, amended.new):
        return Rejection(
            "new", f"{amended.field} of entry #{amended.target_seq} already has this value"
        ), None
    _set_path(data, path, amended.new)
    try:
        effective = model.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or amended.field
        return Rejection("new", f"{where}: {first['msg']}"), None
    problem = check_content(protocol, effective)
    if problem is not None:
        return Rejection("new", str(problem)), None
    return None, effective


def check_void(lookup: Callable[[int], Entry[Any] | None], voided: ev.Voided) -> Rejection | None:
    """Why `voided` cannot mark its target entered in error (None when it can)."""
    target = lookup(voided.target_seq)
    if target is None:
        return Rejection(
            "target_seq", f"there is no entry #{voided.target_seq} to mark entered in error"
        )
    if target.kind in NOT_VOIDABLE:
        return Rejection(
            "target_seq", f"{entry_name(target.kind)} cannot be marked entered in error"
        )
    if target.voided:
        return Rejection(
            "target_seq", f"entry #{voided.target_seq} is already marked entered in error"
        )
    return None
