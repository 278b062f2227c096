"""The console needs POSIX (the journal locks with fcntl): elsewhere it says so at once,
with no traceback, before it reads or writes anything."""

from __future__ import annotations

import subprocess
import sys

import build_check

from kap_console.cli import unsupported_platform

# A stand-in for Windows: os.name and sys.platform say so before the command is imported.
ON_WINDOWS = (
    "import os, sys\n"
    "os.name, sys.platform = 'nt', 'win32'\n"
    "from kap_console.cli import main\n"
    "raise SystemExit(main(sys.argv[1:]))\n"
)


def test_a_posix_system_is_accepted() -> None:
    assert unsupported_platform() is None


def test_another_system_is_refused_with_a_message_and_exit_1(tmp_path) -> None:
    data = tmp_path / "data"
    result = subprocess.run(
        [sys.executable, "-c", ON_WINDOWS, "run", "--data-dir", str(data)],
        capture_output=True,
        text=True,
        cwd=build_check.ROOT,
        timeout=60,
    )
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr == (
        "kap-console: kap-console runs on POSIX systems (Linux, macOS), not on win32: "
        "its session journal relies on POSIX file locks (fcntl)\n"
    )
    assert not data.exists()


def test_the_metadata_says_which_systems() -> None:
    import importlib.metadata

    classifiers = importlib.metadata.metadata("kap-console").get_all("Classifier")
    systems = sorted(c for c in classifiers if c.startswith("Operating System"))
    assert systems == [
        "Operating System :: MacOS",
        "Operating System :: POSIX",
        "Operating System :: POSIX :: Linux",
    ]
