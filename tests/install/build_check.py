"""What the sdist and the wheel must hold, worked out from the project's own files.

Standard library only: `smoke.py` runs it with whatever Python builds the wheel, and the
packaging tests import it. Paths are POSIX strings relative to the project root.

- The wheel holds every file of `kap_console/` and, under `kap_console/_bundled/`, every
  file of the top-level `protocols/` and `themes/` (the links in `_bundled/` point there).
- The sdist holds every file of the project (git's tracked files in a checkout, else the
  tree less build and cache leftovers), the links expanded into the files behind them.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
import tomllib
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BUNDLED = ("protocols", "themes", "scenarios")
# Left out of every list: build output, caches, virtual environments, version control.
LEFTOVER_DIRS = {
    ".git",
    ".venv",
    "venv",
    "build",
    "dist",
    "__pycache__",
    ".pytest_cache",
    ".hypothesis",
    ".ruff_cache",
    ".mypy_cache",
}
LEFTOVER_SUFFIXES = (".pyc", ".pyo", ".egg-info")
# Files of the project that a source distribution has no use for.
NOT_IN_SDIST = {".gitignore", ".git"}


def _leftover(relative: str) -> bool:
    parts = relative.split("/")
    return any(part in LEFTOVER_DIRS or part.endswith(LEFTOVER_SUFFIXES) for part in parts) or (
        relative == "snapshot_report.html"
    )


def project_files(root: Path = ROOT) -> list[str]:
    """The project's own files. In a git checkout, the tracked ones; elsewhere (an unpacked
    sdist) every file in the tree but leftovers. A symbolic link is listed as itself."""
    if (root / ".git").exists() and shutil.which("git"):
        listed = subprocess.run(
            ["git", "-C", str(root), "ls-files", "-z"], capture_output=True, check=True
        ).stdout.decode()
        return sorted(name for name in listed.split("\0") if name and os.path.lexists(root / name))
    found = []
    for folder, dirs, files in os.walk(root):
        here = Path(folder)
        links = [name for name in dirs if (here / name).is_symlink()]
        dirs[:] = [name for name in dirs if name not in links]
        for name in [*files, *links]:
            relative = (here / name).relative_to(root).as_posix()
            if not _leftover(relative):
                found.append(relative)
    return sorted(found)


def expanded_files(root: Path = ROOT) -> list[str]:
    """`project_files`, with each link to a folder replaced by the files inside it."""
    expanded = []
    for relative in project_files(root):
        path = root / relative
        if path.is_symlink() and path.is_dir():
            expanded += [f"{relative}/{inner}" for inner in _files_under(path)]
        else:
            expanded.append(relative)
    return sorted(expanded)


def _files_under(folder: Path) -> list[str]:
    return sorted(
        path.relative_to(folder).as_posix()
        for path in folder.rglob("*")
        if path.is_file() and not _leftover(path.relative_to(folder).as_posix())
    )


def bundled_files(root: Path = ROOT) -> list[str]:
    """Every file of the top-level protocols/, themes/ and scenarios/, e.g. "protocols/training/x.toml"."""
    return sorted(
        f"{folder}/{inner}" for folder in BUNDLED for inner in _files_under(root / folder)
    )


def wheel_expected(root: Path = ROOT) -> set[str]:
    expected = {
        name
        for name in expanded_files(root)
        if name.startswith("kap_console/") and not name.startswith("kap_console/_bundled/")
    }
    return expected | {f"kap_console/_bundled/{name}" for name in bundled_files(root)}


def missing_from_wheel(names: list[str], root: Path = ROOT) -> list[str]:
    """The files the wheel whose member names are `names` ought to hold and does not."""
    return sorted(wheel_expected(root) - set(names))


def missing_from_sdist(names: list[str], root: Path = ROOT) -> list[str]:
    """The project's files the sdist whose member names are `names` does not hold. The
    names carry the sdist's top folder (`kap_console-0.1.0/…`); it is stripped here."""
    held = {name.split("/", 1)[1] for name in names if "/" in name}
    expected = {name for name in expanded_files(root) if name not in NOT_IN_SDIST}
    return sorted(expected - held)


def wheel_names(wheel: Path) -> list[str]:
    with zipfile.ZipFile(wheel) as archive:
        return [name for name in archive.namelist() if not name.endswith("/")]


def sdist_names(sdist: Path) -> list[str]:
    with tarfile.open(sdist) as archive:
        return [member.name for member in archive.getmembers() if member.isfile()]


def copy_project(root: Path, destination: Path) -> Path:
    """A clean copy of the project's files (links kept as links), to build from without
    touching the checkout or picking up a stale build/ folder."""
    for relative in project_files(root):
        source, target = root / relative, destination / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_symlink():
            target.symlink_to(os.readlink(source))
        else:
            shutil.copy2(source, target)
    return destination


def build(source: Path, outdir: Path, *, isolation: bool = True) -> tuple[Path, Path]:
    """The sdist of `source`, then the wheel built from that sdist (as `python -m build`
    does). Without `isolation` the running Python's setuptools builds (no download)."""
    _run_build(source, outdir, isolation=isolation)
    (sdist,) = outdir.glob("*.tar.gz")
    (wheel,) = outdir.glob("*.whl")
    return sdist, wheel


def build_wheel(source: Path, outdir: Path, *, isolation: bool = True) -> Path:
    """The wheel built straight from `source` (as `pip install .` does)."""
    _run_build(source, outdir, "--wheel", isolation=isolation)
    (wheel,) = outdir.glob("*.whl")
    return wheel


def _run_build(source: Path, outdir: Path, *options: str, isolation: bool) -> None:
    command = [sys.executable, "-m", "build", *options, "--outdir", str(outdir), str(source)]
    if not isolation:
        command.insert(3, "--no-isolation")
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        tail = "\n".join((result.stdout + result.stderr).splitlines()[-30:])
        raise RuntimeError(f"building from {source} failed:\n{tail}")


def package_data_patterns(root: Path = ROOT) -> list[str]:
    """The package-data patterns of `kap_console` in pyproject.toml."""
    with (root / "pyproject.toml").open("rb") as handle:
        config = tomllib.load(handle)
    return list(config["tool"]["setuptools"]["package-data"]["kap_console"])


def not_packaged(root: Path = ROOT, patterns: list[str] | None = None) -> list[str]:
    """The files of `kap_console/` (links followed) that a wheel would leave out: neither a
    module nor matched by a package-data pattern. What setuptools' build_py does, quickly."""
    package = root / "kap_console"
    patterns = package_data_patterns(root) if patterns is None else patterns
    matched = {
        path.relative_to(package).as_posix()
        for pattern in patterns
        for path in package.glob(pattern)
        if path.is_file()
    }
    files = [
        name.removeprefix("kap_console/")
        for name in wheel_expected(root)
        if name.startswith("kap_console/")
    ]
    return sorted(name for name in files if not name.endswith(".py") and name not in matched)
