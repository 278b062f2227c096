"""Smoke test of the installs a user makes, run from outside the checkout (`.ci/run` calls it).

    python tests/install/smoke.py [--no-isolation] [--keep]

In a temporary folder: a clean copy of the project's files; the sdist built from it and the
wheel built from that sdist (`python -m build`), both checked against the project's files
(build_check.py); the wheel installed into a fresh venv; and the README's install
(`pip install .` into a fresh venv). From each install, with an empty working folder and
empty data and config folders:

- `kap-console --version` says the version in kap_console/__init__.py;
- `kap-console paths` puts the bundled protocols and themes inside that venv;
- `kap-console protocol list` lists every bundled protocol, and `protocol validate` passes
  them all;
- `kap-console run` in tmux (80x24) shows the picker with every bundled protocol, Enter
  paints the start form, in the night theme's colours, and no theme warning shows.

The README's install also runs `kap-console run protocols/im-ketamine-120.toml` as the
README does. Standard library only (plus `build` for the build). Exits 1 on any failure.
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import build_check

ROOT = build_check.ROOT
WIDTH, HEIGHT = 80, 24


class SmokeFailure(Exception):
    pass


def check(condition: bool, message: str) -> None:
    if not condition:
        raise SmokeFailure(message)


def source_version() -> str:
    text = (ROOT / "kap_console" / "__init__.py").read_text(encoding="utf-8")
    match = re.search(r'^__version__ = "([^"]+)"$', text, re.MULTILINE)
    check(match is not None, "kap_console/__init__.py has no __version__ line")
    return match.group(1)


# -- installs ------------------------------------------------------------------------------


PIP_QUIET = ["install", "-q", "--no-compile", "--disable-pip-version-check"]


def fresh_venv(folder: Path, *, with_pip: bool = True) -> Path:
    command = [sys.executable, "-m", "venv", str(folder)]
    subprocess.run(command if with_pip else [*command, "--without-pip"], check=True)
    return folder


def pip_install(venv: Path, target: str, *, own_pip: bool = True) -> None:
    """`pip install target` into `venv`: with the venv's own pip (as a user does), or with
    this Python's pip pointed at the venv (quicker: the venv needs no pip of its own)."""
    python = str(venv / "bin" / "python")
    pip = [python, "-m", "pip"] if own_pip else [sys.executable, "-m", "pip", "--python", python]
    result = subprocess.run([*pip, *PIP_QUIET, target], capture_output=True, text=True)
    check(result.returncode == 0, f"pip install {target} failed:\n{result.stderr[-3000:]}")


# -- one install, used from outside the checkout -------------------------------------------


class Install:
    def __init__(self, venv: Path, work: Path, label: str) -> None:
        self.venv = venv
        self.label = label
        self.command = str(venv / "bin" / "kap-console")
        self.cwd = work / f"{label}-cwd"
        self.cwd.mkdir()
        home = work / f"{label}-home"
        self.env = {
            **os.environ,
            "KAP_CONSOLE_DATA_DIR": str(home / "data"),
            "KAP_CONSOLE_CONFIG_DIR": str(home / "config"),
            "TERM": "xterm-256color",
            "COLORTERM": "truecolor",
        }
        for name in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME"):
            self.env.pop(name, None)

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [self.command, *args],
            cwd=self.cwd,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=60,
        )

    def bundled_dirs(self) -> tuple[Path, Path]:
        result = self.run("paths")
        check(result.returncode == 0, f"{self.label}: `paths` failed: {result.stderr}")
        rows = dict(
            re.split(r"\s{2,}", line.strip(), maxsplit=1)
            for line in result.stdout.splitlines()
            if line.strip()
        )
        protocols, themes = Path(rows["bundled protocols"]), Path(rows["bundled themes"])
        for folder in (protocols, themes):
            check(
                folder.resolve().is_relative_to(self.venv.resolve()),
                f"{self.label}: bundled files come from {folder}, not from the install",
            )
        return protocols, themes

    def check_commands(self) -> None:
        version = self.run("--version")
        expected = f"kap-console {source_version()}"
        check(
            version.stdout.strip() == expected,
            f"{self.label}: --version said {version.stdout.strip()!r}, not {expected!r}",
        )
        protocols, _ = self.bundled_dirs()
        bundled = [
            name for name in build_check.bundled_files(ROOT) if name.startswith("protocols/")
        ]
        listed = self.run("protocol", "list")
        check(listed.returncode == 0, f"{self.label}: `protocol list` failed:\n{listed.stderr}")
        for name in bundled:
            path = protocols / name.removeprefix("protocols/")
            check(str(path) in listed.stdout, f"{self.label}: `protocol list` lacks {path}")
        validated = self.run("protocol", "validate", str(protocols))
        summary = f"{len(bundled)} protocol files checked: all valid"
        check(
            validated.returncode == 0 and validated.stdout.strip() == summary,
            f"{self.label}: `protocol validate` said {validated.stdout!r} {validated.stderr!r}",
        )

    def check_console(self, *args: str, cwd: Path | None = None) -> None:
        """`run` in a real terminal: the picker (without a protocol), then the start form in
        the night theme, with no warning about themes."""
        protocols, themes = self.bundled_dirs()
        night = tomllib.loads((themes / "night.toml").read_text(encoding="utf-8"))
        background = night["colors"]["background"].lstrip("#")
        night_sgr = "48;2;" + ";".join(str(int(background[i : i + 2], 16)) for i in (0, 2, 4))
        with Terminal(self.env) as terminal:
            terminal.start([self.command, "run", *args], cwd or self.cwd)
            if not args:
                picker = terminal.wait_for("Choose a protocol")
                # At 80x24 the list scrolls: read it again from its end, as a person would.
                terminal.send("End")
                time.sleep(1.0)
                picker += terminal.screen()
                for name in build_check.bundled_files(ROOT):
                    if name.startswith("protocols/"):
                        file = Path(name).name
                        check(file in picker, f"{self.label}: the picker lacks {file}:\n{picker}")
                terminal.send("Enter")
            terminal.wait_for("Start session")
            time.sleep(1.0)  # the themes are validated in a worker; a warning would show now
            screen, styled = terminal.screen(), terminal.screen(styled=True)
            check(night_sgr in styled, f"{self.label}: not in the night theme:\n{screen}")
            for warning in ("not used", "not found", "Traceback"):
                check(
                    warning not in screen, f"{self.label}: the screen says {warning!r}:\n{screen}"
                )
            terminal.send("C-q")
            terminal.wait_until_closed()


