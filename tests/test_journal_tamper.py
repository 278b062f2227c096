"""Tampering is detected at the line where the chain breaks, every time, and never repaired.

Each test changes a known-good journal in one way, at every line it can, and checks that
`verify_chain`, `read_journal` and `Journal.open` all name the same segment, line and seq, and
that the file is left byte for byte as it was.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kap_console.session.journal.errors import JournalDamaged
from kap_console.session.journal.format import encode_line as _encode
from kap_console.session.journal.read import read_journal, verify_chain
from kap_console.session.journal.writer import Journal

NOW = "2026-03-01T14:00:00+00:00"
SENTINEL = "SENTINEL-client-said-7f3a"
COUNT = 6  # entries; the file has COUNT + 1 lines (line 1 is the header, line k is seq k - 1)


@pytest.fixture(scope="module")
def original(tmp_path_factory: pytest.TempPathFactory) -> list[bytes]:
    folder = tmp_path_factory.mktemp("original")
    journal = Journal.create(folder, session_id="A", app="t", now=NOW, ballast_bytes=0)
    for n in range(1, COUNT + 1):
        journal.append({"n": n, "text": f"{SENTINEL} {n} café"})
    journal.close()
    return (folder / "journal-0001.jsonl").read_bytes().splitlines(keepends=True)


@pytest.fixture(scope="module")
def foreign_line(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """A valid entry line from another session (another nonce), with seq 3."""
    folder = tmp_path_factory.mktemp("foreign")
    journal = Journal.create(folder, session_id="A", app="t", now=NOW, ballast_bytes=0)
    for n in range(1, 4):
        journal.append({"n": n, "text": f"{SENTINEL} {n} café"})
    journal.close()
    return (folder / "journal-0001.jsonl").read_bytes().splitlines(keepends=True)[3]


def expect_damage(folder: Path, data: bytes, line: int, seq: int) -> JournalDamaged:
    """All three readers report the damage at `line`/`seq`; nothing is changed."""
    segment = folder / "journal-0001.jsonl"
    result = verify_chain(folder)
    assert not result.ok
    assert (result.segment, result.line, result.seq) == ("journal-0001.jsonl", line, seq)
    assert result.entries == max(seq - 1, 0)
    with pytest.raises(JournalDamaged) as from_read:
        read_journal(folder)
    with pytest.raises(JournalDamaged) as from_open:
        Journal.open(folder, ballast_bytes=0)
    for damage in (from_read.value, from_open.value):
        assert (damage.segment, damage.line, damage.seq) == ("journal-0001.jsonl", line, seq)
        assert f"journal-0001.jsonl line {line}" in str(damage)
        assert SENTINEL not in str(damage)
    assert segment.read_bytes() == data
    assert sorted(p.name for p in folder.iterdir()) == ["journal-0001.jsonl", "lock"]
    return from_open.value


def write(tmp_path: Path, name: str, lines: list[bytes]) -> tuple[Path, bytes]:
    folder = tmp_path / name
    folder.mkdir(exist_ok=True)
    data = b"".join(lines)
    path = folder / "journal-0001.jsonl"
    # Never truncate-and-rewrite: ext4 flushes such a file on close, which makes 5,000 cases slow.
    if path.exists() and path.stat().st_size == len(data):
        with path.open("r+b") as f:
            f.write(data)
    else:
        path.unlink(missing_ok=True)
        path.write_bytes(data)
    return folder, data


@pytest.mark.parametrize("mask", [0x01, 0x20, 0x80])
def test_a_flipped_byte_anywhere_is_found_at_its_line(
    tmp_path: Path, original: list[bytes], mask: int
) -> None:
    last = len(original)
    for index, line in enumerate(original):
        for position in range(len(line)):
            changed = bytearray(line)
            changed[position] ^= mask
            if index == last - 1 and 0 in changed:
                continue  # a NUL in the last line reads as a torn write: see the next test
            lines = [*original[:index], bytes(changed), *original[index + 1 :]]
            folder, data = write(tmp_path, "flipped", lines)
            expect_damage(folder, data, line=index + 1, seq=index)


def test_a_nul_in_the_last_line_is_set_aside_as_a_torn_write(
    tmp_path: Path, original: list[bytes]
) -> None:
    # The documented exception: the journal never writes NUL (JSON escapes it) and zeroed
    # blocks are what a power cut leaves, so the line goes to the .torn copy, not away.
    last = bytearray(original[-1])
    last[last.index(b" ")] = 0
    folder, data = write(tmp_path, "nul", [*original[:-1], bytes(last)])
    journal, report = Journal.open(folder, ballast_bytes=0)
    journal.close()
    assert len(report.entries) == COUNT - 1
    assert report.torn_tail.copy_path.read_bytes() == bytes(last)


def test_a_deleted_line_is_found_where_the_gap_is(tmp_path: Path, original: list[bytes]) -> None:
    for index in range(len(original) - 1):
        lines = original[:index] + original[index + 1 :]
        folder, data = write(tmp_path, str(index), lines)
        expect_damage(folder, data, line=index + 1, seq=index)


def test_two_swapped_lines_are_found_at_the_first(tmp_path: Path, original: list[bytes]) -> None:
    for index in range(len(original) - 1):
        lines = list(original)
        lines[index], lines[index + 1] = lines[index + 1], lines[index]
        folder, data = write(tmp_path, str(index), lines)
        expect_damage(folder, data, line=index + 1, seq=index)


@pytest.mark.parametrize("source", ["repeat", "foreign"])
def test_an_inserted_line_is_found_where_it_was_inserted(
    tmp_path: Path, original: list[bytes], foreign_line: bytes, source: str
) -> None:
    for index in range(len(original) + 1):
        replayed = original[index - 1] if index >= 2 else original[3]
        extra = foreign_line if source == "foreign" else replayed
        lines = [*original[:index], extra, *original[index:]]
        folder, data = write(tmp_path, str(index), lines)
        expect_damage(folder, data, line=index + 1, seq=index)


def test_a_line_from_another_session_with_the_right_seq_does_not_chain(
    tmp_path: Path, original: list[bytes], foreign_line: bytes
) -> None:
    # foreign_line is seq 3 of another session: put it exactly in place of our seq 3.
    assert json.loads(foreign_line)["seq"] == 3
    lines = [*original[:3], foreign_line, *original[4:]]
    folder, data = write(tmp_path, "spliced", lines)
    expect_damage(folder, data, line=4, seq=3)


def rehash(line: bytes, change) -> bytes:
    """Edit a line's JSON and recompute its own hash, as a careful forger would."""
    record = json.loads(line)
    del record["h"]
    change(record)
    return _encode(record)[0]


