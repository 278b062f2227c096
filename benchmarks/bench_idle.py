"""Idle cost on the monitoring dashboard: CPU and memory of a console left open during a
session, against a minimal Textual app that redraws a clock once a second (what any
console with a live session timer pays).

A dosed session is made by the engine (its clock near real time, so the timer runs), then
`kap-console run` resumes it in an 80×24 pseudo-terminal; once the dashboard is up, CPU
time (user + system, from the process's CPU clock) and RSS are read over the same window
for both apps. The two alternate for `--rounds` rounds (on a shared machine one window
alone can catch another program's burst); medians are compared, each round's ratio shown.

    python benchmarks/bench_idle.py [--seconds 30] [--rounds 3] [--breakdown]

`--breakdown` adds where each app's resident memory lies, from /proc/PID/smaps (in the last
round): the malloc heap, other anonymous memory (mostly Python's object arenas), and file
mappings (the interpreter, pydantic_core's compiled module, the rest).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests"))

from bench_tui import time_to_text  # noqa: E402  (the pseudo-terminal runner)

MINIMAL_CLOCK_APP = """
from datetime import datetime
from textual.app import App
from textual.widgets import Static


class Clock(App):
    def compose(self):
        yield Static("MINIMAL-READY", id="clock")

    def on_mount(self):
        self.set_interval(1.0, self.tick)

    def tick(self):
        self.query_one("#clock", Static).update(datetime.now().strftime("%H:%M:%S"))


Clock().run()
"""


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system, all threads) of process `pid`, to the nanosecond: Linux's
    per-process CPU clock (what clock_getcpuclockid(pid) gives). /proc's counts are in
    10 ms ticks, and a 1 Hz idle app uses only 60-150 ms in a 30 s window."""
    try:
        return time.clock_gettime(((~pid) << 3) | 2)  # MAKE_PROCESS_CPUCLOCK(pid, SCHED)
    except OSError:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        ticks = os.sysconf("SC_CLK_TCK")
        return (int(fields[11]) + int(fields[12])) / ticks


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS"):
            return int(line.split()[1]) / 1024
    return 0.0


def rss_by_mapping(pid: int) -> dict[str, float]:
    """Resident MB of process `pid` by kind of mapping (see the module's docstring)."""
    kinds: dict[str, float] = {}
    kind = "other files"
    for line in Path(f"/proc/{pid}/smaps").read_text().splitlines():
        fields = line.split()
        if not fields[0].endswith(":"):  # a mapping's first line: range, perms, ..., path
            path = fields[5] if len(fields) > 5 else ""
            if path == "[heap]":
                kind = "malloc heap"
            elif not path or path.startswith("["):
                kind = "anonymous (Python arenas, mmap)"
            elif "libpython" in path:
                kind = "libpython"
            elif "_pydantic_core" in path:
                kind = "pydantic_core .so"
            else:
                kind = "other files"
        elif fields[0] == "Rss:":
            kinds[kind] = kinds.get(kind, 0.0) + int(fields[1]) / 1024
    return kinds


def measure(
    argv: list[str], markers: list[bytes], keys: list[bytes], seconds: float, env
) -> tuple[float, float, dict[str, float]]:
    result: dict[str, Any] = {}

    def observe(pid: int, fd: int) -> None:
        for key in keys:
            os.write(fd, key)
            time.sleep(1.0)
        time.sleep(2.0)  # let start-up work settle
        start_cpu, start = cpu_seconds(pid), time.perf_counter()
        time.sleep(seconds)
        result["cpu"] = (cpu_seconds(pid) - start_cpu) / (time.perf_counter() - start)
        result["rss"] = rss_mb(pid)
        result["kinds"] = rss_by_mapping(pid)

    time_to_text(argv, markers, env, timeout=60.0, after=observe)
    return result["cpu"], result["rss"], result["kinds"]


def dosed_session(data_dir: Path) -> None:
    from datetime import UTC, datetime, timedelta

    from record_helpers import dosed_session as make

    from kap_console.session.clock import SimulatedClock

    # Started a while ago on a stepped clock, so that every entry lies in the past and the
    # resumed session's timer runs on the real one.
    clock = SimulatedClock(datetime.now(UTC) - timedelta(minutes=40), speed=0)
    session = make(data_dir, clock=clock)
    session.release()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--rounds", type=int, default=3, help="alternating windows of each app")
    parser.add_argument("--breakdown", action="store_true", help="where the RSS lies")
    args = parser.parse_args()
    seconds, rounds = args.seconds, max(1, args.rounds)
    work = Path(tempfile.mkdtemp(prefix="kap-bench-"))
    env = {
        **os.environ,
        "TERM": "xterm-256color",
        "KAP_CONSOLE_CONFIG_DIR": str(work / "config"),
    }
    minimal = work / "clock_app.py"
    minimal.write_text(MINIMAL_CLOCK_APP)
    data = work / "data"
    dosed_session(data)
    console = [sys.executable, "-m", "kap_console", "run", "--data-dir", str(data)]
    minimal_runs, console_runs = [], []
    for _ in range(rounds):
        minimal_runs.append(
            measure([sys.executable, str(minimal)], [b"MINIMAL-READY"], [], seconds, env)
        )
        console_runs.append(measure(console, [b"Resume"], [b"r"], seconds, env))
    shutil.rmtree(work, ignore_errors=True)
    base_cpu = statistics.median(run[0] for run in minimal_runs)
    base_rss = statistics.median(run[1] for run in minimal_runs)
    cpu = statistics.median(run[0] for run in console_runs)
    rss = statistics.median(run[1] for run in console_runs)
    each = ", ".join(f"{c[0] / b[0]:.2f}" for c, b in zip(console_runs, minimal_runs, strict=True))
    print(
        f"Idle over {seconds:.0f} s, median of {rounds} alternating rounds (80x24 pseudo-terminal):"
    )
    print(f"  minimal app, 1 Hz clock     CPU {base_cpu * 100:5.2f} %   RSS {base_rss:5.1f} MB")
    print(
        f"  kap-console on the dashboard CPU {cpu * 100:5.2f} %   RSS {rss:5.1f} MB"
        f"   ratio CPU {cpu / base_cpu:.2f}, RSS {rss / base_rss:.2f}"
    )
    print(f"  (CPU ratio of each round: {each})")
    if args.breakdown:
        base_kinds, kinds = minimal_runs[-1][2], console_runs[-1][2]
        print(f"  RSS by mapping (MB)               {'minimal':>8} {'console':>8} {'more':>6}")
        for kind in sorted(kinds, key=lambda name: -kinds[name]):
            base = base_kinds.get(kind, 0.0)
            print(f"    {kind:31s} {base:8.1f} {kinds[kind]:8.1f} {kinds[kind] - base:+6.1f}")


if __name__ == "__main__":
    main()
