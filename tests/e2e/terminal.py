"""A real terminal for end-to-end tests: the console runs inside tmux, keys are typed with
`send-keys`, and the screen is read back with `capture-pane`."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import time
import uuid
from collections.abc import Callable
from pathlib import Path


class TerminalTimeout(AssertionError):
    pass


class Terminal:
    """One tmux session on a private socket, sized like a laptop terminal."""

    def __init__(self, *, width: int = 100, height: int = 30, env: dict[str, str] | None = None):
        if shutil.which("tmux") is None:
            raise RuntimeError("tmux is not installed")
        self.socket = f"kap-e2e-{uuid.uuid4().hex[:8]}"
        self.name = "console"
        self.width = width
        self.height = height
        self.env = env or {}

    def _tmux(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["tmux", "-L", self.socket, *args], capture_output=True, text=True, check=check
        )

    def start(self, command: list[str], cwd: Path) -> None:
        exports = " ".join(f"{key}={shlex.quote(value)}" for key, value in self.env.items())
        shell = (
            f"cd {shlex.quote(str(cwd))} && env {exports} TERM=xterm-256color {shlex.join(command)}"
        )
        # `remain-on-exit` keeps the pane after the console exits so its last words can be read.
        self._tmux(
            "new-session", "-d", "-s", self.name, "-x", str(self.width), "-y", str(self.height),
            "sh", "-c", shell,
        )  # fmt: skip
        self._tmux("set-option", "-t", self.name, "remain-on-exit", "on")

    def send(self, *keys: str) -> None:
        """tmux key names: 'Enter', 'Tab', 'Escape', 'F2', 'C-q', or literal text."""
        for key in keys:
            self._tmux("send-keys", "-t", self.name, key)
            time.sleep(0.05)

    def type(self, text: str) -> None:
        self._tmux("send-keys", "-t", self.name, "-l", text)
        time.sleep(0.05)

    def paste(self, text: str) -> None:
        """Paste `text` as a terminal does: tmux's bracketed paste (`paste-buffer -p`), the
        way a facilitator's ctrl+shift+v reaches the app, tabs and escapes included."""
        import tempfile

        with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as handle:
            handle.write(text)
        try:
            self._tmux("load-buffer", "-b", "kap-paste", handle.name)
            self._tmux("paste-buffer", "-p", "-d", "-b", "kap-paste", "-t", self.name)
        finally:
            os.unlink(handle.name)
        time.sleep(0.1)

    def screen(self) -> str:
        return self._tmux("capture-pane", "-p", "-t", self.name, check=False).stdout

    def pane_pid(self) -> int:
        out = self._tmux("list-panes", "-t", self.name, "-F", "#{pane_pid}").stdout.strip()
        return int(out.splitlines()[0])

    def pane_dead(self) -> bool:
        out = self._tmux("list-panes", "-t", self.name, "-F", "#{pane_dead}", check=False).stdout
        return out.strip().startswith("1")

    def wait_for(
        self,
        predicate: str | Callable[[str], bool],
        timeout: float = 20.0,
        poll: float = 0.1,
        settle: float = 0.3,
    ) -> str:
        """Wait until the screen shows `predicate`, then `settle` seconds more: a person
        reads a new screen before typing, and focus lands a moment after the first paint."""
        check = (lambda screen: predicate in screen) if isinstance(predicate, str) else predicate
        deadline = time.monotonic() + timeout
        screen = ""
        while time.monotonic() < deadline:
            screen = self.screen()
            if check(screen):
                time.sleep(settle)
                return screen
            time.sleep(poll)
        raise TerminalTimeout(f"timed out waiting for {predicate!r}; screen was:\n{screen}")

    def kill_console(self, pid_file_hint: str = "kap-console") -> None:
        """SIGKILL the console process (the child of the pane's shell), as a crash would."""
        pane = self.pane_pid()
        out = subprocess.run(["pgrep", "-P", str(pane)], capture_output=True, text=True).stdout
        pids = [int(p) for p in out.split()] or [pane]
        for pid in pids:
            try:
                os.kill(pid, 9)
            except ProcessLookupError:
                pass

    def close(self) -> None:
        self._tmux("kill-server", check=False)
