"""Numbers and text as a person reads them: the formatting the timeline, the field words and
the screens share. Pure, and below every room, so none of them imports another for it."""

from __future__ import annotations

SUMMARY_LENGTH = 100


def format_number(value: float, decimals: int | None = None) -> str:
    """A number as a person writes it: 128, 36.6 (no trailing .0 for whole numbers).

    `decimals` fixes the places shown (a measure's own setting); None shows what is there.
    """
    if float(value).is_integer() and not decimals:
        return str(int(value))
    if decimals is None:
        return f"{value:g}"
    return f"{value:.{decimals}f}"


def shorten(text: str, length: int = SUMMARY_LENGTH) -> str:
    """`text` on one line, cut to `length` characters with an ellipsis."""
    line = " ".join(text.split())
    return line if len(line) <= length else line[: length - 1].rstrip() + "…"
