"""A protocol as facts a clinician reads: sections, entries named by their own labels, and
each setting in words with its unit ("Systolic BP urgent threshold: ≥ 180 mmHg").

Both the semantic diff (`diff.py`) and the canonical rendering git shows through
`textconv` (`rendering.py`, which also groups the facts by section) are built from these
facts, so a change reads the same in either. Every field of every model is turned into a
fact (a field without words of its own is named by its key), so a field added to the format
shows in diffs without touching this module.
"""

from __future__ import annotations

import datetime as dt
import typing
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from .base import Range


@dataclass(frozen=True)
class Fact:
    """One setting: `key` is its field, `words` what it is called, `value` as written."""

    key: str
    words: str
    value: str
    unit: str = ""

    def line(self, subject: str = "") -> str:
        head = " ".join(part for part in (subject, self.words) if part)
        shown = with_unit(self.value, self.unit)
        return f"{head}: {shown}" if head else shown


@dataclass(frozen=True)
class Item:
    """An entry of a list (a checklist item, a round, a threshold…), matched by `key`."""

    key: str
    title: str
    summary: str = ""
    facts: tuple[Fact, ...] = ()
    children: tuple[Item, ...] = ()
    in_title: tuple[str, ...] = ()  # facts the title already says (not repeated below it)

    @property
    def described(self) -> str:
        return f"{self.title} ({self.summary})" if self.summary else self.title


@dataclass(frozen=True)
class Section:
    title: str
    facts: tuple[Fact, ...] = ()
    items: tuple[Item, ...] = field(default_factory=tuple)


def with_unit(value: str, unit: str) -> str:
    return f"{value} {unit}" if unit and value not in ("—", "") else value


# -- values in words ------------------------------------------------------------------------

WORDS = {
    "window_minutes": "monitored window",
    "baseline_measures": "baseline measures",
    "approved_by": "approved by",
    "approved_on": "approved on",
    "dose_mg": "dose per administration",
    "dose_mg_per_kg": "weight-based dose",
    "max_total_mg": "total of all doses at most",
    "blocks_dosing_when": "blocks dosing when the answer is",
    "touch": "touch consent asked",
    "stop_word": "stop word agreed",
    "duration_minutes": "duration",
    "starts_after": "starts after",
    "earliest_minutes": "window opens",
    "latest_minutes": "window closes",
    "max_count": "at most",
    "mg_per_device": "per device",
    "min_count": "fewest devices",
    "interval_minutes": "between devices",
    "decimals": "decimals",
    "prefill": "pre-filled with the last value",
    "blocks_dosing": "blocks dosing",
    "response": "response steps",
    "measures": "measures",
    "at_minutes": "at",
    "every_minutes": "every",
    "from_minutes": "from",
    "until_minutes": "until",
    "at_discharge": "also before discharge",
    "grace_minutes": "late after",
    "missed_after_minutes": "missed after",
    "expected_minutes": "expected at",
    "min_minutes": "minimum monitoring",
    "escort_required": "adult escort required",
    "at_most_baseline": "no higher than baseline",
    "at_least": "total at least",
    "item_minimums": "item minimums",
    "after_hours": "after",
}
UNITS = {
    "window_minutes": "min",
    "dose_mg": "mg",
    "dose_mg_per_kg": "mg/kg",
    "max_total_mg": "mg",
    "duration_minutes": "min",
    "interval_minutes": "min",
    "mg_per_device": "mg",
    "every_minutes": "min",
    "grace_minutes": "min",
    "missed_after_minutes": "min",
    "min_minutes": "min",
    "after_hours": "h",
}
# Minutes since T0, written T+40.
OFFSETS = {"at_minutes", "from_minutes", "until_minutes", "expected_minutes", "earliest_minutes"}
OFFSETS |= {"latest_minutes"}
COMPARISONS = ("above", "at_least", "below", "at_most")


def number(value: float) -> str:
    return f"{value:g}"


def text(value: str) -> str:
    """Free text in quotes, on one line."""
    return "'" + " ⏎ ".join(value.strip().splitlines()) + "'"


def value_words(key: str, value: Any, *, free_text: bool = False) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Range):
        return f"{number(value.min)}–{number(value.max)}"
    if key in OFFSETS:
        values = value if isinstance(value, list) else [value]
        return ", ".join(f"T+{minute}" for minute in values) if values else "—"
    if isinstance(value, int | float):
        return number(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str):
        if free_text:
            return text(value)
        return value.replace("_", "/") if key in ("kind", "grading") else value
    if isinstance(value, dict):
        return ", ".join(f"{k} ≥ {v}" for k, v in value.items()) or "—"
    if isinstance(value, list):
        if not value:
            return "—"
        if free_text:
            return "; ".join(text(item) for item in value)
        return ", ".join(str(item) for item in value)
    return str(value)


# Fields whose value is the practice's own words (shown in quotes).
FREE_TEXT = {"title", "disclaimer", "description", "form", "prompt", "help", "text", "label"}
FREE_TEXT |= {"message", "response", "term", "approved_by"}


def facts_of(
    model: BaseModel,
    *,
    skip: tuple[str, ...] = (),
    unit: str = "",
    words: dict[str, str] | None = None,
) -> tuple[Fact, ...]:
    """Every field of `model` not in `skip` (nested lists of tables are items, skipped)."""
    found = []
    for key, info in type(model).model_fields.items():
        if key in skip or _holds_tables(info.annotation):
            continue
        value = getattr(model, key)
        name = (words or {}).get(key) or WORDS.get(key) or key.replace("_", " ")
        shown = value_words(key, value, free_text=key in FREE_TEXT)
        found.append(Fact(key, name, shown, UNITS.get(key, unit if key == "range" else "")))
    return tuple(found)


def _holds_tables(annotation: Any) -> bool:
    """A field of tables (other than a range) is shown as entries, not as one fact."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return not issubclass(annotation, Range)
    return any(_holds_tables(arg) for arg in typing.get_args(annotation))
