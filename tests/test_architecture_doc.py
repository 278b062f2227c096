"""docs/architecture.md stays true: every module and folder it names exists, and every function
on the path of an observation is defined where the doc says."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "architecture.md"
PATH_STEP = re.compile(r"^\|[^|]+\|\s*`([\w.]+)`\s*\|\s*`(kap_console/[\w/]+\.py)`\s*\|$", re.M)


def named_paths() -> list[str]:
    return sorted(set(re.findall(r"`(kap_console(?:/[\w.]+)*)`", DOC.read_text())))


def path_steps() -> list[tuple[str, str]]:
    return PATH_STEP.findall(DOC.read_text())


def _defines(tree: ast.Module, dotted: str) -> bool:
    scope: list[ast.stmt] = tree.body
    for part in dotted.split("."):
        found = [
            node
            for node in scope
            if isinstance(node, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
            and node.name == part
        ]
        if not found:
            return False
        scope = found[0].body
    return True


@pytest.mark.parametrize("name", named_paths())
def test_every_module_and_folder_the_doc_names_exists(name: str) -> None:
    assert (ROOT / name).exists(), name


def test_the_path_of_an_observation_is_all_there() -> None:
    steps = path_steps()
    assert len(steps) >= 15, "the keypress-to-record table was not found"
    missing = [
        f"{function} in {module}"
        for function, module in steps
        if not _defines(ast.parse((ROOT / module).read_text(encoding="utf-8")), function)
    ]
    assert missing == []


def test_the_engine_entry_point_named_in_prose_exists() -> None:
    engine = ast.parse((ROOT / "kap_console/session/engine.py").read_text(encoding="utf-8"))
    for name in re.findall(r"`(Session\.\w+)`", DOC.read_text()):
        assert _defines(engine, name), name
