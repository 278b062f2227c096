"""Keep a pasted escape sequence inside its paste.

Textual 8.2.8's input parser reads an ESC inside a bracketed paste as the start of a key
sequence: everything after it up to the next ESC leaves the paste and arrives as key
presses, typed into the field in the wrong place, and the rest of the paste follows. A
note pasted from a coloured terminal log came out scrambled.

`PasteSafeParser` hands the parser each paste with its ESC characters replaced by a
private-use stand-in (U+E01B), so the parser sees one paste; the field's cleaning then
removes the sequence and says so (text_clean.py knows the stand-in). Outside a paste,
input goes to the parser untouched, so the escape key and key sequences work as before.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from textual._xterm_parser import XTermParser

PASTE_START = "\x1b[200~"
PASTE_END = "\x1b[201~"
ESC = "\x1b"
ESC_STAND_IN = "\ue01b"


class PasteSafeParser(XTermParser):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._in_paste = False
        self._seen = ""  # the last characters outside a paste, to find a split start marker
        self._held = ""  # the end of a paste chunk that may be the start of its end marker

    def feed(self, data: str) -> Iterable[Any]:
        return super().feed(self.protect(data)) if data else super().feed(data)

    def protect(self, data: str) -> str:
        """`data` with every ESC inside a bracketed paste replaced by the stand-in."""
        out: list[str] = []
        text = self._held + data
        self._held = ""
        while text:
            if not self._in_paste:
                window = self._seen + text
                start = window.find(PASTE_START)
                if start < 0:
                    out.append(text)
                    self._seen = window[-(len(PASTE_START) - 1) :]
                    return "".join(out)
                cut = start + len(PASTE_START) - len(self._seen)
                out.append(text[:cut])
                text = text[cut:]
                self._seen = ""
                self._in_paste = True
                continue
            end = text.find(PASTE_END)
            if end < 0:
                # Hold back a tail that could be the first part of the end marker.
                keep = next(
                    (n for n in range(len(PASTE_END) - 1, 0, -1) if text.endswith(PASTE_END[:n])),
                    0,
                )
                body, self._held = (text[:-keep], text[-keep:]) if keep else (text, "")
                out.append(body.replace(ESC, ESC_STAND_IN))
                return "".join(out)
            out.append(text[:end].replace(ESC, ESC_STAND_IN) + PASTE_END)
            text = text[end + len(PASTE_END) :]
            self._in_paste = False
        return "".join(out)


def install() -> None:
    """Use PasteSafeParser for the terminal's input (the Linux and macOS driver)."""
    try:
        from textual.drivers import linux_driver
    except ImportError:  # no termios: another driver, which has its own parsing
        return
    linux_driver.XTermParser = PasteSafeParser  # type: ignore[misc]
