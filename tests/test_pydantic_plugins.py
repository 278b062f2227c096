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


def test_a_pydantic_asking_its_finder_for_more_still_runs_no_plugin(plugin_folder: Path) -> None:
    """A later pydantic might import another name from its finder module: it gets the real
    one, with pydantic's own switch turning every plugin off, and the console starts."""
    code = (
        "import kap_console, os\n"
        "from pydantic.plugin._loader import PYDANTIC_ENTRY_POINT_GROUP\n"
        "print('GROUP', PYDANTIC_ENTRY_POINT_GROUP)\n"
        "print('SWITCH', os.environ.get('PYDANTIC_DISABLE_PLUGINS'))\n"
        "from pydantic.plugin._loader import get_plugins\n"
        "print('FOUND', len(list(get_plugins())))\n" + MODEL
    )
    out = run(code, plugin_folder)
    assert "GROUP pydantic" in out
    assert "SWITCH __all__" in out
    assert "FOUND 0" in out
    assert "BUILT" in out and "PLUGIN SAW" not in out


def test_when_pydantic_found_its_finder_first_its_switch_turns_plugins_off(
    plugin_folder: Path,
) -> None:
    out = run("import pydantic.plugin._loader\nimport kap_console\n" + MODEL, plugin_folder)
    assert "BUILT" in out and "PLUGIN SAW" not in out
