"""What a console sitting on the dashboard holds in memory: only the code it uses.

The record's code (its models, builder, writer) waits for close; integration and exports for
review; package metadata is never read. A module imported is a module resident for the whole session
(benchmarks/bench_idle.py measures the memory)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from record_helpers import dosed_session

CHILD = Path(__file__).with_name("dashboard_child.py")


@pytest.fixture(scope="module")
def dashboard_modules(tmp_path_factory: pytest.TempPathFactory) -> set[str]:
    """Every module imported by a console that resumed a dosed session and shows its
    dashboard, in a process of its own."""
    folder = tmp_path_factory.mktemp("dashboard")
    dosed_session(folder / "data").release()
    env = {**os.environ, "KAP_CONSOLE_CONFIG_DIR": str(folder / "config")}
    done = subprocess.run(
        [sys.executable, str(CHILD), str(folder / "data"), str(folder / "config")],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    modules = set(done.stdout.split())
    assert "kap_console.tui.screens.monitoring" in modules  # the dashboard was reached
    return modules


@pytest.mark.parametrize(
    "package",
    [
        "kap_console.session.record",
        "kap_console.integration",
        "kap_console.training",
        # Only pydantic's plugin finder wanted it (kap_console/pydantic_plugins.py).
        "importlib.metadata",
    ],
)
def test_the_dashboard_does_not_import_what_it_does_not_use(
    dashboard_modules: set[str], package: str
) -> None:
    imported = sorted(m for m in dashboard_modules if m == package or m.startswith(package + "."))
    assert imported == []
