"""A child process for the journal's process-level tests (run with sys.executable).

    journal_child.py append FOLDER   open (or create) the journal, then append forever,
                                     printing "start <next_seq>" once and then each seq only
                                     after append() returned (the entry is durable)
    journal_child.py hold FOLDER     open the journal, print "holding", wait for stdin to close

Each payload names the seq it expects to get, so the parent can tell acknowledged entries from
the one that was in flight when it was killed.
"""

from __future__ import annotations

import sys
from pathlib import Path

from kap_console.session.journal import Journal


def payload(seq: int) -> dict:
    return {"type": "note_added", "expect_seq": seq, "text": f"line {seq} " + "x" * 200}


def main() -> None:
    mode, folder = sys.argv[1], Path(sys.argv[2])
    if (folder / "journal-0001.jsonl").exists():
        journal, _ = Journal.open(folder, ballast_bytes=0)
    else:
        journal = Journal.create(
            folder, session_id="kill", app="test", now="2026-03-01T14:00:00+00:00", ballast_bytes=0
        )
    if mode == "hold":
        print("holding", flush=True)
        sys.stdin.read()
        return
    out = sys.stdout
    out.write(f"start {journal.next_seq}\n")
    out.flush()
    while True:
        entry = journal.append(payload(journal.next_seq))
        out.write(f"{entry.seq}\n")
        out.flush()


if __name__ == "__main__":
    main()
