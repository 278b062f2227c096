"""Whatever a protocol file holds, loading it either succeeds or raises ProtocolError whose
every problem sits on a real line of the file.

Inputs: random bytes, random TOML documents (random dicts written with tomli_w), bundled
protocols mutated as data (a key deleted, renamed or given a value of another type, an entry
duplicated) and as text (lines deleted or repeated, bytes inserted, the file cut short).
Example counts stay small so the file runs in seconds; `pytest --soak` runs many more.
"""

from __future__ import annotations

import copy
import datetime as dt
import tomllib
from pathlib import Path
from typing import Any

import pytest
import tomli_w
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kap_console.protocol import models
from kap_console.protocol.loader import LoadedProtocol, load_protocol_bytes
from kap_console.protocol.problems import ProtocolError, format_key

REPO = Path(__file__).resolve().parents[1]
BUNDLED = sorted((REPO / "protocols").rglob("*.toml"))
BUNDLED_BYTES = [path.read_bytes() for path in BUNDLED]
BUNDLED_DATA = [tomllib.loads(data.decode("utf-8")) for data in BUNDLED_BYTES]

FIELD_NAMES = sorted(
    {
        name
        for model in vars(models).values()
        if isinstance(model, type) and issubclass(model, models.Model)
        for name in model.model_fields
    }
)

QUICK = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None
)
SOAK = settings(
    max_examples=3000, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None
)


def load_or_problems(data: bytes) -> LoadedProtocol | ProtocolError:
    """Load; any exception other than ProtocolError fails the test by propagating."""
    try:
        return load_protocol_bytes(data, "fuzz.toml")
    except ProtocolError as error:
        return error


def assert_well_placed(result: LoadedProtocol | ProtocolError, data: bytes) -> None:
    if isinstance(result, LoadedProtocol):
        return
    assert result.problems, "a ProtocolError must say what is wrong"
    lines = data.count(b"\n") + 1
    for problem in result.problems:
        assert 1 <= problem.line <= lines, problem
        assert problem.col >= 1, problem
        assert problem.message, problem
        assert str(problem).startswith(f"fuzz.toml:{problem.line}:{problem.col}: ")


# -- random bytes and random documents -------------------------------------------------------

scalars = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(),
    st.booleans(),
    st.text(max_size=20),
    st.dates(),
    st.times(),
    st.datetimes(timezones=st.one_of(st.none(), st.just(dt.UTC))),
)
keys = st.one_of(st.sampled_from(FIELD_NAMES), st.text(min_size=1, max_size=12))
values = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(keys, inner, max_size=4)),
    max_leaves=16,
)
documents = st.dictionaries(keys, values, max_size=8)


def check_bytes(data: bytes) -> None:
    assert_well_placed(load_or_problems(data), data)


@QUICK
@given(st.binary(max_size=3000))
def test_random_bytes_never_escape_as_anything_but_protocol_error(data: bytes) -> None:
    check_bytes(data)


@QUICK
@given(documents)
def test_random_toml_documents_are_refused_in_plain_words(document: dict[str, Any]) -> None:
    check_bytes(tomli_w.dumps(document).encode())


@QUICK
@given(st.sampled_from(BUNDLED_DATA), documents)
def test_random_keys_merged_into_a_real_protocol_are_placed(
    base: dict[str, Any], extra: dict[str, Any]
) -> None:
    check_bytes(tomli_w.dumps({**base, **extra}).encode())


# -- mutations of real protocols ---------------------------------------------------------------


