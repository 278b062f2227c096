"""The session journal: round trip, line format, chain, lock, modes, and what errors say."""

from __future__ import annotations

import hashlib
import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from kap_console.session.journal.errors import JournalError
from kap_console.session.journal.read import JournalLine, read_journal, verify_chain
from kap_console.session.journal.writer import Journal
from kap_console.session.storage import SessionLock, SessionLocked

CHILD = Path(__file__).with_name("journal_child.py")
NOW = "2026-03-01T14:00:00+00:00"
SENTINEL = "SENTINEL-client-said-7f3a"


def new_journal(folder: Path, **kwargs) -> Journal:
    return Journal.create(folder, session_id="S-1", app="0.1.0", now=NOW, ballast_bytes=0, **kwargs)


def observation(n: int) -> dict:
    return {"type": "note_added", "n": n, "text": f"note {n} — café ☕", "values": [n, 1.5, None]}


def mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_appended_payloads_come_back_in_order_after_reopening(tmp_path: Path) -> None:
    journal = new_journal(tmp_path / "s")
    saved = [journal.append(observation(n)) for n in range(1, 6)]
    assert [e.seq for e in saved] == [1, 2, 3, 4, 5]
    assert journal.next_seq == 6
    assert journal.head == saved[-1].h
    journal.close()

    journal, report = Journal.open(tmp_path / "s")
    assert report.torn_tail is None
    assert report.entries == saved
    # The reopened writer counts what it read but does not keep it: the payloads went to the
    # caller in the report, and a second copy of a whole session would stay alive otherwise.
    assert journal.entries == [] and journal.last_entry == saved[-1]
    assert [e.payload for e in report.entries] == [observation(n) for n in range(1, 6)]
    sixth = journal.append(observation(6))
    assert sixth.seq == 6 and journal.entries == [sixth] and journal.last_entry == sixth
    journal.close()
    assert [e.seq for e in read_journal(tmp_path / "s").entries] == [1, 2, 3, 4, 5, 6]


def test_the_returned_entry_is_what_a_reader_gets_not_the_callers_object(tmp_path: Path) -> None:
    journal = new_journal(tmp_path)
    payload = {"n": 1, "items": [1, 2], 3: "int key"}
    entry = journal.append(payload)
    payload["items"].append(99)
    assert entry.payload == {"n": 1, "items": [1, 2], "3": "int key"}
    assert read_journal(tmp_path).entries == [entry]
    journal.close()


def test_each_line_is_json_with_a_hash_over_its_own_bytes_and_a_link_to_the_last(
    tmp_path: Path,
) -> None:
    journal = new_journal(tmp_path)
    journal.append(observation(1))
    journal.append(observation(2))
    journal.close()
    raw_lines = (tmp_path / "journal-0001.jsonl").read_bytes().splitlines(keepends=True)
    assert len(raw_lines) == 3
    previous = "0" * 64
    for seq, raw in enumerate(raw_lines):
        assert raw.endswith(b'"}\n')
        record = json.loads(raw)
        assert list(record)[-1] == "h"
        body = raw[: raw.rindex(b',"h":"')] + b"}"
        assert hashlib.sha256(body).hexdigest() == record["h"]
        assert record["seq"] == seq and record["prev"] == previous and record["v"] == 1
        previous = record["h"]
    header = json.loads(raw_lines[0])
    assert list(header) == [
        "v",
        "seq",
        "kind",
        "session",
        "nonce",
        "app",
        "ts",
        "segment",
        "prev_segment",
        "reason",
        "prev",
        "h",
    ]
    assert header["kind"] == "header" and header["session"] == "S-1" and header["ts"] == NOW
    assert header["segment"] == 1 and header["prev_segment"] is None
    entry = json.loads(raw_lines[1])
    assert list(entry) == ["v", "seq", "kind", "data", "prev", "h"]
    assert "café ☕" in raw_lines[1].decode("utf-8")  # UTF-8 as is, not \\u escapes


def test_every_session_gets_its_own_random_nonce(tmp_path: Path) -> None:
    nonces = set()
    for n in range(5):
        journal = new_journal(tmp_path / f"s{n}")
        nonces.add(journal.nonce)
        header = json.loads((tmp_path / f"s{n}" / "journal-0001.jsonl").read_bytes())
        assert header["nonce"] == journal.nonce
        assert len(header["nonce"]) == 64 and int(header["nonce"], 16) >= 0
        journal.close()
    assert len(nonces) == 5


def test_a_sound_chain_verifies_with_its_count_and_head(tmp_path: Path) -> None:
    journal = new_journal(tmp_path)
    for n in range(10):
        journal.append(observation(n))
    head = journal.head
    journal.close()
    result = verify_chain(tmp_path)
    assert result.ok and result.problem is None
    assert result.entries == 10 and result.head == head and result.segments == 1


def test_a_folder_without_a_journal_does_not_verify(tmp_path: Path) -> None:
    result = verify_chain(tmp_path)
    assert not result.ok and result.problem
    with pytest.raises(FileNotFoundError):
        read_journal(tmp_path)


def test_creating_over_an_existing_journal_is_refused(tmp_path: Path) -> None:
    new_journal(tmp_path).close()
    with pytest.raises(JournalError, match="already holds"):
        new_journal(tmp_path)
    assert SessionLock(tmp_path).acquire().locked  # the refusal released the lock


