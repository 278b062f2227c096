"""`kap-console serve` in a real browser: headless Chromium loads the page, a trainee types
into the practice console, and the entries land in a practice journal.

Skips (with the reason) only where Chromium or Playwright is not installed (.ci/run
installs Debian's chromium as root).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_for_http(url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"nothing served at {url}")


def _until(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = predicate()
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def _settled(page, timeout: float = 40) -> bytes:
    """Screenshots until two in a row are the same and not blank: the console has painted."""
    previous = b""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        shot = page.screenshot()
        if shot == previous and len(set(shot[-2000:])) > 10:
            return shot
        previous = shot
        time.sleep(0.7)
    raise AssertionError("the console never settled in the browser")


def _practice_process_cpu(server_pid: int) -> float | None:
    """CPU seconds used by the practice app process the server started (None: not yet)."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            args = (entry / "cmdline").read_bytes().split(b"\0")
            stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if b"practice" in args and "python" in Path(args[0].decode()).name:
            if os.getpgid(int(entry.name)) == os.getpgid(server_pid):
                return (int(stat[11]) + int(stat[12])) / os.sysconf("SC_CLK_TCK")
    return None


def _app_idle(server_pid: int, timeout: float = 90) -> None:
    """Until the practice app has started and gone quiet (its start-up work done: keys
    typed before that could land on the loading screen)."""
    deadline = time.monotonic() + timeout
    samples: list[float] = []
    while time.monotonic() < deadline:
        used = _practice_process_cpu(server_pid)
        if used is not None:
            samples.append(used)
            if len(samples) >= 4 and samples[-1] - samples[-4] < 0.05:
                return
        time.sleep(0.5)
    raise AssertionError("the practice app never went quiet")


@pytest.fixture
def server(tmp_path: Path):
    if not os.path.exists(CHROMIUM):
        pytest.skip("Chromium is not installed (apt-get install chromium; .ci/run does it as root)")
    pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    pytest.importorskip("textual_serve", reason="textual-serve is not installed")
    port = _free_port()
    env = dict(os.environ, KAP_CONSOLE_CONFIG_DIR=str(tmp_path / "config"))
    data = tmp_path / "data"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "kap_console",
            "serve",
            "--port",
            str(port),
            "--data-dir",
            str(data),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        url = f"http://127.0.0.1:{port}/"
        _wait_for_http(url)
        yield url, data, process.pid
    finally:
        os.killpg(process.pid, 15)
        process.wait(timeout=10)


def _journal_lines(data: Path) -> list[dict]:
    """Every payload journaled in practice sessions under `data` (read without the lock)."""
    from kap_console.session.journal.read import read_journal

    payloads = []
    for folder in (data / "practice" / "sessions").glob("*"):
        try:
            payloads += [entry.payload for entry in read_journal(folder).entries]
        except (OSError, ValueError):
            continue  # being created
    return payloads


def test_a_trainee_types_into_practice_served_to_a_headless_browser(server, tmp_path) -> None:
    from playwright.sync_api import sync_playwright

    url, data, server_pid = server
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            page = browser.new_page(viewport={"width": 1000, "height": 640})
            page.goto(url)
            _settled(page)  # the start form
            _app_idle(server_pid)
            # Focus the terminal with a click on empty background (a click on a field would
            # also reach the app and move its focus there).
            page.mouse.click(20, 500)
            time.sleep(0.5)
            page.keyboard.type("PRACTICE-07", delay=80)
            page.keyboard.press("Tab")
            page.keyboard.type("Ana Trainee", delay=80)
            page.keyboard.press("Enter")
            try:
                _until(lambda: _journal_lines(data), 30, "the practice session to start")
            finally:  # what the browser showed, to look at when this fails
                page.screenshot(path=str(tmp_path / "after-start.png"))
            _settled(page)  # the pre-session screen
            page.keyboard.press("n")
            _settled(page)
            page.keyboard.type("typed in a browser", delay=80)
            page.keyboard.press("Control+s")
            _until(
                lambda: any(e.get("type") == "note_added" for e in _journal_lines(data)),
                30,
                "the note to be journaled",
            )
            _settled(page)
            shot = tmp_path / "practice-in-chromium.png"
            page.screenshot(path=str(shot))
        finally:
            browser.close()
    events = _journal_lines(data)
    [start] = [e for e in events if e.get("type") == "session_started"]
    assert (start["client_code"], start["facilitator"]) == ("PRACTICE-07", "Ana Trainee")
    assert start["practice"]["scenario_id"] == "uneventful"
    [note] = [e for e in events if e.get("type") == "note_added"]
    assert note["text"] == "typed in a browser"
    assert shot.stat().st_size > 10_000 and shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
