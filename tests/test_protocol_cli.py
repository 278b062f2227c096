"""`kap-console protocol validate | show | schema | list`, as a practice uses them."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from kap_console.cli import main
from kap_console.protocol.loader import load_protocol, load_protocol_bytes
from kap_console.protocol.schema import SCHEMA_PATH, schema_text
from kap_console.protocol.summary import summarize

REPO = Path(__file__).resolve().parents[1]
PROTOCOLS = REPO / "protocols"
IM = PROTOCOLS / "im-ketamine-120.toml"
BROKEN = Path(__file__).parent / "broken_protocols"
MISSPELT = BROKEN / "unknown-key-misspelt-in-threshold.toml"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


# -- validate --------------------------------------------------------------------------------


def test_the_bundled_protocols_all_validate(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "protocol", "validate", str(PROTOCOLS))
    count = len(list(PROTOCOLS.rglob("*.toml")))
    assert (code, out) == (0, f"{count} protocol files checked: all valid\n")


def test_a_broken_protocol_prints_compiler_style_problems_and_exits_1(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run(capsys, "protocol", "validate", str(IM), str(MISSPELT))
    assert code == 1
    assert out.splitlines() == [
        f"{MISSPELT}:74:3: measures[0].thresholds[0]: unknown key 'block_dosing' "
        "(did you mean 'blocks_dosing'?)",
        "2 protocol files checked: 1 valid, 1 invalid (1 problem)",
    ]


def test_json_output_lists_every_file_with_its_problems(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "protocol", "validate", "--format", "json", str(IM), str(MISSPELT))
    assert code == 1
    report = json.loads(out)
    assert report[0] == {"path": str(IM), "valid": True, "problems": []}
    assert report[1]["valid"] is False
    assert report[1]["problems"] == [
        {
            "line": 74,
            "col": 3,
            "key": "measures[0].thresholds[0].block_dosing",
            "message": "measures[0].thresholds[0]: unknown key 'block_dosing' "
            "(did you mean 'blocks_dosing'?)",
        }
    ]


def test_a_path_that_does_not_exist_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out, err = run(capsys, "protocol", "validate", str(IM), str(tmp_path / "nope"))
    assert (code, out) == (2, "")
    assert "no such file or folder" in err


def test_a_folder_without_toml_files_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, _, err = run(capsys, "protocol", "validate", str(tmp_path))
    assert code == 2
    assert "no .toml files found" in err


def test_the_whole_broken_corpus_fails_with_one_line_per_problem(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run(capsys, "protocol", "validate", str(BROKEN))
    lines = out.splitlines()
    assert code == 1
    assert "Traceback" not in out
    assert all(line.startswith(str(BROKEN)) for line in lines[:-1])
    assert lines[-1].endswith("problems)")


def test_validate_runs_without_importing_textual(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "from kap_console.cli import main\n"
        f"code = main(['protocol', 'validate', {str(PROTOCOLS)!r}, {str(MISSPELT)!r}])\n"
        "print('textual' in sys.modules, code)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=tmp_path
    )
    assert done.stdout.splitlines()[-1] == "False 1"


SCRIPT = Path(sys.executable).parent / "kap-console"


@pytest.mark.skipif(not SCRIPT.exists(), reason="console script not installed")
def test_the_installed_command_exits_0_on_the_bundled_protocols() -> None:
    done = subprocess.run(
        [str(SCRIPT), "protocol", "validate", str(PROTOCOLS)], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr


# -- show ------------------------------------------------------------------------------------


def test_show_prints_a_timeline_of_rounds_and_phases_since_t0(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run(capsys, "protocol", "show", str(IM))
    assert code == 0
    lines = [line.strip() for line in out.splitlines()]
    timeline = lines[lines.index("Timeline (minutes since T0, the first dose)") + 1 :]
    assert timeline[:5] == [
        "before baseline: sbp dbp hr spo2 rr suds",
        "T+0    dose given (T0)",
        "T+5    phase: Onset",
        "T+15   early round: sbp dbp hr spo2 rr moaas dissociation nausea",
        "T+20   phase: Peak",
    ]
    assert "T+90   ── discharge possible from here (minimum 90 min)" in timeline
    assert "exit   pre_discharge round: sbp dbp hr spo2 suds (before discharge)" in timeline


def test_show_summarises_every_part_a_facilitator_reviews(
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, out, _ = run(capsys, "protocol", "show", str(IM))
    for expected in (
        "Intramuscular ketamine KAP, 120 minutes (example)",
        "id im-ketamine-120 · version 1.0.0",
        "EXAMPLE: Example for software use only.",
        "routes: IM",
        "dose per administration: 10–60 mg",
        "[blocks dosing if yes] substances_today:",
        "longing: What do you feel your heart is longing for today?",
        "touch consent: asked · stop word: agreed",
        "1. rest_after_injection:",
        "warning > 140 mmHg (baseline only, blocks dosing): Baseline systolic above 140",
        "not before T+90 min; adult escort required",
        "score modified aldrete at least 9",
        "+24 h  call_24h: Check-in call at 24 hours",
    ):
        assert expected in out, expected


def test_summary_shows_devices_booster_and_timed_steps() -> None:
    esketamine = load_protocol(PROTOCOLS / "esketamine-120.toml", git=False).protocol
    assert "devices: 28 mg each, 2–3 devices, 5 min apart (56–84 mg)" in summarize(esketamine)
    sublingual = load_protocol(PROTOCOLS / "sublingual-ketamine-180.toml", git=False).protocol
    text = summarize(sublingual)
    assert "booster: T+" in text
    assert "(timed: " in text and "step: " in text


def test_show_of_a_broken_protocol_prints_its_problems_and_exits_1(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = run(capsys, "protocol", "show", str(MISSPELT))
    assert (code, out) == (1, "")
    assert f"{MISSPELT}:74:3: " in err


# -- schema ----------------------------------------------------------------------------------


def test_the_committed_schema_is_the_one_the_models_generate() -> None:
    assert SCHEMA_PATH.read_text(encoding="utf-8") == schema_text()


def test_schema_prints_or_writes_the_schema(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out, _ = run(capsys, "protocol", "schema")
    assert (code, out) == (0, schema_text())
    target = tmp_path / "protocol.schema.json"
    code, _, _ = run(capsys, "protocol", "schema", "-o", str(target))
    assert code == 0
    schema = json.loads(target.read_text(encoding="utf-8"))
    assert schema["additionalProperties"] is False
    assert "window_minutes" in schema["required"]


@pytest.mark.parametrize("path", sorted(PROTOCOLS.rglob("*.toml")), ids=lambda p: p.name)
def test_bundled_protocols_point_editors_at_the_schema(path: Path) -> None:
    first = path.read_text(encoding="utf-8").split("\n", 1)[0]
    assert first.startswith("#:schema ")
    assert (path.parent / first.removeprefix("#:schema ")).resolve() == SCHEMA_PATH


# -- list ------------------------------------------------------------------------------------


def test_list_shows_bundled_training_and_your_own_protocols(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from kap_console import paths

    mine = paths.user_protocols_dir()
    mine.mkdir(parents=True)
    (mine / "ours.toml").write_text(
        IM.read_text(encoding="utf-8").replace('id = "im-ketamine-120"', 'id = "ours"')
    )
    shutil.copy(MISSPELT, mine / "draft.toml")

    code, out, _ = run(capsys, "protocol", "list")
    assert code == 0
    rows = {
        line.split()[1]: line for line in out.splitlines()[1:] if not line.startswith("INVALID")
    }
    assert rows["im-ketamine-120"].startswith("bundled")
    assert rows["quick-im-practice"].startswith("training")
    assert rows["ours"].startswith("yours")
    assert str(mine / "ours.toml") in rows["ours"]
    invalid = [line for line in out.splitlines() if line.startswith("INVALID")]
    assert len(invalid) == 1 and invalid[0].endswith(str(mine / "draft.toml"))


# -- the format reference ----------------------------------------------------------------------

DOCS = REPO / "docs" / "protocols.md"


def _toml_blocks() -> list[str]:
    return re.findall(r"```toml\n(.*?)```", DOCS.read_text(encoding="utf-8"), re.S)


def test_the_small_protocol_in_the_reference_validates() -> None:
    example = _toml_blocks()[0]
    loaded = load_protocol_bytes(example.encode(), "docs/protocols.md")
    assert loaded.protocol.id == "im-short"


def test_every_snippet_in_the_reference_is_valid_toml() -> None:
    blocks = _toml_blocks()
    assert len(blocks) > 10
    for block in blocks:
        tomllib.loads(block)


def test_the_pre_commit_hook_runs_validate_on_protocol_files() -> None:
    text = (REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8")
    assert "- id: kap-console-validate" in text
    assert "entry: kap-console protocol validate" in text
    assert "- id: kap-console-check-version" in text
    assert "entry: kap-console protocol check-version" in text
    assert "language: python" in text
    patterns = re.findall(r"^  files: (.*)$", text, re.M)
    assert len(patterns) == 2
    for pattern in patterns:
        assert re.search(pattern, "protocols/training/quick-im-practice.toml")
        assert not re.search(pattern, "pyproject.toml")


def test_the_documented_pre_commit_configuration_is_the_one_init_writes() -> None:
    from kap_console.protocol.scaffold import PRE_COMMIT_CONFIG

    docs = (REPO / "docs" / "protocols.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```yaml\n(.*?)```", docs, re.S)
    assert PRE_COMMIT_CONFIG in blocks
    assert "rev:" not in docs and "OWNER" not in docs


def test_output_cut_short_by_the_reader_ends_quietly_without_a_traceback() -> None:
    import os

    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before a byte is written, as after `| head -1`
    try:
        show = subprocess.run(
            [
                sys.executable,
                "-m",
                "kap_console",
                "protocol",
                "show",
                "protocols/esketamine-120.toml",
            ],
            stdout=write_end,
            stderr=subprocess.PIPE,
            cwd=Path(__file__).resolve().parent.parent,
            timeout=60,
        )
    finally:
        os.close(write_end)
    assert "Traceback" not in show.stderr.decode()
    assert show.returncode == 141


@pytest.mark.parametrize(
    ("approval", "line"),
    [
        (
            'status = "approved"\napproved_by = "Dr A. Lead"\napproved_on = 2026-11-30',
            "Version 1.0.0 approved by Dr A. Lead on 2026-11-30",
        ),
        ('status = "draft"', "Version 1.0.0 is a draft: not approved"),
    ],
)
def test_show_says_who_approved_the_version(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, approval: str, line: str
) -> None:
    text = IM.read_text(encoding="utf-8").replace(
        'version = "1.0.0"', f'version = "1.0.0"\n{approval}', 1
    )
    path = tmp_path / "practice.toml"
    path.write_text(text, encoding="utf-8")
    code, out, _ = run(capsys, "protocol", "show", str(path))
    assert code == 0
    assert line in out.splitlines()[:8]
