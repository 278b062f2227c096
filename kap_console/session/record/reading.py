"""Reading a record file back: bounded, validated, every problem located.

The models are in model.py; this is how a record on disk becomes one (`read_record`), and
what is said of a file (its SHA-256, the short fingerprint copied into the chart).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from pydantic import ValidationError

from kap_console.file_reading import FileTooLarge, read_regular_file
from kap_console.protocol.toml_files import (
    TOO_DEEP,
    TomlProblem,
    decode_text,
    parse_toml,
    too_deep_position,
)
from kap_console.session.record.model import SessionRecord

# A four-hour session with thousands of entries is a few hundred KiB, and one of 100,000
# entries about 30 MiB; reading past this would only let a planted file stall `record show`
# and `record verify`.
MAX_RECORD_BYTES = 48 * 1024 * 1024
MAX_PROBLEMS = 100


class RecordError(Exception):
    """A record file that cannot be read: each problem as `path:line:col: key: message`."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def fingerprint(sha256: str, event_count: int) -> str:
    """A short fingerprint of a record to copy into the chart: `3f2a-91c0-7be4 · 57 events`."""
    short = sha256[:12]
    return f"{short[0:4]}-{short[4:8]}-{short[8:12]} · {event_count} events"


def file_sha256(path: Path) -> str:
    """SHA-256 of a record file (a regular file within the size limit, else OSError)."""
    return hashlib.sha256(read_regular_file(path, limit=MAX_RECORD_BYTES)).hexdigest()


def read_record_bytes(path: Path) -> bytes:
    """The bytes of a record file: a regular file within MAX_RECORD_BYTES; RecordError
    (located) if not."""
    try:
        return read_regular_file(path, limit=MAX_RECORD_BYTES)
    except FileTooLarge:
        raise RecordError(
            [
                f"{path}:1:1: the file is larger than {MAX_RECORD_BYTES // (1024 * 1024)} MiB; "
                "a session record is far smaller, so this is not one"
            ]
        ) from None
    except OSError as error:
        reason = error.strerror or type(error).__name__
        raise RecordError([f"{path}:1:1: cannot read the file ({reason})"]) from None


def record_text(path: Path, data: bytes) -> str:
    """`data`, read from the record file `path`, as text; RecordError (located) if not."""
    try:
        return decode_text(data)
    except TomlProblem as problem:
        raise RecordError([f"{path}:{problem}"]) from None


def read_record_text(path: Path) -> str:
    """The text of a record file, bounded like `read_record`; RecordError (located) if not."""
    return record_text(path, read_record_bytes(path))


def read_record(path: Path) -> SessionRecord:
    """Read and validate a record file; RecordError names the line of each problem.

    Bounded like the protocol loader: a regular file only (a FIFO is refused, not waited
    on), at most MAX_RECORD_BYTES, dotted keys and nesting within the TOML limits, at most
    MAX_PROBLEMS problems listed. Nothing else leaves this function for any file contents.
    """
    return record_from_text(path, read_record_text(path))


def record_from_text(path: Path, text: str) -> SessionRecord:
    """The record in `text`, read from `path` (named in each problem); RecordError if it
    is not a valid record."""
    try:
        data = parse_toml(text)
    except TomlProblem as problem:
        raise RecordError([f"{path}:{problem}"]) from None
    try:
        return SessionRecord.model_validate(data)
    except ValidationError as error:
        from kap_console.protocol.locate import scan
        from kap_console.protocol.problems import clean_loc, format_key

        source = scan(text)
        problems = []
        found = error.errors(include_url=False, include_input=False)
        for issue in found[:MAX_PROBLEMS]:
            loc = clean_loc(tuple(issue["loc"]))
            unknown = issue["type"] == "extra_forbidden"
            line, col = source.position(loc, key=unknown)
            message = "unknown key" if unknown else issue["msg"]
            problems.append(f"{path}:{line}:{col}: {format_key(loc) or '(top)'}: {message}")
        if len(found) > MAX_PROBLEMS:
            problems.append(f"{path}: … and {len(found) - MAX_PROBLEMS} more problems")
        raise RecordError(problems) from None
    except RecursionError:
        line, col = too_deep_position(text)
        raise RecordError([f"{path}:{line}:{col}: {TOO_DEEP}"]) from None
