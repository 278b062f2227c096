"""The session journal: an append-only, fsynced, hash-chained log of JSON payloads.

The journal is the original record of a session. Every payload becomes one line of UTF-8 JSON,
written with a single `os.write` on an O_APPEND descriptor and fsynced before `append` returns,
so whatever `append` returned is on disk. The engine above stores event dicts here; the journal
itself knows nothing about events.

Files (all in the session folder, files 0600, folder 0700):

    lock                     flock()-ed by the one writer; holds its pid
    journal-0001.jsonl       the first segment
    journal-0002.jsonl       a later segment, started after a write error (see `continue_in`)
    journal-0001.torn-<off>  bytes set aside from a torn tail (see recovery below)
    ballast                  reserved space, deleted on ENOSPC so writing can go on

Line format (`json.dumps(separators=(",", ":"), ensure_ascii=False, allow_nan=False)`):

    {"v":1,"seq":0,"kind":"header","session":…,"nonce":<64 hex>,"app":…,"ts":…,
     "segment":1,"prev_segment":null,"reason":null,"prev":"000…0","h":…}
    {"v":1,"seq":1,"kind":"entry","data":{…payload…},"prev":<h of the line before>,"h":…}

`h` is always the last key: the SHA-256 (hex) of the line's bytes up to `,"h":"`, with `}`
appended, i.e. of the line as it was before `h` was added. Verification hashes the bytes as
written and never re-serialises. `prev` chains each line to the one before; the header's random
nonce starts the chain, so lines cannot be spliced in from another session.

Segments. After a write error nothing more is written to the failed file (a second fsync that
"succeeds" proves nothing). `continue_in` starts the next segment, whose header has
`"seq": N` (the last durable entry), `"prev"`: the chain head at N, and `"prev_segment"`: the
previous file's name; the payloads not known to be durable are re-appended after it with seqs
N+1, N+2, … Lines of the earlier segment beyond N are superseded: a reader skips them, so each
payload appears exactly once in the effective sequence. A segment is created whole (temporary
file, fsync, rename, folder fsync), so it never exists without its header.

Recovery (`Journal.open`): every line must parse, have its own hash right, the expected seq and
the `prev` of the line before.

- Torn tail: when the invalid bytes at the end of the last segment are what an interrupted write
  leaves (a partial line, NUL padding, unreadable garbage), they are copied to
  `journal-000N.torn-<offset>` (fsynced), the segment is truncated to the last good line and
  fsynced, and `OpenReport.torn_tail` says so (offset, length, SHA-256 of the removed bytes).
  Only an append that had not returned can be torn, so nothing acknowledged is removed.
- Damage: anything else raises `JournalDamaged` naming the segment, line and seq, and nothing is
  changed. That includes an invalid line followed by a valid-looking one, and an invalid last
  region that is a whole line except for at most one byte (a complete line that was edited, a
  flipped byte, its newline changed) or that is itself a correctly hashed line out of place.
  A complete, newline-terminated line has been fsynced; it is never silently dropped. The one
  exception is a line holding a NUL byte: the journal never writes one (JSON escapes it) and
  zero-filled blocks are what a power cut leaves, so such a line is treated as torn (its bytes
  are still kept in the .torn copy).
- A missing newline is a torn write: the newline is the last byte written, and a line is only
  acknowledged after fsync, so a line without it was never acknowledged.

What the chain cannot show: a truncated tail (whole lines removed from the end) or a last line
rewritten with its own hash recomputed; an edited earlier line whose own hash was recomputed shows
as a broken link at the next line. Anchor the head outside the machine (the fingerprint at close).

One writer per session (the lock) and one writing thread per Journal.
"""

from __future__ import annotations

import errno as errno_codes
import hashlib
import itertools
import json
import os
import re
import secrets
import stat
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from kap_console.session.storage import (
    PRIVATE_FILE_MODE,
    SessionLock,
    create_ballast,
    ensure_private_dir,
    fsync_dir,
    fsync_fd,
    release_ballast,
    write_private_atomic,
)

FORMAT_VERSION = 1
ZERO_HASH = "0" * 64
BALLAST_BYTES = 4 * 1024 * 1024
SEGMENT_PATTERN = re.compile(r"^journal-(\d{4,})\.jsonl$")

