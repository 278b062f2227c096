"""Close and resume of a session of 1k, 10k and 100k journaled events, each in its own process.

For each size a real session folder is made by the engine (`Session.start`) and filled with
the benchmark mix (benchmarks/session_mix.py); setup appends without fsync, which is not what
is measured. Then, each in a fresh process:

- resume: `Session.resume` (read the journal, check the chain, replay the fold, journal the
  `resumed` event);
- close: `Session.close` on the resumed session (record built from the journal, written
  atomically, read back and verified), timed alone;
- baseline: one `tomli_w.dumps` + one `tomllib.loads` of the record that close wrote.

Prints wall and CPU seconds, µs/event, peak RSS, close / baseline, and the per-event cost of
every size against the smallest (1.0 = linear). The peak RSS of close is the process's peak
up to the end of close (resume included), read before the baseline runs; "close's own" is
the peak during close alone, above the RSS it started from (Linux: /proc/self/clear_refs).

    python benchmarks/bench_lifecycle.py [--sizes 1000,10000,100000]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))


def make_session(data_dir: Path, size: int) -> Path:
    from session_mix import PROTOCOL_NAME, journal

    from kap_console.protocol.loader import load_protocol
    from kap_console.session import events as ev
    from kap_console.session.clock import SimulatedClock
    from kap_console.session.engine import Session
    from kap_console.session.events import event_to_dict

    loaded = load_protocol(HERE.parent / "protocols" / f"{PROTOCOL_NAME}.toml")
    entries = journal(size)
    started_at = entries[0][1].observed_at
    clock = SimulatedClock(start=started_at)
    session = Session.start(
        loaded,
        data_dir=data_dir,
        client_code="KAP-0042",
        facilitator="Alex Rivera",
        session_number=1,
        clock=clock,
    )
    fsync = os.fsync
    os.fsync = lambda fd: None  # setup only; never what is measured
    try:
        journal_ = session._journal
        for _, event in entries[1:]:
            if isinstance(event, ev.SessionStarted):
                continue
            journal_.append(event_to_dict(event))
    finally:
        os.fsync = fsync
    folder = session.session_dir
    session.release()
    return folder


def _peak_rss_mb() -> float:
    """The process's peak RSS so far (VmHWM; ru_maxrss where /proc is missing)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _rss_mb() -> float:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def _reset_peak() -> bool:
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def child(what: str, folder: Path) -> dict[str, float]:
    from kap_console.session.clock import SystemClock
    from kap_console.session.engine import Session

    result: dict[str, float] = {}
    wall, cpu = time.perf_counter(), time.process_time()
    session = Session.resume(folder, clock=SystemClock())
    result["resume_wall"] = time.perf_counter() - wall
    result["resume_cpu"] = time.process_time() - cpu
    result["peak_rss_mb"] = _peak_rss_mb()
    if what == "close":
        before = _rss_mb()
        reset = _reset_peak()
        wall, cpu = time.perf_counter(), time.process_time()
        closed = session.close(outcome="stopped_early", note="benchmark")
        result["close_wall"] = time.perf_counter() - wall
        result["close_cpu"] = time.process_time() - cpu
        if reset:
            result["close_own_mb"] = _peak_rss_mb() - before
            result["peak_rss_mb"] = max(result["peak_rss_mb"], _peak_rss_mb())
        else:
            result["close_own_mb"] = float("nan")
            result["peak_rss_mb"] = _peak_rss_mb()
        import tomllib

        import tomli_w

        data = closed.record_path.read_bytes()
        parsed = tomllib.loads(data.decode())
        wall = time.perf_counter()
        tomllib.loads(tomli_w.dumps(parsed))
        result["baseline_wall"] = time.perf_counter() - wall
    else:
        session.release()
    return result


def run_child(what: str, folder: Path) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", what, str(folder)],
        capture_output=True,
        text=True,
    )
    if out.returncode:
        raise SystemExit(f"{what} failed:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--child", nargs=2, metavar=("WHAT", "FOLDER"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child[0], Path(args.child[1]))))
        return
    sizes = [int(s) for s in args.sizes.split(",")]
    rows = {}
    with tempfile.TemporaryDirectory(prefix="kap-bench-") as tmp:
        for size in sizes:
            data = Path(tmp) / f"data-{size}"
            resumed = run_child("resume", make_session(data / "a", size))
            closed = run_child("close", make_session(data / "b", size))
            rows[size] = (resumed, closed)
            print(
                f"{size:>7} events: resume {resumed['resume_wall']:.2f} s "
                f"(CPU {resumed['resume_cpu']:.2f} s, {resumed['resume_cpu'] / size * 1e6:.1f} µs/event, "
                f"peak {resumed['peak_rss_mb']:.0f} MB); close {closed['close_wall']:.2f} s "
                f"(CPU {closed['close_cpu']:.2f} s, {closed['close_cpu'] / size * 1e6:.1f} µs/event, "
                f"peak {closed['peak_rss_mb']:.0f} MB, close's own {closed['close_own_mb']:.0f} MB), "
                f"{closed['close_wall'] / closed['baseline_wall']:.2f}x one tomli_w.dumps + tomllib.loads"
            )
            sys.stdout.flush()
    if len(sizes) > 1:
        small = min(sizes)
        for size in sorted(sizes):
            if size == small:
                continue
            for key, index in (("resume_cpu", 0), ("close_cpu", 1)):
                ratio = (rows[size][index][key] / size) / (rows[small][index][key] / small)
                print(
                    f"{key.split('_')[0]} per-event CPU at {size:,} vs {small:,}: {ratio:.2f}x "
                    "(1.0 = linear; target <= 1.25x)"
                )


if __name__ == "__main__":
    os.environ.setdefault("KAP_CONSOLE_CONFIG_DIR", tempfile.mkdtemp(prefix="kap-bench-config-"))
    main()
