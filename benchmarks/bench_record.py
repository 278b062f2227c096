"""How long closing a session takes: build the record from the journal entries, then write it.

For sessions of about 100, 1,000 and 10,000 entries (readings, notes, a few corrections), prints
the median time to build the record (fold + model), to write it (serialise, parse back and
compare, atomic 0600 write, read back and hash), and, as the baseline measured in the same run,
a plain `tomli_w.dumps` of the same document. Run: python benchmarks/bench_record.py
"""

from __future__ import annotations

import hashlib
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import tomli_w

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kap_console.protocol.loader import load_protocol  # noqa: E402
from kap_console.session import events as ev  # noqa: E402
from kap_console.session.record import model as rec  # noqa: E402
from kap_console.session.record import writing  # noqa: E402
from kap_console.session.record.build import build_record  # noqa: E402

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
REPEATS = 5


@dataclass
class Entry:
    seq: int
    payload: dict[str, Any]
    h: str
    segment: str = "journal-0001.jsonl"


def session_entries(protocol_identity: Any, size: int) -> list[Entry]:
    """About `size` entries: a real opening, then readings and notes every few seconds."""
    opening: list[ev.EventBase] = [
        ev.SessionStarted(
            session_id="bench",
            client_code="KAP-0001",
            facilitator="bench",
            session_number=1,
            protocol=protocol_identity,
        ),
        ev.CheckAnswered(item_id="weight_kg", answer=70.0),
        ev.ObservationRecorded(
            round_id="baseline", values={"sbp": 120, "dbp": 80, "hr": 70, "spo2": 98, "rr": 14}
        ),
        ev.GoDecision(decision="go", decided_by="bench"),
        ev.DoseGiven(drug="ketamine", route="IM", dose_mg=40, weight_kg=70, given_by="bench"),
    ]
    events = list(opening)
    while len(events) < size - 1:
        n = len(events)
        if n % 10 == 0:
            events.append(ev.Amended(target_seq=n - 1, field="note", old="", new="re", reason="r"))
        elif n % 2:
            events.append(
                ev.ObservationRecorded(
                    round_id="early",
                    values={"sbp": 118 + n % 7, "dbp": 76, "hr": 70 + n % 5, "spo2": 97, "rr": 14},
                )
            )
        else:
            events.append(ev.NoteAdded(text=f"Breathing slowly, settled; reading {n}"))
    events.append(ev.SessionClosed(outcome="stopped_early"))
    entries, previous = [], "0" * 64
    for seq, event in enumerate(events, start=1):
        stamped = ev.stamped(event, now=START + timedelta(seconds=5 * seq), by="bench")
        previous = hashlib.sha256(f"{previous}{seq}".encode()).hexdigest()
        entries.append(Entry(seq, ev.event_to_dict(stamped), previous))
    return entries


def median_seconds(action) -> float:
    times = []
    for _ in range(REPEATS):
        began = time.perf_counter()
        action()
        times.append(time.perf_counter() - began)
    return statistics.median(times)


def main() -> None:
    loaded = load_protocol(ROOT / "protocols" / "im-ketamine-120.toml", git=False)
    print(f"{'entries':>8} {'build ms':>9} {'write ms':>9} {'dumps ms':>9} {'ratio':>7} {'KB':>7}")
    with tempfile.TemporaryDirectory(dir=ROOT) as folder:
        path = Path(folder) / rec.RECORD_NAME
        for size in (100, 1_000, 10_000):
            entries = session_entries(loaded.identity, size)
            record = build_record(loaded.protocol, entries)
            document = rec.record_to_toml_dict(record)
            build = median_seconds(lambda e=entries: build_record(loaded.protocol, e))
            write = median_seconds(lambda r=record: writing.write_record(r, path))
            dumps = median_seconds(lambda d=document: tomli_w.dumps(d))
            ratio = (build + write) / dumps
            size_kb = path.stat().st_size / 1024
            print(
                f"{len(entries):>8} {build * 1000:>9.1f} {write * 1000:>9.1f} "
                f"{dumps * 1000:>9.1f} {ratio:>6.1f}x {size_kb:>7.0f}"
            )
    print("ratio = (build + write) / plain tomli_w.dumps of the same document, same run")


if __name__ == "__main__":
    main()
