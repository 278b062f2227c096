"""Key paths map to the line and column where a person would look for them."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest
import tomli_w
from hypothesis import given, settings
from hypothesis import strategies as st

from kap_console.protocol.locate import MAX_DEPTH, locate, scan

REPO = Path(__file__).resolve().parents[1]
BUNDLED = sorted((REPO / "protocols").rglob("*.toml"))

SAMPLE = """\
# a comment
format = 1
id = "sample"

[drug]
name = "ketamine"
dose_mg = { min = 10, max = 60 }
routes = ["IM", "SL"]

[[measures]]
id = "sbp"
range.min = 50
range.max = 260

  [[measures.thresholds]]
  level = "warning"
  above = 140

  [[measures.thresholds]]
  level = "urgent"
  at_least = 180

[[measures]]
id = "moaas"
"kind" = 'scale'
levels = [
  { value = 5, label = "Responds readily" },  # a comment with ] and }
  { value = 0, label = '''No response''' },
]
help = \"\"\"
line one
[not_a_table]
key = "not a key"
\"\"\"
note = "after the multi-line string"

[discharge]
item_minimums = { "spo2" = 2, respiration = 1 }
"""


@pytest.mark.parametrize(
    ("loc", "position"),
    [
        (("id",), (3, 6)),
        (("drug",), (5, 1)),
        (("drug", "dose_mg"), (7, 11)),
        (("drug", "dose_mg", "max"), (7, 29)),
        (("drug", "routes", 1), (8, 17)),
        (("measures", 0), (10, 1)),
        (("measures", 0, "range", "max"), (13, 13)),
        (("measures", 0, "thresholds", 1), (19, 3)),
        (("measures", 0, "thresholds", 1, "at_least"), (21, 14)),
        (("measures", 1, "kind"), (25, 10)),
        (("measures", 1, "levels", 1), (28, 3)),
        (("measures", 1, "levels", 1, "label"), (28, 24)),
        (("measures", 1, "note"), (35, 8)),
        (("discharge", "item_minimums", "spo2"), (38, 28)),
        (("discharge", "item_minimums", "respiration"), (38, 45)),
    ],
)
def test_a_present_key_points_at_its_value(loc: tuple, position: tuple[int, int]) -> None:
    assert locate(SAMPLE, loc) == position


def test_key_mode_points_at_the_key_itself() -> None:
    assert locate(SAMPLE, ("measures", 0, "thresholds", 1, "at_least"), key=True) == (21, 3)
    assert locate(SAMPLE, ("measures", 1, "kind"), key=True) == (25, 1)


def test_a_missing_key_points_at_the_table_that_should_hold_it() -> None:
    assert locate(SAMPLE, ("measures", 0, "thresholds", 0, "message")) == (15, 3)
    assert locate(SAMPLE, ("drug", "form")) == (5, 1)
    assert locate(SAMPLE, ("drug", "dose_mg", "unit")) == (7, 11)
    assert locate(SAMPLE, ("schedule",)) == (1, 1)


def test_text_inside_a_multi_line_string_is_not_taken_for_tables_or_keys() -> None:
    source = scan(SAMPLE)
    assert ("not_a_table",) not in source.values
    assert ("measures", 1, "key") not in source.values


def test_keys_set_twice_and_unclosed_values_are_noticed() -> None:
    source = scan('a = 1\n[t]\nb = [1, 2\nc = "open\n')
    assert source.unclosed == [("array", 14), ("string", 24)]
    source = scan("a = 1\nb.c = 2\na = 3\nb = 4\n")
    assert [(loc, source.line_col(at)[0]) for loc, at, _ in source.duplicates] == [
        (("a",), 3),
        (("b",), 4),
    ]


def test_deep_nesting_is_skipped_without_recursion() -> None:
    text = "x = " + "[" * 100_000 + "]" * 100_000 + "\ny = 2\n"
    source = scan(text)
    assert source.too_deep == 4 + MAX_DEPTH
    assert source.position(("y",)) == (2, 5)


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.name)
def test_every_key_of_a_bundled_protocol_is_found_on_its_own_line(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    _assert_every_key_found(text, tomllib.loads(text))


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.name)
def test_every_key_is_found_when_written_in_another_style(path: Path) -> None:
    text = tomli_w.dumps(tomllib.loads(path.read_text(encoding="utf-8")))
    _assert_every_key_found(text, tomllib.loads(text))


def _assert_every_key_found(text: str, data: Any) -> None:
    source = scan(text)
    lines = text.split("\n")
    for loc, value in _leaves_and_tables(data):
        assert loc in source.values, loc
        line, col = source.position(loc, key=True)
        if isinstance(loc[-1], str):
            assert loc[-1] in lines[line - 1], (loc, line)
        if isinstance(value, str) and "\n" not in value:
            line, col = source.position(loc)
            assert lines[line - 1][col - 1 :].startswith(('"', "'")), (loc, line, col)


def _leaves_and_tables(value: Any, prefix: tuple = ()) -> list[tuple[tuple, Any]]:
    found: list[tuple[tuple, Any]] = []
    items = value.items() if isinstance(value, dict) else enumerate(value)
    for key, item in items:
        loc = (*prefix, key)
        found.append((loc, item))
        if isinstance(item, dict | list):
            found.extend(_leaves_and_tables(item, loc))
    return found


@settings(max_examples=200, deadline=None, database=None)
@given(st.text(max_size=400), st.lists(st.one_of(st.text(max_size=5), st.integers()), max_size=6))
def test_locating_in_any_text_never_raises(text: str, loc: list) -> None:
    line, col = locate(text, tuple(loc))
    assert line >= 1 and col >= 1
