"""Load a scenario file: read, decode, parse, validate, check its sums, and fit it to a protocol.

The protocol loader's stages do the reading and the placing (`file:line:col`); the only
exception that leaves this module is `ScenarioError` (a `ProtocolError`, so its problems
print the same way).
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kap_console.protocol.loader import (
    MAX_PROBLEMS,
    capped,
    placed,
    read_document,
    sorted_problems,
    validation_problems,
)
from kap_console.protocol.locate import scan
from kap_console.protocol.models import Protocol
from kap_console.protocol.problems import Problem, ProtocolError

from .scenario import Scenario

NEEDS = "format, id, title, version, protocols and [rubric]"


class ScenarioError(ProtocolError):
    """A scenario file could not be used; `problems` says every reason found, in file order."""


@dataclass(frozen=True)
class LoadedScenario:
    scenario: Scenario
    path: Path
    sha256: str


def load_scenario(path: str | os.PathLike[str]) -> LoadedScenario:
    """Load and validate the scenario at `path`. Raises ScenarioError and nothing else."""
    name = os.fspath(path)
    try:
        with Path(name).open("rb") as stream:
            data = stream.read(2 * 1024 * 1024)
    except IsADirectoryError:
        raise ScenarioError([Problem(name, 1, 1, "is a folder, not a scenario file")]) from None
    except FileNotFoundError:
        raise ScenarioError([Problem(name, 1, 1, "no such file")]) from None
    except (OSError, ValueError) as error:
        reason = getattr(error, "strerror", None) or str(error) or type(error).__name__
        raise ScenarioError([Problem(name, 1, 1, f"cannot read the file ({reason})")]) from None
    return load_scenario_bytes(data, name)


def load_scenario_bytes(data: bytes, path: str) -> LoadedScenario:
    """Validate scenario file contents; `path` only names the file in problems."""
    try:
        scenario = _validate(data, path)
    except ScenarioError:
        raise
    except ProtocolError as error:
        raise ScenarioError(error.problems) from None
    except RecursionError:
        raise ScenarioError([Problem(path, 1, 1, "nested too deeply to read")]) from None
    except Exception as error:  # a last guard: a defect here must not show a traceback
        raise ScenarioError(
            [Problem(path, 1, 1, f"could not read this file ({type(error).__name__})")]
        ) from None
    return LoadedScenario(scenario, Path(path), hashlib.sha256(data).hexdigest())


def _validate(data: bytes, path: str) -> Scenario:
    text, document = read_document(data, path, what="scenario", needs=NEEDS)
    from pydantic import ValidationError

    try:
        scenario = Scenario.model_validate(document, strict=True)
    except ValidationError as error:
        raise ScenarioError(validation_problems(error, text, path, Scenario)) from None
    cross = cross_problems(scenario)
    if cross:
        source = scan(text)
        problems = [placed(path, source, loc, message) for loc, message in cross[:MAX_PROBLEMS]]
        raise ScenarioError(capped(sorted_problems(problems), len(cross), path))
    return scenario


def cross_problems(scenario: Scenario) -> list[tuple[tuple[Any, ...], str]]:
    """What relates one part of a scenario to another: ids given once, keyframes in time
    order, and the rubric adding up to 100. (key path, message) pairs."""
    problems: list[tuple[tuple[Any, ...], str]] = []
    for name, ids in (
        ("protocols", list(scenario.protocols)),
        ("readings", [r.measure for r in scenario.readings]),
        ("incidents", [i.id for i in scenario.incidents]),
    ):
        first: dict[str, int] = {}
        for index, value in enumerate(ids):
            if value in first:
                where = (name, index) if name == "protocols" else (name, index, _ID_KEY[name])
                problems.append(
                    (where, f"'{value}' is given twice (first as {name}[{first[value]}])")
                )
            else:
                first[value] = index
    for index, readings in enumerate(scenario.readings):
        for frame_index in range(1, len(readings.keyframes)):
            before = readings.keyframes[frame_index - 1].at
            frame = readings.keyframes[frame_index]
            if frame.at <= before:
                problems.append(
                    (
                        ("readings", index, "keyframes", frame_index, "at"),
                        f"keyframes must be in time order: {frame.at:g} comes after {before:g}",
                    )
                )
    total = scenario.total_points()
    if total != 100:
        problems.append(
            (
                ("rubric",),
                "the rubric's caps, preparation points and the incidents' points add up "
                f"to {total}, not 100",
            )
        )
    return problems


_ID_KEY = {"readings": "measure", "incidents": "id"}


def fit_problems(scenario: Scenario, protocol: Protocol) -> list[tuple[tuple[Any, ...], str]]:
    """What in `scenario` does not fit `protocol`: (key path, message) pairs."""
    problems: list[tuple[tuple[Any, ...], str]] = []
    if protocol.id not in scenario.protocols:
        problems.append((("protocols",), f"does not name the protocol '{protocol.id}'"))
    measures = {measure.id: measure for measure in protocol.measures}
    terms = {term.id for term in protocol.adverse_events}
    for index, readings in enumerate(scenario.readings):
        measure = measures.get(readings.measure)
        if measure is None:
            problems.append(
                (
                    ("readings", index, "measure"),
                    f"'{readings.measure}' is not a measure of {protocol.id} "
                    f"(measures: {', '.join(measures)})",
                )
            )
            continue
        entry = measure.entry_range()
        for frame_index, frame in enumerate(readings.keyframes):
            if entry is not None and not entry.contains(frame.value):
                problems.append(
                    (
                        ("readings", index, "keyframes", frame_index, "value"),
                        f"{frame.value:g} is outside {measure.label}'s entry range "
                        f"{entry.min:g}–{entry.max:g}",
                    )
                )
    for index, incident in enumerate(scenario.incidents):
        for item_index, item in enumerate(incident.expect):
            where = ("incidents", index, "expect", item_index)
            if item.term is not None and item.term not in terms:
                problems.append(
                    (
                        (*where, "term"),
                        f"'{item.term}' is not an adverse-event term of {protocol.id} "
                        f"(terms: {', '.join(sorted(terms))})",
                    )
                )
            if item.measure is not None:
                measure = measures.get(item.measure)
                if measure is None or not measure.thresholds:
                    problems.append(
                        (
                            (*where, "measure"),
                            f"'{item.measure}' has no alert thresholds in {protocol.id}, "
                            "so there is no alert to acknowledge",
                        )
                    )
    return problems


def check_fit(loaded: LoadedScenario, protocol: Protocol) -> None:
    """Raise ScenarioError, placed in the scenario file, when it does not fit `protocol`."""
    problems = fit_problems(loaded.scenario, protocol)
    if not problems:
        return
    path = str(loaded.path)
    try:
        text = loaded.path.read_bytes().decode("utf-8", "replace")
    except OSError:
        text = ""
    source = scan(text)
    placed_problems = [placed(path, source, loc, message) for loc, message in problems]
    raise ScenarioError(
        capped(sorted_problems(placed_problems[:MAX_PROBLEMS]), len(placed_problems), path)
    )


def find_scenario_files(paths: list[str | os.PathLike[str]]) -> list[Path]:
    """The scenario files named by `paths` (folders searched for *.toml, like protocols)."""
    from kap_console.protocol.loader import find_protocol_files

    return find_protocol_files(paths)
