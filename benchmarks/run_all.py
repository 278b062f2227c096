"""Run every benchmark in this folder and write their figures as one Markdown table.

    python benchmarks/run_all.py [--out benchmarks/RESULTS.md] [--only NAME ...] [--quick]

Each `bench_*.py` runs in its own process, in turn (never two at once: they compare against
baselines measured in the same run, and a second benchmark would load the machine). Every
line a benchmark prints becomes a row. The table starts with the machine's description, so
figures are never read without knowing where they came from. `--quick` passes each
benchmark smaller sizes (see QUICK) for a run of a few minutes.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent

# Smaller sizes for --quick; a benchmark not named here runs with its defaults.
QUICK = {
    "bench_lifecycle": ["--sizes", "1000,10000"],
    "bench_catalog": ["--sessions", "2000"],
    "bench_replay": ["--max", "10000"],
    "bench_classroom": ["--sizes", "1,5", "--keys", "10"],
}
TIMEOUT = 1800


def machine() -> list[str]:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.0f} GiB"
    except OSError:
        pass
    try:
        from importlib.metadata import version

        textual = version("textual")
    except Exception:  # noqa: BLE001  (a description, not a requirement)
        textual = "?"
    load = os.getloadavg() if hasattr(os, "getloadavg") else ()
    return [
        f"- date: {datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}",
        f"- machine: {platform.system()} {platform.release()}, {cpu}, {os.cpu_count()} cores, {memory}",
        f"- Python {platform.python_version()}, Textual {textual}",
        f"- load average at start: {', '.join(f'{x:.2f}' for x in load) or '?'}",
    ]


def run(script: Path, quick: bool) -> tuple[list[str], float, int]:
    args = QUICK.get(script.stem, []) if quick else []
    start = time.perf_counter()
    try:
        done = subprocess.run(
            [sys.executable, str(script), *args],
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
            cwd=HERE.parent,
        )
    except subprocess.TimeoutExpired:
        return [f"did not finish within {TIMEOUT} s"], time.perf_counter() - start, -1
    lines = [line.rstrip() for line in done.stdout.splitlines() if line.strip()]
    if done.returncode:
        tail = [line for line in done.stderr.splitlines() if line.strip()][-1:]
        lines.append(f"FAILED (exit {done.returncode}): {tail[0] if tail else ''}")
    return lines, time.perf_counter() - start, done.returncode


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE / "RESULTS.md")
    parser.add_argument("--only", nargs="*", help="benchmark names, e.g. bench_lifecycle")
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    scripts = sorted(HERE.glob("bench_*.py"))
    if args.only:
        scripts = [s for s in scripts if s.stem in args.only]
    rows = ["| benchmark | figures |", "| --- | --- |"]
    failed = 0
    for script in scripts:
        print(f"running {script.name} …", file=sys.stderr, flush=True)
        lines, seconds, code = run(script, args.quick)
        failed += code != 0
        figures = "<br>".join(line.replace("|", "\\|") for line in lines) or "(no output)"
        rows.append(f"| `{script.name}` ({seconds:.0f} s) | {figures} |")
    command = "python benchmarks/run_all.py" + (" --quick" if args.quick else "")
    text = "\n".join(
        ["# Benchmark figures", "", *machine(), f"- command: `{command}`", "", *rows, ""]
    )
    args.out.write_text(text, encoding="utf-8")
    print(text)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
