"""What saving an event costs, and how resuming scales with the length of a session.

Prints, all measured in the same run on the same disk:

- append latency for ~300-byte events, each written and fsynced (p50, p99), against two
  baselines: the same `append` with fsync switched off (JSON + hash + one write) and a plain
  `os.write` of the same line bytes; the ratio says what durability costs;
- replay: `Journal.open` (lock, read, verify every hash and link, set nothing aside) for
  journals of 1k, 10k and 100k entries, with the time per entry, so linearity shows
  (per-entry ratio 100k/1k ≈ 1).

Run: python benchmarks/bench_journal.py [--dir FOLDER]   (default: a temporary folder)
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kap_console.session.journal.read import read_journal  # noqa: E402
from kap_console.session.journal.writer import Journal  # noqa: E402

APPENDS = 2000
REPLAY_SIZES = (1_000, 10_000, 100_000)
REPEATS = 3
NOW = "2026-03-02T09:00:00+00:00"


def event(n: int) -> dict:
    """An observation round as the engine stores it: about 300 bytes of JSON."""
    return {
        "type": "observation_recorded",
        "observed_at": "2026-03-02T09:41:12.123456+00:00",
        "recorded_at": "2026-03-02T09:41:30.654321+00:00",
        "recorded_by": "Dr Example",
        "round_id": f"t{n % 12 * 5}",
        "due_minutes": n % 12 * 5,
        "values": {"sbp": 128, "dbp": 82, "hr": 74, "spo2": 97, "rr": 14, "dissociation": 2},
        "note": "Settled, eyes closed, responds to voice.",
    }


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def timed_appends(folder: Path, *, fsync: bool) -> list[float]:
    real_fsync = os.fsync
    if not fsync:
        os.fsync = lambda fd: None  # type: ignore[assignment]
    try:
        journal = Journal.create(folder, session_id="bench", app="bench", now=NOW, ballast_bytes=0)
        samples = []
        for n in range(APPENDS):
            payload = event(n)
            start = time.perf_counter()
            journal.append(payload)
            samples.append(time.perf_counter() - start)
        journal.close()
    finally:
        os.fsync = real_fsync  # type: ignore[assignment]
    return samples


def timed_raw_writes(folder: Path, lines: list[bytes]) -> list[float]:
    fd = os.open(folder / "raw.jsonl", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    samples = []
    try:
        for line in lines:
            start = time.perf_counter()
            os.write(fd, line)
            samples.append(time.perf_counter() - start)
    finally:
        os.close(fd)
    return samples


def build(folder: Path, size: int) -> None:
    """A journal of `size` entries, written without fsync (only its replay is measured)."""
    real_fsync = os.fsync
    os.fsync = lambda fd: None  # type: ignore[assignment]
    try:
        journal = Journal.create(folder, session_id="bench", app="bench", now=NOW, ballast_bytes=0)
        for n in range(size):
            journal.append(event(n))
        journal.close()
    finally:
        os.fsync = real_fsync  # type: ignore[assignment]


def timed_open(folder: Path, *, collect: bool = True) -> tuple[float, float]:
    """Wall and CPU seconds for one Journal.open + close (optionally with the cyclic GC off)."""
    gc.collect()
    if not collect:
        gc.disable()
    try:
        wall, cpu = time.perf_counter(), time.process_time()
        journal, report = Journal.open(folder, ballast_bytes=0)
        journal.close()
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    finally:
        gc.enable()
    assert report.torn_tail is None
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", type=Path, help="where to write (default: a temporary folder)")
    args = parser.parse_args()
    base = Path(tempfile.mkdtemp(prefix="bench-journal-", dir=args.dir))
    try:
        synced = timed_appends(base / "synced", fsync=True)
        unsynced = timed_appends(base / "unsynced", fsync=False)
        lines = (base / "synced" / "journal-0001.jsonl").read_bytes().splitlines(keepends=True)
        raw = timed_raw_writes(base, lines[1:])
        line_bytes = statistics.mean(len(line) for line in lines[1:])

        payload_bytes = statistics.mean(len(json.dumps(event(n))) for n in range(APPENDS))
        print(
            f"append: {APPENDS} events, payload ~{payload_bytes:.0f} bytes of JSON, "
            f"line {line_bytes:.0f} bytes with seq/prev/h; folder {base}"
        )
        print(f"{'':34}{'p50 ms':>10}{'p99 ms':>10}{'mean ms':>10}")
        rows = [
            ("append (write + fsync)", synced),
            ("append, fsync off (JSON+hash+write)", unsynced),
            ("baseline: os.write of the line", raw),
        ]
        for label, samples in rows:
            print(
                f"{label:34}{percentile(samples, 0.5) * 1e3:10.3f}"
                f"{percentile(samples, 0.99) * 1e3:10.3f}{statistics.mean(samples) * 1e3:10.3f}"
            )
        ratio = percentile(synced, 0.5) / percentile(raw, 0.5)
        encode = percentile(unsynced, 0.5) / percentile(raw, 0.5)
        print(f"ratio p50 fsynced append / raw write: {ratio:.0f}x")
        print(f"ratio p50 unsynced append / raw write: {encode:.1f}x (encoding and hashing)")

        print()
        # Best of a few runs: other processes on the machine only ever add time.
        print(f"replay (Journal.open: lock, read, verify every line), best of {REPEATS}")
        print(
            f"{'entries':>9}{'MB':>7}{'wall s':>9}{'wall us/e':>11}{'cpu us/e':>10}"
            f"{'cpu us/e, GC off':>18}{'read_journal s':>16}"
        )
        per_entry: dict[str, dict[int, float]] = {"wall": {}, "cpu": {}, "nogc": {}}
        for size in REPLAY_SIZES:
            folder = base / f"replay-{size}"
            build(folder, size)
            megabytes = (folder / "journal-0001.jsonl").stat().st_size / 1e6
            runs = [timed_open(folder) for _ in range(REPEATS)]
            wall, cpu = min(w for w, _ in runs), min(c for _, c in runs)
            nogc = min(timed_open(folder, collect=False)[1] for _ in range(REPEATS))
            start = time.perf_counter()
            assert len(read_journal(folder).entries) == size
            read = time.perf_counter() - start
            for key, seconds in (("wall", wall), ("cpu", cpu), ("nogc", nogc)):
                per_entry[key][size] = seconds / size
            print(
                f"{size:>9}{megabytes:7.1f}{wall:9.3f}{wall / size * 1e6:11.2f}"
                f"{cpu / size * 1e6:10.2f}{nogc / size * 1e6:18.2f}{read:16.3f}"
            )
        first, last = REPLAY_SIZES[0], REPLAY_SIZES[-1]
        ratios = ", ".join(
            f"{key} {values[last] / values[first]:.2f}" for key, values in per_entry.items()
        )
        print(f"per-entry ratio {last // 1000}k/{first // 1000}k: {ratios}")
    finally:
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