_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_JSON_OPTIONS: dict[str, Any] = {
    "separators": (",", ":"),
    "ensure_ascii": False,
    "allow_nan": False,
}
# Every line starts with this and ends with `,"h":"<64 hex>"}` and a newline (73 bytes).
_LINE_START = b'{"v":1,"seq":'
_HASH_KEY = b',"h":"'
_HASH_END = b'"}\n'
_SUFFIX_LEN = len(_HASH_KEY) + 64 + len(_HASH_END)
_SUFFIX_TEMPLATE = _HASH_KEY + b"#" * 64 + b'"}'  # '#' stands for one lowercase hex digit
_HEX_DIGITS = frozenset(b"0123456789abcdef")
_MIN_LINE = len(_LINE_START) + _SUFFIX_LEN


def segment_name(number: int) -> str:
    return f"journal-{number:04d}.jsonl"


# --------------------------------------------------------------------------- errors


class JournalError(Exception):
    """Base of every journal error."""


class JournalWriteError(JournalError):
    """A write, fsync or open failed: the payloads in `pending` are not known to be on disk.

    `errno` is the OS error code (ENOSPC, EIO, EROFS, …; a short write counts as ENOSPC).
    The message says what failed and what to do; it never contains payload text.
    """

    def __init__(
        self, code: int | None, pending: list[dict], *, action: str, path: Path | None
    ) -> None:
        self.errno = code or errno_codes.EIO
        self.pending = list(pending)
        self.action = action
        self.path = path
        name = errno_codes.errorcode.get(self.errno, str(self.errno))
        where = f" ({path})" if path else ""
        count = len(self.pending)
        waiting = (
            f"{count} entr{'y' if count == 1 else 'ies'} not saved yet, kept in memory only"
            if count
            else "nothing is waiting to be saved"
        )
        super().__init__(
            f"The session journal could not be saved: {action} failed{where}: "
            f"{name}, {os.strerror(self.errno)}. {waiting}. Keep the console open; free space "
            "or fix the drive, then continue the journal in a new segment, here or in another "
            "folder."
        )


class JournalDamaged(JournalError):
    """The journal is damaged before its end. Never repaired automatically.

    `segment` is the file name, `line` the 1-based line in it (0: the whole file), `seq` the
    seq expected at that place. `entries_before` and `head_before` describe the valid prefix.
    """

    def __init__(
        self,
        segment: str,
        line: int,
        seq: int,
        problem: str,
        *,
        entries_before: int = 0,
        head_before: str = "",
    ) -> None:
        self.segment = segment
        self.line = line
        self.seq = seq
        self.problem = problem
        self.entries_before = entries_before
        self.head_before = head_before
        place = f"{segment} line {line}" if line else segment
        super().__init__(
            f"The session journal is damaged at {place} (seq {seq}): {problem}. It was left "
            "unchanged; keep the session folder as it is and do not edit it. The entries "
            "before that line are intact."
        )


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class Entry:
    seq: int
    payload: dict
    h: str
    line: int
    segment: str


@dataclass(frozen=True)
class TornTail:
    segment: str
    offset: int
    length: int
    sha256: str
    copy_path: Path | None


@dataclass(frozen=True)
class OpenReport:
    entries: list[Entry]
    torn_tail: TornTail | None


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    entries: int
    head: str
    problem: str | None = None
    segment: str | None = None
    line: int | None = None
    seq: int | None = None
    segments: int = 0
    torn_tail: TornTail | None = None


# --------------------------------------------------------------------------- line format


def _encode(record: dict) -> tuple[bytes, str]:
    """Serialise `record` (without `h`) into a complete line; return it and its hash."""
    body = json.dumps(record, **_JSON_OPTIONS).encode("utf-8")
    digest = hashlib.sha256(body).hexdigest()
    return body[:-1] + _HASH_KEY + digest.encode("ascii") + _HASH_END, digest


def _encode_entry(seq: int, payload: dict, prev: str) -> tuple[bytes, str]:
    record = {"v": FORMAT_VERSION, "seq": seq, "kind": "entry", "data": payload, "prev": prev}
    try:
        return _encode(record)
    except (TypeError, ValueError, UnicodeEncodeError, RecursionError) as error:
        # The original message may quote part of the payload: say only what kind of problem.
        raise ValueError(
            f"the payload cannot be stored as JSON ({type(error).__name__}); use str, int, "
            "float (not NaN or infinity), bool, None, lists and dicts with str keys"
        ) from None


