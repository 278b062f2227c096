"""The console runs no pydantic plugin: nothing installed beside it sees what it validates.

A plugin is installed for the test in a folder of its own (a module and its distribution's
entry point in the "pydantic" group); pydantic finds it in a plain process, and never once
kap_console is imported."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

PLUGIN = """
class Watcher:
    def new_schema_validator(self, schema, schema_type, path, kind, config, settings):
        print("PLUGIN SAW", path.name, flush=True)
        return None, None, None


plugin = Watcher()
"""

MODEL = """
from pydantic import BaseModel


class Entry(BaseModel):
    text: str


Entry(text="a note")
print("BUILT", flush=True)
"""


@pytest.fixture
def plugin_folder(tmp_path: Path) -> Path:
    (tmp_path / "watching_plugin.py").write_text(PLUGIN)
    info = tmp_path / "watching_plugin-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: watching-plugin\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[pydantic]\nwatcher = watching_plugin:plugin\n")
    return tmp_path


def run(code: str, folder: Path) -> str:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(folder), *sys.path])}
    env.pop("PYDANTIC_DISABLE_PLUGINS", None)
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    return done.stdout


def test_pydantic_finds_the_plugin_without_the_console(plugin_folder: Path) -> None:
    out = run(MODEL, plugin_folder)
    assert "PLUGIN SAW Entry" in out and "BUILT" in out


def test_the_console_runs_no_plugin(plugin_folder: Path) -> None:
    out = run("import kap_console\n" + MODEL, plugin_folder)
    assert "BUILT" in out
    assert "PLUGIN SAW" not in out


def test_nor_does_it_import_package_metadata_for_them(plugin_folder: Path) -> None:
    out = run(
        "import kap_console\n" + MODEL + "import sys\nprint('importlib.metadata' in sys.modules)",
        plugin_folder,
    )
    assert out.split()[-1] == "False"
