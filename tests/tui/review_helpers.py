"""Closed sessions for the review and course tests, built once by the engine and copied."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

from kap_console.session.clock import SimulatedClock

THERAPIST = "A. Therapist"
REVIEW_AT = datetime(2026, 3, 9, 10, 0, tzinfo=UTC)


def review_clock() -> SimulatedClock:
    return SimulatedClock(REVIEW_AT, speed=0)


def copy_session(source: Path, data_dir: Path, name: str | None = None) -> Path:
    """A copy of the session folder `source` in `data_dir`'s sessions (same name by default)."""
    target = data_dir / "sessions" / (name or source.name)
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("ballast", "lock"))
    return target


def review_app(session_dir: Path, data_dir: Path, **kw):
    from kap_console.integration.reading import open_record
    from kap_console.tui.screens.review import ReviewScreen
    from kap_console.tui.screens.review_app import ReviewApp

    opened = open_record(session_dir)
    theme = kw.pop("theme", "night")
    return ReviewApp(
        lambda: ReviewScreen(
            opened, data_dir=data_dir, by=kw.get("by", THERAPIST), clock=review_clock()
        ),
        theme=theme,
        user_themes_dir=data_dir / "no-user-themes",
    )
