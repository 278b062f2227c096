"""Times as the facilitator reads them: on the wall clock of the room (local time).

Every time a message or a screen shows goes through here, so "acknowledged at 18:29" agrees
with the clock on the wall, whatever zone the machine's UTC timestamps were stored in. The
journal and the record keep UTC with its offset; only what is shown is local.
"""

from __future__ import annotations

from datetime import datetime


def local_time(when: datetime | None, *, seconds: bool = False, missing: str = "?") -> str:
    """`14:05` (or `14:05:09`) in local time; `missing` when there is no time."""
    if when is None:
        return missing
    return when.astimezone().strftime("%H:%M:%S" if seconds else "%H:%M")


def local_date_time(when: datetime | None, *, missing: str = "?") -> str:
    """`2026-03-02 14:05` in local time, with the zone's name (`JST`, `CET`...)."""
    if when is None:
        return missing
    local = when.astimezone()
    return f"{local:%Y-%m-%d %H:%M} {local.tzname() or ''}".rstrip()
