"""Reading the "observed at" a facilitator types for a late entry.

Accepted forms (case and spaces do not matter):
  ""  or "now"            the current time
  "-3m", "-90s", "-1h30m"  that long ago (also "-3", "-3 min", "3m ago", "-2 hours")
  "14:05" or "14:05:30"    that local wall time today (yesterday when that is later than now
                           and yesterday's is less than 12 hours ago: a session past midnight)

Pure: the caller passes the current time, so tests and a simulated clock give exact answers.
The result is timezone-aware, in the time zone of `now`.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta, tzinfo

FORMS_HINT = 'use "now", "-3m", "-90s" or a time like "14:05"'

_UNIT_SECONDS = {
    "h": 3600,
    "hr": 3600,
    "hrs": 3600,
    "hour": 3600,
    "hours": 3600,
    "m": 60,
    "min": 60,
    "mins": 60,
    "minute": 60,
    "minutes": 60,
    "s": 1,
    "sec": 1,
    "secs": 1,
    "second": 1,
    "seconds": 1,
}
_PART = re.compile(r"(\d+)\s*([a-z]+)")
_AGO = re.compile(r"^-\s*(?P<parts>.+?)$|^(?P<ago>.+?)\s*ago$")
_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?$")
# A past wall time is taken from yesterday only within this span (a session past midnight).
_YESTERDAY_SPAN = timedelta(hours=12)


class TimeParseError(ValueError):
    """The text is not a time this parser reads; the message says what to type instead."""


def _duration(text: str) -> timedelta | None:
    """`3m`, `1h30m`, `90 s`, `2 hours 5 min` as a duration; None when it is not one."""
    compact = text.strip()
    if not compact:
        return None
    if compact.isdigit():  # a bare number is minutes: "-3"
        return timedelta(minutes=int(compact))
    seconds = 0
    position = 0
    for match in _PART.finditer(compact):
        if compact[position : match.start()].strip():
            return None
        unit = _UNIT_SECONDS.get(match.group(2))
        if unit is None:
            return None
        seconds += int(match.group(1)) * unit
        position = match.end()
    if position == 0 or compact[position:].strip():
        return None
    return timedelta(seconds=seconds)


def _local_wall_time(day: date, at: time, zone: tzinfo | None) -> datetime:
    if zone is not None:
        return datetime.combine(day, at, tzinfo=zone)
    # A naive time's astimezone() reads it as the system's local time (DST rules included).
    return datetime.combine(day, at).astimezone()


def parse_observed_at(
    text: str,
    now: datetime,
    *,
    zone: tzinfo | None = None,
    not_before: datetime | None = None,
) -> datetime:
    """The moment `text` names, relative to `now` (aware). Never later than `now`.

    `zone` is the local time zone for wall times like "14:05" (default: the system's).
    `not_before`, when given, rejects times before it (e.g. before the session started).
    Raises TimeParseError with a message a facilitator can act on.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    raw = text.strip().lower()
    if raw in ("", "now"):
        return now

    result: datetime | None = None
    relative = _AGO.match(raw)
    if relative is not None:
        parts = relative.group("parts") or relative.group("ago")
        span = _duration(parts)
        if span is None:
            raise TimeParseError(f'"{text.strip()}" is not a length of time: {FORMS_HINT}')
        result = now - span
    elif raw.startswith("+"):
        raise TimeParseError("an observation cannot be in the future: " + FORMS_HINT)
    else:
        clock = _CLOCK.match(raw)
        if clock is None:
            raise TimeParseError(f'"{text.strip()}" is not a time: {FORMS_HINT}')
        hour, minute, second = int(clock.group(1)), int(clock.group(2)), int(clock.group(3) or 0)
        if hour > 23 or minute > 59 or second > 59:
            raise TimeParseError(f'"{text.strip()}" is not a time of day (00:00 to 23:59)')
        local_now = now.astimezone(zone) if zone is not None else now.astimezone()
        candidate = _local_wall_time(local_now.date(), time(hour, minute, second), zone)
        if candidate > now:
            yesterday = _local_wall_time(
                local_now.date() - timedelta(days=1), time(hour, minute, second), zone
            )
            if now - yesterday > _YESTERDAY_SPAN:
                raise TimeParseError(
                    f"{hour:02d}:{minute:02d} is later than now "
                    f"({local_now:%H:%M}): an observation cannot be in the future"
                )
            candidate = yesterday
        result = candidate.astimezone(now.tzinfo)

    if not_before is not None and result < not_before:
        raise TimeParseError(
            f"that is before the session started ({not_before.astimezone(zone):%H:%M})"
        )
    return result


def describe_delay(observed_at: datetime, now: datetime) -> str:
    """How long before `now` an observation was made, in words ("3 min 20 s ago")."""
    seconds = int(round((now - observed_at).total_seconds()))
    if seconds <= 0:
        return "now"
    minutes, secs = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    parts = []
    if hours:
        parts.append(f"{hours} h")
    if minutes:
        parts.append(f"{minutes} min")
    if secs and not hours:
        parts.append(f"{secs} s")
    return " ".join(parts) + " ago"
