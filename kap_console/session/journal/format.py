"""The journal's line format: how a line is encoded, hashed and checked on its own.

Line format (`json.dumps(separators=(",", ":"), ensure_ascii=False, allow_nan=False)`):

    {"v":1,"seq":0,"kind":"header","session":…,"nonce":<64 hex>,"app":…,"ts":…,
     "segment":1,"prev_segment":null,"reason":null,"prev":"000…0","h":…}
    {"v":1,"seq":1,"kind":"entry","data":{…payload…},"prev":<h of the line before>,"h":…}

`h` is always the last key: the SHA-256 (hex) of the line's bytes up to `,"h":"`, with `}`
appended, i.e. of the line as it was before `h` was added. Verification hashes the bytes as
written and never re-serialises. `prev` chains each line to the one before; the header's random
nonce starts the chain, so lines cannot be spliced in from another session.

Segments. The journal is one or more segment files, each starting with a header. After a write
error the writer starts the next segment, whose header has `"seq": N` (the last durable entry),
`"prev"`: the chain head at N, and `"prev_segment"`: the previous file's name; the payloads not
known to be durable are re-appended after it with seqs N+1, N+2, … Lines of the earlier segment
beyond N are superseded: a reader skips them, so each payload appears exactly once in the
effective sequence. A segment is created whole (temporary file, fsync, rename, folder fsync),
so it never exists without its header.

This module knows single lines only; whether a line fits the chain is journal_read.py's
business, and writing them is journal.py's.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

FORMAT_VERSION = 1
ZERO_HASH = "0" * 64
SEGMENT_PATTERN = re.compile(r"^journal-(\d{4,})\.jsonl$")

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
    """The file name of segment `number` (1-based): `journal-0001.jsonl`, …"""
    return f"journal-{number:04d}.jsonl"


# --------------------------------------------------------------------------- encoding


def encode_line(record: dict[str, Any]) -> tuple[bytes, str]:
    """Serialise `record` (without `h`) into a complete line; return it and its hash."""
    body = json.dumps(record, **_JSON_OPTIONS).encode("utf-8")
    digest = hashlib.sha256(body).hexdigest()
    return body[:-1] + _HASH_KEY + digest.encode("ascii") + _HASH_END, digest


def encode_entry(seq: int, payload: dict[str, Any], prev: str) -> tuple[bytes, str]:
    """The entry line holding `payload` at `seq`, chained to `prev`; and its hash.

    Raises ValueError (never quoting the payload) if JSON cannot hold the payload.
    """
    record = {"v": FORMAT_VERSION, "seq": seq, "kind": "entry", "data": payload, "prev": prev}
    try:
        return encode_line(record)
    except (TypeError, ValueError, UnicodeEncodeError, RecursionError) as error:
        # The original message may quote part of the payload: say only what kind of problem.
        raise ValueError(
            f"the payload cannot be stored as JSON ({type(error).__name__}); use str, int, "
            "float (not NaN or infinity), bool, None, lists and dicts with str keys"
        ) from None


def segment_header(
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
    moved_from: str | None = None,
) -> tuple[bytes, str]:
    """The header line that starts a segment, and its hash.

    `moved_from` (only in the first segment written in a folder the session moved to) names
    the folder it continued from, so the old copy can be told apart from the live one from
    this side even when the old folder could not be marked (a read-only disk).
    """
    record: dict[str, Any] = {
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
    }
    if moved_from is not None:
        record["moved_from"] = moved_from
    record["prev"] = prev
    return encode_line(record)


# --------------------------------------------------------------------------- checking


class InvalidLine(Exception):
    """A line that is not a valid journal line (internal; becomes torn tail or damage)."""


def _reject_constant(name: str) -> None:
    raise ValueError(name)


# One decoder for every line (json.loads with options builds a new one per call).
_DECODER = json.JSONDecoder(parse_constant=_reject_constant)


def hash_matches(raw: bytes) -> bool:
    """True if `raw` is newline-terminated, ends with the hash suffix and the hash is right."""
    if len(raw) < _MIN_LINE or not raw.endswith(_HASH_END):
        return False
    if raw[-_SUFFIX_LEN : -_SUFFIX_LEN + len(_HASH_KEY)] != _HASH_KEY:
        return False
    stated = raw[-_SUFFIX_LEN + len(_HASH_KEY) : -len(_HASH_END)]
    return hashlib.sha256(raw[:-_SUFFIX_LEN] + b"}").hexdigest().encode("ascii") == stated


def parse_line(raw: bytes) -> dict[str, Any]:
    """Check one line's own integrity and shape; return the parsed object."""
    if not raw.endswith(b"\n"):
        raise InvalidLine("the line is incomplete (no newline at its end)")
    if not hash_matches(raw):
        raise InvalidLine("the line's hash does not match its bytes")
    try:
        obj = _DECODER.decode(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise InvalidLine("the line is not valid JSON") from None
    if not isinstance(obj, dict) or obj.get("v") != FORMAT_VERSION:
        raise InvalidLine("the line is not a version-1 journal line")
    if type(obj.get("seq")) is not int or not isinstance(obj.get("prev"), str):
        raise InvalidLine("the line has no valid seq or prev")
    return obj


def edits_from_a_line(fragment: bytes) -> int:
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
