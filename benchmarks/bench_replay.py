"""Replay cost of a session's state: fold() over 1k, 10k and 100k events of a realistic mix
(rounds, alerts, acknowledgements, notes, phases, amendments, voids).

Prints CPU time per event for each size (linear growth shows as a flat µs/event), the ratio
against parsing the same events from their JSON payloads (which any replay pays anyway), and
the cost of one more event plus a snapshot on a 100k-event state. The journal's own replay
(reading and verifying the hash chain) is in bench_journal.py.

Run: python benchmarks/bench_replay.py [--max 100000]
"""

import argparse
import gc
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from session_builders import at, stamp  # noqa: E402
from session_mix import journal, protocol  # noqa: E402

from kap_console.session import events as ev  # noqa: E402
from kap_console.session.events import event_from_dict, event_to_dict  # noqa: E402
from kap_console.session.state.builder import StateBuilder  # noqa: E402
from kap_console.session.state.fold import fold  # noqa: E402


def cpu(fn, repeats=3):
    best = float("inf")
    for _ in range(repeats):
        gc.collect()
        start = time.process_time()
        fn()
        best = min(best, time.process_time() - start)
    return best


parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--max", type=int, default=100_000, help="largest session size")
largest = parser.parse_args().max
sizes = [size for size in (1_000, 10_000, 100_000) if size <= largest] or [largest]
per_event = {}
for size in sizes:
    entries = journal(size)
    payloads = [event_to_dict(e) for _, e in entries]
    t_fold = cpu(lambda entries=entries: fold(protocol, entries))
    t_parse = cpu(lambda payloads=payloads: [event_from_dict(p) for p in payloads])
    state = fold(protocol, entries)
    applied = sum(a.applied for a in state.amendments)
    print(
        f"{size:>7} events: fold {t_fold:.3f} s CPU = {t_fold / size * 1e6:.1f} µs/event; "
        f"parse {t_parse / size * 1e6:.1f} µs/event; fold/parse {t_fold / t_parse:.2f}  "
        f"(amendments applied {applied}/{len(state.amendments)}, voids {len(state.voids)})"
    )
    per_event[size] = t_fold / size
if len(per_event) > 1:
    first, last = min(per_event), max(per_event)
    print(
        f"per-event cost {last:,} vs {first:,} events: {per_event[last] / per_event[first]:.2f}x (1.0 = linear)"
    )

builder = StateBuilder(protocol)
for seq, event in entries:
    builder.apply(seq, event)
builder.snapshot()
n = 200
start = time.process_time()
for k in range(n):
    builder.apply(10**6 + k, stamp(ev.NoteAdded(text="x"), at(2000 + k)))
    builder.snapshot()
print(
    f"apply + snapshot on a {len(entries):,}-event state: {(time.process_time() - start) / n * 1e3:.2f} ms CPU each"
)
