"""The TOML text of a record document, byte for byte what `tomli_w.dumps` writes for it.

`tomli_w` is general: it checks every value's type against several classes, renders every
table of an array of tables inline once to decide whether it fits on a line, and escapes
strings one character at a time. At close, for a session of 100,000 entries, that is most of
the time spent. This writer follows the same rules for the values a record holds (str, int,
float, bool, date, datetime, lists and tables) and takes the document as `model_dump` gives
it, so the copy `record_to_toml_dict` makes is not needed:

- a None value is left out (TOML has no null), as `record_to_toml_dict` leaves it out;
- a datetime is written in UTC, as `record_to_toml_dict` converts it;
- a list holding None cannot be written: `EmptyInList` (the caller names where).

That the text is exactly `tomli_w.dumps(record_to_toml_dict(...))` is checked by the tests,
for generated documents of every shape a record uses and for real records; tomli_w's own
round trip through `tomllib` is checked there too. Anything else raises TypeError.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime
from typing import Any

from pydantic import BaseModel

# tomli_w: a table of an array of tables is written inline when `    {…},` fits in 100 chars.
_INLINE_LIMIT = 100 - len("    ") - len(",")
_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+\Z")
# What a basic string must escape: '"', '\\' and the control characters except tab.
_NEEDS_ESCAPE = re.compile(r'["\\\x00-\x08\x0a-\x1f\x7f]')
_ESCAPES = {"\b": "\\b", "\n": "\\n", "\f": "\\f", "\r": "\\r", '"': '\\"', "\\": "\\\\"}


class EmptyInList(Exception):
    """A list holds None, which TOML cannot write."""


def toml_text(document: dict[str, Any]) -> str:
    """The TOML text of `document` (None values left out, datetimes in UTC)."""
    out: list[str] = []
    _Writer(out).table(document, "", False)
    return "".join(out)


def fields_chunks(fields: Iterable[tuple[str, Any]], header: str = "") -> Iterator[str]:
    """`header` + the TOML text of a document whose top-level entries are `fields`, in order,
    in pieces: one per top-level table.

    A value is a model (a table), a list of models or an iterator of models (an array of
    tables, or an inline array when every table is short), or a plain value. Each model is
    dumped when it is written and let go after, and an iterator is drawn from only as it is
    written: at close, the whole record's document (or all its rows, or its whole text)
    never exists at once. The bytes are those `toml_text` gives for the whole dump (checked
    by the tests).
    """
    out: list[str] = [header]
    writer = _Writer(out)
    literals: list[str] = []
    tables: list[tuple[str, Iterable[Any], bool]] = []
    for name, value in fields:
        if value is None:
            continue
        if isinstance(value, BaseModel):
            tables.append((name, (value,), False))
        elif type(value) is list and not (value and isinstance(value[0], BaseModel)):
            plain: list[Any] = value
            if plain and _all_tables(plain) and not writer._all_inline(plain):
                tables.append((name, plain, True))
            else:
                literals.append(f"{writer.key(name)} = {writer.literal(plain, 0)}\n")
        elif type(value) is list or isinstance(value, Iterator):
            # Rows are drawn until one is too long to be inline (then all are tables, the rest
            # drawn as they are written), or to the end (then they are one inline array).
            rows = iter(value)
            drawn: list[dict[str, Any]] = []
            for row in rows:
                table = _dump(row)
                drawn.append(table)
                if _surely_long(table) or not writer.fits_inline(table):
                    tables.append((name, itertools.chain(drawn, rows), True))
                    break
            else:
                literals.append(f"{writer.key(name)} = {writer.literal(drawn, 0)}\n")
            del drawn
        elif type(value) is dict:
            tables.append((name, (value,), False))
        else:
            literals.append(f"{writer.key(name)} = {writer.literal(value, 0)}\n")
    started = bool(literals)
    out.append("".join(literals))
    del literals
    for name, items, in_array in tables:
        part = writer.key(name)
        for item in items:
            if started:
                out.append("\n")
            started = True
            writer.table(_dump(item) if isinstance(item, BaseModel) else item, part, in_array)
            yield "".join(out)
            out.clear()
    if out:
        yield "".join(out)


def _dump(model: BaseModel) -> dict[str, Any]:
    return model.model_dump(mode="python", exclude_none=True)


class _Writer:
    def __init__(self, out: list[str]) -> None:
        self.out = out
        self.keys: dict[str, str] = {}

    def key(self, part: str) -> str:
        found = self.keys.get(part)
        if found is None:
            if type(part) is not str:
                raise TypeError(f"a key of type {type(part).__qualname__}; a string is required")
            found = part if _BARE_KEY.match(part) else _string(part)
            self.keys[part] = found
        return found

    def table(self, table: dict[str, Any], name: str, in_array: bool) -> None:
        # Hot at close (every entry of the record is a table): the common scalars are
        # written here without a call.
        out = self.out
        keys = self.keys
        literals: list[str] = []
        tables: list[tuple[str, dict[str, Any], bool]] = []
        for k, v in table.items():
            kind = type(v)
            if kind is str and _NEEDS_ESCAPE.search(v) is None:
                text = f'"{v}"'
            elif kind is int:
                text = str(v)
            elif kind is bool:
                text = "true" if v else "false"
            elif v is None:
                continue
            elif kind is dict:
                tables.append((k, v, False))
                continue
            elif kind is list and v and _all_tables(v) and not self._all_inline(v):
                tables.extend((k, item, True) for item in v)
                continue
            else:
                text = self.literal(v, 0)
            part = keys.get(k) or self.key(k)
            literals.append(f"{part} = {text}\n")
        started = False
        if in_array:
            started = True
            out.append(f"[[{name}]]\n")
        elif name and (literals or not tables):
            started = True
            out.append(f"[{name}]\n")
        if literals:
            started = True
            out.append("".join(literals))
        for k, v, inside in tables:
            if started:
                out.append("\n")
            else:
                started = True
            part = self.key(k)
            self.table(v, f"{name}.{part}" if name else part, inside)

    def literal(self, value: Any, level: int) -> str:
        kind = type(value)
        if kind is str:
            return _string(value)
        if kind is bool:
            return "true" if value else "false"
        if kind is int or kind is float:
            return str(value)
        if kind is datetime:
            return str(value.astimezone(UTC))
        if kind is date:
            return str(value)
        if kind is list:
            if not value:
                return "[]"
            indent = "    " * (level + 1)
            items = []
            for item in value:
                if item is None:
                    raise EmptyInList
                items.append(indent + self.literal(item, level + 1))
            return "[\n" + ",\n".join(items) + ",\n" + "    " * level + "]"
        if kind is dict:
            return self.inline(value)
        return _other(value)

    def inline(self, table: dict[str, Any]) -> str:
        pairs = [f"{self.key(k)} = {self.literal(v, 0)}" for k, v in table.items() if v is not None]
        return "{ " + ", ".join(pairs) + " }" if pairs else "{}"

    def _all_inline(self, tables: list[dict[str, Any]]) -> bool:
        """Would tomli_w write every table of this array inline (short, on one line)?"""
        return all(not _surely_long(table) and self.fits_inline(table) for table in tables)

    def fits_inline(self, table: dict[str, Any]) -> bool:
        text = self.inline(table)
        return len(text) <= _INLINE_LIMIT and "\n" not in text


def _all_tables(items: list[Any]) -> bool:
    for item in items:
        if type(item) is not dict:
            if item is None:
                raise EmptyInList
            return False
    return True


def _surely_long(table: dict[str, Any]) -> bool:
    """A cheap bound: a table whose keys and separators alone pass the limit is not inline,
    and neither is one holding a non-empty list (written over several lines)."""
    size = 2
    for k, v in table.items():
        if v is None:
            continue
        if type(v) is list and v:
            return True
        size += len(k) + 5
        if size > _INLINE_LIMIT:
            return True
    return False


def _other(value: Any) -> str:
    """A subclass of a type a record holds, checked in tomli_w's order."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return str(value.astimezone(UTC))
    if isinstance(value, int | float | date):
        return str(value)
    if isinstance(value, str):
        return _string(value)
    raise TypeError(f"a value of type {type(value).__qualname__} is not one a record holds")


def _string(text: str) -> str:
    if _NEEDS_ESCAPE.search(text) is None:
        return f'"{text}"'
    return '"' + _NEEDS_ESCAPE.sub(_escape, text) + '"'


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    return _ESCAPES.get(char) or f"\\u{ord(char):04x}"
