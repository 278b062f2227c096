"""A child process for the journal's process-level tests (run with sys.executable).

    journal_child.py append FOLDER   open (or create) the journal, then append forever,
                                     printing "start <next_seq>" once and then each seq only
                                     after append() returned (the entry is durable)
    journal_child.py hold FOLDER     open the journal, print "holding", wait for stdin to close
    journal_child.py crash-at K FOLDER OTHER
                                     run a whole session life (create, append, new segment,
                                     torn tail and recovery, move to OTHER) and die with
                                     os._exit at the K-th file-system call; print "ack <n>"
                                     for each acknowledged payload and "moved" once the
                                     session lives in OTHER; exit 0 if K was never reached

Each payload names the seq it expects to get, so the parent can tell acknowledged entries from
the one that was in flight when it was killed.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from kap_console.session.journal.writer import Journal

NOW = "2026-03-01T14:00:00+00:00"


def payload(seq: int) -> dict:
    return {"type": "note_added", "expect_seq": seq, "text": f"line {seq} " + "x" * 200}


CALLS = ("open", "write", "pwrite", "fsync", "replace", "ftruncate", "unlink", "mkdir", "rename")


def die_at_call(k: int) -> None:
    """Make the k-th call of any of CALLS end the process on the spot, as a crash would."""
    count = [0]
    for name in CALLS:
        real = getattr(os, name)

        def counted(*args, _real=real, **kwargs):
            count[0] += 1
            if count[0] == k:
                os._exit(3)
            return _real(*args, **kwargs)

        setattr(os, name, counted)


def session_life(folder: Path, other: Path) -> None:
    def ack(entry) -> None:
        print(f"ack {entry.payload['n']}", flush=True)

    journal = Journal.create(folder, session_id="life", app="test", now=NOW, ballast_bytes=0)
    for n in (1, 2, 3):
        ack(journal.append({"n": n}))
    journal.continue_in(now=NOW)
    ack(journal.append({"n": 4}))
    journal.close()
    with open(folder / journal.segment, "ab") as segment:  # an interrupted append
        segment.write(b'{"v":1,"seq":5,"kind":"entry","data":{"n":')
    journal, _ = Journal.open(folder, ballast_bytes=0)
    ack(journal.append({"n": 5}))
    journal.continue_in(other, now=NOW)
    print("moved", flush=True)
    ack(journal.append({"n": 6}))
    journal.close()


def main() -> None:
    if sys.argv[1] == "crash-at":
        die_at_call(int(sys.argv[2]))
        session_life(Path(sys.argv[3]), Path(sys.argv[4]))
        return
    mode, folder = sys.argv[1], Path(sys.argv[2])
    if (folder / "journal-0001.jsonl").exists():
        journal, _ = Journal.open(folder, ballast_bytes=0)
    else:
        journal = Journal.create(folder, session_id="kill", app="test", now=NOW, ballast_bytes=0)
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
