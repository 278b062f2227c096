"""What reading and exporting a session record costs, against reading it with tomllib alone.

Runs the engine through one session of about 1,000 journal entries (readings, notes, a few
corrections, an adverse event) on a simulated clock, closes it, then prints the median time of:

- the baseline: `tomllib.loads` of the record file's bytes (read included), nothing else;
- `open_record`: read and validate the record, verify the journal's hash chain, rebuild the
  record from the journal and compare;
- each export (md, html, json, csv, rems, fhir) of the opened record, alone and with the open;

each as a ratio to the baseline measured in the same run.
Run: python benchmarks/bench_exports.py
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
import tomllib
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kap_console.integration.exports import FORMATS, export_record  # noqa: E402
from kap_console.integration.reading import open_record  # noqa: E402
from kap_console.protocol.loader import load_protocol  # noqa: E402
from kap_console.session import events as ev  # noqa: E402
from kap_console.session.clock import SimulatedClock  # noqa: E402
from kap_console.session.engine import Session  # noqa: E402

ENTRIES = 1_000
REPEATS = 5
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
ANSWERS = {
    "consent_on_file": True,
    "fasting_food": True,
    "fasting_liquids": True,
    "substances_today": False,
    "sedating_medicines": False,
    "contraindications": False,
    "weight_kg": 70.0,
    "escort_name": "J. Doe 555-0100",
}


def long_session(data_dir: Path) -> Path:
    clock = SimulatedClock(START, speed=0)
    session = Session.start(
        load_protocol(ROOT / "protocols" / "im-ketamine-120.toml", git=False),
        data_dir=data_dir,
        client_code="KAP-0001",
        facilitator="bench",
        session_number=1,
        clock=clock,
    )

    def add(event: ev.EventBase, seconds: float = 5):
        clock.advance(seconds)
        return session.commit(event)

    for item, answer in ANSWERS.items():
        add(ev.CheckAnswered(item_id=item, answer=answer))
    vitals = {"sbp": 124.0, "dbp": 78.0, "hr": 72.0, "spo2": 98.0, "rr": 14.0}
    add(ev.ObservationRecorded(round_id=ev.BASELINE_ROUND, values={**vitals, "suds": 4.0}))
    add(ev.GoDecision(decision="go", reason="checks clear", decided_by="bench"))
    add(ev.IntentionRecorded(prompt_id="longing", text="To feel less alone"))
    add(ev.ConsentRecorded(touch=True, stop_word="lighthouse", items={"eyeshades_music": True}))
    add(ev.DoseGiven(drug="ketamine", route="IM", dose_mg=40, weight_kg=70, given_by="bench"))
    add(
        ev.AdverseEventLogged(
            term_id="nausea_vomiting", term="Nausea", onset_at=clock.now(), severity="1"
        )
    )
    n, last = 0, None
    while session.last_seq < ENTRIES - 2:
        n += 1
        if n % 10 == 0:
            add(ev.NoteAdded(text=f"Breathing slowly, settled; reading {n}", for_integration=True))
        elif n % 25 == 1 and last is not None:
            seq, hr = last
            add(ev.Amended(target_seq=seq, field="values.hr", old=hr, new=hr + 1, reason="r"))
            last = None
        else:
            values = {**vitals, "sbp": 118.0 + n % 7, "hr": 70.0 + n % 5}
            committed = add(ev.ObservationRecorded(round_id="early", due_minutes=15, values=values))
            last = (committed.seq, values["hr"])
    clock.advance(60 * 60 * 3)
    session.close(outcome="stopped_early")
    session.release()
    return session.session_dir


def median_seconds(action) -> float:
    times = []
    for _ in range(REPEATS):
        began = time.perf_counter()
        action()
        times.append(time.perf_counter() - began)
    return statistics.median(times)


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        session_dir = long_session(Path(folder))
        record_path = session_dir / "record.toml"
        opened = open_record(session_dir)
        assert opened.verification.status == "verified", opened.verification.problem
        count = opened.record.integrity.event_count
        baseline = median_seconds(lambda: tomllib.loads(record_path.read_bytes().decode()))
        opening = median_seconds(lambda: open_record(session_dir))
        print(
            f"record: {count} journal entries, {record_path.stat().st_size / 1024:.0f} KB; "
            f"tomllib.loads baseline {baseline * 1000:.1f} ms"
        )
        print(f"{'step':<22} {'ms':>8} {'ratio':>8}")
        print(f"{'open_record (verify)':<22} {opening * 1000:>8.1f} {opening / baseline:>7.1f}x")
        for name in FORMATS:
            alone = median_seconds(lambda n=name: export_record(opened, n))
            print(
                f"{'export ' + name:<22} {alone * 1000:>8.1f} {alone / baseline:>7.1f}x"
                f"   (with open {(alone + opening) / baseline:.1f}x)"
            )
    print("ratio = median time / tomllib.loads of the same record file, same run")


if __name__ == "__main__":
    main()