def _header(
    *,
    seq: int,
    session_id: str,
    nonce: str,
    app: str,
    ts: str,
    segment: int,
    prev_segment: str | None,
    reason: str | None,
    prev: str,
) -> tuple[bytes, str]:
    return _encode(
        {
            "v": FORMAT_VERSION,
            "seq": seq,
            "kind": "header",
            "session": session_id,
            "nonce": nonce,
            "app": app,
            "ts": ts,
            "segment": segment,
            "prev_segment": prev_segment,
            "reason": reason,
            "prev": prev,
        }
    )


class _Invalid(Exception):
    """A line that is not a valid journal line (internal; becomes torn tail or damage)."""


def _reject_constant(name: str) -> None:
    raise ValueError(name)


# One decoder for every line (json.loads with options builds a new one per call).
_DECODER = json.JSONDecoder(parse_constant=_reject_constant)


def _hash_matches(raw: bytes) -> bool:
    """True if `raw` is newline-terminated, ends with the hash suffix and the hash is right."""
    if len(raw) < _MIN_LINE or not raw.endswith(_HASH_END):
        return False
    if raw[-_SUFFIX_LEN : -_SUFFIX_LEN + len(_HASH_KEY)] != _HASH_KEY:
        return False
    stated = raw[-_SUFFIX_LEN + len(_HASH_KEY) : -len(_HASH_END)]
    return hashlib.sha256(raw[:-_SUFFIX_LEN] + b"}").hexdigest().encode("ascii") == stated


