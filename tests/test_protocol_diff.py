"""`kap-console protocol diff`: what changed, in the protocol's own words, against golden files.

tests/protocol_diffs/base.toml is compared with each other file there; the expected text and
JSON are NAME.txt and NAME.json beside it. After an intended change to the wording, refresh
them with

    KAP_REFRESH_DIFFS=1 .venv/bin/python -m pytest tests/test_protocol_diff.py

and review the refreshed files in `git diff` before committing them.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from kap_console.cli import main
from kap_console.protocol.diff import diff_json, diff_protocols, diff_text
from kap_console.protocol.loader import load_protocol
from kap_console.protocol.rendering import render, sections

DIFFS = Path(__file__).parent / "protocol_diffs"
BASE = DIFFS / "base.toml"
CASES = sorted(path for path in DIFFS.glob("*.toml") if path != BASE)
REFRESH = os.environ.get("KAP_REFRESH_DIFFS") == "1"


def _protocol(path: Path):
    return load_protocol(path, git=False).protocol


def _check_golden(golden: Path, actual: str) -> None:
    if REFRESH:
        golden.write_text(actual, encoding="utf-8")
    assert golden.exists(), f"{golden.name} is missing: run with KAP_REFRESH_DIFFS=1"
    assert actual == golden.read_text(encoding="utf-8")


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.stem)
def test_the_diff_reads_as_its_golden_file(case: Path) -> None:
    changes = diff_protocols(_protocol(BASE), _protocol(case))
    _check_golden(case.with_suffix(".txt"), diff_text(changes, BASE.name, case.name))
    document = diff_json(changes, BASE.name, case.name)
    _check_golden(
        case.with_suffix(".json"), json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    )


def test_the_cases_change_every_section_of_the_format() -> None:
    touched = set()
    for case in CASES:
        touched |= {change.section for change in diff_protocols(_protocol(BASE), _protocol(case))}
    assert touched == {section.title for section in sections(_protocol(BASE))}


def test_the_examples_of_the_format_read_as_a_clinician_would_say_them() -> None:
    def lines(name: str) -> list[str]:
        changes = diff_protocols(_protocol(BASE), _protocol(DIFFS / f"{name}.toml"))
        return [change.text for change in changes]

    assert "round at T+40 'BP peak check' removed" in lines("schedule-phases-events")
    assert "Systolic BP urgent threshold: ≥ 180 → ≥ 170 mmHg" in lines("measures")
    assert "+ 'Pregnancy test done' (blocks dosing)" in lines("checklist-prompts-consent")
    assert "minimum monitoring: 120 → 90 min" in lines("discharge-follow-up")


def test_layout_and_comments_are_no_change() -> None:
    assert BASE.read_bytes() != (DIFFS / "formatting-only.toml").read_bytes()
    assert diff_protocols(_protocol(BASE), _protocol(DIFFS / "formatting-only.toml")) == []


def test_a_reordered_checklist_says_so(tmp_path: Path) -> None:
    text = BASE.read_text(encoding="utf-8")
    first = text.index("[[checklist]]")
    second = text.index("[[checklist]]", first + 1)
    end = text.index("[[intention_prompts]]")
    swapped = text[:first] + text[second:end] + "\n" + text[first:second] + text[end:]
    path = tmp_path / "swapped.toml"
    path.write_text(swapped, encoding="utf-8")
    (change,) = diff_protocols(_protocol(BASE), _protocol(path))
    assert change.kind == "reordered"
    assert change.text == (
        "checklist: order 'Written consent is on file', 'Weight today' → "
        "'Weight today', 'Written consent is on file'"
    )


def test_every_setting_of_every_section_is_rendered_for_git() -> None:
    rendering = render(_protocol(BASE))
    for heading in [section.title for section in sections(_protocol(BASE))]:
        assert f"\n## {heading}\n" in rendering
    assert "- Systolic BP urgent threshold (≥ 180 mmHg)" in rendering
    assert "    late after: 10 min" in rendering


# -- the command -----------------------------------------------------------------------------


def test_the_command_prints_the_diff_and_json(capsys: pytest.CaptureFixture[str]) -> None:
    case = DIFFS / "measures.toml"
    assert main(["protocol", "diff", str(BASE), str(case)]) == 0
    out = capsys.readouterr().out
    assert "\n\nMeasures\n" in out
    assert "\n  Systolic BP urgent threshold: ≥ 180 → ≥ 170 mmHg\n" in out
    assert main(["protocol", "diff", "--format", "json", str(BASE), str(case)]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["changes"] == 11
    assert document["sections"][0]["section"] == "Measures"


def test_an_invalid_side_is_reported_by_line_and_no_diff_is_printed(
    capsys: pytest.CaptureFixture[str],
) -> None:
    broken = Path(__file__).parent / "broken_protocols" / "rule-two-comparisons.toml"
    assert main(["protocol", "diff", str(BASE), str(broken)]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert f"{broken}:78:3: " in captured.err


def test_textconv_of_a_broken_file_shows_the_file_as_written(
    capsys: pytest.CaptureFixture[str],
) -> None:
    broken = Path(__file__).parent / "broken_protocols" / "rule-two-comparisons.toml"
    assert main(["protocol", "diff", "--textconv", str(broken)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("(not a valid protocol: 1 problem; the file as written follows)\n")
    assert "at_least = 180" in out


def test_bad_arguments_are_usage_errors(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["protocol", "diff", str(BASE)]) == 2
    assert "give OLD and NEW" in capsys.readouterr().err


# -- through git -----------------------------------------------------------------------------

needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def _git(repo: Path, *args: str) -> str:
    env = dict(
        os.environ,
        GIT_AUTHOR_NAME="Clinical Lead",
        GIT_AUTHOR_EMAIL="lead@example.org",
        GIT_COMMITTER_NAME="Clinical Lead",
        GIT_COMMITTER_EMAIL="lead@example.org",
        GIT_CONFIG_GLOBAL=os.devnull,
        GIT_CONFIG_NOSYSTEM="1",
    )
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    done = subprocess.run(
        ["git", "-c", "core.fsmonitor=false", *args],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


@needs_git
def test_git_diff_and_log_show_the_change_in_the_protocols_words(tmp_path: Path) -> None:
    repo = tmp_path / "practice"
    assert main(["protocol", "init", str(repo)]) == 0
    (file,) = (repo / "protocols").glob("*.toml")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "First draft")
    text = file.read_text(encoding="utf-8")
    file.write_text(
        text.replace("at_least = 180", "at_least = 170").replace('"0.1.0"', '"0.2.0"'),
        encoding="utf-8",
    )
    diff = _git(repo, "diff")
    assert "-- Systolic BP urgent threshold (≥ 180 mmHg)" in diff
    assert "+- Systolic BP urgent threshold (≥ 170 mmHg)" in diff
    assert "-version: 0.1.0\n+version: 0.2.0" in diff
    assert "at_least" not in diff  # the rendering, not the TOML
    _git(repo, "commit", "-qam", "Lower the urgent systolic threshold")
    log = _git(repo, "log", "-p", "-1")
    assert "+- Systolic BP urgent threshold (≥ 170 mmHg)" in log

    rev = main(["protocol", "diff", "--rev", "HEAD~1", str(file)])
    assert rev == 0
