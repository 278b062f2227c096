"""An entry's fields in the facilitator's words: "Systolic BP" for `values.sbp`, "185 mmHg"
for 185.0, and which fields a correction may offer at all.

Corrections are journaled by their dotted path (`values.sbp`), which stays exact; this is
only what a person reads: the protocol's labels and units, whole numbers as whole numbers.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from kap_console.protocol.models import Measure, Protocol
from kap_console.session.timefmt import local_time
from kap_console.session.words import format_number, shorten

# Fields the console fills in itself (which slot a round answers, the mg/kg computed from
# the dose and weight, ids and counters): not what a facilitator corrects by hand.
NOT_OFFERED = frozenset(
    {
        "round_id",
        "due_minutes",
        "mg_per_kg",
        "device_number",
        "kind",
        "drug",
        "term_id",
        "prompt_id",
        "step_id",
        "phase_id",
        "alert_seq",
        "target_seq",
        "source_seq",
        "threshold_index",
        "measure_id",
        "revises_seq",
    }
)

WORDS = {
    "dose_mg": ("Dose", "mg"),
    "weight_kg": ("Weight", "kg"),
    "lot": ("Lot number", None),
    "given_by": ("Given by", None),
    "checked_by": ("Checked by", None),
    "text": ("Text", None),
    "note": ("Note", None),
    "for_integration": ("For integration", None),
    "client_quote": ("The client's own words", None),
    "onset_at": ("Onset", None),
    "resolved_at": ("Resolved at", None),
    "observed_at": ("Observed at", None),
    "touch_where": ("Touch: where", None),
    "stop_word": ("Stop word", None),
    "relatedness": ("Related to the dose", None),
    "serious_criterion": ("Serious because", None),
    "decided_by": ("Decided by", None),
}


def offered(path: str) -> bool:
    """May a correction offer this field? (Not the console's own bookkeeping.)"""
    return path.split(".", 1)[0] not in NOT_OFFERED


def _measure(protocol: Protocol, path: str) -> Measure | None:
    if not path.startswith("values."):
        return None
    try:
        return protocol.measure(path.split(".", 1)[1])
    except KeyError:
        return None


def field_label(protocol: Protocol, path: str) -> str:
    """`Systolic BP` for `values.sbp`; `Dose` for `dose_mg`; `Serious` for `serious`."""
    measure = _measure(protocol, path)
    if measure is not None:
        return measure.label
    name = path.rsplit(".", 1)[-1]
    if name in WORDS:
        return WORDS[name][0]
    return name.replace("_", " ").capitalize()


def value_words(protocol: Protocol, path: str, value: Any) -> str:
    """`185 mmHg`, `yes`, `14:05:09`, `(empty)`: a field's value as a person reads it."""
    if value is None or value == "":
        return "(empty)"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return local_time(value, seconds=True)
    if isinstance(value, list):
        return ", ".join(str(part).replace("_", " ") for part in value) or "(none)"
    if isinstance(value, int | float):
        measure = _measure(protocol, path)
        unit = measure.unit if measure is not None else WORDS.get(path, ("", None))[1]
        decimals = measure.decimals or None if measure is not None else None
        text = format_number(float(value), decimals)
        return f"{text} {unit}" if unit else text
    return shorten(
        str(value).replace("_", " ") if path in ("outcome", "relatedness") else str(value), 60
    )
