"""A torn or garbage tail is set aside and cut off, exactly down to the last whole line.

A crash can leave the last, unacknowledged append half-written, padded with NUL bytes (the file
size reached the disk before its data) or followed by stale garbage. Recovery must return the
valid prefix, keep the removed bytes in a .torn copy, truncate, and carry on from the next seq.
"""

from __future__ import annotations

import hashlib
import random
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from kap_console.session.journal.errors import JournalDamaged
from kap_console.session.journal.read import read_journal, verify_chain
from kap_console.session.journal.writer import Journal

NOW = "2026-03-01T14:00:00+00:00"


def build_journal(folder: Path, count: int) -> tuple[bytes, list[int]]:
    """A journal with `count` entries of varied size; its bytes and its line boundaries."""
    journal = Journal.create(folder, session_id="T", app="t", now=NOW, ballast_bytes=0)
    for n in range(1, count + 1):
        journal.append({"n": n, "text": "é☕ " * (n % 4) + "x" * (7 * n % 90)})
    journal.close()
    data = (folder / "journal-0001.jsonl").read_bytes()
    bounds = [0]
    for line in data.splitlines(keepends=True):
        bounds.append(bounds[-1] + len(line))
    return data, bounds


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> tuple[bytes, list[int]]:
    return build_journal(tmp_path_factory.mktemp("small"), 4)


@pytest.fixture(scope="module")
def large(tmp_path_factory: pytest.TempPathFactory) -> tuple[bytes, list[int]]:
    return build_journal(tmp_path_factory.mktemp("large"), 60)


