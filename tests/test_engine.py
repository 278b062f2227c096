"""The engine: a whole session from checklist to record, resume after a crash, a failed save
that loses nothing, and entries the session's rules refuse before anything is written."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

import pytest
from record_helpers import (
    FACILITATOR,
    at_minute,
    dosed_session,
    early_round,
    fail_fsync_once,
    load_im_protocol,
    new_clock,
    start_session,
    whole_session,
)

from kap_console.session import events as ev
from kap_console.session.catalog import list_sessions, unfinished_sessions
from kap_console.session.engine import Session
from kap_console.session.errors import RejectedEntry, SaveError, SessionAlreadyClosed, SessionMoved
from kap_console.session.journal.read import read_journal, verify_chain
from kap_console.session.record import reading as record_reading
from kap_console.session.record.verify import verify_record
from kap_console.session.state.fold import fold


def payload_types(session_dir: Path) -> list[str]:
    return [entry.payload["type"] for entry in read_journal(session_dir).entries]


@pytest.fixture
def closed(tmp_path):
    session, result = whole_session(tmp_path)
    yield session, result
    session.release()


def test_whole_session_writes_a_private_record_with_a_fingerprint(closed):
    session, result = closed
    assert result.record_path == session.session_dir / "record.toml"
    assert stat.S_IMODE(result.record_path.stat().st_mode) == 0o600
    assert stat.S_IMODE(session.session_dir.stat().st_mode) == 0o700
    assert record_reading.file_sha256(result.record_path) == result.sha256
    short = result.sha256[:12]
    assert (
        result.fingerprint == f"{short[:4]}-{short[4:8]}-{short[8:]} · {result.event_count} events"
    )


def test_record_written_entry_closes_the_journal_and_names_the_record(closed):
    session, result = closed
    entries = read_journal(session.session_dir).entries
    last = entries[-1].payload
    assert last["type"] == "record_written"
    assert last["record_sha256"] == result.sha256
    assert last["journal_head"] == result.journal_head == entries[result.event_count - 1].h
    assert last["event_count"] == result.event_count == len(entries) - 1
    assert verify_chain(session.session_dir).ok
    assert verify_record(session.session_dir).ok


def test_record_holds_what_happened_in_the_session(closed):
    session, result = closed
    record = record_reading.read_record(result.record_path)
    assert record.session.client_code == "KAP-0042"
    assert record.session.facilitator == FACILITATOR
    assert record.session.outcome == "completed"
    assert record.session.duration_seconds == 127 * 60 + 14 * 60
    assert record.protocol.id == "im-ketamine-120"
    assert record.protocol.sha256 == load_im_protocol().sha256
    assert [d.dose_mg for d in record.doses] == [40.0]
    assert record.pre_session.decisions[0].decision == "go"
    assert len(record.pre_session.checks) == 8 and len(record.pre_session.baseline) == 1
    assert [i.text for i in record.intentions] == [
        "To feel less alone",
        "Loosen the urge to please",
    ]
    assert record.consent[0].stop_word == "lighthouse"
    assert [(o.round_id, o.due_minutes) for o in record.observations] == [
        ("early", 15),
        ("early", 30),
        ("early", 45),
        ("early", 60),
        ("late", 90),
        ("late", 120),
        ("pre_discharge", None),
    ]
    assert record.observations[0].values["hr"] == 74.0
    (alert_sbp, alert_nausea) = sorted(record.alerts, key=lambda a: a.level, reverse=True)
    assert alert_sbp.level == "urgent" and alert_sbp.value == 182.0
    assert alert_sbp.acknowledged_by == FACILITATOR
    assert alert_nausea.acknowledge_note == "prescriber called"
    (nausea,) = record.adverse_events
    assert nausea.current.outcome == "recovered" and len(nausea.updates) == 1
    assert [n.voided for n in record.notes] == [True, False]
    assert record.notes[1].client_quote and record.notes[1].for_integration
    assert record.discharge.criteria_met is True
    assert record.discharge.assessments[0].scores["modified_aldrete"].total == 10
    assert record.discharge.discharged_by == "Dr Chen"
    assert record.reflections[0].prompt == "What helped during the session, and what did not?"
    assert [c.kind for c in record.corrections] == ["amended", "voided"]
    assert record.corrections[0].old == 72.0 and record.corrections[0].new == 74.0
    assert record.schedule.late == [] and record.schedule.missed == []
    assert [f.id for f in record.follow_up] == ["call_24h", "call_72h", "integration_1w"]
    assert record.integrity.event_count == result.event_count
    assert record.integrity.segments == ["journal-0001.jsonl"]


def test_closing_twice_gives_the_same_result_and_writes_nothing_more(closed):
    session, result = closed
    before = payload_types(session.session_dir)
    assert session.close() == result
    assert payload_types(session.session_dir) == before


def test_a_closed_session_is_not_resumed(closed, tmp_path):
    session, _ = closed
    session.release()
    with pytest.raises(SessionAlreadyClosed):
        Session.resume(session.session_dir, clock=new_clock())


def test_elapsed_since_dose_comes_from_the_clock(tmp_path):
    clock = new_clock()
    session = start_session(tmp_path, clock)
    assert session.elapsed_since_dose() is None
    clock.advance(60)
    session.commit(
        ev.DoseGiven(drug="ketamine", route="IM", dose_mg=40, weight_kg=70, given_by="Dr Chen")
    )
    clock.advance(15 * 60 + 7)
    assert session.elapsed_since_dose() == 15 * 60 + 7
    session.release()


def crash(session: Session) -> None:
    """What a crash leaves: the process's descriptors closed by the kernel, nothing flushed."""
    journal = session._journal
    os.close(journal._fd)
    os.close(journal._lock._fd)
    if journal._lock._file_fd is not None:
        os.close(journal._lock._file_fd)


