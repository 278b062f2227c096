"""A classroom on one machine: many practice sessions at once through `kap-console serve`.

Starts `kap-console serve` on 127.0.0.1 (a free port, a temporary data folder), then opens 1,
10 and 20 websocket sessions at once, as that many browser tabs would. Each is driven by a
scripted trainee typing into the start form at a brisk typist's pace (a key every 100 ms).
Keypress-to-screen is the time from sending a letter to receiving the first screen update
that contains it (a cursor blink cannot pass for it). Memory per session is the app process's
PSS (shared pages split between the processes sharing them) and RSS, from /proc.

Prints, for each class size: sessions ready, p50/p99 latency, the ratio of each to one
session alone (measured in the same run), and memory per session. Target on a 2-core machine:
20 sessions with p99 < 250 ms and < 80 MiB each. Loopback only; every wait is bounded.

Run: python benchmarks/bench_classroom.py [--sizes 1,10,20] [--keys 40]
Needs textual-serve (pip install -e ".[serve]") and aiohttp (which textual-serve brings).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LETTERS = "ABCDEFGHJKLMNPRSTUVW"  # 20: the client code field takes up to 24 characters
THINK = 0.1  # seconds between keys (--think)
WAIT = 10.0  # the longest any single wait may take
IDLE = 5.0  # seconds of nobody typing, to measure what waiting consoles cost


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(entry))
        except OSError:
            continue
    found, queue = [], [pid]
    while queue:
        for child in children.get(queue.pop(), []):
            found.append(child)
            queue.append(child)
    return found


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds a process has used so far (0 when it is gone)."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


def memory_kib(pid: int) -> tuple[int, int] | None:
    """(PSS, RSS) in KiB of a python process, None for anything else (the shell)."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            args = handle.read().split(b"\0")
        if "python" not in os.path.basename(args[0].decode()) or b"practice" not in args:
            return None
        values = {}
        with open(f"/proc/{pid}/smaps_rollup") as handle:
            for line in handle:
                key, _, rest = line.partition(":")
                if key in ("Pss", "Rss"):
                    values[key] = int(rest.split()[0])
        return values["Pss"], values["Rss"]
    except (OSError, KeyError):
        return None


class Trainee:
    """One browser tab: a websocket to the server, what it sent and what came back."""

    def __init__(self, session, url: str, think: float = THINK) -> None:
        self.session = session
        self.think = think
        self.url = url
        self.latencies: list[float] = []
        self.timeouts = 0
        self.ready_after: float | None = None
        self._buffer = bytearray()
        self._arrived = asyncio.Event()
        self._socket = None
        self._reader: asyncio.Task | None = None

    async def open(self) -> None:
        started = time.perf_counter()
        self._socket = await self.session.ws_connect(self.url, heartbeat=None)
        self._reader = asyncio.create_task(self._read())
        if await self._wait_for(b"Client code", timeout=180):  # a whole class starting at once
            await self._quiet(1.0)
            self.ready_after = time.perf_counter() - started

    async def _read(self) -> None:
        import aiohttp

        async for message in self._socket:
            if message.type == aiohttp.WSMsgType.BINARY:
                self._buffer += message.data
                self._arrived.set()

    async def _wait_for(self, needle: bytes, timeout: float = WAIT) -> bool:
        deadline = time.perf_counter() + timeout
        while needle not in self._buffer:
            left = deadline - time.perf_counter()
            if left <= 0:
                return False
            self._arrived.clear()
            try:
                await asyncio.wait_for(self._arrived.wait(), left)
            except TimeoutError:
                return False
        return True

    async def _quiet(self, seconds: float) -> None:
        """Until nothing arrived for `seconds` (bounded by WAIT)."""
        deadline = time.perf_counter() + WAIT
        while time.perf_counter() < deadline:
            self._arrived.clear()
            try:
                await asyncio.wait_for(self._arrived.wait(), seconds)
            except TimeoutError:
                return

    async def send(self, text: str) -> None:
        await self._socket.send_str(json.dumps(["stdin", text]))

    async def type_and_clear(self, keys: int) -> None:
        """Type letters into the client code field, measuring each; clear it; repeat."""
        typed = 0
        while typed < keys:
            for letter in LETTERS[: min(len(LETTERS), keys - typed)]:
                self._buffer.clear()
                sent = time.perf_counter()
                await self.send(letter)
                if await self._wait_for(letter.encode()):
                    self.latencies.append(time.perf_counter() - sent)
                else:
                    self.timeouts += 1
                typed += 1
                await asyncio.sleep(self.think)
            for _ in range(len(LETTERS)):
                await self.send("\x7f")  # backspace (not measured)
                await asyncio.sleep(0.02)
            await self._quiet(0.2)

    async def close(self) -> None:
        if self._socket is not None:
            await self._socket.close()
        if self._reader is not None:
            self._reader.cancel()


