"""A listing row read from the journal's needed lines says what reading every event says."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from record_helpers import (
    FACILITATOR,
    at_minute,
    dosed_session,
    load_im_protocol,
    new_clock,
    start_session,
    whole_session,
)

from kap_console.session import events as ev
from kap_console.session.catalog import APP, summarize, summarize_from_events
from kap_console.session.catalog_read import row_fields
from kap_console.session.journal.format import encode_line

JOURNAL = "journal-0001.jsonl"


def quick(folder: Path):
    return row_fields(folder, sorted(os.listdir(folder)), APP)


def closed_whole(data: Path) -> Path:
    session, _ = whole_session(data)
    session.release()
    return session.session_dir


def open_dosed(data: Path) -> Path:
    session = dosed_session(data)
    session.release()
    return session.session_dir


def adverse_voided(data: Path) -> Path:
    session = dosed_session(data)
    at_minute(session, 10)
    first = session.commit(
        ev.AdverseEventLogged(term="Nausea", severity="1", onset_at=session.clock.now())
    )
    session.commit(
        ev.AdverseEventLogged(term="Anxiety", severity="2", onset_at=session.clock.now())
    )
    session.commit(ev.Voided(target_seq=first.seq, reason="entered in error"))
    session.release()
    return session.session_dir


def no_go(data: Path) -> Path:
    session = start_session(data)
    session.close(outcome="no_go", note="Rebooked")
    session.release()
    return session.session_dir


def stopped_early(data: Path) -> Path:
    session = dosed_session(data)
    at_minute(session, 20)
    session.close(outcome="stopped_early", note="client asked to stop")
    session.release()
    return session.session_dir


def training(data: Path) -> Path:
    from kap_console.session.engine import Session

    session = Session.start(
        load_im_protocol(),
        data_dir=data,
        client_code="KAP-0099",
        facilitator=FACILITATOR,
        session_number=1,
        clock=new_clock(),
        training=True,
    )
    session.close(outcome="no_go")
    session.release()
    return session.session_dir


def practice(data: Path) -> Path:
    from kap_console.session.engine import Session

    identity = ev.PracticeIdentity(
        scenario_id="hypertension-40", scenario_version="1.0.0", scenario_sha256="0" * 64
    )
    session = Session.start(
        load_im_protocol(),
        data_dir=data,
        client_code="PRACTICE-01",
        facilitator=FACILITATOR,
        session_number=1,
        clock=new_clock(),
        practice=identity,
    )
    session.release()
    return session.session_dir


def closed_record_not_written(data: Path) -> Path:
    """Closed, then the record_written line lost (whole lines: the chain still holds)."""
    folder = closed_whole(data)
    journal = folder / JOURNAL
    lines = journal.read_bytes().splitlines(keepends=True)
    assert b'"type":"record_written"' in lines[-1]
    journal.write_bytes(b"".join(lines[:-1]))
    return folder


def torn_tail(data: Path) -> Path:
    folder = open_dosed(data)
    with (folder / JOURNAL).open("ab") as journal:
        journal.write(b'{"v":1,"seq":99,"kind":"entry","da')
    return folder


def resumed_after_a_torn_tail(data: Path) -> Path:
    """Torn, then resumed: the torn bytes set aside, a `resumed` entry in the same segment."""
    from kap_console.session.engine import Session

    folder = torn_tail(data)
    session = Session.resume(folder, clock=new_clock())
    at_minute(session, 30)
    session.commit(ev.AdverseEventLogged(term="Nausea", severity="1", onset_at=session.clock.now()))
    session.release()
    assert any(path.name.startswith("journal-0001.torn") for path in folder.iterdir())
    return folder


def marked_moved(data: Path) -> Path:
    folder = open_dosed(data)
    (folder / "MOVED").write_text("/media/usb/session\n")
    return folder


def damaged_middle(data: Path) -> Path:
    folder = open_dosed(data)
    journal = folder / JOURNAL
    lines = journal.read_bytes().splitlines(keepends=True)
    lines[3] = lines[3].replace(b"true", b"fals", 1)
    journal.write_bytes(b"".join(lines))
    return folder


def another_version(data: Path) -> Path:
    """The same entries under a header naming another version (every hash recomputed)."""
    folder = closed_whole(data)
    journal = folder / JOURNAL
    records = [json.loads(line) for line in journal.read_bytes().splitlines()]
    records[0]["app"] = "kap-console 99.0.0"
    lines, prev = [], None
    for record in records:
        record.pop("h")
        if prev is not None:
            record["prev"] = prev
        line, prev = encode_line(record)
        lines.append(line)
    journal.write_bytes(b"".join(lines))
    return folder


# Builder, and whether the quick reading answers for it (else the full reading does).
CASES = [
    (closed_whole, True),
    (open_dosed, True),
    (adverse_voided, True),
    (no_go, True),
    (stopped_early, True),
    (training, True),
    (practice, True),
    (closed_record_not_written, True),
    (resumed_after_a_torn_tail, True),
    (marked_moved, True),
    (torn_tail, False),
    (damaged_middle, False),
    (another_version, False),
]


@pytest.mark.parametrize(("build", "answered"), CASES, ids=[case[0].__name__ for case in CASES])
def test_a_row_read_quickly_is_the_row_read_from_every_event(tmp_path, build, answered):
    folder = build(tmp_path)
    assert (quick(folder) is not None) == answered
    summary, reference = summarize(folder), summarize_from_events(folder)
    assert summary == reference
    # The same words where the listing shows them, to the time zone.
    assert summary.started_at is not None and reference.started_at is not None
    assert summary.started_at.isoformat() == reference.started_at.isoformat()


def test_what_the_quick_reading_finds_in_plain_journals(tmp_path):
    assert summarize(closed_whole(tmp_path / "a")).adverse_event_count == 1
    assert summarize(adverse_voided(tmp_path / "b")).adverse_event_count == 1
    assert summarize(no_go(tmp_path / "c")).outcome == "no_go"
    unwritten = summarize(closed_record_not_written(tmp_path / "d"))
    assert unwritten.state == "open" and "record was not written" in (unwritten.problem or "")
    assert summarize(practice(tmp_path / "e")).scenario_id == "hypertension-40"
    assert summarize(torn_tail(tmp_path / "f")).problem.startswith("an unfinished last line")
    assert (
        summarize(damaged_middle(tmp_path / "g")).problem
        == "journal damaged at journal-0001.jsonl:4"
    )


def test_an_entry_whose_own_hash_was_recomputed_breaks_the_chain_at_the_next_line(tmp_path):
    folder = closed_whole(tmp_path)
    journal = folder / JOURNAL
    lines = journal.read_bytes().splitlines(keepends=True)
    record = json.loads(lines[5])
    record.pop("h")
    record["data"]["recorded_by"] = "Someone Else"
    lines[5], _ = encode_line(record)
    journal.write_bytes(b"".join(lines))
    assert quick(folder) is None
    assert summarize(folder).state == "damaged"
    assert summarize(folder) == summarize_from_events(folder)


def test_a_second_session_started_or_closed_counts_as_the_full_reading_counts_it(tmp_path):
    """Only the first entry is the start and the first close is the close, as in the fold."""
    folder = stopped_early(tmp_path)
    journal = folder / JOURNAL
    records = [json.loads(line) for line in journal.read_bytes().splitlines()]
    closed = next(r for r in records if r.get("data", {}).get("type") == "session_closed")
    extra = {**closed["data"], "outcome": "completed"}
    lines = journal.read_bytes().splitlines(keepends=True)
    prev = records[-1]["h"]
    line, _ = encode_line(
        {"v": 1, "seq": len(records), "kind": "entry", "data": extra, "prev": prev}
    )
    journal.write_bytes(b"".join([*lines, line]))
    assert quick(folder) is not None
    assert summarize(folder) == summarize_from_events(folder)
    assert summarize(folder).outcome == "stopped_early"


def test_every_event_names_its_type_before_any_field_that_can_hold_an_object():
    """The quick reading takes a line's first `"type":"…"` for its payload's type: the fields
    written before `type` must be plain values (times and the recorder's name)."""
    import typing

    union = typing.get_args(typing.get_args(ev.Event)[0])
    assert len(union) > 20
    from kap_console.session.catalog_read import _TYPE

    for event_type in union:
        names = list(event_type.model_fields)
        assert names[:4] == ["observed_at", "recorded_at", "recorded_by", "type"], event_type
        kind = event_type.model_fields["type"].default
        written = json.dumps({"type": kind}, separators=(",", ":")).encode()
        assert _TYPE.search(written).group(1) == kind.encode()


def test_a_first_listing_of_plain_journals_builds_no_event_model(tmp_path):
    closed_whole(tmp_path)
    open_dosed(tmp_path)
    code = (
        "import sys; from pathlib import Path;"
        "from kap_console.session.catalog import list_sessions;"
        f"rows = list_sessions(Path({str(tmp_path)!r}));"
        "print(len(rows), sorted(s.state for s in rows), 'pydantic' in sys.modules)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.split() == ["2", "['closed',", "'open']", "False"]