def test_resume_after_a_crash_replays_to_the_same_state(tmp_path):
    session = dosed_session(tmp_path)
    at_minute(session, 15)
    session.commit(early_round(15, sbp=185))
    at_minute(session, 20)
    session.commit(ev.NoteAdded(text="Eyes closed, smiling", for_integration=True))
    before = session.state
    crash(session)

    resumed = Session.resume(session.session_dir, clock=session.clock)
    entries = read_journal(session.session_dir).entries
    assert entries[-1].payload["type"] == "resumed"
    assert "torn_bytes" in entries[-1].payload and entries[-1].payload["torn_bytes"] == 0
    replayed = fold(
        resumed.protocol, [(e.seq, ev.event_from_dict(e.payload)) for e in entries[:-1]]
    )
    assert replayed == before
    assert resumed.state.t0 == before.t0
    assert [a.measure_id for a in resumed.open_alerts()] == ["sbp"]
    resumed.release()


def test_resume_sets_a_torn_tail_aside_and_says_so(tmp_path):
    session = dosed_session(tmp_path)
    crash(session)
    segment = session.session_dir / "journal-0001.jsonl"
    size = segment.stat().st_size
    with open(segment, "ab") as handle:
        handle.write(b'{"v":1,"seq":99,"kind":"entry","data":{"type":"note_ad')
    resumed = Session.resume(session.session_dir, clock=session.clock)
    resumed_event = read_journal(session.session_dir).entries[-1].payload
    assert resumed_event["type"] == "resumed"
    assert resumed_event["torn_offset"] == size and resumed_event["torn_bytes"] > 0
    assert (session.session_dir / resumed_event["torn_copy"]).exists()
    resumed.release()


def test_unfinished_sessions_are_offered_for_resume(tmp_path, closed):
    open_session = dosed_session(tmp_path, client_code="KAP-0007")
    unfinished = unfinished_sessions(tmp_path)
    assert [s.client_code for s in unfinished] == ["KAP-0007"]
    assert unfinished[0].state == "open"
    open_session.release()


def test_a_second_console_cannot_open_a_running_session(tmp_path):
    from kap_console.session.storage import SessionLocked

    session = dosed_session(tmp_path)
    with pytest.raises(SessionLocked):
        Session.resume(session.session_dir, clock=session.clock)
    session.release()


