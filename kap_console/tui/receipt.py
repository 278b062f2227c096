"""Saying that an entry is saved, where the facilitator is already looking.

When a form's entry is on disk (fsync'd: `app.commit` has returned), the screen says so in
the session header's bottom line, at its right end, with the time it was saved:

    Alerts: none                                        ✓ Note saved · 14:05:09

The header is on every screen of a session and stays in sight above a form, so the words
are where a glance goes; they change in place (no layout, no pop-up over the key strip) and
stay until the next entry, bright for RECENT_SECONDS and then muted. The time tells two
saves of the same kind apart. Errors and warnings are not receipts: they keep their own
notices.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from kap_console.session import local_time

RECENT_SECONDS = 10.0
RECENT_STYLE = "bold $success"
OLDER_STYLE = "$foreground-muted"
SHORTER = (40, 24)  # the words cut to these lengths, before the time alone


@dataclass(frozen=True, slots=True)
class Receipt:
    """What was last saved, and when: `at` on the session's clock (shown in local time),
    `shown` on the real monotonic clock (how long it has been in sight)."""

    words: str
    at: datetime
    shown: float

    def variants(self, now: float) -> list[tuple[str, str]]:
        """What the receipt may say, longest first, each (text, style). Every variant
        has the check mark; the time goes only when nothing else fits."""
        style = RECENT_STYLE if now - self.shown < RECENT_SECONDS else OLDER_STYLE
        time = local_time(self.at, seconds=True)
        texts = [f"✓ {cut(self.words, room)} · {time}" for room in (None, *SHORTER)]
        texts += [f"✓ saved {time}", "✓ saved"]
        return [(text, style) for index, text in enumerate(texts) if text not in texts[:index]]


def cut(words: str, room: int | None) -> str:
    """`words` in at most `room` characters, cut at a word with an ellipsis."""
    if room is None or len(words) <= room:
        return words
    kept = words[: room - 1]
    if " " in kept:
        kept = kept.rsplit(" ", 1)[0]
    return kept.rstrip(" :·,;") + "…"
