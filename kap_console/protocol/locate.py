"""Find where a key path sits in a protocol's TOML text.

`tomllib` returns plain data without positions, so when a protocol has problems this module
scans the text once and maps each key path — `('measures', 3, 'thresholds', 0, 'above')` in
the form pydantic and the cross-checks report — to a line and column. It understands table
headers (`[a.b]`, `[[a.b]]` with one index per array of tables), `key = value` lines, dotted
and quoted keys, multi-line strings and arrays, and inline tables and arrays (each item gets
its own position). A key that is not in the file points at the table that should hold it.

It only runs when something is wrong, it is tolerant of text that is not valid TOML, and it
never raises: a scan that meets something it does not understand keeps what it found so far.
"""

from __future__ import annotations

import bisect
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

Loc = tuple[str | int, ...]

# Nesting deeper than this is skipped without positions, so the scan cannot exhaust the stack.
MAX_DEPTH = 48

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_SCALAR = re.compile(r"[^\s,\[\]{}#=]+")
_DATE_THEN_TIME = re.compile(r"\d{4}-\d{2}-\d{2}$")
_TIME_AFTER_SPACE = re.compile(r" \d{2}:[^\s,\[\]{}#]*")
_KEY = r"""(?:[A-Za-z0-9_-]+|"[^"\n]*"|'[^'\n]*')"""
_DOTTED = rf"{_KEY}(?:[ \t]*\.[ \t]*{_KEY})*"
# What can start a line only as a new statement, never as an item of an array: `key =`, or
# a whole-line table header whose first key is not a number or a bare TOML word.
_STATEMENT = re.compile(
    rf"{_DOTTED}[ \t]*=(?!=)"
    rf"|\[\[?[ \t]*(?!(?:true|false|inf|nan)\b)(?=[A-Za-z_\"']){_DOTTED}[ \t]*\]\]?[ \t]*(?:#[^\n]*)?(?:\r?\n|$)"
)
_BASIC_STOP = re.compile(r'[\\"\n]')
_BASIC_MULTI_STOP = re.compile(r'[\\"]')


@dataclass
class SourceMap:
    """Positions of every key path found in a TOML text, plus what the scan noticed on the way:
    keys set twice, strings, arrays or inline tables left open, and the first value nested
    deeper than MAX_DEPTH."""

    text: str
    keys: dict[Loc, int] = field(default_factory=dict)
    values: dict[Loc, int] = field(default_factory=dict)
    duplicates: list[tuple[Loc, int, int]] = field(default_factory=list)
    unclosed: list[tuple[str, int]] = field(default_factory=list)
    too_deep: int | None = None
    _line_starts: list[int] = field(default_factory=list)

    def line_col(self, offset: int) -> tuple[int, int]:
        """1-based line and column (in characters) of a character offset."""
        if not self._line_starts:
            self._line_starts = [0] + [m.end() for m in re.finditer("\n", self.text)]
        offset = max(0, min(offset, len(self.text)))
        index = bisect.bisect_right(self._line_starts, offset) - 1
        return index + 1, offset - self._line_starts[index] + 1

    def find(self, loc: Iterable[object]) -> tuple[Loc, bool]:
        """The longest prefix of `loc` found in the text, and whether it is all of `loc`."""
        path = _clean(loc)
        for end in range(len(path), 0, -1):
            if path[:end] in self.values:
                return path[:end], end == len(path)
        return (), not path

    def position(self, loc: Iterable[object], *, key: bool = False) -> tuple[int, int]:
        """Line and column for `loc`: its value (or, with `key`, its key) when the file has it,
        else the table or value that should hold it; the start of the file when nothing does."""
        try:
            found, whole = self.find(loc)
            if not found:
                return 1, 1
            table = self.values if not (key and whole) else self.keys
            return self.line_col(table.get(found, self.values[found]))
        except Exception:  # never let locating a problem become a problem
            return 1, 1


def _clean(loc: Iterable[object]) -> Loc:
    out: list[str | int] = []
    for part in loc:
        if isinstance(part, bool):
            break
        if isinstance(part, str | int):
            out.append(part)
        else:
            break
    return tuple(out)


def scan(text: str, *, until: int | None = None) -> SourceMap:
    """Scan `text` once and return its map of key paths to positions; with `until`, stop at
    the first statement that starts after that offset. Never raises."""
    source = SourceMap(text)
    scanner = _Scanner(source, until)
    try:
        scanner.run()
    except Exception:  # a partial map is still useful; the caller falls back to line 1
        pass
    return source