async def run_class(url: str, server_pid: int, size: int, keys: int, think: float) -> dict:
    import aiohttp

    async with aiohttp.ClientSession() as session:
        trainees = [Trainee(session, url, think) for _ in range(size)]
        await asyncio.gather(*(t.open() for t in trainees), return_exceptions=True)
        ready = [t for t in trainees if t.ready_after is not None]
        apps = [pid for pid in descendants(server_pid) if memory_kib(pid)]
        memory = [m for pid in apps if (m := memory_kib(pid))]
        # Idle cost: what the waiting consoles use while nobody types (clock ticks, cursor).
        before = sum(cpu_seconds(pid) for pid in apps)
        await asyncio.sleep(IDLE)
        idle = (sum(cpu_seconds(pid) for pid in apps) - before) / IDLE / max(1, len(apps))
        before = sum(cpu_seconds(pid) for pid in apps)
        await asyncio.gather(*(t.type_and_clear(keys) for t in ready))
        typing_cpu = sum(cpu_seconds(pid) for pid in apps) - before
        after = [m for pid in descendants(server_pid) if (m := memory_kib(pid))]
        await asyncio.gather(*(t.close() for t in trainees), return_exceptions=True)
    latencies = sorted(x for t in ready for x in t.latencies)
    memory = after or memory
    await asyncio.sleep(2)  # let the app processes end before the next class
    return {
        "size": size,
        "ready": len(ready),
        "ready_max_s": max((t.ready_after for t in ready), default=float("nan")),
        "keys": len(latencies),
        "timeouts": sum(t.timeouts for t in ready),
        "p50_ms": 1000 * statistics.median(latencies) if latencies else float("nan"),
        "p99_ms": 1000 * latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))]
        if latencies
        else float("nan"),
        "pss_mib": statistics.mean(m[0] for m in memory) / 1024 if memory else float("nan"),
        "rss_mib": statistics.mean(m[1] for m in memory) / 1024 if memory else float("nan"),
        "processes": len(memory),
        "idle_cpu_pct": 100 * idle,
        # Every key typed (letters and the backspaces clearing them), in the app processes.
        "cpu_ms_per_key": 1000 * typing_cpu / max(1, 2 * len(latencies)),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1,10,20")
    parser.add_argument("--keys", type=int, default=40, help="measured keys per trainee")
    parser.add_argument("--think", type=float, default=THINK, help="seconds between keys")
    args = parser.parse_args()
    try:
        import aiohttp  # noqa: F401
        import textual_serve  # noqa: F401
    except ImportError:
        print("needs textual-serve: pip install -e '.[serve]'", file=sys.stderr)
        return 2
    sizes = [int(x) for x in args.sizes.split(",")]
    port = free_port()
    with tempfile.TemporaryDirectory() as folder:
        env = dict(os.environ, KAP_CONSOLE_CONFIG_DIR=str(Path(folder) / "config"))
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "kap_console",
                "serve",
                "--port",
                str(port),
                "--data-dir",
                str(Path(folder) / "data"),
            ],  # fmt: skip
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    time.sleep(0.2)
            url = f"http://127.0.0.1:{port}/ws?width=80&height=24"
            results = [
                asyncio.run(run_class(url, server.pid, size, args.keys, args.think))
                for size in sizes
            ]
        finally:
            os.killpg(server.pid, 15)
            server.wait(timeout=10)
    base = results[0]
    load = os.getloadavg()[0]
    print(
        f"classroom through kap-console serve (loopback, {os.cpu_count()} cores, "
        f"load average {load:.1f} at the end; a key every {args.think * 1000:.0f} ms)"
    )
    print(
        f"{'sessions':>8} {'ready':>5} {'start s':>7} {'keys':>5} {'lost':>4} "
        f"{'p50 ms':>7} {'p99 ms':>7} {'p50 x1':>6} {'p99 x1':>6} {'PSS MiB':>7} {'RSS MiB':>7} "
        f"{'idle CPU':>8} {'CPU ms/key':>10}"
    )
    for r in results:
        print(
            f"{r['size']:>8} {r['ready']:>5} {r['ready_max_s']:>7.1f} {r['keys']:>5} "
            f"{r['timeouts']:>4} {r['p50_ms']:>7.1f} {r['p99_ms']:>7.1f} "
            f"{r['p50_ms'] / base['p50_ms']:>6.2f} {r['p99_ms'] / base['p99_ms']:>6.2f} "
            f"{r['pss_mib']:>7.1f} {r['rss_mib']:>7.1f} {r['idle_cpu_pct']:>7.1f}% {r['cpu_ms_per_key']:>10.1f}"
        )
    last = results[-1]
    verdict = last["p99_ms"] < 250 and last["pss_mib"] < 80 and last["ready"] == last["size"]
    print(
        f"target ({last['size']} sessions: p99 < 250 ms, < 80 MiB each): "
        f"{'met' if verdict else 'NOT met'}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
