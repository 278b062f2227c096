"""What changed between two versions of a protocol, in the protocol's own words.

A clinical lead reviewing a change reads "Systolic BP urgent threshold: ≥ 180 → ≥ 170
mmHg", not a line of TOML. Both versions are turned into facts (`facts.py`); entries are
matched by id (thresholds by level and scope, levels by value), and each difference is one
`Change`, grouped by section in the order a session meets them. Comments, key order and
formatting are not changes: two files that validate to the same protocol have none.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Any, Literal

from .facts import Fact, Item, with_unit
from .models import Protocol
from .rendering import sections

ChangeKind = Literal["added", "removed", "changed", "reordered"]


@dataclass(frozen=True)
class Change:
    """One difference. `subject` names the entry (empty for a setting of the section
    itself), `what` the setting; `old` and `new` are as a person reads them."""

    section: str
    kind: ChangeKind
    subject: str
    what: str = ""
    old: str | None = None
    new: str | None = None
    unit: str = ""
    key: str = ""  # the entry's id and the setting's key, e.g. "sbp/urgent:any:1/limit"

    @property
    def text(self) -> str:
        if self.kind == "added":
            return f"+ {self.new}"
        if self.kind == "removed":
            return f"{self.old} removed"
        head = " ".join(part for part in (self.subject, self.what) if part)
        if self.kind == "reordered":
            return f"{head}: order {self.old} → {self.new}"
        change = f"{self.old} → {with_unit(self.new or '', self.unit)}"
        return f"{head}: {change}" if head else change

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "text": self.text}


def diff_protocols(old: Protocol, new: Protocol) -> list[Change]:
    """Every difference from `old` to `new`, section by section."""
    changes: list[Change] = []
    for before, after in zip(sections(old), sections(new), strict=True):
        changes.extend(_facts(before.title, "", before.facts, after.facts, ""))
        changes.extend(_items(before.title, before.items, after.items, ""))
    return changes


def _facts(
    section: str, subject: str, old: Sequence[Fact], new: Sequence[Fact], path: str
) -> Iterable[Change]:
    before = {fact.key: fact for fact in old}
    for fact in new:
        was = before.get(fact.key)
        if was is None or was.value == fact.value and was.unit == fact.unit:
            continue
        unit = fact.unit if was.unit == fact.unit else ""
        old_text = was.value if unit else with_unit(was.value, was.unit)
        new_text = fact.value if unit else with_unit(fact.value, fact.unit)
        key = f"{path}/{fact.key}" if path else fact.key
        yield Change(section, "changed", subject, fact.words, old_text, new_text, unit, key)


def _items(
    section: str, old: Sequence[Item], new: Sequence[Item], parent: str, owner: str = ""
) -> Iterable[Change]:
    """Entries added, removed and changed; `parent` is the key path of the entry that holds
    them (empty for a section's own list), `owner` its title."""

    def path(item: Item) -> str:
        return f"{parent}/{item.key}" if parent else item.key

    before = {item.key: item for item in old}
    after = {item.key: item for item in new}
    for item in old:
        if item.key not in after:
            yield Change(
                section, "removed", item.title, old=_removed(section, item), key=path(item)
            )
    for item in new:
        was = before.get(item.key)
        if was is None:
            yield Change(section, "added", item.title, new=item.described, key=path(item))
            continue
        # A new label renames the entry ("'Old' → 'New'"); its other changes name it anew.
        renamed = was.title != item.title
        if renamed:
            yield Change(section, "changed", "", old=was.title, new=item.title, key=path(item))
        facts = [fact for fact in item.facts if not (renamed and fact.key in item.in_title)]
        yield from _facts(section, item.title, was.facts, facts, path(item))
        yield from _items(section, was.children, item.children, path(item), item.title)
    common_old = [item.key for item in old if item.key in after]
    common_new = [item.key for item in new if item.key in before]
    if common_old != common_new and _orderable(section):
        names = {item.key: item.title for item in new}
        yield Change(
            section,
            "reordered",
            owner or section.lower(),
            old=", ".join(names[key] for key in common_old),
            new=", ".join(names[key] for key in common_new),
            key=parent,
        )


def _orderable(section: str) -> bool:
    """Lists whose order a session follows (asked, done or shown in that order)."""
    return section in ("Checklist", "Intention prompts", "Consent", "Dosing", "Measures")


def _removed(section: str, item: Item) -> str:
    if section == "Schedule" and item.summary:  # "round at T+40 'BP peak check'"
        return f"round {item.summary} {item.title.removeprefix('round ')}"
    return item.title


# -- output --------------------------------------------------------------------------------


def grouped(changes: Sequence[Change]) -> list[tuple[str, list[Change]]]:
    """The changes by section, sections in the order they first appear."""
    groups: dict[str, list[Change]] = {}
    for change in changes:
        groups.setdefault(change.section, []).append(change)
    return list(groups.items())


def diff_text(changes: Sequence[Change], old_name: str, new_name: str) -> str:
    """The readable report: a heading per section, one line per change."""
    if not changes:
        return f"{old_name} → {new_name}: no change to the protocol\n"
    count = len(changes)
    lines = [f"{old_name} → {new_name}: {count} change{'s' if count != 1 else ''}"]
    for section, members in grouped(changes):
        lines.append("")
        lines.append(section)
        lines.extend(f"  {change.text}" for change in members)
    return "\n".join(lines) + "\n"


def diff_json(changes: Sequence[Change], old_name: str, new_name: str) -> dict[str, Any]:
    return {
        "old": old_name,
        "new": new_name,
        "changes": len(changes),
        "sections": [
            {"section": section, "changes": [change.to_dict() for change in members]}
            for section, members in grouped(changes)
        ],
    }


__all__ = [
    "Change",
    "diff_json",
    "diff_protocols",
    "diff_text",
    "grouped",
]
