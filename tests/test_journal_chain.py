"""`chain_end` (what close checks the journal on disk with) says what `scan_journal` says.

It reads a one-segment journal a block at a time and keeps no line; for anything else it
goes through `scan_journal`. Either way: the same count, head, segments and torn tail, or the
same JournalDamaged, for whole, torn, padded, flipped and multi-segment journals.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kap_console.session.journal import chain
from kap_console.session.journal.chain import ChainEnd, chain_end
from kap_console.session.journal.errors import JournalDamaged
from kap_console.session.journal.read import scan_journal
from kap_console.session.journal.writer import Journal

NOW = "2026-03-02T09:00:00+00:00"


def _journal(folder: Path, count: int, *, segments: int = 1) -> Path:
    journal = Journal.create(folder, session_id="S-1", app="t", now=NOW, ballast_bytes=0)
    for n in range(1, count + 1):
        journal.append({"type": "note_added", "n": n, "text": f"note {n} — café ☕"})
        if segments > 1 and n == count // 2:
            journal.continue_in(now=NOW)  # a second segment, as after a write error
    journal.close()
    return folder


def _scanned(folder: Path) -> ChainEnd | type[JournalDamaged]:
    try:
        state = scan_journal(folder)
    except JournalDamaged:
        return JournalDamaged
    entries = state.entries
    return ChainEnd(
        len(entries),
        entries[-1].h if entries else None,
        tuple(dict.fromkeys(e.segment for e in entries)),
        state.torn is not None,
    )


def _ended(folder: Path) -> ChainEnd | type[JournalDamaged]:
    try:
        return chain_end(folder)
    except JournalDamaged:
        return JournalDamaged


@pytest.mark.parametrize("segments", [1, 2])
def test_a_whole_journal_ends_at_its_last_entry(tmp_path, segments):
    folder = _journal(tmp_path / "s", 6, segments=segments)
    end = chain_end(folder)
    assert end == _scanned(folder)
    assert end.count == 6 and not end.torn
    assert len(end.segments) == segments


def test_a_one_segment_journal_is_read_a_block_at_a_time_without_a_scan(tmp_path, monkeypatch):
    folder = _journal(tmp_path / "s", 5)

    def no_scan(*args, **kwargs):
        raise AssertionError("scanned")

    monkeypatch.setattr(chain, "scan_journal", no_scan)
    assert chain_end(folder).count == 5


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    change=st.sampled_from(["cut", "flip", "nul", "garbage"]),
    where=st.floats(min_value=0, max_value=1, exclude_max=True),
    segments=st.sampled_from([1, 2]),
)
def test_a_changed_journal_gives_the_same_answer_as_a_scan(
    tmp_path_factory, change, where, segments
):
    folder = _journal(tmp_path_factory.mktemp("j") / "s", 6, segments=segments)
    path = sorted(folder.glob("journal-*.jsonl"))[-1]
    data = bytearray(path.read_bytes())
    at = int(where * len(data))
    if change == "cut":
        del data[at:]
    elif change == "flip":
        data[at] ^= 0x04
    elif change == "nul":
        data += b"\0" * 64
    else:
        data += b'{"v":1,"seq":'
    path.write_bytes(bytes(data))
    assert _ended(folder) == _scanned(folder)