class Terminal:
    """A tmux session on a private socket, 80x24."""

    def __init__(self, env: dict[str, str]) -> None:
        check(shutil.which("tmux") is not None, "tmux is not installed")
        self.socket = f"kap-smoke-{uuid.uuid4().hex[:8]}"
        self.env = env

    def __enter__(self) -> Terminal:
        return self

    def __exit__(self, *exc: object) -> None:
        self._tmux("kill-server", check=False)

    def _tmux(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["tmux", "-L", self.socket, *args],
            capture_output=True,
            text=True,
            check=check,
            env=self.env,
        )

    def start(self, command: list[str], cwd: Path) -> None:
        shell = f"cd {shlex.quote(str(cwd))} && {shlex.join(command)}"
        size = ["-x", str(WIDTH), "-y", str(HEIGHT)]
        self._tmux("new-session", "-d", "-s", "console", *size, "sh", "-c", shell)

    def send(self, key: str) -> None:
        self._tmux("send-keys", "-t", "console", key)

    def screen(self, *, styled: bool = False) -> str:
        args = ["capture-pane", "-p", "-t", "console", *(["-e"] if styled else [])]
        return self._tmux(*args, check=False).stdout

    def wait_for(self, text: str, timeout: float = 20.0) -> str:
        deadline = time.monotonic() + timeout
        screen = ""
        while time.monotonic() < deadline:
            screen = self.screen()
            if text in screen:
                time.sleep(0.3)
                return self.screen()
            time.sleep(0.1)
        raise SmokeFailure(f"timed out waiting for {text!r}; the screen was:\n{screen}")

    def wait_until_closed(self, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._tmux("has-session", "-t", "console", check=False).returncode != 0:
                return
            time.sleep(0.1)
        raise SmokeFailure(f"the console did not quit on ctrl+q:\n{self.screen()}")


# -- the whole smoke test ------------------------------------------------------------------


def smoke(work: Path, *, isolation: bool) -> None:
    started = time.monotonic()
    # README: the user's install, `python3 -m venv .venv && .venv/bin/pip install .`, then
    # `.venv/bin/kap-console run protocols/im-ketamine-120.toml` in the checkout. It runs
    # in the background (on its own copy) while the wheel is built and tried.
    checkout = build_check.copy_project(ROOT, work / "checkout")
    with ThreadPoolExecutor(max_workers=1) as background:
        user_install = background.submit(_readme_install, work, checkout)
        _wheel(work, isolation=isolation)
        from_checkout = user_install.result()
    from_checkout.check_commands()
    from_checkout.check_console()
    from_checkout.check_console("protocols/im-ketamine-120.toml", cwd=checkout)
    print("smoke: the README's install (pip install .): the same, and run PROTOCOL: ok")
    print(f"smoke: passed in {time.monotonic() - started:.0f} s")


def _readme_install(work: Path, checkout: Path) -> Install:
    venv = fresh_venv(work / "user-venv")
    pip_install(venv, str(checkout))
    return Install(venv, work, "checkout")


def _wheel(work: Path, *, isolation: bool) -> None:
    source = build_check.copy_project(ROOT, work / "source")
    sdist, wheel = build_check.build(source, work / "dist", isolation=isolation)
    missing = build_check.missing_from_wheel(build_check.wheel_names(wheel))
    check(not missing, f"the wheel lacks: {', '.join(missing)}")
    missing = build_check.missing_from_sdist(build_check.sdist_names(sdist))
    check(not missing, f"the sdist lacks: {', '.join(missing)}")
    print(f"smoke: built {sdist.name} and {wheel.name}; both hold every file")

    from_wheel = Install(fresh_venv(work / "wheel-venv", with_pip=False), work, "wheel")
    pip_install(from_wheel.venv, str(wheel), own_pip=False)
    from_wheel.check_commands()
    from_wheel.check_console()
    print("smoke: the wheel's install: --version, protocol list/validate, run: ok")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--no-isolation",
        action="store_true",
        help="build with this Python's setuptools instead of downloading one",
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="kap-console-smoke-"))
    try:
        smoke(work, isolation=not args.no_isolation)
    except (SmokeFailure, RuntimeError, subprocess.SubprocessError) as failure:
        print(f"smoke: FAILED: {failure}", file=sys.stderr)
        return 1
    finally:
        if args.keep:
            print(f"smoke: kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
