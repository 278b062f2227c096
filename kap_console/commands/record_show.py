"""The content part of `kap-console record show`: what was said and written, not counts."""

from __future__ import annotations

from typing import Any


def content_text(record: Any) -> str:
    """Intentions, notes (integration marks in words), adverse events, reflections, follow-up."""
    from kap_console.integration.exports.common import at, clock
    from kap_console.integration.exports.summary import INTEGRATION_MARK, QUOTE_MARK, is_open

    lines = ["Intentions, in the client's words"]
    current = [i for i in record.intentions if not i.voided and i.revised_by is None]
    lines += [f"  “{i.text}”" + (" (revised)" if i.revises_seq else "") for i in current] or [
        "  none recorded"
    ]
    lines += ["", "Notes"]
    notes = [n for n in record.notes if not n.voided]
    for note in notes:
        marks = [
            m
            for m, on in ((INTEGRATION_MARK, note.for_integration), (QUOTE_MARK, note.client_quote))
            if on
        ]
        lines.append(f"  {at(record, note.observed_at)} " + " ".join([*marks, note.text]))
    if not notes:
        lines.append("  none recorded")
    events = sorted(
        (e for e in record.adverse_events if not e.voided),
        key=lambda e: (not is_open(e), e.onset_at),
    )
    if events:
        lines += ["", "Adverse events (open first)"]
        for event in events:
            status = "OPEN" if is_open(event) else "resolved"
            lines.append(
                f"  {status}: {event.term}, onset {clock(event.onset_at)}, {event.current.outcome.replace('_', ' ')}"
            )
    lines += ["", "Reflections"]
    reflections = [r for r in record.reflections if not r.voided]
    lines += [f"  {r.prompt + ' ' if r.prompt else ''}“{r.text}”" for r in reflections] or [
        "  none recorded"
    ]
    return "\n".join(lines)
