"""The core never imports Textual, and the CLI's light commands do not either."""

from __future__ import annotations

import subprocess
import sys

import pytest

CORE = [
    "kap_console.protocol",
    "kap_console.session",
    "kap_console.training",
    "kap_console.integration",
]


def _modules_after(code: str) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", code + "\nimport sys\nprint('\\n'.join(sys.modules))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return set(out.split())


@pytest.mark.parametrize("package", CORE)
def test_core_package_and_its_modules_import_without_textual(package: str) -> None:
    code = (
        "import importlib, pkgutil\n"
        f"pkg = importlib.import_module({package!r})\n"
        "for info in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + '.'):\n"
        "    importlib.import_module(info.name)\n"
    )
    modules = _modules_after(code)
    assert package in modules
    assert "textual" not in modules


def test_package_root_and_cli_import_nothing_heavy() -> None:
    modules = _modules_after("import kap_console, kap_console.cli")
    assert "textual" not in modules
    assert "pydantic" not in modules