def test_an_edit_with_its_own_hash_recomputed_breaks_the_link_to_the_next_line(
    tmp_path: Path, original: list[bytes]
) -> None:
    def edit(record: dict) -> None:
        if record["kind"] == "header":
            record["session"] = "B"
        else:
            record["data"]["text"] = "changed"

    for index in range(len(original) - 1):
        lines = list(original)
        lines[index] = rehash(lines[index], edit)
        folder, data = write(tmp_path, str(index), lines)
        damage = expect_damage(folder, data, line=index + 2, seq=index + 1)
        assert "prev is not the hash of the line before" in damage.problem


def test_a_complete_last_line_that_fails_its_hash_is_refused_not_cut(
    tmp_path: Path, original: list[bytes]
) -> None:
    last = original[-1].replace(b"caf\xc3\xa9", b"cafe!")
    assert last != original[-1] and json.loads(last)
    folder, data = write(tmp_path, "edited", [*original[:-1], last])
    expect_damage(folder, data, line=len(original), seq=COUNT)
    no_newline = original[-1][:-1] + b" "
    folder, data = write(tmp_path, "newline", [*original[:-1], no_newline])
    expect_damage(folder, data, line=len(original), seq=COUNT)


def test_what_the_chain_cannot_show_needs_the_head_kept_elsewhere(
    tmp_path: Path, original: list[bytes]
) -> None:
    # Removing whole last lines, or rewriting the last line with its hash recomputed, leaves
    # a valid chain: only a head recorded elsewhere (the fingerprint at close) shows it.
    anchored_head = json.loads(original[-1])["h"]
    folder, _ = write(tmp_path, "truncated", original[:-1])
    assert verify_chain(folder).ok and verify_chain(folder).head != anchored_head
    lines = [*original[:-1], rehash(original[-1], lambda r: r["data"].update(text="forged"))]
    folder, _ = write(tmp_path, "forged", lines)
    assert verify_chain(folder).ok and verify_chain(folder).head != anchored_head


def test_damage_in_a_later_segment_names_that_segment(tmp_path: Path) -> None:
    folder = tmp_path / "s"
    journal = Journal.create(folder, session_id="A", app="t", now=NOW, ballast_bytes=0)
    journal.append({"n": 1})
    journal.continue_in(now=NOW)
    for n in range(2, 5):
        journal.append({"n": n})
    journal.close()
    second = folder / "journal-0002.jsonl"
    lines = second.read_bytes().splitlines(keepends=True)
    lines[1], lines[2] = lines[2], lines[1]
    second.write_bytes(b"".join(lines))
    result = verify_chain(folder)
    assert (result.ok, result.segment, result.line, result.seq) == (
        False,
        "journal-0002.jsonl",
        2,
        2,
    )


def test_a_missing_segment_is_damage(tmp_path: Path) -> None:
    folder = tmp_path / "s"
    journal = Journal.create(folder, session_id="A", app="t", now=NOW, ballast_bytes=0)
    journal.continue_in(now=NOW)
    journal.continue_in(now=NOW)
    journal.close()
    (folder / "journal-0002.jsonl").unlink()
    with pytest.raises(JournalDamaged, match="journal-0002.jsonl") as damaged:
        Journal.open(folder, ballast_bytes=0)
    assert damaged.value.segment == "journal-0002.jsonl"


def test_a_segment_from_another_session_does_not_continue_this_one(tmp_path: Path) -> None:
    ours, theirs = tmp_path / "ours", tmp_path / "theirs"
    for folder in (ours, theirs):
        journal = Journal.create(folder, session_id="A", app="t", now=NOW, ballast_bytes=0)
        journal.append({"n": 1})
        journal.continue_in(now=NOW)
        journal.close()
    (ours / "journal-0002.jsonl").write_bytes((theirs / "journal-0002.jsonl").read_bytes())
    result = verify_chain(ours)
    assert (result.ok, result.segment, result.line) == (False, "journal-0002.jsonl", 1)
    assert "another session" in result.problem
