"""The command line parses a command with that command's module alone, and still offers
every command in its help and its errors."""

from __future__ import annotations

import subprocess
import sys

from kap_console import cli


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kap_console", *args], capture_output=True, text=True, timeout=60
    )


def test_run_imports_no_other_command_module() -> None:
    code = (
        "import sys\n"
        "from kap_console import cli\n"
        "cli.build_parser('run')\n"
        "print('\\n'.join(m for m in sys.modules if m.startswith('kap_console.commands.')))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["kap_console.commands.run"]


def test_a_command_registered_by_a_module_of_another_name_is_parsed() -> None:
    args = cli.build_parser("records").parse_args(["records", "list", "--data-dir", "x"])
    assert args.handler is not None


def test_help_and_an_unknown_command_still_name_every_command() -> None:
    helped = _run("--help")
    assert helped.returncode == 0
    for name in ("run", "practice", "protocol", "record", "records", "paths", "client"):
        assert name in helped.stdout
    unknown = _run("nonsense")
    assert unknown.returncode == 2
    assert "invalid choice" in unknown.stderr and "records" in unknown.stderr


def test_run_help_is_the_run_command_s_own() -> None:
    helped = _run("run", "--help")
    assert helped.returncode == 0
    assert "--session-number" in helped.stdout
