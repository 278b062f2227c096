"""Time for a session: one interface, a system clock and a simulated one.

Elapsed time is always computed from the clock (T0 and now), never by counting ticks, so a
four-hour session cannot drift and a trainee can run at 10x speed on the same code path.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Protocol as Interface


class Clock(Interface):
    def now(self) -> datetime:
        """Wall time, timezone-aware (UTC)."""
        ...

    def monotonic(self) -> float:
        """Seconds on a clock that never goes backwards (for ordering and intervals)."""
        ...


class SystemClock:
    """The real clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def monotonic(self) -> float:
        return time.monotonic()


class SimulatedClock:
    """A clock for tests and training: settable start, speed, pause and step.

    Simulated time = start + speed x (real seconds elapsed while running) + stepped seconds.
    `speed=0` gives a frozen clock that moves only when stepped (what tests want).
    """

    def __init__(
        self,
        start: datetime | None = None,
        *,
        speed: float = 1.0,
        paused: bool = False,
        real_monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        if start is None:
            start = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)
        if start.tzinfo is None:
            raise ValueError("SimulatedClock needs a timezone-aware start")
        if speed < 0:
            raise ValueError("speed cannot be negative")
        self._lock = threading.Lock()
        self._real = real_monotonic
        self._start = start.astimezone(UTC)
        self._speed = speed
        self._paused = paused
        self._elapsed = 0.0  # simulated seconds banked before the current run
        self._anchor = self._real()

    def _simulated_seconds(self) -> float:
        if self._paused:
            return self._elapsed
        return self._elapsed + (self._real() - self._anchor) * self._speed

    def now(self) -> datetime:
        with self._lock:
            return self._start + timedelta(seconds=self._simulated_seconds())

    def monotonic(self) -> float:
        with self._lock:
            return self._simulated_seconds()

    @property
    def speed(self) -> float:
        return self._speed

    @property
    def paused(self) -> bool:
        return self._paused

    def _rebank(self) -> None:
        self._elapsed = self._simulated_seconds()
        self._anchor = self._real()

    def set_speed(self, speed: float) -> None:
        if speed < 0:
            raise ValueError("speed cannot be negative")
        with self._lock:
            self._rebank()
            self._speed = speed

    def pause(self) -> None:
        with self._lock:
            self._rebank()
            self._paused = True

    def resume(self) -> None:
        with self._lock:
            self._anchor = self._real()
            self._paused = False

    def advance(self, seconds: float) -> None:
        """Step simulated time forward (never backwards)."""
        if seconds < 0:
            raise ValueError("a clock only moves forward")
        with self._lock:
            self._elapsed += seconds

    def set(self, when: datetime) -> None:
        """Jump to a wall time at or after the current one."""
        with self._lock:
            target = (when.astimezone(UTC) - self._start).total_seconds()
            current = self._simulated_seconds()
            if target < current:
                raise ValueError("a clock only moves forward")
            self._elapsed += target - current


def elapsed_seconds(clock: Clock, since: datetime) -> float:
    """Seconds from `since` to now on `clock` (negative before `since`)."""
    return (clock.now() - since).total_seconds()


def format_elapsed(seconds: float) -> str:
    """`T+hh:mm:ss` for a count of seconds since T0 (`T-` before it)."""
    sign = "+" if seconds >= 0 else "-"
    whole = int(abs(seconds))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"T{sign}{hours:02d}:{minutes:02d}:{secs:02d}"
