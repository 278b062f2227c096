"""kill -9 at random moments: every acknowledged entry survives, in order, and seq resumes.

A child process (journal_child.py) appends in a loop and prints each seq only after append()
returned. The parent SIGKILLs it after a random delay (sometimes before it has even opened the
journal), then recovers with Journal.open and checks: every acknowledged entry is there, in
order, with its payload; nothing else is, except at most the one append that was in flight;
no damage; and appending goes on with the next seq.
"""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from kap_console.session.journal.format import encode_entry
from kap_console.session.journal.read import verify_chain
from kap_console.session.journal.writer import Journal

CHILD = Path(__file__).with_name("journal_child.py")
sys.path.insert(0, str(CHILD.parent))
from journal_child import payload  # noqa: E402


@dataclass
class Tally:
    kills: int = 0
    acknowledged: int = 0
    in_flight_kept: int = 0
    killed_before_start: int = 0
    torn_in_flight: int = 0


def kill_and_recover(folder: Path, kills: int, seed: int, max_delay: float) -> Tally:
    rng = random.Random(seed)
    tally = Tally()
    known: list[dict] = []  # payloads of every entry on disk so far, index = seq - 1
    for round_no in range(kills):
        child = subprocess.Popen(
            [sys.executable, str(CHILD), "append", str(folder)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        assert child.stdout is not None and child.stderr is not None
        if rng.random() < 0.7:
            # Mostly kill inside the appending loop; otherwise anywhere, start-up included.
            child.stdout.peek(1)  # wait for "start" without consuming it
            time.sleep(rng.uniform(0, max_delay / 4))
        else:
            time.sleep(rng.uniform(0, max_delay))
        child.send_signal(signal.SIGKILL)
        child.wait()
        out, err = child.stdout.read(), child.stderr.read()
        child.stdout.close()
        child.stderr.close()
        assert child.returncode == -signal.SIGKILL, err.decode(errors="replace")
        tally.kills += 1
        said = [line.decode() for line in out.splitlines(keepends=True) if line.endswith(b"\n")]
        start = int(said[0].split()[1]) if said and said[0].startswith("start ") else None
        acked = [int(line) for line in said[1:]]
        if start is None:
            tally.killed_before_start += 1
            assert acked == []
        else:
            assert start == len(known) + 1, f"round {round_no}: resumed at the wrong seq"
            assert acked == list(range(start, start + len(acked)))
        tally.acknowledged += len(acked)
        last_acked = acked[-1] if acked else len(known)
        if not (folder / "journal-0001.jsonl").exists():
            # Killed before Journal.create finished: then nothing can have been acknowledged.
            assert not known and not acked
            continue

        journal, report = Journal.open(folder, ballast_bytes=0)
        try:
            entries = report.entries
            assert [e.seq for e in entries] == list(range(1, len(entries) + 1))
            assert [e.payload for e in entries[: len(known)]] == known, "an old entry changed"
            assert len(entries) in (last_acked, last_acked + 1), (
                f"round {round_no}: {len(entries)} entries on disk, {last_acked} acknowledged"
            )
            for entry in entries[len(known) :]:
                assert entry.payload == payload(entry.seq)
            tally.in_flight_kept += len(entries) - last_acked
            torn = report.torn_tail
            if torn is not None:
                # A write that crosses a page boundary can stop part-way on SIGKILL (the
                # kernel checks for a fatal signal between pages). Then the torn bytes are
                # the start of the in-flight line, which was never acknowledged.
                assert last_acked == len(entries), "a torn line was acknowledged"
                in_flight, _ = encode_entry(
                    len(entries) + 1, payload(len(entries) + 1), journal.head
                )
                torn_bytes = torn.copy_path.read_bytes()
                assert 0 < len(torn_bytes) < len(in_flight)
                assert in_flight.startswith(torn_bytes), "the torn tail is not the in-flight line"
                tally.torn_in_flight += 1
            # The engine writes on after a resume: the next seq, chained to the head.
            resumed = journal.append({"type": "resumed", "round": round_no})
            assert resumed.seq == len(entries) + 1
            known = [e.payload for e in entries] + [resumed.payload]
        finally:
            journal.close()
    result = verify_chain(folder)
    assert result.ok and result.entries == len(known)
    return tally


def test_one_hundred_kills_lose_no_acknowledged_entry(tmp_path: Path) -> None:
    tally = kill_and_recover(tmp_path / "session", kills=100, seed=20260301, max_delay=0.2)
    print(tally)
    assert tally.kills == 100
    # The random delays must actually hit the appending loop, not only the start-up.
    assert tally.acknowledged > 300
    assert tally.killed_before_start < 40


@pytest.mark.soak
def test_a_thousand_kills_lose_no_acknowledged_entry(tmp_path: Path) -> None:
    tally = kill_and_recover(tmp_path / "session", kills=1000, seed=7, max_delay=0.25)
    print(tally)
    assert tally.kills == 1000 and tally.acknowledged > 3000
