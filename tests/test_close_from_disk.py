"""Close builds the record from the journal as it is on disk, reading it once.

The journal is read back and every line checked (hash, seq, link) up to the hash of the last
line this session saved; the events folded as they were saved are the ones those lines hold,
so they are not parsed again. Anything on disk that is not what was saved stops the close
before a record is written.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from record_helpers import at_minute, dosed_session, early_round

from kap_console.session import events as ev
from kap_console.session.journal import read as journal_read
from kap_console.session.journal.errors import JournalError
from kap_console.session.journal.format import encode_entry
from kap_console.session.record import model as rec
from kap_console.session.record.verify import verify_record


def _session(tmp_path: Path):
    session = dosed_session(tmp_path)
    at_minute(session, 15)
    session.commit(early_round(15))
    at_minute(session, 20)
    session.commit(ev.NoteAdded(text="resting"))
    return session


def _segment(session) -> Path:
    return session.session_dir / "journal-0001.jsonl"


def test_close_reads_the_journal_once_checks_every_line_and_parses_no_event_again(
    tmp_path, monkeypatch
):
    from kap_console.session.journal import chain

    session = _session(tmp_path)
    reads: list[str] = []
    blocks = chain.regular_file_blocks
    whole = journal_read.read_regular_file

    def counted_blocks(path, **options):
        reads.append(Path(path).name)
        return blocks(path, **options)

    def counted_whole(path, **options):
        reads.append(Path(path).name)
        return whole(path, **options)

    lines_checked: list[int] = []
    parse_line = chain.parse_line

    def checked(raw):
        lines_checked.append(1)
        return parse_line(raw)

    def no_parsing(*args, **kwargs):
        raise AssertionError("close parsed an event again")

    monkeypatch.setattr(chain, "regular_file_blocks", counted_blocks)
    monkeypatch.setattr(journal_read, "read_regular_file", counted_whole)
    monkeypatch.setattr(chain, "parse_line", checked)
    monkeypatch.setattr(ev, "event_from_dict", no_parsing)
    saved = session.last_seq
    result = session.close(outcome="stopped_early", note="client asked to stop")
    monkeypatch.undo()
    # One pass over the one segment; the header and every entry saved (with the
    # session_closed entry close itself commits) checked.
    assert reads == ["journal-0001.jsonl"]
    assert len(lines_checked) == 1 + saved + 1
    assert result.event_count == saved + 1
    assert verify_record(session.session_dir).ok
    session.release()


def _no_record(session) -> None:
    assert not (session.session_dir / rec.RECORD_NAME).exists()
    assert not [p for p in session.session_dir.iterdir() if p.name.startswith(".record")]


@pytest.mark.parametrize("where", ["first entry", "middle", "last line"])
def test_a_flipped_byte_in_the_journal_on_disk_stops_the_close(tmp_path, where):
    session = _session(tmp_path)
    path = _segment(session)
    data = bytearray(path.read_bytes())
    lines = data.splitlines(keepends=True)
    index = {"first entry": 1, "middle": len(lines) // 2, "last line": len(lines) - 1}[where]
    offset = sum(len(line) for line in lines[:index]) + 20
    data[offset] ^= 0x01
    path.write_bytes(bytes(data))
    with pytest.raises(JournalError):
        session.close(outcome="stopped_early", note="client asked to stop")
    _no_record(session)
    session.release()


def _close_after(session, monkeypatch, change) -> None:
    """Close, with `change` made to the segment on disk just before close reads it back
    (after close has saved its session_closed entry)."""
    import kap_console.session.closing as closing

    real_end = closing.chain_end

    def changed_first(session_dir):
        path = _segment(session)
        path.write_bytes(change(path.read_bytes()))
        return real_end(session_dir)

    monkeypatch.setattr(closing, "chain_end", changed_first)
    session.close(outcome="stopped_early", note="client asked to stop")


def test_a_journal_that_ends_before_the_last_save_stops_the_close(tmp_path, monkeypatch):
    session = _session(tmp_path)

    def last_line_gone(data: bytes) -> bytes:  # the chain up to there still holds
        return b"".join(data.splitlines(keepends=True)[:-1])

    with pytest.raises(JournalError, match="does not end where this session's last save did"):
        _close_after(session, monkeypatch, last_line_gone)
    _no_record(session)
    session.release()


def test_a_correctly_chained_line_added_on_disk_stops_the_close(tmp_path, monkeypatch):
    session = _session(tmp_path)
    before = session.last_seq

    def planted(data: bytes) -> bytes:
        last = data.splitlines()[-1]
        seq = int(last.split(b'"seq":')[1].split(b",")[0])
        h = last[-66:-2].decode()
        line, _ = encode_entry(seq + 1, {"type": "note_added", "text": "planted"}, h)
        return data + line

    with pytest.raises(JournalError, match="does not end where this session's last save did"):
        _close_after(session, monkeypatch, planted)
    assert session.last_seq == before + 1  # session_closed was saved; nothing after it
    assert journal_read.verify_chain(session.session_dir).ok  # the planted line chains on
    _no_record(session)
    session.release()
