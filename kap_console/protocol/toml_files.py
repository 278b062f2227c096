"""Reading the TOML files a user can point the console at: protocols, records, themes, settings.

Whatever a path names, reading it must neither hang nor exhaust the machine:

- only a regular file is read, and it is opened with O_NONBLOCK, so a FIFO or a device named
  `*.toml` is refused at once instead of blocking forever, and at most `limit` bytes are read
  (kap_console/file_reading.py);
- `tomllib` needs time and memory quadratic in the parts of one dotted key, and recurses once
  per nested array or inline table, so absurd dotted keys are refused before parsing and a
  RecursionError becomes a located problem (`parse_toml`).

Each problem is one located line (`TomlProblem`: line, column, message), never a traceback.
The protocol loader and the record reader share these limits; themes and settings use them
too. No pydantic, no Textual.
"""

from __future__ import annotations

import os
import re
import tomllib
from typing import Any

from kap_console.file_reading import read_regular_file

# Far beyond any real file; each guards against input that would take long to read.
MAX_KEY_PARTS = 100

TOO_DEEP = "arrays or tables are nested too deeply to read"

_KEY_PIECE = re.compile(r"""[ \t]*(?:[A-Za-z0-9_-]+|"[^"\n]*"|'[^'\n]*')[ \t]*""")
_TOML_POSITION = re.compile(
    r"^(?P<message>.*?) \(at (?:line (?P<line>\d+), column (?P<col>\d+)|end of document)\)$", re.S
)


class TomlProblem(ValueError):
    """Why a text could not be read as TOML, and where (1-based line and column)."""

    def __init__(self, line: int, col: int, message: str) -> None:
        super().__init__(line, col, message)
        self.line, self.col, self.message = line, col, message

    def __str__(self) -> str:
        return f"{self.line}:{self.col}: {self.message}"


def long_dotted_key(text: str) -> tuple[int, int] | None:
    """Where the first dotted key of more than MAX_KEY_PARTS parts starts (line, column).

    Linear: only lines with many dots are split, and each piece is looked at once.
    """
    if text.count(".") < MAX_KEY_PARTS:
        return None
    for number, line in enumerate(text.split("\n"), start=1):
        if line.count(".") < MAX_KEY_PARTS:
            continue
        run = 0
        col = 1
        position = 0
        for piece in line.split("."):
            if _KEY_PIECE.fullmatch(piece):
                if run == 0:
                    col = position + len(piece) - len(piece.lstrip()) + 1
                run += 1
                if run > MAX_KEY_PARTS:
                    return number, col
            else:
                run = 0
            position += len(piece) + 1
    return None


def too_deep_position(text: str) -> tuple[int, int]:
    """Where nesting first goes past what can be read (1:1 if it cannot be told)."""
    from .locate import scan

    source = scan(text)
    return source.line_col(source.too_deep) if source.too_deep is not None else (1, 1)


def syntax_position(error: tomllib.TOMLDecodeError, text: str) -> tuple[int, int, str]:
    """(line, column, message without its position) of a tomllib error."""
    raw = str(error)
    match = _TOML_POSITION.match(raw)
    message = match.group("message") if match else raw
    if match and match.group("line"):
        return int(match.group("line")), max(1, int(match.group("col"))), message
    lines = text.rstrip().split("\n")  # reported only "at end of document"
    return len(lines), len(lines[-1]) + 1, message


def parse_toml(text: str) -> dict[str, Any]:
    """Parse TOML text within the limits above; TomlProblem (located) for anything wrong."""
    position = long_dotted_key(text)
    if position is not None:
        raise TomlProblem(*position, f"a dotted key has more than {MAX_KEY_PARTS} parts")
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        line, col, message = syntax_position(error, text)
        raise TomlProblem(line, col, f"TOML syntax error: {message}") from None
    except RecursionError:
        raise TomlProblem(*too_deep_position(text), TOO_DEEP) from None
    except (MemoryError, ValueError, TypeError, OverflowError) as error:
        # tomllib raises only TOMLDecodeError on valid str input; anything else is a last guard.
        raise TomlProblem(1, 1, f"cannot be read as TOML ({type(error).__name__})") from None


def decode_text(data: bytes) -> str:
    """UTF-8 text of a file (a leading byte-order mark dropped); TomlProblem where it is not."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line_start = data.rfind(b"\n", 0, error.start) + 1
        line = data.count(b"\n", 0, error.start) + 1
        col = len(data[line_start : error.start].decode("utf-8", "replace")) + 1
        raise TomlProblem(
            line, col, f"not UTF-8 text (byte 0x{data[error.start]:02x} at offset {error.start})"
        ) from None
    return text.removeprefix("\ufeff")


def read_toml_file(
    path: str | os.PathLike[str], *, limit: int, follow_links: bool = True
) -> dict[str, Any]:
    """Read, decode and parse a TOML file within the limits; OSError or TomlProblem."""
    return parse_toml(decode_text(read_regular_file(path, limit=limit, follow_links=follow_links)))
