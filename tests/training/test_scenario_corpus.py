"""Every file in tests/broken_scenarios/ is refused with the exact problems its header names.

As for protocols: a comment saying what is wrong, then `# expect: line=L col=C message: …`
lines, in order. A `# fits: PROTOCOL-ID` line means the file is valid on its own and is
refused when fitted to that training protocol.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kap_console.protocol.loader import load_protocol
from kap_console.training.loader import ScenarioError, check_fit, load_scenario

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "tests" / "broken_scenarios"
FILES = sorted(CORPUS.glob("*.toml"))
EXPECT = re.compile(r"^# expect: line=(?P<line>\d+) col=(?P<col>\d+) message: (?P<message>.*)$")
FITS = re.compile(r"^# fits: (?P<protocol>[a-z0-9-]+)$")
NO_HEADER = {"empty.toml": [(1, 1, "the file is empty; a scenario needs at least")]}


def _header(path: Path) -> list[str]:
    return path.read_bytes().decode("utf-8", "replace").split("\n")[:12]


def _expectations(path: Path) -> list[tuple[int, int, str]]:
    if path.name in NO_HEADER:
        return NO_HEADER[path.name]
    return [
        (int(m["line"]), int(m["col"]), m["message"]) for m in map(EXPECT.match, _header(path)) if m
    ]


def _fits(path: Path) -> str | None:
    return next((m["protocol"] for m in map(FITS.match, _header(path)) if m), None)


def test_the_corpus_is_large_and_every_file_says_what_to_expect() -> None:
    assert len(FILES) >= 20
    for path in FILES:
        assert _expectations(path), f"{path.name} has no '# expect:' line"


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_broken_scenario_is_refused_with_the_expected_problems(path: Path) -> None:
    expected = _expectations(path)
    fits = _fits(path)
    with pytest.raises(ScenarioError) as raised:
        loaded = load_scenario(path)
        assert fits, f"{path.name} loads, and names no protocol to fit it to"
        protocol = load_protocol(ROOT / "protocols" / "training" / f"{fits}.toml", git=False)
        check_fit(loaded, protocol.protocol)
    problems = raised.value.problems
    report = "\n".join(str(problem) for problem in problems)
    assert [(p.line, p.col) for p in problems] == [(line, col) for line, col, _ in expected], report
    for problem, (line, _, fragment) in zip(problems, expected, strict=True):
        assert fragment in problem.message, report
        assert str(problem).startswith(f"{path}:{line}:{problem.col}: "), report


def test_every_bundled_scenario_loads_and_fits_each_protocol_it_names() -> None:
    scenarios = sorted((ROOT / "scenarios").glob("*.toml"))
    assert len(scenarios) >= 4
    for path in scenarios:
        loaded = load_scenario(path)
        assert loaded.scenario.total_points() == 100
        for protocol_id in loaded.scenario.protocols:
            protocol = load_protocol(ROOT / "protocols" / "training" / f"{protocol_id}.toml")
            assert protocol.protocol.training, f"{path.name}: {protocol_id} is not a mock"
            check_fit(loaded, protocol.protocol)
        assert "TRAINING ONLY" in path.read_text().split("\n")[1]
