"""A crash at every single file-system call of a session's life loses nothing acknowledged.

As SQLite's I/O tests fail "operation N" for N = 1, 2, ... until the work completes, the child
process here dies (os._exit) at its K-th open/write/fsync/rename/truncate/unlink call, for every
K, while it creates a journal, appends, starts a segment, recovers a torn tail and moves the
session to another folder. After each crash the parent recovers the session where it lives and
checks that every acknowledged payload is there, in order, once.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from kap_console.session.journal.read import verify_chain
from kap_console.session.journal.writer import Journal

CHILD = Path(__file__).with_name("journal_child.py")


def test_a_crash_at_any_call_keeps_every_acknowledged_entry(tmp_path: Path) -> None:
    finished = False
    crashes = 0
    for k in range(1, 400):
        folder, other = tmp_path / f"{k}" / "s", tmp_path / f"{k}" / "usb"
        run = subprocess.run(
            [sys.executable, str(CHILD), "crash-at", str(k), str(folder), str(other)],
            capture_output=True,
            text=True,
        )
        if run.returncode == 0:
            finished = True
            break
        assert run.returncode == 3, run.stderr
        crashes += 1
        said = run.stdout.split("\n")[:-1]  # only whole lines were written
        acked = [int(line.split()[1]) for line in said if line.startswith("ack ")]
        assert acked == list(range(1, len(acked) + 1))
        home = other if "moved" in said else folder
        if not (home / "journal-0001.jsonl").exists():
            assert acked == [], f"crash at call {k}: acknowledged entries but no journal"
            continue
        journal, report = Journal.open(home, ballast_bytes=0)
        journal.close()
        kept = [e.payload["n"] for e in report.entries]
        assert kept[: len(acked)] == acked, f"crash at call {k}: {kept} lost some of {acked}"
        assert len(kept) - len(acked) <= 1, f"crash at call {k}: {kept} after acks {acked}"
        assert verify_chain(home).ok
    assert finished, "the session never completed: raise the call limit"
    print(f"{crashes} crashes before the session completed")
    assert crashes > 40