def test_failed_save_loses_nothing_and_continues_in_another_folder(tmp_path, monkeypatch):
    session = dosed_session(tmp_path / "laptop")
    at_minute(session, 15)
    count_before = session.state.event_count
    fail_fsync_once(monkeypatch)
    with pytest.raises(SaveError) as caught:
        session.commit(ev.NoteAdded(text="Client asked for a blanket"))
    error = caught.value
    assert error.errno == errno.ENOSPC and error.unsaved_count == 1
    assert "Nothing is lost" in error.message and "another folder" in error.message
    assert "blanket" not in str(error)
    assert session.save_error is error and session.unsaved == 1
    assert session.state.event_count == count_before
    assert not any("blanket" in n.event.text for n in session.state.notes)

    usb = tmp_path / "usb" / "session"
    session.continue_in(usb)
    assert session.save_error is None and session.unsaved == 0
    assert session.session_dir == usb
    assert [n.event.text for n in session.state.notes] == ["Client asked for a blanket"]

    at_minute(session, 16)
    session.commit(ev.StepMarked(step_id="rest_after_injection", status="done"))
    at_minute(session, 20)
    result = session.close(outcome="stopped_early", note="ended early for the test")
    record = record_reading.read_record(result.record_path)
    assert [n.text for n in record.notes] == ["Client asked for a blanket"]
    assert record.integrity.segments == ["journal-0001.jsonl", "journal-0002.jsonl"]
    (change,) = record.integrity.segment_changes
    assert (change.previous_segment, change.reason) == ("journal-0001.jsonl", "write error ENOSPC")
    assert (usb / "protocol.toml").exists()
    assert verify_record(usb).ok
    session.release()


def test_the_copy_left_behind_by_a_move_is_never_offered_for_resuming(tmp_path, monkeypatch):
    laptop = tmp_path / "laptop"
    session = dosed_session(laptop)
    old_dir = session.session_dir
    at_minute(session, 15)
    fail_fsync_once(monkeypatch)
    with pytest.raises(SaveError):
        session.commit(ev.NoteAdded(text="Client asked for water"))
    usb = laptop / "sessions" / "continued-here"
    session.continue_in(usb)
    session.release()

    assert (old_dir / "MOVED").read_text().strip() == str(usb)
    states = {summary.path: summary.state for summary in list_sessions(laptop)}
    assert states == {old_dir: "moved", usb: "open"}
    assert [summary.path for summary in unfinished_sessions(laptop)] == [usb]
    with pytest.raises(SessionMoved) as caught:
        Session.resume(old_dir, clock=session.clock)
    assert str(usb) in str(caught.value)
    resumed = Session.resume(usb, clock=session.clock)
    assert [n.event.text for n in resumed.state.notes] == ["Client asked for water"]
    resumed.release()


def test_an_observation_saved_again_raises_its_alert_once(tmp_path, monkeypatch):
    session = dosed_session(tmp_path)
    at_minute(session, 15)
    fail_fsync_once(monkeypatch, errno.EIO)
    with pytest.raises(SaveError):
        session.commit(early_round(15, sbp=190))
    assert session.open_alerts() == []
    session.continue_in()
    (alert,) = session.open_alerts()
    assert alert.measure_id == "sbp" and alert.level == "urgent"
    assert payload_types(session.session_dir).count("alert_raised") == 1
    session.release()


def test_close_refuses_while_entries_are_unsaved(tmp_path, monkeypatch):
    session = dosed_session(tmp_path)
    fail_fsync_once(monkeypatch)
    with pytest.raises(SaveError):
        session.commit(ev.NoteAdded(text="x"))
    with pytest.raises(SaveError):
        session.close(outcome="stopped_early")
    assert not (session.session_dir / "record.toml").exists()
    session.release()


def test_out_of_range_reading_is_rejected_naming_the_field_and_nothing_is_written(tmp_path):
    session = dosed_session(tmp_path)
    at_minute(session, 15)
    before = payload_types(session.session_dir)
    with pytest.raises(RejectedEntry) as caught:
        session.commit(early_round(15, sbp=400))
    assert caught.value.field == "sbp"
    assert "outside 50–260" in caught.value.message and "400" not in caught.value.message
    assert payload_types(session.session_dir) == before
    assert session.unsaved == 0 and session.save_error is None
    session.release()


def test_invalid_client_code_is_rejected_before_any_folder_is_made(tmp_path):
    with pytest.raises(RejectedEntry) as caught:
        Session.start(
            load_im_protocol(),
            data_dir=tmp_path,
            client_code="bad code",
            facilitator=FACILITATOR,
            session_number=1,
            clock=new_clock(),
        )
    assert caught.value.field == "client_code"
    assert not (tmp_path / "sessions").exists()