def _parse(raw: bytes) -> dict:
    """Check one line's own integrity and shape; return the parsed object."""
    if not raw.endswith(b"\n"):
        raise _Invalid("the line is incomplete (no newline at its end)")
    if not _hash_matches(raw):
        raise _Invalid("the line's hash does not match its bytes")
    try:
        obj = _DECODER.decode(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise _Invalid("the line is not valid JSON") from None
    if not isinstance(obj, dict) or obj.get("v") != FORMAT_VERSION:
        raise _Invalid("the line is not a version-1 journal line")
    if type(obj.get("seq")) is not int or not isinstance(obj.get("prev"), str):
        raise _Invalid("the line has no valid seq or prev")
    return obj


def _edits_from_a_line(fragment: bytes) -> int:
    """How many bytes `fragment` differs from the fixed parts of a line (capped at 2)."""
    if len(fragment) < _MIN_LINE:
        return 2
    count = 0 if fragment.endswith(b"\n") else 1
    count += sum(a != b for a, b in zip(fragment[: len(_LINE_START)], _LINE_START, strict=True))
    for actual, wanted in zip(fragment[-_SUFFIX_LEN:-1], _SUFFIX_TEMPLATE, strict=True):
        if count > 1:
            break
        count += actual not in _HEX_DIGITS if wanted == 0x23 else actual != wanted
    return min(count, 2)


def _is_damage(tail: bytes) -> bool:
    """Is an invalid end region damage (True) or what an interrupted append leaves (False)?

    Damage: some line in it is correctly hashed, or the region or one of its lines is a whole
    line but for at most one byte. A NUL byte marks a torn write (the journal never writes one;
    zero-filled blocks are what a power cut leaves), so a fragment holding one is torn.
    """
    if b"\0" not in tail and _edits_from_a_line(tail) <= 1:
        return True
    start = 0
    while start < len(tail):
        newline = tail.find(b"\n", start)
        stop = len(tail) if newline < 0 else newline + 1
        fragment = tail[start:stop]
        if _hash_matches(fragment):
            return True
        if b"\0" not in fragment and _edits_from_a_line(fragment) <= 1:
            return True
        start = stop
    return False


# --------------------------------------------------------------------------- reading


@dataclass
class _Segment:
    name: str
    number: int
    data: bytes
    header: dict
    header_end: int
    valid_end: int = 0
    durable_end: int = 0
    bad_offset: int | None = None
    bad_line: int = 0
    bad_seq: int = 0
    bad_problem: str = ""


@dataclass
class _State:
    session_id: str
    nonce: str
    app: str
    segments: list[_Segment]
    entries: list[Entry]
    tips: list[str]  # tips[seq]: the chain head once the effective sequence reached seq
    torn: TornTail | None

    @property
    def head(self) -> str:
        return self.tips[-1]


def _list_segments(session_dir: Path) -> list[tuple[int, str]]:
    found = []
    for name in os.listdir(session_dir):
        match = SEGMENT_PATTERN.match(name)
        if match:
            found.append((int(match.group(1)), name))
    return sorted(found)


def _read(session_dir: Path) -> _State:
    """Read and verify every segment. Raises JournalDamaged; reports (not repairs) a torn tail."""
    session_dir = Path(session_dir)
    listed = _list_segments(session_dir)
    if not listed:
        raise FileNotFoundError(errno_codes.ENOENT, "no session journal here", str(session_dir))
    for expected, (number, _name) in enumerate(listed, start=1):
        if number != expected:
            raise JournalDamaged(
                segment_name(expected),
                0,
                0,
                "this segment file is missing although later ones exist",
            )
    segments: list[_Segment] = []
    entries: list[Entry] = []
    ends: list[int] = []  # ends[i]: end offset of entries[i] in its segment
    tips: list[str] = []
    first: dict = {}

    def damaged(segment: str, line: int, problem: str) -> JournalDamaged:
        return JournalDamaged(
            segment,
            line,
            len(tips) if tips else 0,
            problem,
            entries_before=len(entries),
            head_before=tips[-1] if tips else "",
        )

    for number, name in listed:
        data = (session_dir / name).read_bytes()
        newline = data.find(b"\n")
        header_end = newline + 1 if newline >= 0 else len(data)
        try:
            header = _parse(data[:header_end])
            if header.get("kind") != "header":
                raise _Invalid("the first line is not a segment header")
            if header.get("segment") != number:
                raise _Invalid("the header names another segment number")
            if number == 1:
                nonce = header.get("nonce")
                if not (isinstance(nonce, str) and re.fullmatch(r"[0-9a-f]{64}", nonce)):
                    raise _Invalid("the header has no valid nonce")
                if not isinstance(header.get("session"), str):
                    raise _Invalid("the header names no session")
                if header["seq"] != 0 or header["prev"] != ZERO_HASH:
                    raise _Invalid("the first header must have seq 0 and an all-zero prev")
                if header.get("prev_segment") is not None:
                    raise _Invalid("the first header names a previous segment")
            else:
                if (header.get("session"), header.get("nonce")) != (
                    first["session"],
                    first["nonce"],
                ):
                    raise _Invalid("the header belongs to another session (session or nonce)")
                if header.get("prev_segment") != segments[-1].name:
                    raise _Invalid(f"the header does not continue {segments[-1].name}")
        except _Invalid as invalid:
            raise damaged(name, 1, f"segment header: {invalid}") from None

        if number == 1:
            first = header
            tips = [header["h"]]
        else:
            previous = segments[-1]
            resume_seq = header["seq"]
            if resume_seq < previous.header["seq"]:
                raise damaged(name, 1, "the header continues from before the previous segment")
            if resume_seq >= len(tips):
                if previous.bad_offset is not None:
                    raise JournalDamaged(
                        previous.name,
                        previous.bad_line,
                        previous.bad_seq,
                        previous.bad_problem,
                        entries_before=len(entries),
                        head_before=tips[-1],
                    )
                raise damaged(name, 1, f"the header continues from seq {resume_seq}, not held")
            if tips[resume_seq] != header["prev"]:
                raise damaged(name, 1, f"the header's prev is not the chain head at {resume_seq}")
            # Lines of the previous segment after resume_seq are superseded (re-appended here).
            del entries[resume_seq:], ends[resume_seq:], tips[resume_seq + 1 :]
            in_previous = bool(entries) and entries[-1].segment == previous.name
            previous.durable_end = ends[-1] if in_previous else previous.header_end
            tips[-1] = header["h"]

        segment = _Segment(name, number, data, header, header_end)
        position, line_no = header_end, 1
        while position < len(data):
            newline = data.find(b"\n", position)
            stop = newline + 1 if newline >= 0 else len(data)
            line_no += 1
            try:
                obj = _parse(data[position:stop])
                if obj.get("kind") != "entry":
                    raise _Invalid("a line that is not an entry inside a segment")
                if obj["seq"] != len(tips):
                    raise _Invalid(f"seq {obj['seq']} where {len(tips)} was expected")
                if obj["prev"] != tips[-1]:
                    raise _Invalid("its prev is not the hash of the line before")
                if not isinstance(obj.get("data"), dict):
                    raise _Invalid("its data is not an object")
            except _Invalid as invalid:
                segment.bad_offset, segment.bad_line = position, line_no
                segment.bad_seq, segment.bad_problem = len(tips), str(invalid)
                break
            entries.append(Entry(obj["seq"], obj["data"], obj["h"], line_no, name))
            ends.append(stop)
            tips.append(obj["h"])
            position = stop
        segment.valid_end = position
        segment.durable_end = position
        segments.append(segment)

    last = segments[-1]
    torn = None
    if last.bad_offset is not None:
        tail = last.data[last.bad_offset :]
        if _is_damage(tail):
            raise JournalDamaged(
                last.name,
                last.bad_line,
                last.bad_seq,
                last.bad_problem,
                entries_before=len(entries),
                head_before=tips[-1],
            )
        torn = TornTail(
            last.name, last.bad_offset, len(tail), hashlib.sha256(tail).hexdigest(), None
        )
    return _State(
        session_id=first["session"],
        nonce=first["nonce"],
        app=str(first.get("app", "")),
        segments=segments,
        entries=entries,
        tips=tips,
        torn=torn,
    )


def read_journal(session_dir: Path) -> OpenReport:
    """Read and verify a session's journal without repairing or locking it.

    For `record verify` and listings. A torn tail is reported (`copy_path` None) and left in
    place; damage raises JournalDamaged; a folder without a journal raises FileNotFoundError.
    """
    state = _read(session_dir)
    return OpenReport(state.entries, state.torn)


def verify_chain(session_dir: Path) -> VerifyResult:
    """Verify every line, hash and link. `ok` is True when the chain holds up to its head.

    A torn tail (an interrupted last append) does not make `ok` False; it is in `torn_tail`.
    """
    try:
        state = _read(session_dir)
    except JournalDamaged as damage:
        return VerifyResult(
            ok=False,
            entries=damage.entries_before,
            head=damage.head_before,
            problem=damage.problem,
            segment=damage.segment,
            line=damage.line,
            seq=damage.seq,
        )
    except FileNotFoundError:
        return VerifyResult(ok=False, entries=0, head="", problem="no session journal here")
    return VerifyResult(
        ok=True,
        entries=len(state.entries),
        head=state.head,
        segments=len(state.segments),
        torn_tail=state.torn,
    )


# --------------------------------------------------------------------------- writing


def _write_once(fd: int, data: bytes) -> None:
    """One os.write of the whole buffer; a short write is a failure (the rest may be torn)."""
    written = os.write(fd, data)
    if written != len(data):
        raise OSError(errno_codes.ENOSPC, f"short write ({written} of {len(data)} bytes)")


def _create_segment(folder: Path, name: str, data: bytes) -> int:
    """Create `folder/name` holding `data`, whole or not at all; return an O_APPEND fd to it.

    Written to a temporary file beside it, fsynced, renamed into place (replacing an unfinished
    earlier attempt), then the folder is fsynced: only then is the segment durable.
    """
    tmp = folder / f".{name}.tmp-{secrets.token_hex(8)}"
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND | _CLOEXEC
    fd = os.open(tmp, flags, PRIVATE_FILE_MODE)
    try:
        os.fchmod(fd, PRIVATE_FILE_MODE)
        _write_once(fd, data)
        fsync_fd(fd)
        os.replace(tmp, folder / name)
        fsync_dir(folder)
    except BaseException:
        _close_quietly(fd)
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    return fd


def _close_quietly(fd: int | None) -> None:
    if fd is None:
        return
    try:
        os.close(fd)
    except OSError:
        pass


def _set_aside(folder: Path, segment: str, offset: int, tail: bytes) -> Path:
    """Copy a torn tail to `journal-000N.torn-<offset>` (fsynced, never overwriting)."""
    base = f"{segment.removesuffix('.jsonl')}.torn-{offset}"
    for attempt in itertools.count(1):
        path = folder / (base if attempt == 1 else f"{base}.{attempt}")
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _CLOEXEC, 0o600)
        except FileExistsError:
            # An earlier recovery was interrupted after copying: reuse an identical copy.
            if path.read_bytes() == tail:
                fd = os.open(path, os.O_RDONLY | _CLOEXEC)
                try:
                    fsync_fd(fd)
                finally:
                    os.close(fd)
                fsync_dir(folder)
                return path
            continue
        try:
            try:
                os.fchmod(fd, PRIVATE_FILE_MODE)
                view = memoryview(tail)
                while view:
                    view = view[os.write(fd, view) :]
                fsync_fd(fd)
            finally:
                os.close(fd)
        except BaseException:
            try:
                os.unlink(path)  # a partial copy would only confuse the next attempt
            except OSError:
                pass
            raise
        fsync_dir(folder)
        return path
    raise AssertionError("unreachable")