@pytest.fixture
def no_fsync(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests check which bytes recovery keeps, over thousands of opens; fsync would only
    make them slow (its use and order are checked in the fault tests)."""
    monkeypatch.setattr("os.fsync", lambda fd: None)


def write_copy(folder: Path, data: bytes) -> Path:
    folder.mkdir(parents=True)
    (folder / "journal-0001.jsonl").write_bytes(data)
    return folder


def assert_recovers(folder: Path, data: bytes, bounds: list[int], cut: int, garbage: bytes):
    """Open a journal holding data[:cut] + garbage and check the recovery in full."""
    whole = max(i for i, b in enumerate(bounds) if b <= cut)  # lines kept, header included
    boundary = bounds[whole]
    tail = data[boundary:cut] + garbage
    journal, report = Journal.open(folder, ballast_bytes=0)
    try:
        assert [e.seq for e in report.entries] == list(range(1, whole))
        assert [e.payload["n"] for e in report.entries] == list(range(1, whole))
        if tail:
            torn = report.torn_tail
            assert torn is not None
            assert (torn.segment, torn.offset, torn.length) == (
                "journal-0001.jsonl",
                boundary,
                len(tail),
            )
            assert torn.sha256 == hashlib.sha256(tail).hexdigest()
            assert torn.copy_path == folder / f"journal-0001.torn-{boundary}"
            assert torn.copy_path.read_bytes() == tail
        else:
            assert report.torn_tail is None
        assert (folder / "journal-0001.jsonl").read_bytes() == data[:boundary]
        assert journal.append({"n": whole}).seq == whole
    finally:
        journal.close()
    result = verify_chain(folder)
    assert result.ok and result.entries == whole and result.torn_tail is None


def test_a_cut_at_every_offset_of_a_small_journal_recovers_its_whole_lines(
    tmp_path: Path, small: tuple[bytes, list[int]], no_fsync: None
) -> None:
    data, bounds = small
    for cut in range(bounds[1], len(data) + 1):
        assert_recovers(write_copy(tmp_path / str(cut), data[:cut]), data, bounds, cut, b"")


def test_a_segment_without_a_whole_header_is_damage_and_is_left_alone(
    tmp_path: Path, small: tuple[bytes, list[int]]
) -> None:
    # Segments are created whole (temporary file, fsync, rename), so a crash cannot leave a
    # partial header: one is damage, and there is no chain to recover.
    data, bounds = small
    for cut in range(0, bounds[1]):
        folder = write_copy(tmp_path / str(cut), data[:cut])
        with pytest.raises(JournalDamaged) as damaged:
            Journal.open(folder, ballast_bytes=0)
        assert (damaged.value.segment, damaged.value.line) == ("journal-0001.jsonl", 1)
        assert (folder / "journal-0001.jsonl").read_bytes() == data[:cut]


GARBAGE = {
    "nul-run": b"\0" * 638,
    "one-nul": b"\0",
    "partial-line": b'{"v":1,"seq":9,"kind":"entry","data":{"n":9,"text":"half a li',
    "partial-line-then-nuls": b'{"v":1,"seq":9,"kind":"ent' + b"\0" * 300,
    "random": b"\xff" + random.Random(1).randbytes(200).replace(b"\n", b"."),
    # newlines only far from the start: every fragment ends in 80+ random bytes
    "random-lines": b"\xff"
    + bytes(random.Random(2).randbytes(100)).replace(b"\n", b".")
    + b"\n"
    + random.Random(3).randbytes(300),
}


@pytest.mark.parametrize("kind", ["none", *GARBAGE])
def test_a_cut_in_the_last_lines_plus_garbage_recovers_the_valid_prefix(
    tmp_path: Path, large: tuple[bytes, list[int]], kind: str, no_fsync: None
) -> None:
    data, bounds = large
    garbage = GARBAGE.get(kind, b"")
    for cut in range(bounds[-4], len(data) + 1):
        folder = write_copy(tmp_path / str(cut), data[:cut] + garbage)
        assert_recovers(folder, data, bounds, cut, garbage)


def test_reading_reports_a_torn_tail_without_touching_the_file(
    tmp_path: Path, small: tuple[bytes, list[int]]
) -> None:
    data, bounds = small
    folder = write_copy(tmp_path / "s", data + b"\0" * 40)
    report = read_journal(folder)
    assert len(report.entries) == 4
    assert report.torn_tail is not None and report.torn_tail.copy_path is None
    assert (report.torn_tail.offset, report.torn_tail.length) == (len(data), 40)
    result = verify_chain(folder)
    assert result.ok and result.entries == 4 and result.torn_tail == report.torn_tail
    assert (folder / "journal-0001.jsonl").read_bytes() == data + b"\0" * 40
    assert sorted(p.name for p in folder.iterdir()) == ["journal-0001.jsonl"]


def test_tails_torn_twice_at_one_offset_get_two_copies_and_a_repeated_copy_is_reused(
    tmp_path: Path, small: tuple[bytes, list[int]]
) -> None:
    data, _ = small
    folder = write_copy(tmp_path / "s", data + b"first")
    first = Journal.open(folder, ballast_bytes=0)
    first[0].close()
    with (folder / "journal-0001.jsonl").open("ab") as f:
        f.write(b"second")
    second = Journal.open(folder, ballast_bytes=0)
    second[0].close()
    assert first[1].torn_tail.copy_path.read_bytes() == b"first"
    assert second[1].torn_tail.copy_path.name == f"journal-0001.torn-{len(data)}.2"
    assert second[1].torn_tail.copy_path.read_bytes() == b"second"
    # A recovery killed after copying but before truncating copies again: the same file.
    with (folder / "journal-0001.jsonl").open("ab") as f:
        f.write(b"first")
    third = Journal.open(folder, ballast_bytes=0)
    third[0].close()
    assert third[1].torn_tail.copy_path == first[1].torn_tail.copy_path
    assert len(list(folder.glob("*.torn-*"))) == 2


def test_a_torn_tail_in_a_later_segment_is_cut_there(tmp_path: Path) -> None:
    folder = tmp_path / "s"
    journal = Journal.create(folder, session_id="T", app="t", now=NOW, ballast_bytes=0)
    journal.append({"n": 1})
    journal.continue_in(now=NOW)
    journal.append({"n": 2})
    journal.close()
    with (folder / "journal-0002.jsonl").open("ab") as f:
        f.write(b'{"v":1,"seq":3,"kind":"entry","da')
    journal, report = Journal.open(folder, ballast_bytes=0)
    assert [e.seq for e in report.entries] == [1, 2]
    assert report.torn_tail.segment == "journal-0002.jsonl"
    assert report.torn_tail.copy_path.name.startswith("journal-0002.torn-")
    assert journal.append({"n": 3}).seq == 3
    journal.close()


# --------------------------------------------------------------------------- property

LINE_SHAPE = re.compile(rb'\{"v":1,"seq":.*,"h":"[0-9a-f]{64}"\}\n', re.S)
SHAPE_WANTS = b'{"v":1,"seq":', b',"h":"' + b"0" * 64 + b'"}\n'


def one_byte_from_a_line(fragment: bytes) -> bool:
    """The documented boundary, written independently: a NUL-free fragment that becomes a
    well-shaped line by changing at most one byte is treated as an edited line (damage)."""
    if b"\0" in fragment or len(fragment) < 86:
        return False
    if LINE_SHAPE.fullmatch(fragment):
        return True
    start, end = SHAPE_WANTS
    for i in range(len(start)):
        if LINE_SHAPE.fullmatch(fragment[:i] + start[i : i + 1] + fragment[i + 1 :]):
            return True
    base = len(fragment) - len(end)
    for i in range(len(end)):
        j = base + i
        if LINE_SHAPE.fullmatch(fragment[:j] + end[i : i + 1] + fragment[j + 1 :]):
            return True
    return False


def fragments(region: bytes) -> list[bytes]:
    return [region, *region.splitlines(keepends=True)]


garbage_strategy = st.one_of(
    st.binary(max_size=400),
    st.integers(min_value=1, max_value=2000).map(lambda n: b"\0" * n),
    st.tuples(st.integers(1, 200), st.integers(0, 300)).map(
        lambda t: GARBAGE["partial-line"][: t[0]] + b"\0" * t[1]
    ),
    st.lists(st.sampled_from([b"\0", b"\n", b"}", b'"', b"x", b"\xff", b"{"]), max_size=50).map(
        b"".join
    ),
)


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data(), garbage=garbage_strategy)
def test_any_cut_plus_any_garbage_recovers_exactly_the_valid_prefix(
    tmp_path_factory: pytest.TempPathFactory,
    large: tuple[bytes, list[int]],
    no_fsync: None,
    data: st.DataObject,
    garbage: bytes,
) -> None:
    journal_bytes, bounds = large
    cut = data.draw(st.integers(min_value=bounds[1], max_value=len(journal_bytes)), label="cut")
    whole = max(i for i, b in enumerate(bounds) if b <= cut)
    region = journal_bytes[bounds[whole] : cut] + garbage
    if whole < len(bounds) - 1:
        # garbage that happens to complete the cut line is not a tail at all
        assume(not region.startswith(journal_bytes[bounds[whole] : bounds[whole + 1]]))
    assume(not any(one_byte_from_a_line(f) for f in fragments(region)))
    folder = write_copy(tmp_path_factory.mktemp("prop") / "s", journal_bytes[:cut] + garbage)
    assert_recovers(folder, journal_bytes, bounds, cut, garbage)
