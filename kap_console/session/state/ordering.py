"""The time order the fold keeps as entries arrive and are corrected.

Entries are ordered by the moment they describe, then by seq. Nearly every entry is the latest
when it arrives, so keeping the order is nearly always an append; a late entry, or a corrected
time, costs a binary search. `TimelineOrder` keeps the timeline in that order, and
`MeasureReadings` keeps each measure's readings latest first, so the latest value still in
effect is cheap to find again when the reading that held it is corrected or voided.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections.abc import Mapping
from datetime import UTC, datetime
from heapq import heappop, heappush
from types import MappingProxyType
from typing import Any

from kap_console.session import events as ev
from kap_console.session.state.entries import Entry, MeasureValue, Observation
from kap_console.session.state.timeline import TimelineItem

# An entry with no time sorts first, as the earliest thing the session knows.
_EARLIEST = datetime.min.replace(tzinfo=UTC)
# Where an observation or an alert without a time sorts in the rules' orderings (as the epoch
# did when they sorted on timestamps, 0.0).
UNTIMED = datetime(1970, 1, 1, tzinfo=UTC)


def _order_key(at: datetime | None, seq: int) -> tuple[datetime, int]:
    # The time itself, not its timestamp: comparing two is cheap, converting each is not.
    return (at if at is not None else _EARLIEST, seq)


def _reading_key(at: datetime | None, seq: int) -> tuple[float, int]:
    # Latest first in a heap (smallest first): the negated time, then the negated seq.
    return (-at.timestamp() if at is not None else math.inf, -seq)


class TimelineOrder:
    """The timeline items in (observed time, seq) order."""

    def __init__(self) -> None:
        self._items: list[TimelineItem] = []
        self._keys: list[tuple[datetime, int]] = []
        self._key_of: dict[int, tuple[datetime, int]] = {}

    def add(self, item: TimelineItem) -> None:
        """A new item: nearly always the latest, so nearly always an append."""
        key = _order_key(item.at, item.seq)
        keys = self._keys
        self._key_of[item.seq] = key
        if not keys or key > keys[-1]:
            keys.append(key)
            self._items.append(item)
        else:
            position = bisect_left(keys, key)
            keys.insert(position, key)
            self._items.insert(position, item)

    def replace(self, item: TimelineItem) -> None:
        """A corrected item: in place, or moved if its observed time was corrected."""
        old = self._key_of[item.seq]
        position = bisect_left(self._keys, old)
        if self._keys[position] == _order_key(item.at, item.seq):
            self._items[position] = item
            return
        del self._keys[position]
        del self._items[position]
        self.add(item)

    def items(self) -> tuple[TimelineItem, ...]:
        """The items in order, as a tuple the caller may keep."""
        return tuple(self._items)


class MeasureReadings:
    """Each measure's latest value, and its latest baseline value, as observations arrive and
    are corrected or marked entered in error.

    Per measure, a heap of readings, latest first, and the seq of the reading that holds the
    value now. Readings no longer in effect are dropped from the top of a heap only when they
    reach it, so a correction costs a few heap operations, not a rescan of the session.
    """

    def __init__(self, index: Mapping[int, Entry[Any]]) -> None:
        # The builder's entries by seq, read as they stand now (never changed here).
        self._index = index
        self._readings: dict[str, dict[str, list[tuple[float, int]]]] = {"last": {}, "baseline": {}}
        self._holders: dict[str, dict[str, int]] = {"last": {}, "baseline": {}}

    def take(self, observation: Observation) -> None:
        """Offer an observation's values as the latest (and, for a baseline, baseline) values."""
        if observation.voided:
            return
        key = _reading_key(observation.event.observed_at, observation.seq)
        values = observation.event.values
        _offer(self._readings["last"], self._holders["last"], values, key)
        if observation.event.round_id == ev.BASELINE_ROUND:
            _offer(self._readings["baseline"], self._holders["baseline"], values, key)

    def changed(self, previous: Observation, current: Observation) -> None:
        """A corrected or voided observation: offer its new values, then find again the latest
        reading still in effect for every measure it touched."""
        self.take(current)
        for measure_id in set(previous.event.values) | set(current.event.values):
            for kind in ("last", "baseline"):
                self._settle(kind, measure_id)

    def _settle(self, kind: str, measure_id: str) -> None:
        """Drop readings no longer in effect from the top of the heap; the top holds the value."""
        heap = self._readings[kind].get(measure_id)
        while heap:
            negative_time, negative_seq = heap[0]
            entry = self._index.get(-negative_seq)
            if (
                isinstance(entry, Observation)
                and not entry.voided
                and measure_id in entry.event.values
                and (kind == "last" or entry.event.round_id == ev.BASELINE_ROUND)
                and _reading_key(entry.observed_at, entry.seq) == (negative_time, negative_seq)
            ):
                self._holders[kind][measure_id] = entry.seq
                return
            heappop(heap)
        self._holders[kind].pop(measure_id, None)

    def values(self) -> tuple[Mapping[str, MeasureValue], Mapping[str, MeasureValue]]:
        """(baseline values, latest values) by measure, read-only."""
        found: dict[str, dict[str, MeasureValue]] = {"baseline": {}, "last": {}}
        for kind, holders in self._holders.items():
            for measure_id, seq in holders.items():
                entry = self._index[seq]
                found[kind][measure_id] = MeasureValue(
                    measure_id,
                    entry.event.values[measure_id],
                    seq,
                    entry.event.round_id,
                    entry.observed_at,
                )
        return MappingProxyType(found["baseline"]), MappingProxyType(found["last"])


def _offer(
    readings: dict[str, list[tuple[float, int]]],
    holders: dict[str, int],
    values: Mapping[str, Any],
    key: tuple[float, int],
) -> None:
    # The current top is always a reading in effect, so the new one holds only if it is later.
    for measure_id in values:
        heap = readings.get(measure_id)
        if heap is None:
            readings[measure_id] = [key]
            holders[measure_id] = -key[1]
            continue
        heappush(heap, key)
        if heap[0] is key:
            holders[measure_id] = -key[1]
