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
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from session_builders import at, events_until_dosed, load_protocol, numbered, obs, stamp  # noqa: E402

from kap_console.session import events as ev  # noqa: E402
from kap_console.session.events import event_from_dict, event_to_dict  # noqa: E402
from kap_console.session.state.builder import StateBuilder
from kap_console.session.state.fold import fold

protocol = load_protocol("im-ketamine-120")


def journal(size, seed=1):
    rng = random.Random(seed)
    events = list(events_until_dosed(protocol))
    obs_seqs, alert_seqs, current_hr = [], [], {}
    minute = 0.0
    while len(events) < size:
        minute += 0.01
        r = rng.random()
        seq = len(events) + 1
        if r < 0.6:
            events.append(
                obs(
                    "early",
                    None,
                    at(minute),
                    sbp=rng.randint(110, 190),
                    dbp=80,
                    hr=rng.randint(60, 90),
                    spo2=97,
                    rr=14,
                )
            )
            obs_seqs.append(seq)
        elif r < 0.7 and obs_seqs:
            events.append(
                stamp(
                    ev.AlertRaised(
                        source_seq=obs_seqs[-1],
                        measure_id="sbp",
                        threshold_index=2,
                        level="urgent",
                        value=185,
                        message="x",
                    ),
                    at(minute),
                )
            )
            alert_seqs.append(seq)
        elif r < 0.75 and alert_seqs:
            events.append(stamp(ev.AlertAcknowledged(alert_seq=alert_seqs.pop()), at(minute)))
        elif r < 0.85:
            events.append(stamp(ev.NoteAdded(text="Client resting, breathing slowly"), at(minute)))
        elif r < 0.88 and obs_seqs:
            target = obs_seqs[-1]
            old = current_hr.get(target, events[target - 1].values["hr"])
            events.append(
                stamp(
                    ev.Amended(
                        target_seq=target, field="values.hr", old=old, new=old + 1, reason="typo"
                    ),
                    at(minute),
                )
            )
            current_hr[target] = old + 1
        elif r < 0.9 and obs_seqs:
            events.append(
                stamp(
                    ev.Voided(
                        target_seq=obs_seqs.pop(rng.randrange(len(obs_seqs))), reason="wrong client"
                    ),
                    at(minute),
                )
            )
        else:
            events.append(stamp(ev.PhaseMarked(phase_id="peak"), at(minute)))
    return numbered(events[:size])


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