@dataclass
class _Durable:
    """The bytes of one segment known to be on disk (for moving the session elsewhere)."""

    name: str
    data: bytearray


class Journal:
    """The one writer of a session's journal. Create with `create` or `open`."""

    def __init__(
        self,
        *,
        session_dir: Path,
        lock: SessionLock,
        fd: int,
        session_id: str,
        nonce: str,
        app: str,
        segments: list[_Durable],
        segment_number: int,
        lines_in_segment: int,
        entries: list[Entry],
        head: str,
        ballast_bytes: int,
    ) -> None:
        self.session_dir = Path(session_dir)
        self.session_id = session_id
        self.nonce = nonce
        self.app = app
        self._lock = lock
        self._fd: int | None = fd
        self._segments = segments
        self._segment_number = segment_number
        self._lines_in_segment = lines_in_segment
        self._entries = entries
        self._head = head
        self._pending: list[dict] = []
        self._failed: int | None = None
        self._closed = False
        self.ballast_bytes = ballast_bytes  # reserved again in a folder the session moves to

    # ----------------------------------------------------------------- opening

    @classmethod
    def create(
        cls,
        session_dir: Path,
        *,
        session_id: str,
        app: str,
        now: str,
        ballast_bytes: int = BALLAST_BYTES,
    ) -> Journal:
        """Start a new session journal in `session_dir` (created 0700 if missing).

        Takes the lock, writes `journal-0001.jsonl` holding the header (fsync file and folder),
        then reserves `ballast_bytes` of ballast (best effort; 0 for none).
        """
        session_dir = Path(session_dir)
        try:
            ensure_private_dir(session_dir)
        except OSError as error:
            raise JournalWriteError(
                error.errno, [], action="creating the session folder", path=session_dir
            ) from error
        lock = SessionLock(session_dir).acquire()
        try:
            if _list_segments(session_dir):
                raise JournalError(f"{session_dir} already holds a session journal")
            nonce = secrets.token_hex(32)
            line, digest = _header(
                seq=0,
                session_id=session_id,
                nonce=nonce,
                app=app,
                ts=now,
                segment=1,
                prev_segment=None,
                reason=None,
                prev=ZERO_HASH,
            )
            name = segment_name(1)
            try:
                fd = _create_segment(session_dir, name, line)
            except OSError as error:
                raise JournalWriteError(
                    error.errno, [], action="creating the journal", path=session_dir / name
                ) from error
        except BaseException:
            lock.release()
            raise
        create_ballast(session_dir, ballast_bytes)
        return cls(
            session_dir=session_dir,
            lock=lock,
            fd=fd,
            session_id=session_id,
            nonce=nonce,
            app=app,
            segments=[_Durable(name, bytearray(line))],
            segment_number=1,
            lines_in_segment=1,
            entries=[],
            head=digest,
            ballast_bytes=ballast_bytes,
        )

    @classmethod
    def open(
        cls, session_dir: Path, *, ballast_bytes: int = BALLAST_BYTES
    ) -> tuple[Journal, OpenReport]:
        """Resume a session: lock it, read and verify every segment, set aside a torn tail.

        Raises SessionLocked if another writer has it, JournalDamaged for damage before the
        tail (nothing is changed), FileNotFoundError if there is no journal, JournalWriteError
        if the last segment cannot be opened for writing or the repair cannot be written.
        """
        session_dir = Path(session_dir)
        lock = SessionLock(session_dir).acquire()
        fd = None
        try:
            state = _read(session_dir)
            last = state.segments[-1]
            path = session_dir / last.name
            torn = state.torn
            try:
                fd = os.open(path, os.O_WRONLY | os.O_APPEND | _CLOEXEC)
                if stat.S_IMODE(os.fstat(fd).st_mode) != PRIVATE_FILE_MODE:
                    os.fchmod(fd, PRIVATE_FILE_MODE)
                if torn is not None:
                    tail = last.data[torn.offset :]
                    try:
                        copy = _set_aside(session_dir, last.name, torn.offset, tail)
                    except OSError as error:
                        # A full disk must not stop a resume: the ballast is there for this.
                        if error.errno != errno_codes.ENOSPC or not release_ballast(session_dir):
                            raise
                        copy = _set_aside(session_dir, last.name, torn.offset, tail)
                    os.ftruncate(fd, torn.offset)
                    fsync_fd(fd)
                    torn = replace(torn, copy_path=copy)
            except OSError as error:
                raise JournalWriteError(
                    error.errno, [], action="opening the journal for writing", path=path
                ) from error
        except BaseException:
            _close_quietly(fd)
            lock.release()
            raise
        create_ballast(session_dir, ballast_bytes)
        durable = [_Durable(s.name, bytearray(s.data[: s.durable_end])) for s in state.segments]
        lines_in_last = 1 + sum(1 for e in state.entries if e.segment == last.name)
        journal = cls(
            session_dir=session_dir,
            lock=lock,
            fd=fd,
            session_id=state.session_id,
            nonce=state.nonce,
            app=state.app,
            segments=durable,
            segment_number=last.number,
            lines_in_segment=lines_in_last,
            entries=state.entries,
            head=state.head,
            ballast_bytes=ballast_bytes,
        )
        return journal, OpenReport(list(state.entries), torn)

    # ----------------------------------------------------------------- state

    @property
    def head(self) -> str:
        """The hash of the last durable line: what the next line chains to."""
        return self._head

    @property
    def next_seq(self) -> int:
        return len(self._entries) + 1

    @property
    def last_entry(self) -> Entry | None:
        """The last durable entry (the header of a new segment is not one)."""
        return self._entries[-1] if self._entries else None

    @property
    def entries(self) -> list[Entry]:
        """Every durable entry in order (a copy of the list)."""
        return list(self._entries)

    @property
    def pending(self) -> list[dict]:
        """Payloads given to `append` that are not known to be on disk, oldest first."""
        return list(self._pending)

    @property
    def failed(self) -> int | None:
        """The errno of the write error being handled, or None when writing works."""
        return self._failed

    @property
    def segment(self) -> str:
        """The file name of the segment being appended to."""
        return segment_name(self._segment_number)

    # ----------------------------------------------------------------- writing

    def append(self, payload: dict) -> Entry:
        """Write `payload` as the next line and fsync it; return only once it is durable.

        On any OSError raises JournalWriteError at once, with the payload (and any earlier
        unsaved ones) in `pending`; the failed file is not written again. Until `continue_in`
        succeeds, every append adds to `pending` and raises JournalWriteError without writing.
        A payload JSON cannot hold raises ValueError and is not kept.
        """
        self._check_open()
        if not isinstance(payload, dict):
            raise TypeError("a journal payload must be a dict")
        seq = self.next_seq
        line, digest = _encode_entry(seq, payload, self._head)
        if self._failed is not None:
            self._pending.append(payload)
            raise JournalWriteError(
                self._failed,
                self._pending,
                action="saving (the journal has not recovered from an earlier error)",
                path=self.session_dir / self.segment,
            )
        try:
            if self._fd is None:
                raise OSError(errno_codes.EBADF, "the journal file is not open")
            _write_once(self._fd, line)
            fsync_fd(self._fd)
        except OSError as error:
            self._fail(error)
            self._pending.append(payload)
            raise JournalWriteError(
                self._failed,
                self._pending,
                action="writing an entry",
                path=self.session_dir / self.segment,
            ) from error
        self._lines_in_segment += 1
        entry = Entry(seq, json.loads(line)["data"], digest, self._lines_in_segment, self.segment)
        self._entries.append(entry)
        self._segments[-1].data += line
        self._head = digest
        return entry

    def _fail(self, error: OSError) -> None:
        self._failed = error.errno or errno_codes.EIO
        # Never fsync this descriptor again: after a writeback error the kernel may report
        # success for pages it already dropped.
        _close_quietly(self._fd)
        self._fd = None

    def continue_in(self, folder: Path | None = None, *, now: str | None = None) -> None:
        """Start a new segment and re-append every pending payload in it.

        The new segment's header records the previous segment, the last durable seq and the
        head. With `folder` (another folder) the session moves there: the durable bytes of every
        segment are copied into it (fsynced), then the new segment is written, and
        `session_dir` becomes `folder` (the old folder is left as it was). In the same folder
        after ENOSPC the ballast is deleted first to make room.

        Raises JournalWriteError if this fails too (pending kept, nothing acknowledged), or
        SessionLocked if `folder` is another writer's session. A failure in the same folder
        leaves the journal failed (even if it was not before): call `continue_in` again.
        """
        self._check_open()
        target = Path(folder) if folder is not None else self.session_dir
        moving = folder is not None and _real(target) != _real(self.session_dir)
        number = self._segment_number + 1
        name = segment_name(number)
        resume_seq = self.next_seq - 1
        reason = None
        if self._failed is not None:
            reason = errno_codes.errorcode.get(self._failed, str(self._failed))
        header, head = _header(
            seq=resume_seq,
            session_id=self.session_id,
            nonce=self.nonce,
            app=self.app,
            ts=now or datetime.now(UTC).isoformat(),
            segment=number,
            prev_segment=self.segment,
            reason=reason,
            prev=self._head,
        )
        lines = [header]
        new_entries = []
        for offset, payload in enumerate(self._pending, start=1):
            line, head = _encode_entry(resume_seq + offset, payload, head)
            lines.append(line)
            new_entries.append(
                Entry(resume_seq + offset, json.loads(line)["data"], head, 1 + offset, name)
            )
        data = b"".join(lines)

        new_lock = None
        written: list[Path] = []
        try:
            if moving:
                ensure_private_dir(target)
                new_lock = SessionLock(target).acquire()
                if _list_segments(target):
                    raise OSError(errno_codes.EEXIST, "the folder already holds a journal")
                for segment in self._segments:
                    written.append(target / segment.name)
                    write_private_atomic(target / segment.name, bytes(segment.data))
            elif self._failed == errno_codes.ENOSPC:
                release_ballast(target)
            written.append(target / name)
            fd = _create_segment(target, name, data)
        except BaseException as error:
            if moving:
                _remove_quietly(target, written)
            if new_lock is not None:
                new_lock.release()
            if isinstance(error, OSError) and not moving and self._failed is None:
                # The new segment may exist after all (renamed, folder fsync failed): writing on
                # in the old one would put acknowledged lines where it supersedes them.
                self._fail(error)
            if isinstance(error, OSError):
                raise JournalWriteError(
                    error.errno,
                    self._pending,
                    action="starting a new journal segment",
                    path=target / name,
                ) from error
            raise

        _close_quietly(self._fd)
        if moving and new_lock is not None:
            self._lock.release()
            self._lock = new_lock
            self.session_dir = target
            create_ballast(target, self.ballast_bytes)
        self._fd = fd
        self._segments.append(_Durable(name, bytearray(data)))
        self._segment_number = number
        self._lines_in_segment = len(lines)
        self._entries.extend(new_entries)
        self._head = head
        self._pending.clear()
        self._failed = None

    # ----------------------------------------------------------------- closing

    def close(self) -> None:
        """Close the file and release the lock. Pending payloads (if any) stay in `pending`."""
        if self._closed:
            return
        self._closed = True
        _close_quietly(self._fd)
        self._fd = None
        self._lock.release()

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _check_open(self) -> None:
        if self._closed:
            raise JournalError("the journal is closed")


def _real(path: Path) -> str:
    try:
        return os.path.realpath(path)
    except OSError:
        return os.path.abspath(path)


def _remove_quietly(folder: Path, paths: list[Path]) -> None:
    """Undo a failed move: remove the copies written into the new folder (best effort)."""
    for path in paths:
        try:
            os.unlink(path)
        except OSError:
            pass
    try:
        fsync_dir(folder)
    except OSError:
        pass
