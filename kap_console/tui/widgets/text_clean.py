"""What a pasted or typed text may hold before it is recorded, and what is said when it is cleaned.

A paste from another program can carry a tab, carriage returns, terminal escape sequences
(colour codes copied from a terminal) or other control characters. None of them belongs in a
record, but nothing around them may be lost: `clean_text` removes or replaces only those
characters and returns, with the text, the words a field shows to say what it did.
"""

from __future__ import annotations

import re
import unicodedata

TAB_SPACES = "    "
# CSI (ESC [ … final), OSC (ESC ] … BEL or ESC \), and any other two-character escape.
# The introducer is ESC, or the stand-in the paste parser puts in its place (paste_parser.py).
_ESC = "[\x1b\ue01b]"
ESCAPE_SEQUENCE = re.compile(
    rf"{_ESC}\[[0-?]*[ -/]*[@-~]|{_ESC}\][^\x07\x1b\ue01b]*(?:\x07|{_ESC}\\)?|{_ESC}.?"
)


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def clean_text(text: str, *, multiline: bool = True) -> tuple[str, list[str]]:
    """`text` without escape sequences or control characters, tabs as spaces (and, for a
    one-line field, its lines joined by a space); plus what was changed, in words."""
    said: list[str] = []
    text, escapes = ESCAPE_SEQUENCE.subn("", text)
    if escapes:
        said.append(f"removed {_plural(escapes, 'escape sequence')}")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    tabs = text.count("\t")
    if tabs:
        text = text.replace("\t", TAB_SPACES)
        said.append(f"{_plural(tabs, 'tab')} became spaces")
    kept = []
    dropped = 0
    for char in text:
        if char == "\n" or unicodedata.category(char) not in ("Cc", "Cf") or char == "\u200d":
            kept.append(char)
        else:
            dropped += 1
    text = "".join(kept)
    if dropped:
        said.append(f"removed {_plural(dropped, 'control character')}")
    if not multiline and "\n" in text:
        lines = [line.strip() for line in text.split("\n")]
        lines = [line for line in lines if line]
        text = " ".join(lines)
        said.append(f"{_plural(len(lines), 'line')} joined into one")
    return text, said


def cleaned_note(said: list[str]) -> str:
    """The words a field shows after cleaning a paste ("" when nothing was changed)."""
    if not said:
        return ""
    sentence = "; ".join(said)
    return f"Pasted text: {sentence}. Everything else was kept."
