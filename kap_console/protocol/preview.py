"""What the start form shows of a protocol, read with tomllib alone: no pydantic, no models.

The start form is the first screen a facilitator can act on, so it is drawn from this
preview (title, version, the disclaimer, who approved it) while the protocol is validated
behind it. The preview decides nothing: a file it cannot read gives None, and the loader
then says exactly what is wrong; a file it reads but the loader refuses replaces the form
with the loader's located errors. Only a validated protocol ever starts a session.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, NamedTuple

# No larger than the loader accepts (protocol.loader.MAX_PROTOCOL_BYTES, which is checked
# there); a preview of anything larger is not attempted.
PREVIEW_MAX_BYTES = 1024 * 1024


class ProtocolPreview(NamedTuple):
    """The attributes of a protocol the start form and `approval_line` read. A NamedTuple,
    not a frozen dataclass: built for the first frame, where a dataclass costs ~0.4 ms."""

    path: Path
    id: str
    title: str
    version: str
    example: bool
    training: bool
    disclaimer: str | None
    status: str | None
    approved_by: str | None
    approved_on: Any


def top_level_part(text: str) -> str:
    """The lines of a TOML document before its first table header. Every top-level key is
    set there (after a header, keys belong to that table), so parsing this part alone gives
    the same top-level values; a header-like line inside a multi-line string or array cuts
    that value short, and the part then fails to parse."""
    header = re.search(r"^[ \t]*\[", text, re.MULTILINE)
    return text if header is None else text[: header.start()]


def read_preview(path: Path) -> ProtocolPreview | None:
    """The preview of the protocol file at `path`, or None when it cannot be read cheaply.
    Only the top-level part is parsed (a fifth of the bundled protocols, and what a preview
    reads); the whole file when that part does not parse on its own."""
    from kap_console.file_reading import read_regular_file
    from kap_console.protocol.toml_files import TomlProblem, decode_text, parse_toml

    try:
        source = decode_text(read_regular_file(path, limit=PREVIEW_MAX_BYTES))
        try:
            data = parse_toml(top_level_part(source))
        except TomlProblem:
            data = parse_toml(source)
    except (OSError, TomlProblem):
        return None

    def text(key: str) -> str | None:
        value = data.get(key)
        return value if isinstance(value, str) else None

    title, version = text("title"), text("version")
    if title is None or version is None:
        return None
    return ProtocolPreview(
        path=Path(path),
        id=text("id") or "",
        title=title,
        version=version,
        example=data.get("example") is True,
        training=data.get("training") is True,
        disclaimer=text("disclaimer"),
        status=text("status"),
        approved_by=text("approved_by"),
        approved_on=data.get("approved_on"),
    )
