"""`kap-console practice` and `serve` arguments, and the class report."""

from __future__ import annotations

import json
import sys
import types
from pathlib import Path

import pytest

from kap_console.cli import main


def test_practice_speed_must_be_from_1_to_60(capsys) -> None:
    assert main(["practice", "--speed", "90"]) == 2
    assert "--speed takes a number from 1 to 60" in capsys.readouterr().err


def test_practice_names_an_unknown_scenario(capsys) -> None:
    assert main(["practice", "--scenario", "no-such-scenario"]) == 2
    assert "no scenario called 'no-such-scenario'" in capsys.readouterr().err


def test_serve_without_textual_serve_says_how_to_get_it(monkeypatch, capsys) -> None:
    monkeypatch.setitem(sys.modules, "textual_serve.server", None)
    assert main(["serve", "--port", "8123"]) == 2
    assert "pip install 'kap-console[serve]'" in capsys.readouterr().err


def test_serve_binds_to_localhost_and_runs_practice_per_tab(monkeypatch) -> None:
    made = {}

    class FakeServer:
        def __init__(self, command, host, port, title):
            made.update(command=command, host=host, port=port)

        def serve(self):
            made["served"] = True

    monkeypatch.setitem(
        sys.modules, "textual_serve.server", types.SimpleNamespace(Server=FakeServer)
    )
    assert main(["serve", "--port", "8123", "--scenario", "hypertension-40", "--speed", "20"]) == 0
    assert made["host"] == "127.0.0.1" and made["port"] == 8123 and made["served"]
    assert made["command"].endswith("-m kap_console practice --scenario hypertension-40 --speed 20")


def _summary(folder: Path, trainee: str, scenario: str, score: int, missed: list[str]) -> None:
    folder.mkdir(parents=True)
    data = {"trainee": trainee, "scenario": scenario, "score": score, "missed": missed}
    (folder / "debrief.json").write_text(json.dumps(data), encoding="utf-8")


def test_practice_report_puts_a_class_in_one_table(tmp_path, capsys) -> None:
    _summary(
        tmp_path / "s1",
        "Bea",
        "respiratory-scare",
        70,
        ["incidents: desaturation: did not escalate"],
    )
    _summary(tmp_path / "s2", "Ana", "uneventful", 100, [])
    (tmp_path / "s3").mkdir()
    (tmp_path / "s3" / "debrief.json").write_text("not json", encoding="utf-8")
    csv_path = tmp_path / "class.csv"
    assert main(["practice", "report", str(tmp_path), "--csv", str(csv_path)]) == 0
    captured = capsys.readouterr()
    lines = captured.out.splitlines()
    assert lines[2:6] == [
        "| Trainee | Scenario | Score | What was missed |",
        "|---|---|---:|---|",
        "| Ana | uneventful | 100 | nothing |",
        "| Bea | respiratory-scare | 70 | incidents: desaturation: did not escalate |",
    ]
    assert "2 runs, mean score 85.0." in captured.out
    assert "s3/debrief.json: not a debrief summary; skipped" in captured.err
    assert csv_path.read_text().splitlines() == [
        "trainee,scenario,score,missed,session",
        "Ana,uneventful,100,,s2",
        "Bea,respiratory-scare,70,incidents: desaturation: did not escalate,s1",
    ]


def test_practice_report_of_an_empty_folder_fails(tmp_path, capsys) -> None:
    assert main(["practice", "report", str(tmp_path)]) == 1
    assert "No debriefs found." in capsys.readouterr().out


@pytest.mark.parametrize("argv", [["practice", "report"], ["practice", "a.toml", "b.toml"]])
def test_practice_refuses_extra_or_missing_arguments(argv) -> None:
    assert main(argv) == 2
