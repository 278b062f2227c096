"""Open a session record for the integration phase: read it, then say whether it can be trusted.

`open_record` takes a record file or a session folder. It reads the record with the session's
own reader (`read_record`, which owns the limits and the located messages) and checks it with
the session's own verifier (`verify_record`); it never writes. What it finds is said in one
sentence for a person (`Verification.words`), verification first.

A record that cannot be read at all raises `RecordUnreadable` with one located line
(`file:line:col: message`); a record written by a newer kap-console says so and names the
format this version reads. No message quotes session text.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from kap_console.session import (
    PROTOCOL_COPY,
    RECORD_FORMAT,
    RECORD_NAME,
    SEGMENT_PATTERN,
    RecordError,
    SessionRecord,
    read_record,
)

if TYPE_CHECKING:
    from kap_console.protocol.models import Protocol

# What verify_record says when the protocol the session ran cannot be found to rebuild with.
REBUILD_FAILED = "cannot rebuild the record from the journal"

VerificationStatus = Literal["verified", "journal_missing", "altered"]


class RecordUnreadable(Exception):
    """The record cannot be read: `line` is one located line, `file:line:col: message`."""

    def __init__(self, line: str) -> None:
        super().__init__(line)
        self.line = line


@dataclass(frozen=True)
class Verification:
    """Whether the record is what was written in the room, in words for a person."""

    status: VerificationStatus
    words: str
    problem: str | None = None

    @property
    def trusted(self) -> bool:
        return self.status == "verified"


@dataclass(frozen=True)
class OpenedRecord:
    record: SessionRecord
    record_path: Path
    session_dir: Path | None
    sha256: str
    verification: Verification


def open_record(path: Path) -> OpenedRecord:
    """Read and verify the record at `path` (a record file or a session folder)."""
    record_path = locate_record(Path(path))
    try:
        data = record_path.read_bytes()
    except OSError as error:
        raise RecordUnreadable(f"{record_path}: cannot be read ({error.strerror})") from None
    try:
        record = read_record(record_path)
    except RecordError as error:
        raise RecordUnreadable(_first_problem(record_path, data, error.problems)) from None
    session_dir = _session_folder(record_path)
    verification = verify(record, record_path, session_dir)
    return OpenedRecord(
        record=record,
        record_path=record_path,
        session_dir=session_dir,
        sha256=hashlib.sha256(data).hexdigest(),
        verification=verification,
    )


def locate_record(path: Path) -> Path:
    """The record file `path` names, itself or inside a session folder."""
    path = path.expanduser()
    if path.is_dir():
        record_path = path / RECORD_NAME
        if not record_path.is_file():
            raise RecordUnreadable(
                f"{path}: no {RECORD_NAME} in this folder (is the session still open?)"
            )
        return record_path
    if path.is_file():
        return path
    raise RecordUnreadable(f"{path}: no such record file or session folder")


def verify(record: SessionRecord, record_path: Path, session_dir: Path | None) -> Verification:
    """Check the record against its journal when the journal is there."""
    if session_dir is None or not _has_journal(session_dir):
        return Verification(
            "journal_missing", "Journal missing: only the record's own hash was checked."
        )
    from kap_console.session import verify_record

    check = verify_record(session_dir, record_path)
    if check.ok:
        count = record.integrity.event_count
        return Verification(
            "verified", f"Verified against its journal and hash chain ({count} entries)."
        )
    first = check.problems[0]
    if REBUILD_FAILED in first:
        # Nothing is known to differ, but nothing could be compared: not to be trusted either.
        return Verification("altered", f"Not verified: {first}", first)
    return Verification("altered", f"Altered: {first}", first)


def _session_folder(record_path: Path) -> Path | None:
    """The folder the record sits in, when it is a session folder (journal or protocol copy)."""
    folder = record_path.parent
    if _has_journal(folder) or (folder / PROTOCOL_COPY).is_file():
        return folder
    return None


def _has_journal(folder: Path) -> bool:
    try:
        return any(SEGMENT_PATTERN.match(entry.name) for entry in folder.iterdir())
    except OSError:
        return False


_PROBLEM_KEY = re.compile(r"^.*?:\d+:\d+: ([^:]+): ")


def _first_problem(record_path: Path, data: bytes, problems: list[str]) -> str:
    """One line for a record that cannot be read: the newer-format message when that is the
    cause, else the reader's first problem (with a count of the others)."""
    newer = _newer_format(record_path, data, problems)
    if newer is not None:
        return newer
    # A value that is there but wrong locates the trouble better than a key that is missing.
    present = [p for p in problems if not p.endswith(": Field required")]
    first = (present or problems or [f"{record_path}: cannot be read"])[0]
    more = len(problems) - 1
    return first + (f" (and {more} more problem{'s' if more > 1 else ''})" if more else "")


def _newer_format(record_path: Path, data: bytes, problems: list[str]) -> str | None:
    if not any((found := _PROBLEM_KEY.match(p)) and found[1] == "format" for p in problems):
        return None
    try:
        document = tomllib.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None
    written = document.get("format")
    if not isinstance(written, int) or isinstance(written, bool) or written <= RECORD_FORMAT:
        return None
    line = next(
        (
            n
            for n, text in enumerate(data.decode("utf-8").splitlines(), 1)
            if text.startswith("format")
        ),
        1,
    )
    return (
        f"{record_path}:{line}:1: written by a newer kap-console (format {written}); "
        f"this version reads format ≤ {RECORD_FORMAT}"
    )


def pinned_protocol_for(record: SessionRecord, session_dir: Path | None) -> Protocol | None:
    """The exact protocol the session ran (by its pinned SHA-256): the copy in the session
    folder, else the file at the pinned path; None when neither still has those bytes."""
    from kap_console.protocol.identity import ProtocolIdentity
    from kap_console.protocol.problems import ProtocolError
    from kap_console.session import ProtocolUnavailable, pinned_protocol

    # The identity is what pins the file; the record's other protocol facts are not part of it.
    pinned = record.protocol.model_dump(include=set(ProtocolIdentity.model_fields))
    try:
        identity = ProtocolIdentity.model_validate(pinned)
        folder = session_dir if session_dir is not None else Path(identity.path).parent
        return pinned_protocol(folder, identity).protocol
    except (ProtocolUnavailable, ProtocolError, OSError, ValueError):
        return None
