"""How much does validating a protocol cost on top of parsing its TOML?

Runs 1,000 load-and-validate passes over the bundled protocols (round robin) with
`load_protocol_bytes` — decode, parse, validate strictly, cross-check, hash — and the same
number of bare `tomllib.loads` calls over the same bytes, in the same process, and prints
both (CPU time, best of several turns) with their ratio. A broken protocol is timed too: locating its problems is the only
time the line scanner runs. Git is left out (it costs a subprocess, once per session).

    python benchmarks/bench_protocol.py [--runs N]
"""

from __future__ import annotations

import argparse
import statistics
import time
import tomllib

from kap_console.paths import bundled_protocols_dir
from kap_console.protocol.loader import load_protocol_bytes
from kap_console.protocol.problems import ProtocolError

REPEATS = 5


def _best_of(repeats: int, *works) -> list[float]:
    """The fastest of several timings of each piece of work, in CPU seconds (so other
    processes on the machine count less). The pieces take turns, so a burst of other
    load falls on all of them alike."""
    best = [float("inf")] * len(works)
    for _ in range(repeats):
        for index, work in enumerate(works):
            start = time.process_time()
            work()
            best[index] = min(best[index], time.process_time() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=1000, help="passes per timing (default 1000)")
    args = parser.parse_args()

    files = sorted(bundled_protocols_dir().rglob("*.toml"))
    contents = [(str(path), path.read_bytes()) for path in files]
    batch = [contents[i % len(contents)] for i in range(args.runs)]

    def parse_only() -> None:
        for _, data in batch:
            tomllib.loads(data.decode("utf-8"))

    def load_and_validate() -> None:
        for name, data in batch:
            load_protocol_bytes(data, name)

    broken_name, broken_data = contents[0]
    broken_data = broken_data.replace(b"id = ", b"idd = ", 1)

    def load_broken() -> None:
        for _ in range(args.runs // 10):
            try:
                load_protocol_bytes(broken_data, broken_name)
            except ProtocolError:
                pass

    # Warm up: pydantic builds its validators on first use (defer_build).
    load_and_validate()
    load_broken()

    parse, validate, broken = _best_of(REPEATS, parse_only, load_and_validate, load_broken)
    sizes = [len(data) for _, data in contents]

    print(
        f"protocols: {len(files)} bundled files, {statistics.mean(sizes) / 1024:.1f} KiB on average"
    )
    print(f"runs: {args.runs} (best of {REPEATS})")
    print(
        f"tomllib parse only:    {parse * 1000:8.1f} ms  ({parse / args.runs * 1000:.3f} ms per file)"
    )
    print(
        f"load + validate:       {validate * 1000:8.1f} ms  "
        f"({validate / args.runs * 1000:.3f} ms per validation)"
    )
    print(f"ratio to parsing:      {validate / parse:8.2f}x")
    per_broken = broken / (args.runs // 10) * 1000
    print(
        f"broken file, located:  {per_broken:8.3f} ms per validation ({per_broken / (validate / args.runs * 1000):.1f}x a valid one)"
    )


if __name__ == "__main__":
    main()
