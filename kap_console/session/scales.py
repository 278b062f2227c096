"""The recovery scales: Modified Aldrete and PADSS, item by item and in total.

Both scales score each item 0, 1 or 2 and total 0–10 (never 1–3 per item: a public template
once shifted a scale by one and every total came out wrong, so the tests hold worked examples
with totals computed by hand).

Modified Aldrete: activity, respiration, circulation, consciousness, SpO2.
PADSS: vitals, activity (and mental status), pain and nausea, bleeding, intake and output.
Bleeding is about a surgical wound, which a KAP session does not have: marked not applicable
(or left out), it scores 2, as is common practice when PADSS is used outside surgery, and the
score says it was not applicable.

Pure functions of the items given: no session, no protocol beyond the scales' item names.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from kap_console.protocol.crosscheck import SCALE_ITEMS

SCALE_NAMES: Mapping[str, str] = {"modified_aldrete": "Modified Aldrete", "padss": "PADSS"}
ITEM_MAX = 2
NOT_APPLICABLE = ("n/a", "na", "not applicable", "not_applicable")
PADSS_OPTIONAL = ("bleeding",)


@dataclass(frozen=True)
class ScaleScore:
    """A scale's total over the items given; `complete` when every item is there."""

    scale: str
    total: int
    items: Mapping[str, int]
    complete: bool
    missing: tuple[str, ...] = ()
    not_applicable: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return SCALE_NAMES.get(self.scale, self.scale)


def _score(scale: str, items: Mapping[str, Any], optional: tuple[str, ...] = ()) -> ScaleScore:
    known = SCALE_ITEMS[scale]
    name = SCALE_NAMES[scale]
    scored: dict[str, int] = {}
    not_applicable = []
    for item, value in items.items():
        if item not in known:
            raise ValueError(f"'{item}' is not an item of {name} (items: {', '.join(known)})")
        if item in optional and (
            value is None or (isinstance(value, str) and value.strip().lower() in NOT_APPLICABLE)
        ):
            scored[item] = ITEM_MAX
            not_applicable.append(item)
            continue
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= ITEM_MAX:
            raise ValueError(f"{item}: outside 0–{ITEM_MAX}")
        scored[item] = value
    for item in optional:
        if item not in scored:
            scored[item] = ITEM_MAX
            not_applicable.append(item)
    missing = tuple(item for item in known if item not in scored)
    ordered = {item: scored[item] for item in known if item in scored}
    return ScaleScore(
        scale=scale,
        total=sum(ordered.values()),
        items=MappingProxyType(ordered),
        complete=not missing,
        missing=missing,
        not_applicable=tuple(not_applicable),
    )


def modified_aldrete(items: Mapping[str, int]) -> ScaleScore:
    """The modified Aldrete score: activity, respiration, circulation, consciousness, spo2,
    each 0–2, total 0–10. Raises ValueError naming an unknown item or a value outside 0–2."""
    return _score("modified_aldrete", items)


def padss(items: Mapping[str, Any]) -> ScaleScore:
    """The PADSS score: vitals, activity, pain_nausea, bleeding, intake_output, each 0–2.

    Bleeding marked not applicable ("n/a" or None) or left out scores 2 (no surgical wound);
    the score lists it in `not_applicable`. Raises ValueError as `modified_aldrete` does.
    """
    return _score("padss", items, optional=PADSS_OPTIONAL)


def score(scale: str, items: Mapping[str, Any]) -> ScaleScore:
    """The named scale's score ("modified_aldrete" or "padss")."""
    if scale == "modified_aldrete":
        return modified_aldrete(items)
    if scale == "padss":
        return padss(items)
    raise ValueError(f"'{scale}' is not a discharge scale (scales: {', '.join(SCALE_ITEMS)})")


def aldrete_circulation(sbp_now: float, sbp_baseline: float) -> int:
    """Circulation item: systolic within ±20 mmHg of baseline → 2, 20–50 away → 1, more → 0.
    Exactly 20 scores 2 and exactly 50 scores 1."""
    difference = abs(sbp_now - sbp_baseline)
    if difference <= 20:
        return 2
    if difference <= 50:
        return 1
    return 0


def aldrete_spo2(spo2: float, on_oxygen: bool = False) -> int:
    """SpO2 item: above 92 % on room air → 2; 90 % or more with oxygen (or 90–92 % on room
    air) → 1; below 90 % → 0."""
    if spo2 > 92 and not on_oxygen:
        return 2
    if spo2 >= 90:
        return 1
    return 0


def _percent_item(now: float, baseline: float) -> int:
    if baseline <= 0:
        raise ValueError(f"baseline {baseline:g} must be above 0 to compare")
    # Whole-number arithmetic so exactly 20 % and 40 % land on the right side.
    change = abs(now - baseline) * 100
    if change <= 20 * baseline:
        return 2
    if change <= 40 * baseline:
        return 1
    return 0


def padss_vitals(now: float | Mapping[str, float], baseline: float | Mapping[str, float]) -> int:
    """Vitals item: within 20 % of baseline → 2, 20–40 % → 1, more than 40 % → 0.

    Given mappings (e.g. {"sbp": …, "hr": …}), the worst of the measures both have counts.
    """
    if isinstance(now, Mapping) or isinstance(baseline, Mapping):
        if not (isinstance(now, Mapping) and isinstance(baseline, Mapping)):
            raise TypeError("give both readings as numbers or both as mappings")
        shared = [key for key in now if key in baseline]
        if not shared:
            raise ValueError("no measure is in both the readings and the baseline")
        return min(_percent_item(now[key], baseline[key]) for key in shared)
    return _percent_item(now, baseline)
