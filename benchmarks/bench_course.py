"""How long the course view takes over 200 records, against reading them with tomllib alone.

Copies the real 0.1.0 fixture record into 200 session folders of one client (and 200 of other
clients beside them), then prints the median of REPEATS runs of:
- baseline: read each of the client's 200 record files and `tomllib.loads` it;
- course: `client_course` (find, read and validate each record, sum it up, look for notes);
- view: the course plus its text and the dose / peak BP chart drawn at 80 columns.
Each as milliseconds and as a ratio to the baseline measured in the same run (the three are
taken in turn, round after round).
Run: python benchmarks/bench_course.py
"""

from __future__ import annotations

import shutil
import statistics
import sys
import tempfile
import time
import tomllib
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kap_console.integration.course import client_course, course_text  # noqa: E402
from kap_console.tui.screens.course import course_panels  # noqa: E402
from kap_console.tui.widgets.vitals_chart import render_panel  # noqa: E402

FIXTURE = ROOT / "tests" / "fixtures" / "records" / "v0_1_0" / "im-ketamine-120" / "record.toml"
SESSIONS = 200
REPEATS = 7


def make_data(folder: Path) -> list[Path]:
    """200 sessions of KAP-0042 and 200 of other clients; the client's record paths."""
    text = FIXTURE.read_text(encoding="utf-8")
    start = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)
    mine = []
    for number in range(1, SESSIONS + 1):
        for client in ("KAP-0042", f"KAP-{number + 1000:04d}"):
            stamp = (start + timedelta(days=number)).strftime("%Y%m%dT%H%M%SZ")
            session = folder / "sessions" / f"{stamp}-{client}-{number:06x}"
            session.mkdir(parents=True)
            body = text.replace('client_code = "KAP-0042"', f'client_code = "{client}"')
            (session / "record.toml").write_text(body, encoding="utf-8")
            if client == "KAP-0042":
                mine.append(session / "record.toml")
    return mine


def medians_ms(runs: dict[str, object]) -> dict[str, float]:
    """The median time of each run, taking them in turn each round so that a change in the
    machine's load touches every one alike (this machine is shared)."""
    times: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(REPEATS):
        for name, run in runs.items():
            began = time.perf_counter()
            run()  # type: ignore[operator]
            times[name].append((time.perf_counter() - began) * 1000)
    return {name: statistics.median(found) for name, found in times.items()}


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp)
        mine = make_data(data)
        shutil.copy(FIXTURE, data / "unused.toml")

        def baseline() -> None:
            for path in mine:
                tomllib.loads(path.read_bytes().decode("utf-8"))

        def course() -> None:
            found = client_course(data, "KAP-0042")
            assert len(found.sessions) == SESSIONS

        def view() -> None:
            found = client_course(data, "KAP-0042")
            course_text(found)
            for panel in course_panels(found):
                render_panel(panel, 78)

        took = medians_ms({"baseline": baseline, "course": course, "view": view})
        base = took["baseline"]
        print(f"{SESSIONS} records of one client (+{SESSIONS} of others in the same folder)")
        print(f"  tomllib alone (baseline)     {base:8.1f} ms   1.00x")
        for name, label in (
            ("course", "course (read + sum up)"),
            ("view", "course view (+ text, chart)"),
        ):
            print(f"  {label:<28} {took[name]:8.1f} ms   {took[name] / base:.2f}x")


if __name__ == "__main__":
    main()
