"""Every file in tests/broken_protocols/ is refused with the exact problems its header names.

Each file starts with a comment saying what is wrong, then one `# expect:` line per problem:
`# expect: line=12 col=5 message: <fragment of the message>` (col is left out where the
column is not meaningful). The loader must report exactly those problems, in that order.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kap_console.protocol.loader import (
    MAX_PROTOCOL_BYTES,
    load_protocol,
    load_protocol_bytes,
)
from kap_console.protocol.problems import ProtocolError

CORPUS = Path(__file__).parent / "broken_protocols"
FILES = sorted(CORPUS.glob("*.toml"))
EXPECT = re.compile(
    r"^# expect: line=(?P<line>\d+)(?: col=(?P<col>\d+))? message: (?P<message>.*)$"
)

# Files that cannot carry a header comment.
NO_HEADER = {"empty.toml": [(1, 1, "the file is empty")]}


def _expectations(path: Path) -> list[tuple[int, int | None, str]]:
    if path.name in NO_HEADER:
        return NO_HEADER[path.name]
    header = path.read_bytes().decode("utf-8", "replace").split("\n")[:20]
    found = []
    for line in header:
        match = EXPECT.match(line)
        if match:
            col = int(match["col"]) if match["col"] else None
            found.append((int(match["line"]), col, match["message"]))
    return found


def test_the_corpus_is_large_and_every_file_says_what_to_expect() -> None:
    assert len(FILES) >= 35
    for path in FILES:
        assert _expectations(path), f"{path.name} has no '# expect:' line"


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_broken_protocol_is_refused_with_the_expected_problems(path: Path) -> None:
    expected = _expectations(path)
    with pytest.raises(ProtocolError) as raised:
        load_protocol(path, git=False)
    problems = raised.value.problems
    report = "\n".join(str(problem) for problem in problems)
    assert len(problems) == len(expected), report
    for problem, (line, col, fragment) in zip(problems, expected, strict=True):
        assert (problem.line, problem.col if col is not None else None) == (line, col), report
        assert fragment in problem.message, report
        assert str(problem).startswith(f"{path}:{line}:{problem.col}: "), report


def test_a_file_over_the_size_limit_is_refused_before_parsing(tmp_path: Path) -> None:
    huge = tmp_path / "huge.toml"
    base = (CORPUS / "cross-booster-after-window.toml").read_bytes()
    huge.write_bytes(base + b"# padding\n" * (MAX_PROTOCOL_BYTES // 10 + 1))
    with pytest.raises(ProtocolError) as raised:
        load_protocol(huge, git=False)
    (problem,) = raised.value.problems
    assert (problem.line, problem.col) == (1, 1)
    assert "larger than 1024 KiB" in problem.message


def test_contents_over_the_size_limit_are_refused_too() -> None:
    with pytest.raises(ProtocolError, match="larger than"):
        load_protocol_bytes(b"#" * (MAX_PROTOCOL_BYTES + 1), "big.toml")
