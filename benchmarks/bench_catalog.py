"""`records list` over many session folders, against stat-ing every file of every folder
(which any listing that notices changes pays), measured in the same run.

- first listing: no cache, every journal read (its row's lines decoded, every hash checked);
- next listing: from the cache (one directory read and one lstat per journal per folder);
- after one change: one entry appended to one journal (as a session in progress does),
  that folder read again, the rest cached;
- the command: `kap-console records list` (text and --format json) in a fresh interpreter,
  against a bare `python -c pass`.
Rounds are interleaved with the baseline and medians taken; CPU time is the figure to judge
(`time.process_time`), wall time is shown beside it. Files are in the page cache (just
written): a first listing after a reboot also waits on the disk.

`--reference` also times reading every event of every journal (`summarize_from_events`,
what a first listing did before), once.

One closed session is made by the engine and copied under new folder names.

    python benchmarks/bench_catalog.py [--sessions 10000] [--rounds 3] [--reference]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))
sys.path.insert(0, str(HERE.parent))

from record_helpers import whole_session  # noqa: E402

from kap_console.session.catalog import list_sessions, summarize_from_events  # noqa: E402
from kap_console.session.catalog_cache import CACHE_NAME  # noqa: E402
from kap_console.session.journal.format import encode_entry  # noqa: E402


def stat_everything(folder: Path) -> int:
    count = 0
    for session in os.scandir(folder):
        with os.scandir(session.path) as entries:
            for entry in entries:
                entry.stat(follow_symlinks=False)
                count += 1
    return count


def timed(action: Callable[[], object]) -> tuple[float, float]:
    """(CPU seconds, wall seconds) of one call."""
    cpu, wall = time.process_time(), time.perf_counter()
    action()
    return time.process_time() - cpu, time.perf_counter() - wall


def command_wall(*args: str) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, *args], check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def append_entry(journal: Path) -> None:
    """One more entry, hashed and chained as the engine writes it (a copy of the session's
    adverse event): the summary of that folder changes (one more adverse event)."""
    lines = journal.read_bytes().splitlines()
    last = json.loads(lines[-1])
    adverse = next(
        json.loads(line)["data"] for line in lines if b'"type":"adverse_event_logged"' in line
    )
    line, _ = encode_entry(last["seq"] + 1, adverse, last["h"])
    with journal.open("ab") as handle:
        handle.write(line)


def load() -> str:
    return "/".join(f"{value:.2f}" for value in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--reference", action="store_true")
    options = parser.parse_args()
    count, rounds = options.sessions, options.rounds
    with tempfile.TemporaryDirectory(prefix="kap-bench-") as tmp:
        data = Path(tmp)
        session, _ = whole_session(data)
        session.release()
        template = session.session_dir
        stem = template.name.rsplit("-", 1)[0]
        folders = [template]
        for index in range(1, count):
            folders.append(template.parent / f"{stem}-{index:06x}")
            shutil.copytree(template, folders[-1])
        load_before = load()
        baseline, cold, warm, changed = [], [], [], []
        for round_ in range(rounds):
            baseline.append(timed(lambda: stat_everything(data / "sessions")))
            (data / CACHE_NAME).unlink(missing_ok=True)
            cold.append(timed(lambda: list_sessions(data)))
            baseline.append(timed(lambda: stat_everything(data / "sessions")))
            warm.append(timed(lambda: list_sessions(data)))
            append_entry(folders[round_ % count] / "journal-0001.jsonl")
            changed.append(timed(lambda: list_sessions(data)))
        listed = list_sessions(data)
        assert len(listed) == count
        assert sum(1 for s in listed if s.adverse_event_count == 2) == min(rounds, count)
        size = (data / CACHE_NAME).stat().st_size
        cli = ["-m", "kap_console", "records", "list", "--data-dir", str(data)]
        bare, text, json_ = [], [], []
        for _round in range(rounds):
            bare.append(command_wall("-c", "pass"))
            text.append(command_wall(*cli))
            json_.append(command_wall(*cli, "--format", "json"))
        reference = None
        if options.reference:
            reference = timed(lambda: [summarize_from_events(f) for f in folders])
        load_after = load()

    def median(pairs: list[tuple[float, float]], which: int) -> float:
        return statistics.median(pair[which] for pair in pairs)

    base_cpu, base_wall = median(baseline, 0), median(baseline, 1)

    def phase(name: str, pairs: list[tuple[float, float]]) -> str:
        cpu, wall = median(pairs, 0), median(pairs, 1)
        return (
            f"{name} {cpu:.3f} s CPU ({cpu / base_cpu:.1f}x), {wall:.3f} s wall "
            f"({wall / base_wall:.1f}x)"
        )

    print(
        f"{count:,} sessions, load {load_before} → {load_after}, median of {rounds}; "
        f"stat-ing every file {base_cpu:.3f} s CPU, {base_wall:.3f} s wall (1x)"
    )
    print(f"{count:,} sessions: " + phase("first listing (no cache)", cold))
    print(f"{count:,} sessions: " + phase("next listing (cached)", warm))
    print(f"{count:,} sessions: " + phase("after one journal changed", changed))
    python = statistics.median(bare)
    print(
        f"{count:,} sessions: `kap-console records list` {statistics.median(text):.3f} s wall, "
        f"--format json {statistics.median(json_):.3f} s (python -c pass {python:.3f} s); "
        f"cache {size / 1e6:.1f} MB"
    )
    if reference is not None:
        print(
            f"{count:,} sessions: reading every event of every journal (before) "
            f"{reference[0]:.3f} s CPU ({reference[0] / median(cold, 0):.1f}x the first listing)"
        )


if __name__ == "__main__":
    os.environ.setdefault("KAP_CONSOLE_CONFIG_DIR", tempfile.mkdtemp(prefix="kap-bench-config-"))
    main()