def locate(text: str, loc: Iterable[object], *, key: bool = False) -> tuple[int, int]:
    """Line and column of `loc` in `text` (see `SourceMap.position`). Never raises."""
    return scan(text).position(loc, key=key)


class _Scanner:
    """A forgiving TOML reader that records offsets instead of building values."""

    def __init__(self, source: SourceMap, until: int | None = None) -> None:
        self.out = source
        self.s = source.text
        self.n = len(self.s)
        self.until = self.n if until is None else until
        self.i = 0
        self.aot_counts: dict[Loc, int] = {}
        self.explicit: set[Loc] = set()
        self.assigned: dict[Loc, int] = {}
        self.implicit: set[Loc] = set()

    # -- bookkeeping -------------------------------------------------------------------------

    def record(self, path: Loc, key_at: int, value_at: int, *, explicit: bool = False) -> None:
        if path not in self.out.values or (explicit and path not in self.explicit):
            self.out.keys[path] = key_at
            self.out.values[path] = value_at
        if explicit:
            self.explicit.add(path)

    def peek(self) -> str:
        return self.s[self.i] if self.i < self.n else ""

    def skip_blank(self, *, newlines: bool = False) -> None:
        """Skip spaces and tabs; with `newlines`, also line breaks and comments."""
        s, n = self.s, self.n
        while self.i < n:
            c = s[self.i]
            if c in " \t":
                self.i += 1
            elif newlines and c in "\r\n":
                self.i += 1
            elif newlines and c == "#":
                self.skip_to_line_end()
            else:
                return

    def skip_to_line_end(self) -> None:
        end = self.s.find("\n", self.i)
        self.i = self.n if end < 0 else end

    # -- statements --------------------------------------------------------------------------

    def run(self) -> None:
        table: Loc = ()
        while self.i < self.n:
            start = self.i
            self.skip_blank(newlines=True)
            if self.i >= self.n or self.i > self.until:
                break
            if self.peek() == "[":
                table = self.header(table)
            else:
                self.key_value(table, depth=0)
            self.skip_to_line_end()
            if self.i == start:
                self.i += 1

    def header(self, table: Loc) -> Loc:
        at = self.i
        self.i += 1
        array = self.peek() == "["
        if array:
            self.i += 1
        keys = self.keys()
        if not keys:
            return table
        path: Loc = ()
        for index, (name, offset) in enumerate(keys):
            path = (*path, name)
            last = index == len(keys) - 1
            if last and array:
                count = self.aot_counts.get(path, 0)
                self.aot_counts[path] = count + 1
                self.record(path, offset, at, explicit=count == 0)
                path = (*path, count)
                self.record(path, offset, at, explicit=True)
            elif last:
                self.record(path, offset, at, explicit=True)
            else:
                self.record(path, offset, at)
                if path in self.aot_counts:
                    path = (*path, self.aot_counts[path] - 1)
        return path

    def key_value(self, table: Loc, depth: int) -> bool:
        keys = self.keys()
        if not keys:
            return False
        self.skip_blank()
        if self.peek() != "=":
            return False
        self.i += 1
        self.skip_blank()
        path = table
        for index, (name, offset) in enumerate(keys):
            path = (*path, name)
            if index < len(keys) - 1:
                if path in self.assigned:
                    self.out.duplicates.append((path, offset, self.assigned[path]))
                self.implicit.add(path)
                self.record(path, offset, offset)
        key_at = keys[-1][1]
        if path in self.assigned or path in self.implicit:
            first = self.assigned.get(path, self.out.keys.get(path, key_at))
            self.out.duplicates.append((path, key_at, first))
        else:
            self.assigned[path] = key_at
        self.record(path, key_at, self.i)
        self.value(path, depth)
        return True

    def keys(self) -> list[tuple[str, int]]:
        keys: list[tuple[str, int]] = []
        while True:
            self.skip_blank()
            at = self.i
            c = self.peek()
            if c in ("'", '"'):
                name = self.string()
                if name is None:
                    return keys
            else:
                match = _BARE_KEY.match(self.s, self.i)
                if not match:
                    return keys
                name = match.group()
                self.i = match.end()
            if len(keys) < MAX_DEPTH:  # keeps paths short on absurd input
                keys.append((name, at))
            self.skip_blank()
            if self.peek() != ".":
                return keys
            self.i += 1

    # -- values ------------------------------------------------------------------------------

    def value(self, path: Loc, depth: int) -> None:
        c = self.peek()
        if c in ("'", '"'):
            self.string()
        elif c == "[":
            self.array(path, depth + 1)
        elif c == "{":
            self.inline_table(path, depth + 1)
        else:
            self.scalar()

    def scalar(self) -> None:
        match = _SCALAR.match(self.s, self.i)
        if not match:
            return
        self.i = match.end()
        # A date-time may hold one space between date and time: "1979-05-27 07:32:00".
        if _DATE_THEN_TIME.search(match.group()):
            time = _TIME_AFTER_SPACE.match(self.s, self.i)
            if time:
                self.i = time.end()

    def array(self, path: Loc, depth: int) -> None:
        opened = self.i
        if depth > MAX_DEPTH:
            self.skip_nested()
            return
        self.i += 1
        index = 0
        while True:
            before = self.i
            self.skip_blank(newlines=True)
            if self.i >= self.n:
                self.out.unclosed.append(("array", opened))
                return
            if "\n" in self.s[before : self.i] and _STATEMENT.match(self.s, self.i):
                # `key =` or a table header at the start of a line cannot be inside an
                # array: the array was left open on an earlier line.
                self.out.unclosed.append(("array", opened))
                self.i = self.s.rfind("\n", 0, self.i)
                return
            c = self.peek()
            if c == "]":
                self.i += 1
                return
            if c in ",}=":
                self.i += 1
                continue
            start = self.i
            item = (*path, index)
            self.record(item, start, start)
            self.value(item, depth)
            index += 1
            if self.i == start:
                self.i += 1

    def inline_table(self, path: Loc, depth: int) -> None:
        opened = self.i
        if depth > MAX_DEPTH:
            self.skip_nested()
            return
        self.i += 1
        while True:
            self.skip_blank(newlines=True)
            if self.i >= self.n:
                self.out.unclosed.append(("inline table", opened))
                return
            c = self.peek()
            if c == "}":
                self.i += 1
                return
            if c == ",":
                self.i += 1
                continue
            start = self.i
            self.key_value(path, depth)
            if self.i == start:
                self.i += 1

    def skip_nested(self) -> None:
        """Skip a too-deep array or inline table without recursion or positions."""
        opened = self.i
        if self.out.too_deep is None:
            self.out.too_deep = opened
        level = 0
        while self.i < self.n:
            c = self.s[self.i]
            if c in "[{":
                level += 1
                self.i += 1
            elif c in "]}":
                level -= 1
                self.i += 1
                if level == 0:
                    return
            elif c in ("'", '"'):
                if self.string() is None:
                    self.i += 1
            elif c == "#":
                self.skip_to_line_end()
            else:
                self.i += 1
        self.out.unclosed.append(("array", opened))

    def string(self) -> str | None:
        """Consume a string of any of the four kinds; return its (roughly) decoded text, or
        None when it is not closed (the opening is recorded)."""
        s, opened = self.s, self.i
        quote = s[opened]
        if s.startswith(quote * 3, opened):
            self.i = opened + 3
            if quote == "'":
                end = s.find("'''", self.i)
                if end < 0:
                    self.i = self.n
                    self._unclosed("string", opened)
                    return None
                close = end
            else:
                close = -1
                while True:
                    match = _BASIC_MULTI_STOP.search(s, self.i)
                    if not match:
                        self.i = self.n
                        self._unclosed("string", opened)
                        return None
                    if match.group() == "\\":
                        self.i = match.end() + 1
                        continue
                    if s.startswith('"""', match.start()):
                        close = match.start()
                        break
                    self.i = match.end()
            end = close + 3
            extra = 0
            while extra < 2 and end < self.n and s[end] == quote:
                end += 1
                extra += 1
            self.i = end
            return s[opened + 3 : end - 3]
        self.i = opened + 1
        if quote == "'":
            end = s.find("'", self.i)
            newline = s.find("\n", self.i)
            if end < 0 or 0 <= newline < end:
                self.i = self.n if newline < 0 else newline
                self._unclosed("string", opened)
                return None
            self.i = end + 1
            return s[opened + 1 : end]
        while True:
            match = _BASIC_STOP.search(s, self.i)
            if not match or match.group() == "\n":
                self.i = self.n if not match else match.start()
                self._unclosed("string", opened)
                return None
            if match.group() == "\\":
                self.i = match.end() + 1
                continue
            self.i = match.end()
            raw = s[opened : self.i]
            try:
                decoded = json.loads(raw, strict=False)
            except ValueError:
                return raw[1:-1]
            return decoded if isinstance(decoded, str) else raw[1:-1]

    def _unclosed(self, kind: str, opened: int) -> None:
        self.out.unclosed.append((kind, opened))
        return None
