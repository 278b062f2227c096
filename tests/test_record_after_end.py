"""Nothing may follow the record_written entry: the console never writes after the close, so
any byte after it (a correctly chained line, NUL padding, a partial line) was put there later,
and `record verify` refuses the record, naming where (segment and line, or byte offset)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from kap_console.session.journal.format import encode_entry
from kap_console.session.journal.read import read_journal
from kap_console.session.record.verify import verify_record


@pytest.fixture(scope="module")
def closed_session(tmp_path_factory) -> Path:
    from record_helpers import whole_session

    session, _result = whole_session(tmp_path_factory.mktemp("closed"))
    session.release()
    return session.session_dir


@pytest.fixture
def folder(closed_session: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "session"
    shutil.copytree(closed_session, copy)
    assert verify_record(copy).ok
    return copy


def _last_segment(folder: Path) -> Path:
    return sorted(folder.glob("journal-*.jsonl"))[-1]


def test_a_correctly_chained_line_after_record_written_is_refused(folder: Path) -> None:
    report = read_journal(folder)
    last = report.entries[-1]
    assert last.payload["type"] == "record_written"
    line, _ = encode_entry(last.seq + 1, {"type": "note_added", "text": "SECRET-7f3a"}, last.h)
    segment = _last_segment(folder)
    with segment.open("ab") as stream:
        stream.write(line)
    check = verify_record(folder)
    assert not check.ok
    (problem,) = check.problems
    assert problem.startswith(f"{segment}:{last.line + 1}: seq {last.seq + 1}: ")
    assert "after record_written" in problem
    assert "SECRET-7f3a" not in problem


@pytest.mark.parametrize(
    "tail",
    [b"\0" * 638, b'{"v":1,"seq":99,"kind":"entry","data":{"type":"no', b"\n"],
    ids=["nul-padding", "partial-line", "lone-newline"],
)
def test_bytes_after_record_written_are_refused_with_their_offset(folder: Path, tail) -> None:
    segment = _last_segment(folder)
    offset = segment.stat().st_size
    with segment.open("ab") as stream:
        stream.write(tail)
    check = verify_record(folder)
    assert not check.ok
    assert any(
        p.startswith(f"{segment}: {len(tail)} byte(s) at byte offset {offset} after record_written")
        for p in check.problems
    ), check.problems


def test_a_segment_after_the_one_holding_record_written_is_refused(folder: Path) -> None:
    from kap_console.session.journal.format import segment_header

    report = read_journal(folder)
    first = json.loads(_last_segment(folder).read_bytes().split(b"\n")[0])
    header, _ = segment_header(
        seq=report.entries[-1].seq,
        session_id=first["session"],
        nonce=first["nonce"],
        app=first["app"],
        ts=first["ts"],
        segment=2,
        prev_segment=_last_segment(folder).name,
        reason=None,
        prev=report.entries[-1].h,
    )
    (folder / "journal-0002.jsonl").write_bytes(header)
    check = verify_record(folder)
    assert not check.ok
    assert any("journal-0002.jsonl: a journal segment after" in p for p in check.problems)
