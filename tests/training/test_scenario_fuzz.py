"""Whatever a scenario file holds, loading it either succeeds or raises ScenarioError whose
every problem sits on a real line of the file; fitting a loaded one to a protocol likewise.

Inputs: random bytes, random TOML documents, and the bundled scenarios mutated as data (a key
deleted or given a value of another type) and as text (lines dropped or repeated, cut short).
"""

from __future__ import annotations

import copy
import tomllib
from pathlib import Path
from typing import Any

import tomli_w
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kap_console.protocol.loader import load_protocol
from kap_console.training.loader import (
    LoadedScenario,
    ScenarioError,
    fit_problems,
    load_scenario_bytes,
)

ROOT = Path(__file__).resolve().parents[2]
BUNDLED = [p.read_bytes() for p in sorted((ROOT / "scenarios").glob("*.toml"))]
DATA = [tomllib.loads(b.decode("utf-8")) for b in BUNDLED]
PROTOCOL = load_protocol(ROOT / "protocols" / "training" / "im-practice-60.toml").protocol
QUICK = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None
)

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**40), 2**40),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
)


def check(data: bytes) -> None:
    """Load (and fit, when it loads); anything but ScenarioError propagates and fails."""
    try:
        loaded = load_scenario_bytes(data, "fuzz.toml")
    except ScenarioError as error:
        lines = data.decode("utf-8", "replace").count("\n") + 1
        assert error.problems
        for problem in error.problems:
            assert 1 <= problem.line <= lines and problem.col >= 1, str(problem)
        return
    assert isinstance(loaded, LoadedScenario)
    for loc, message in fit_problems(loaded.scenario, PROTOCOL):
        assert loc and message


@QUICK
@given(st.binary(max_size=400))
def test_random_bytes(data: bytes) -> None:
    check(data)


@QUICK
@given(st.dictionaries(st.sampled_from(["format", "id", "rubric", "readings", "x"]), scalars))
def test_random_documents(document: dict[str, Any]) -> None:
    clean = {k: v for k, v in document.items() if v is not None}
    try:
        data = tomli_w.dumps(clean).encode()
    except (TypeError, ValueError):
        return
    check(data)


def _paths(value: Any, prefix: tuple = ()) -> list[tuple]:
    found = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, inner in value.items():
            found += _paths(inner, (*prefix, key))
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            found += _paths(inner, (*prefix, index))
    return found


@QUICK
@given(st.integers(0, len(DATA) - 1), st.data(), scalars, st.booleans())
def test_bundled_scenarios_mutated_as_data(which: int, data: Any, value: Any, drop: bool) -> None:
    document = copy.deepcopy(DATA[which])
    path = data.draw(st.sampled_from(_paths(document)))
    parent = document
    for part in path[:-1]:
        parent = parent[part]
    if drop or value is None:
        del parent[path[-1]]
    else:
        parent[path[-1]] = value
    try:
        encoded = tomli_w.dumps(document).encode()
    except (TypeError, ValueError):
        return
    check(encoded)


@QUICK
@given(st.integers(0, len(BUNDLED) - 1), st.data())
def test_bundled_scenarios_mutated_as_text(which: int, data: Any) -> None:
    lines = BUNDLED[which].split(b"\n")
    action = data.draw(st.sampled_from(["drop", "repeat", "cut", "insert"]))
    index = data.draw(st.integers(0, len(lines) - 1))
    if action == "drop":
        del lines[index]
    elif action == "repeat":
        lines.insert(index, lines[index])
    elif action == "insert":
        lines.insert(index, data.draw(st.binary(max_size=20)))
    text = b"\n".join(lines)
    if action == "cut":
        text = text[: data.draw(st.integers(0, len(text)))]
    check(text)
