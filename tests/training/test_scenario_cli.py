"""`kap-console scenario …`, the committed JSON Schema, the monitor's arithmetic, and the core
staying free of Textual."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from kap_console.cli import main
from kap_console.protocol.loader import load_protocol
from kap_console.training.loader import load_scenario
from kap_console.training.monitor import interpolate, readings_at
from kap_console.training.schema import SCHEMA_PATH, schema_text

ROOT = Path(__file__).resolve().parents[2]
BROKEN = ROOT / "tests" / "broken_scenarios"
PRACTICE_60 = load_protocol(ROOT / "protocols" / "training" / "im-practice-60.toml").protocol


def test_the_committed_schema_is_what_the_models_generate() -> None:
    assert SCHEMA_PATH.read_text(encoding="utf-8") == schema_text()


def test_scenario_schema_prints_the_json_schema(capsys) -> None:
    assert main(["scenario", "schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert schema["title"] == "kap-console practice scenario"
    assert {"protocols", "rubric", "incidents"} <= set(schema["properties"])


def test_scenario_validate_passes_the_bundled_scenarios(capsys) -> None:
    assert main(["scenario", "validate", str(ROOT / "scenarios")]) == 0
    assert capsys.readouterr().out.strip() == "4 scenario files checked: all valid"


def test_scenario_validate_places_each_problem_and_fits_the_named_protocol(capsys) -> None:
    broken = BROKEN / "rubric-adds-to-95.toml"
    unfit = BROKEN / "fit-unknown-term.toml"
    assert main(["scenario", "validate", str(broken), str(unfit)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0] == (
        f"{broken}:29:1: rubric: the rubric's caps, preparation points and the incidents' "
        "points add up to 95, not 100"
    )
    assert out[1].startswith(f"{unfit}:27:10: incidents[0].expect[1].term: 'headache' is not")
    assert out[2] == "2 scenario files checked: 0 valid, 2 invalid"


def test_keyframes_are_joined_by_straight_lines_and_held_at_both_ends() -> None:
    loaded = load_scenario(ROOT / "scenarios" / "hypertension-40.toml").scenario
    [sbp] = [r for r in loaded.readings if r.measure == "sbp"]
    assert interpolate(sbp, -60) == 128
    assert interpolate(sbp, 35) == 152  # halfway from 136 (T+30) to 168 (T+40)
    assert interpolate(sbp, 40) == 168
    assert interpolate(sbp, 90) == 134


def test_noise_is_the_same_on_every_run_and_stays_within_its_amplitude() -> None:
    scenario = load_scenario(ROOT / "scenarios" / "uneventful.toml").scenario
    first = [readings_at(scenario, PRACTICE_60, minute) for minute in range(0, 60, 5)]
    again = [readings_at(scenario, PRACTICE_60, minute) for minute in range(0, 60, 5)]
    assert first == again
    [sbp] = [r for r in scenario.readings if r.measure == "sbp"]
    for minute, shown in zip(range(0, 60, 5), first, strict=True):
        assert abs(shown["sbp"] - interpolate(sbp, minute)) <= sbp.noise + 0.5
    assert len({shown["sbp"] for shown in first}) > 3  # noise moves it


def test_the_training_core_never_imports_textual() -> None:
    code = (
        "import sys, kap_console.training.debrief, kap_console.training.debrief_text, "
        "kap_console.training.report, kap_console.training.loader, kap_console.training.monitor,"
        " kap_console.training.catalogue, kap_console.commands.scenario; "
        "print('textual' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "False", result.stderr