def _paths(value: Any, prefix: tuple = ()) -> list[tuple]:
    found = []
    if isinstance(value, dict):
        for key, item in value.items():
            found.append((*prefix, key))
            found.extend(_paths(item, (*prefix, key)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found.append((*prefix, index))
            found.extend(_paths(item, (*prefix, index)))
    return found


def _parent(document: Any, path: tuple) -> Any:
    for part in path[:-1]:
        document = document[part]
    return document


OTHER_TYPES: list[Any] = ["text", 7, 2.5, True, [1, "two"], {"x": 1}, dt.date(2024, 5, 1)]


@st.composite
def mutations(draw: st.DrawFn) -> tuple[dict[str, Any], str, tuple]:
    document = copy.deepcopy(draw(st.sampled_from(BUNDLED_DATA)))
    path = draw(st.sampled_from(_paths(document)))
    parent = _parent(document, path)
    last = path[-1]
    kinds = ["delete", "retype", "duplicate"] + (["rename"] if isinstance(last, str) else [])
    kind = draw(st.sampled_from(kinds))
    if kind == "delete":
        del parent[last]
    elif kind == "retype":
        current = parent[last]
        parent[last] = draw(
            st.sampled_from([v for v in OTHER_TYPES if type(v) is not type(current)])
        )
    elif kind == "duplicate":
        if isinstance(last, int):
            parent.insert(last, copy.deepcopy(parent[last]))
        else:
            parent[last] = [parent[last], copy.deepcopy(parent[last])]
    else:
        renamed = last + "_x"
        parent[renamed] = parent.pop(last)
        path = (*path[:-1], renamed)
    return document, kind, path


def _line(text: str, number: int) -> str:
    return text.split("\n")[number - 1]


@QUICK
@given(mutations())
def test_mutated_bundled_protocols_are_refused_at_the_right_place(
    mutation: tuple[dict[str, Any], str, tuple],
) -> None:
    document, kind, path = mutation
    text = tomli_w.dumps(document)
    data = text.encode()
    result = load_or_problems(data)
    assert_well_placed(result, data)
    if kind == "rename":
        # A renamed key is unknown, and the problem points at a line that holds it.
        assert isinstance(result, ProtocolError)
        unknown = [p for p in result.problems if p.key == format_key(path)]
        if unknown:  # keys of item_minimums are free-form: a cross-check names those
            for problem in unknown:
                assert path[-1] in _line(text, problem.line), (problem, text)
    if kind == "retype":
        for problem in getattr(result, "problems", []):
            if problem.key == format_key(path) and isinstance(path[-1], str):
                assert path[-1] in _line(text, problem.line), (problem, text)


@st.composite
def text_mutations(draw: st.DrawFn) -> bytes:
    data = draw(st.sampled_from(BUNDLED_BYTES))
    lines = data.split(b"\n")
    kind = draw(st.sampled_from(["delete", "repeat", "insert", "truncate"]))
    if kind == "delete":
        index = draw(st.integers(0, len(lines) - 1))
        del lines[index]
    elif kind == "repeat":
        index = draw(st.integers(0, len(lines) - 1))
        lines.insert(index, lines[index])
    elif kind == "insert":
        joined = b"\n".join(lines)
        at = draw(st.integers(0, len(joined)))
        noise = draw(
            st.one_of(st.binary(min_size=1, max_size=8), st.sampled_from(list(b"[]{}\"'=#.,\n")))
        )
        if isinstance(noise, int):
            noise = bytes([noise])
        return joined[:at] + noise + joined[at:]
    else:
        joined = b"\n".join(lines)
        return joined[: draw(st.integers(0, len(joined)))]
    return b"\n".join(lines)


@QUICK
@given(text_mutations())
def test_text_damage_to_bundled_protocols_is_refused_on_a_real_line(data: bytes) -> None:
    check_bytes(data)


# -- long runs ---------------------------------------------------------------------------------


@pytest.mark.soak
@SOAK
@given(st.one_of(st.binary(max_size=20000), text_mutations()))
def test_soak_bytes_and_text_damage(data: bytes) -> None:
    check_bytes(data)


@pytest.mark.soak
@SOAK
@given(mutations())
def test_soak_data_mutations(mutation: tuple[dict[str, Any], str, tuple]) -> None:
    document, _, _ = mutation
    check_bytes(tomli_w.dumps(document).encode())