def test_a_second_writer_in_this_process_is_refused(tmp_path: Path) -> None:
    journal = new_journal(tmp_path)
    with pytest.raises(SessionLocked, match=r"open in another kap-console window \(pid \d+\)"):
        Journal.open(tmp_path)
    journal.close()
    Journal.open(tmp_path)[0].close()


def test_a_second_writer_in_another_process_is_refused_with_its_pid(tmp_path: Path) -> None:
    new_journal(tmp_path).close()
    child = subprocess.Popen(
        [sys.executable, str(CHILD), "hold", str(tmp_path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "holding"
        with pytest.raises(SessionLocked) as refused:
            Journal.open(tmp_path)
        assert f"(pid {child.pid})" in str(refused.value)
    finally:
        child.kill()
        child.wait()
    Journal.open(tmp_path)[0].close()


@pytest.mark.parametrize("umask", [0o000, 0o022], ids=["umask000", "umask022"])
def test_files_are_0600_and_folders_0700_whatever_the_umask(tmp_path: Path, umask: int) -> None:
    old = os.umask(umask)
    try:
        folder = tmp_path / "data" / "sessions" / "s1"
        journal = Journal.create(folder, session_id="S", app="a", now=NOW, ballast_bytes=4096)
        journal.append(observation(1))
        journal.close()
        journal, _ = Journal.open(folder, ballast_bytes=4096)
        journal.append(observation(2))
        journal.continue_in()
        journal.continue_in(tmp_path / "elsewhere" / "s1")
        journal.append(observation(3))
        journal.close()
        with (folder / "journal-0002.jsonl").open("ab") as f:
            f.write(b"torn\0\0")
        Journal.open(folder, ballast_bytes=4096)[0].close()
    finally:
        os.umask(old)
    folders = [tmp_path / "data", tmp_path / "data" / "sessions", tmp_path / "elsewhere"]
    files = []
    for root in (folder, tmp_path / "elsewhere" / "s1"):
        folders.append(root)
        files.extend(p for p in root.iterdir())
    names = {p.name for p in files}
    assert {"lock", "ballast", "journal-0001.jsonl", "journal-0003.jsonl"} <= names
    assert any(".torn-" in name for name in names)
    assert {p: oct(mode(p)) for p in folders} == {p: oct(0o700) for p in folders}
    assert {p: oct(mode(p)) for p in files} == {p: oct(0o600) for p in files}


def test_a_loose_journal_file_is_tightened_on_open(tmp_path: Path) -> None:
    new_journal(tmp_path).close()
    os.chmod(tmp_path / "journal-0001.jsonl", 0o644)
    Journal.open(tmp_path)[0].close()
    assert mode(tmp_path / "journal-0001.jsonl") == 0o600


def test_payloads_json_cannot_hold_are_refused_without_quoting_them(tmp_path: Path) -> None:
    journal = new_journal(tmp_path)
    for bad in (
        {"x": float("nan"), "t": SENTINEL},
        {"x": {SENTINEL}},
        {"x": SENTINEL + "\ud800"},
        {(SENTINEL,): 1},
    ):
        with pytest.raises(ValueError) as refused:
            journal.append(bad)
        assert SENTINEL not in str(refused.value)
        assert refused.value.__cause__ is None and refused.value.__suppress_context__
    with pytest.raises(TypeError):
        journal.append([SENTINEL])  # type: ignore[arg-type]
    assert journal.entries == [] and journal.unsaved == [] and journal.next_seq == 1
    journal.close()


def test_a_closed_journal_refuses_to_append(tmp_path: Path) -> None:
    journal = new_journal(tmp_path)
    journal.close()
    journal.close()
    with pytest.raises(JournalError, match="closed"):
        journal.append({"n": 1})


def test_entries_is_a_copy_the_caller_cannot_corrupt(tmp_path: Path) -> None:
    with new_journal(tmp_path) as journal:
        journal.append({"n": 1})
        journal.entries.clear()
        assert [e.seq for e in journal.entries] == [1]
        assert isinstance(journal.entries[0], JournalLine)


def test_a_segment_is_synced_before_its_rename_and_its_folder_after(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    real_fsync, real_replace, real_write = os.fsync, os.replace, os.write

    def fsync(fd: int) -> None:
        info = os.fstat(fd)
        calls.append("fsync dir" if stat.S_ISDIR(info.st_mode) else "fsync file")
        real_fsync(fd)

    def replace(src, dst) -> None:
        calls.append(f"replace {Path(src).name.split('.tmp-')[0]} -> {Path(dst).name}")
        real_replace(src, dst)

    def write(fd: int, data) -> int:
        calls.append("write")
        return real_write(fd, data)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    monkeypatch.setattr(os, "write", write)
    journal = new_journal(tmp_path / "s")
    created = list(calls)
    calls.clear()
    journal.append({"n": 1})
    appended = list(calls)
    calls.clear()
    journal.continue_in(now=NOW)
    continued = list(calls)
    journal.close()
    segment = ["write", "fsync file", "replace .journal-{} -> journal-{}", "fsync dir"]
    first = [c.format("0001.jsonl", "0001.jsonl") for c in segment]
    assert created[-4:] == first
    assert appended == ["write", "fsync file"]
    assert continued == [c.format("0002.jsonl", "0002.jsonl") for c in segment]