def test_resume_refuses_a_protocol_changed_since_the_start(tmp_path, monkeypatch):
    from kap_console.protocol.loader import load_protocol
    from kap_console.session.pinning import PROTOCOL_COPY, ProtocolUnavailable

    monkeypatch.chdir(tmp_path)  # the pinned name (im.toml) is looked for from here
    original = load_im_protocol().path.read_bytes()
    protocol_file = tmp_path / "im.toml"
    protocol_file.write_bytes(original)
    session = Session.start(
        load_protocol(protocol_file, git=False),
        data_dir=tmp_path,
        client_code="KAP-0042",
        facilitator=FACILITATOR,
        session_number=1,
        clock=new_clock(),
    )
    session.release()
    protocol_file.write_bytes(original.replace(b'version = "1.0.0"', b'version = "1.0.1"'))
    (session.session_dir / PROTOCOL_COPY).unlink()
    with pytest.raises(ProtocolUnavailable, match="has changed since the session started"):
        Session.resume(session.session_dir, clock=new_clock())
    protocol_file.write_bytes(original)
    Session.resume(session.session_dir, clock=new_clock()).release()


def test_entries_only_the_console_makes_cannot_be_added(tmp_path):
    session = dosed_session(tmp_path)
    forged = ev.RecordWritten(
        record_path="record.toml", record_sha256="0" * 64, journal_head="0" * 64, event_count=1
    )
    with pytest.raises(RejectedEntry, match="made by the console"):
        session.commit(forged)
    assert "record_written" not in payload_types(session.session_dir)
    session.release()


def test_a_start_that_cannot_create_the_journal_leaves_no_half_session(tmp_path, monkeypatch):
    from kap_console.session import engine
    from kap_console.session.journal.errors import JournalWriteError

    def full_disk(*args, **kwargs):
        raise JournalWriteError(errno.ENOSPC, [], action="creating the journal", path=None)

    monkeypatch.setattr(engine.Journal, "create", full_disk)
    with pytest.raises(SaveError) as caught:
        start_session(tmp_path)
    assert caught.value.errno == errno.ENOSPC
    assert list((tmp_path / "sessions").iterdir()) == []


def test_a_record_that_cannot_be_written_is_written_on_the_next_close(tmp_path, monkeypatch):
    import kap_console.session.storage as storage

    session = dosed_session(tmp_path)
    real = storage.write_private_atomic

    def full_disk(path, data):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(storage, "write_private_atomic", full_disk)
    with pytest.raises(SaveError) as caught:
        session.close(outcome="stopped_early")
    assert "every entry so far is saved" in caught.value.message
    assert payload_types(session.session_dir)[-1] == "session_closed"
    monkeypatch.setattr(storage, "write_private_atomic", real)
    result = session.close(outcome="stopped_early")
    assert payload_types(session.session_dir)[-2:] == ["session_closed", "record_written"]
    assert verify_record(session.session_dir).ok and result.event_count == session.last_seq - 1
    session.release()


def test_resume_and_close_run_with_the_collector_paused_and_give_it_back(tmp_path, monkeypatch):
    import gc

    from kap_console.session import gc_pause

    seen = []
    real = gc_pause.collector_paused

    def spy(**options):
        seen.append((gc.isenabled(), options))
        return real(**options)

    monkeypatch.setattr("kap_console.session.engine.collector_paused", spy)
    session = dosed_session(tmp_path)
    crash(session)
    resumed = Session.resume(session.session_dir, clock=session.clock)
    assert gc.isenabled()
    resumed.close(outcome="stopped_early", note="client asked to stop")
    assert gc.isenabled()
    # What resume built stays while the session is open: set aside from later collections.
    assert seen == [(True, {"set_aside": True}), (True, {})]
    resumed.release()


def test_a_resumed_session_is_set_aside_from_later_collections(tmp_path):
    import gc

    session = dosed_session(tmp_path)
    crash(session)
    frozen = gc.get_freeze_count()
    try:
        resumed = Session.resume(session.session_dir, clock=session.clock)
        state = resumed.state
        assert gc.get_freeze_count() > frozen
        # Among them the events replayed: no generation the collector traverses holds them.
        traversed = {id(thing) for thing in gc.get_objects()}
        replayed = [event for _, event in resumed._events]
        assert replayed and not any(id(event) in traversed for event in replayed)
        assert state.observations
        note = resumed.commit(ev.NoteAdded(text="after the resume")).event
        assert id(note) in {id(thing) for thing in gc.get_objects()}  # made later: as usual
        resumed.release()
    finally:
        gc.unfreeze()
