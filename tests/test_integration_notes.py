"""Integration notes: saved in their own journal, corrected without erasing, kept across a kill."""

from __future__ import annotations

import hashlib
import json
import random
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from kap_console.integration.notes import (
    IntegrationNotes,
    NotesError,
    NotesForAnotherRecord,
    notes_folder,
    read_notes,
)
from kap_console.session.clock import SimulatedClock
from kap_console.session.journal.read import verify_chain

CHILD = Path(__file__).with_name("notes_child.py")
SHA = "a" * 64
BY = "A. Therapist"


def open_notes(folder: Path, sha: str = SHA, clock=None) -> IntegrationNotes:
    return IntegrationNotes.open_for(
        folder,
        record_sha256=sha,
        session_id="s-1",
        client_code="KAP-0042",
        by=BY,
        clock=clock or SimulatedClock(datetime(2026, 3, 9, 10, 0, tzinfo=UTC), speed=0),
    )


def test_a_note_is_in_its_own_journal_naming_the_record(tmp_path: Path) -> None:
    notes = open_notes(tmp_path)
    seq = notes.add("theme", "Being alone without being lonely", by=BY)
    notes.close()
    lines = (notes_folder(tmp_path) / "journal-0001.jsonl").read_bytes().splitlines()
    started = json.loads(lines[1])["data"]
    assert started["type"] == "integration_started" and started["record_sha256"] == SHA
    assert json.loads(lines[2])["data"]["text"] == "Being alone without being lonely"
    assert seq == 2
    assert verify_chain(notes_folder(tmp_path)).ok
    assert oct((notes_folder(tmp_path) / "journal-0001.jsonl").stat().st_mode & 0o777) == "0o600"


def test_amend_and_void_keep_the_old_text_and_the_reason(tmp_path: Path) -> None:
    notes = open_notes(tmp_path)
    first = notes.add("note", "Ocean image three times", by=BY)
    call = notes.add("follow_up", "Phone call", due="in 24 h", by=BY)
    notes.amend(first, "The ocean image came back three times", reason="wording", by=BY)
    notes.void(call, reason="entered in error: it was for another client", by=BY)
    notes.close()

    state = read_notes(tmp_path)
    note = state.item(first)
    assert note.text == "The ocean image came back three times"
    assert note.first_text == "Ocean image three times"
    assert note.amendments[0].reason == "wording"
    assert state.item(call).voided and "another client" in state.item(call).void_reason
    assert [i.seq for i in state.live()] == [first]


def test_a_voided_item_cannot_be_amended(tmp_path: Path) -> None:
    notes = open_notes(tmp_path)
    seq = notes.add("note", "x", by=BY)
    notes.void(seq, reason="wrong client", by=BY)
    with pytest.raises(NotesError, match="already marked"):
        notes.amend(seq, "y", reason="z", by=BY)
    with pytest.raises(NotesError, match="no note"):
        notes.void(99, reason="z", by=BY)
    notes.close()


def test_reopening_shows_what_was_written_and_records_the_reopening(tmp_path: Path) -> None:
    notes = open_notes(tmp_path)
    notes.add("note", "first", by=BY)
    notes.close()
    again = open_notes(tmp_path)
    assert [i.text for i in again.state.items] == ["first"]
    assert again.state.reopened == 1
    again.close()


def test_notes_about_other_record_bytes_are_not_added_to(tmp_path: Path) -> None:
    open_notes(tmp_path).close()
    with pytest.raises(NotesForAnotherRecord, match="not this one"):
        open_notes(tmp_path, sha="b" * 64)


def test_a_second_writer_is_refused(tmp_path: Path) -> None:
    notes = open_notes(tmp_path)
    try:
        with pytest.raises(NotesError, match="another console"):
            open_notes(tmp_path)
    finally:
        notes.close()


def test_an_empty_note_is_refused_and_nothing_is_written(tmp_path: Path) -> None:
    notes = open_notes(tmp_path)
    with pytest.raises(ValueError):
        notes.add("note", "   ", by=BY)
    notes.close()
    assert read_notes(tmp_path).items == []


def test_kill_nine_while_writing_loses_no_acknowledged_note(tmp_path: Path) -> None:
    rng = random.Random(20260309)
    acknowledged: dict[int, int] = {}  # seq -> note number
    for _ in range(8):
        child = subprocess.Popen(
            [sys.executable, str(CHILD), str(tmp_path), SHA],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        assert child.stdout is not None
        child.stdout.peek(1)  # "start": the notes are open, appending begins
        time.sleep(rng.uniform(0.02, 0.15))
        child.send_signal(signal.SIGKILL)
        child.wait()
        out = child.stdout.read().decode()
        child.stdout.close()
        child.stderr.close()
        assert child.returncode == -signal.SIGKILL
        # Only whole lines: a print cut short by the kill could read as another number.
        for line in out.split("\n")[1:-1]:
            seq, n = line.split()
            acknowledged[int(seq)] = int(n)
    assert len(acknowledged) > 10, "the kills must land while notes are being written"

    reopened = open_notes(tmp_path)
    reopened.close()
    by_seq = {item.seq: item.text for item in reopened.state.items}
    for seq, n in acknowledged.items():
        assert by_seq[seq] == f"note {n} " + "x" * 300
    assert reopened.state.reopened == 8
    assert verify_chain(notes_folder(tmp_path)).ok


def test_the_record_is_never_written_to(tmp_path: Path) -> None:
    record = tmp_path / "record.toml"
    record.write_bytes(b"format = 1\n")
    before = hashlib.sha256(record.read_bytes()).hexdigest()
    notes = open_notes(tmp_path, sha=before)
    notes.add("note", "a", by=BY)
    notes.close()
    assert hashlib.sha256(record.read_bytes()).hexdigest() == before


def test_a_write_error_saves_nothing_and_the_next_open_goes_on(tmp_path: Path, monkeypatch) -> None:
    import errno
    import os

    from kap_console.integration.notes import NotesWriteError

    notes = open_notes(tmp_path)
    notes.add("note", "before", by=BY)
    real_write = os.write

    def full_disk(fd, data):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "write", full_disk)
    with pytest.raises(NotesWriteError, match="No space left on device"):
        notes.add("note", "during", by=BY)
    with pytest.raises(NotesWriteError, match="open them again"):
        notes.add("note", "again", by=BY)
    assert [i.text for i in notes.state.items] == ["before"]
    monkeypatch.setattr(os, "write", real_write)

    again = open_notes(tmp_path)
    again.add("note", "after", by=BY)
    again.close()
    assert [i.text for i in read_notes(tmp_path).items] == ["before", "after"]
