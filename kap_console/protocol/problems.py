"""Problems found in a protocol file, said in plain words and placed at a line and column.

`Problem` prints compiler style (`path:line:col: message`), so editors and CI logs can jump to
it. This module also turns pydantic's validation errors into sentences a practice can act on:
what is wrong, with which key, and what the key should hold.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
import types
import typing
from dataclasses import dataclass
from typing import Any

from .locate import Loc
from .models import SEMVER_PATTERN


@dataclass(frozen=True)
class Problem:
    """One problem: where (file, 1-based line and column, key path) and what."""

    path: str
    line: int
    col: int
    message: str
    key: str = ""

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.col}: {self.message}"

    def to_dict(self) -> dict[str, object]:
        return {"line": self.line, "col": self.col, "key": self.key, "message": self.message}


class ProtocolError(Exception):
    """A protocol file could not be loaded; `problems` says every reason found, in file order."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(problem) for problem in self.problems))


_BARE = re.compile(r"[A-Za-z0-9_-]+")


def format_key(loc: Loc) -> str:
    """A key path as a reader writes it: `measures[3].thresholds[0].above`."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            name = part if _BARE.fullmatch(part) else '"' + part.replace('"', '\\"') + '"'
            out += f".{name}" if out else name
    return out


def clean_loc(loc: tuple[object, ...]) -> Loc:
    """The part of a pydantic `loc` that names keys and indexes in the file."""
    out: list[str | int] = []
    for part in loc:
        if isinstance(part, bool) or not isinstance(part, str | int):
            break
        if isinstance(part, str) and part.startswith(("function-", "[key]")):
            break
        out.append(part)
    return tuple(out)


# -- what the model expects where ----------------------------------------------------------


def _unwrap(tp: Any) -> Any:
    """Strip Annotated and Optional to reach the type a key holds."""
    for _ in range(10):
        origin = typing.get_origin(tp)
        if origin is typing.Annotated:
            tp = typing.get_args(tp)[0]
        elif origin in (typing.Union, types.UnionType):
            options = [a for a in typing.get_args(tp) if a is not type(None)]
            if len(options) != 1:
                return tp
            tp = options[0]
        else:
            return tp
    return tp


def _is_model(tp: Any) -> bool:
    return isinstance(tp, type) and hasattr(tp, "model_fields")


def type_at(root: type, loc: Loc) -> Any:
    """The type the model expects at `loc` (a model class, list[...], a Literal...), or None."""
    tp: Any = root
    for part in loc:
        tp = _unwrap(tp)
        origin = typing.get_origin(tp)
        if isinstance(part, int):
            if origin is not list:
                return None
            tp = typing.get_args(tp)[0]
        elif _is_model(tp):
            field = tp.model_fields.get(part)
            if field is None:
                return None
            tp = field.annotation
        elif origin is dict:
            tp = typing.get_args(tp)[1]
        else:
            return None
    return _unwrap(tp)


def _fields(root: type, loc: Loc) -> list[str]:
    tp = type_at(root, loc)
    return list(tp.model_fields) if _is_model(tp) else []


def _close(word: str, options: list[str]) -> str | None:
    lowered = {option.lower(): option for option in options}
    match = difflib.get_close_matches(word.lower(), list(lowered), n=1, cutoff=0.6)
    return lowered[match[0]] if match else None


# -- describing values ---------------------------------------------------------------------


def _short(value: object, limit: int = 40) -> str:
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def describe_value(value: object) -> str:
    """How a TOML value reads to a person: `text "120"`, `the number 1.5`, `a table`…"""
    if isinstance(value, bool):
        return f"{'true' if value else 'false'} (true/false)"
    if isinstance(value, int):
        return f"the whole number {value}"
    if isinstance(value, float):
        # 15.0 is a decimal in TOML: say so, or "expected a whole number, got 15" reads wrong.
        if value.is_integer() and abs(value) < 1e16:
            return f"the decimal {value:.1f} (write {int(value)})"
        return f"the number {value:g}"
    if isinstance(value, str):
        return f"text {_short(value)}" if value else "empty text"
    if isinstance(value, list):
        return "an array" if value else "an empty array"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return f"the date/time {value.isoformat()}"
    return type(value).__name__


def _number(value: object) -> str:
    if isinstance(value, float) and not isinstance(value, bool):
        return f"{value:g}"
    return str(value)


def _looks_numeric(value: object) -> bool:
    if not isinstance(value, str):
        return False
    try:
        float(value)
    except ValueError:
        return False
    return True


_EXPECTED = {
    "string_type": "text in quotes",
    "int_type": "a whole number",
    "int_from_float": "a whole number",
    "int_parsing": "a whole number",
    "float_type": "a number",
    "float_parsing": "a number",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "list_type": "an array [ … ]",
    "dict_type": "a table",
    "model_type": "a table",
    "model_attributes_type": "a table",
}

_PATTERN_HINTS = {
    r"^[a-z][a-z0-9_-]*$": "is not a valid id: use lower-case letters, digits, '_' and '-', "
    "starting with a letter",
    SEMVER_PATTERN: "is not a version number like 1.0.0 or 1.2.0 (a semantic version: "
    "major.minor.patch)",
}


def _entries(count: object) -> str:
    return f"{count} entry" if count == 1 else f"{count} entries"


@dataclass(frozen=True)
class Described:
    """One validation error in plain words: the key path it concerns, the message, the path
    to name before the message, and whether to point at the key rather than its value."""

    loc: Loc
    message: str
    label: Loc
    on_key: bool = False


def describe_error(error: dict[str, Any], root: type) -> Described:
    """Plain words for one pydantic error, against the model `root` it was validated with."""
    loc = clean_loc(tuple(error.get("loc", ())))
    kind = error.get("type", "")
    if kind == "missing" and loc:
        return Described(loc, f"required key '{loc[-1]}' is missing", loc[:-1])
    if kind == "extra_forbidden" and loc:
        return Described(loc, _unknown_key(root, loc, str(loc[-1])), loc[:-1], on_key=True)
    return Described(loc, _value_message(error), loc)


def _value_message(error: dict[str, Any]) -> str:
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    value = error.get("input")
    if kind in _EXPECTED:
        text = f"expected {_EXPECTED[kind]}, got {describe_value(value)}"
        if kind.startswith(("int", "float")) and _looks_numeric(value):
            text += " (write numbers without quotes)"
        elif (
            kind.startswith("bool")
            and isinstance(value, str)
            and value.lower() in ("true", "false")
        ):
            text += " (write true or false without quotes)"
        return text
    if kind == "literal_error":
        expected = str(ctx.get("expected", ""))
        options = re.findall(r"'([^']*)'", expected)
        text = f"expected one of {expected}, got {describe_value(value)}"
        if isinstance(value, str):
            suggestion = _close(value, options)
            if suggestion:
                text += f" (did you mean '{suggestion}'?)"
        return text
    if kind == "string_pattern_mismatch":
        hint = _PATTERN_HINTS.get(str(ctx.get("pattern")), "does not have the expected form")
        return f"{_short(value)} {hint}"
    if kind == "string_too_short":
        return "must not be empty"
    if kind == "string_too_long":
        return f"is too long (at most {ctx.get('max_length')} characters)"
    if kind == "too_short":
        return f"needs at least {_entries(ctx.get('min_length'))}"
    if kind == "too_long":
        return f"has too many entries (at most {ctx.get('max_length')})"
    bounds = {
        "greater_than": ("greater than", "gt"),
        "greater_than_equal": ("at least", "ge"),
        "less_than": ("less than", "lt"),
        "less_than_equal": ("at most", "le"),
    }
    if kind in bounds:
        words, key = bounds[kind]
        return f"must be {words} {_number(ctx.get(key))}, got {_short(value)}"
    if kind == "finite_number":
        return f"must be a finite number, got {_short(value)}"
    if kind in ("value_error", "assertion_error"):
        return str(ctx.get("error") or error.get("msg", ""))
    if kind == "recursion_loop":
        return "nests too deeply"
    message = str(error.get("msg", "is not valid"))
    return message[:1].lower() + message[1:]


def _unknown_key(root: type, loc: Loc, name: str) -> str:
    parent = loc[:-1]
    valid = _fields(root, parent)
    text = f"unknown key '{name}'"
    suggestion = _close(name, valid) if valid else None
    if suggestion:
        return text + f" (did you mean '{suggestion}'?)"
    # In TOML, keys written below a sub-table header belong to that sub-table. When the key
    # is valid in an enclosing table, it was most likely meant for that one.
    for end in range(len(parent) - 1, 0, -1):
        owner = parent[:end]
        if name in _fields(root, owner):
            header = ".".join(str(p) for p in parent if isinstance(p, str))
            header = f"[[{header}]]" if isinstance(parent[-1], int) else f"[{header}]"
            return text + (
                f" here, but it is a key of {format_key(owner)}: keys below a {header} "
                "header belong to that header, so move it above"
            )
    if valid:
        return text + f" (valid keys: {', '.join(valid)})"
    return text
