"""The session record: built from the journal, written as TOML that reads back the same,
rejected with a located message when malformed, and caught when tampered with."""

from __future__ import annotations

import os
import stat
import tempfile
import tomllib
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from record_helpers import (
    FACILITATOR,
    START,
    before_dose,
    dose,
    early_round,
    fake_entries,
    load_im_protocol,
    ready_for_discharge,
)

from kap_console.session import events as ev
from kap_console.session.record import model as rec
from kap_console.session.record import reading as record_reading
from kap_console.session.record import writing
from kap_console.session.record.build import build_record


@pytest.fixture(scope="module")
def protocol():
    return load_im_protocol().protocol


def session_events() -> list[ev.EventBase]:
    """A session with every kind of entry, an amendment, a void and an AE update."""
    started = ev.SessionStarted(
        session_id="0b7c5e52-8d7e-4a43-9a43-9a8c9f1f0d11",
        client_code="KAP-0042",
        facilitator=FACILITATOR,
        session_number=3,
        protocol=load_im_protocol().identity,
    )
    events: list[ev.EventBase] = [started, *(event for _, event in before_dose()), dose()]
    events += [
        ev.StepMarked(step_id="rest_after_injection", status="done"),
        early_round(15, sbp=182),  # seq 17
        ev.AlertRaised(
            source_seq=17,
            measure_id="sbp",
            threshold_index=2,
            level="urgent",
            value=182,
            message="Systolic 180 or more: call the prescriber",
            response=["Call the prescriber now"],
        ),
        ev.AlertAcknowledged(alert_seq=18, note="prescriber called"),
        ev.Amended(target_seq=17, field="values.hr", old=72.0, new=76.0, reason="misread"),
        ev.AdverseEventLogged(
            term_id="nausea_vomiting",
            term="Nausea or vomiting",
            onset_at=START + timedelta(minutes=30),
            severity="1",
            actions=["treatment_given"],
            treatment="ondansetron 4 mg SL",
        ),
        ev.AdverseEventUpdated(target_seq=21, outcome="recovered", resolved_at=START),
        ev.NoteAdded(text='Said: "I am the ocean"\nthen laughed ✨', client_quote=True),
        ev.NoteAdded(text="Entered on the wrong client", for_integration=True),
        ev.Voided(target_seq=24, reason="entered in error"),
        ev.PhaseMarked(phase_id="peak", label="Peak"),
        ev.IntentionRecorded(prompt_id="longing", text="To feel held", revises_seq=12),
        ready_for_discharge(),
        ev.ReadyToLeave(),
        ev.Discharged(discharged_by="Dr Chen"),
        ev.ReflectionRecorded(prompt_id="what_helped", text="Music; the hand on the shoulder"),
        ev.SessionClosed(),
    ]
    return events


@pytest.fixture(scope="module")
def record(protocol):
    return build_record(protocol, fake_entries(session_events()))


def test_record_reads_back_exactly_as_built(record):
    text = writing.render_record(record).decode("utf-8")
    assert rec.SessionRecord.model_validate(tomllib.loads(text)) == record


def test_record_shows_amended_values_and_lists_each_correction(record):
    observation = next(o for o in record.observations if o.seq == 17)
    assert observation.values["hr"] == 76.0 and observation.amended_by == [20]
    amended, voided = record.corrections
    assert (amended.kind, amended.field, amended.old, amended.new) == (
        "amended",
        "values.hr",
        72.0,
        76.0,
    )
    assert (voided.kind, voided.target_seq, voided.reason) == ("voided", 24, "entered in error")
    note = next(n for n in record.notes if n.seq == 24)
    assert note.voided and note.void_reason == "entered in error"


def test_record_keeps_adverse_event_as_logged_and_its_current_status(record):
    (adverse,) = record.adverse_events
    assert adverse.outcome == "recovering"
    assert adverse.current.outcome == "recovered"
    assert [u.seq for u in adverse.updates] == [22]


def test_record_times_are_utc_offsets_and_follow_ups_are_due_from_close(record):
    text = writing.render_record(record).decode()
    assert "+00:00" in text
    closed = record.session.closed_at
    assert [f.due_at - closed for f in record.follow_up] == [
        timedelta(hours=24),
        timedelta(hours=72),
        timedelta(hours=168),
    ]
    assert record.session.dosed_at == record.doses[0].observed_at


def test_record_has_no_nulls_and_acknowledged_alert_says_by_whom(record):
    (alert,) = record.alerts
    assert alert.acknowledged_by == FACILITATOR and alert.acknowledge_note == "prescriber called"
    assert "null" not in writing.render_record(record).decode()


text_values = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=200
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(note=text_values, quote=st.booleans(), sbp=st.floats(50, 260, allow_nan=False))
def test_any_text_and_value_survive_the_toml_round_trip(protocol, note, quote, sbp):
    events = session_events()[:1] + [
        ev.NoteAdded(text=note, client_quote=quote),
        early_round(15, sbp=sbp),
        ev.SessionClosed(note=note),
    ]
    built = build_record(protocol, fake_entries(events))
    assert (
        rec.SessionRecord.model_validate(tomllib.loads(writing.render_record(built).decode()))
        == built
    )


def test_write_record_leaves_only_the_record_and_no_text_elsewhere(record, tmp_path, monkeypatch):
    def no_temp_files(*args, **kwargs):
        raise AssertionError("the record must not use the system temp folder")

    monkeypatch.setattr(tempfile, "gettempdir", no_temp_files)
    monkeypatch.setattr(tempfile, "mkstemp", no_temp_files)
    path = tmp_path / rec.RECORD_NAME
    sha256 = writing.write_record(record, path)
    assert [p.name for p in tmp_path.iterdir()] == [rec.RECORD_NAME]
    assert record_reading.file_sha256(path) == sha256
    assert record_reading.read_record(path) == record


@pytest.mark.parametrize("umask", [0o000, 0o022])
def test_record_file_is_private_whatever_the_umask(record, tmp_path, umask):
    old = os.umask(umask)
    try:
        path = tmp_path / rec.RECORD_NAME
        writing.write_record(record, path)
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_malformed_record_names_file_line_and_key(record, tmp_path):
    path = tmp_path / rec.RECORD_NAME
    text = (
        writing.render_record(record)
        .decode()
        .replace("session_number = 3", 'session_number = "3rd"')
    )
    path.write_text(text)
    with pytest.raises(record_reading.RecordError) as caught:
        record_reading.read_record(path)
    (problem,) = caught.value.problems
    line = text.splitlines().index('session_number = "3rd"') + 1
    assert problem.startswith(f"{path}:{line}:")
    assert "session.session_number" in problem


def test_record_with_a_toml_syntax_error_is_located(record, tmp_path):
    path = tmp_path / rec.RECORD_NAME
    text = writing.render_record(record).decode().replace("training = false", "training = flase")
    path.write_text(text)
    line = text.splitlines().index("training = flase") + 1
    with pytest.raises(record_reading.RecordError, match=rf"^{path}:{line}:\d+: "):
        record_reading.read_record(path)


def test_record_with_an_unknown_key_is_rejected(record, tmp_path):
    path = tmp_path / rec.RECORD_NAME
    path.write_text(
        writing.render_record(record).decode().replace("[session]\n", "[session]\nmood = 1\n")
    )
    with pytest.raises(record_reading.RecordError, match=r"session\.mood: unknown key"):
        record_reading.read_record(path)


def test_fingerprint_is_short_grouped_hex_and_count():
    assert record_reading.fingerprint("3f2a91c07be4" + "0" * 52, 57) == "3f2a-91c0-7be4 · 57 events"


def test_tampering_with_the_record_fails_verify_naming_the_field(tmp_path):
    from record_helpers import whole_session

    from kap_console.session.record.verify import verify_record

    session, result = whole_session(tmp_path)
    session.release()
    text = result.record_path.read_text()
    assert verify_record(session.session_dir).ok
    result.record_path.write_text(text.replace('stop_word = "lighthouse"', 'stop_word = "harbour"'))
    check = verify_record(session.session_dir)
    line = text.splitlines().index('stop_word = "lighthouse"') + 1
    assert not check.ok
    assert check.problems[0].startswith(f"{result.record_path}:{line}:")
    assert "consent[0].stop_word: differs from the journal (journal seq 14)" in check.problems[0]
    assert "harbour" not in "".join(check.problems)


def test_a_record_with_a_changed_count_or_head_fails_verify(tmp_path):
    from record_helpers import whole_session

    from kap_console.session.record.verify import verify_record

    session, result = whole_session(tmp_path)
    session.release()
    text = result.record_path.read_text()
    short = text.replace(f"event_count = {result.event_count}", "event_count = 12")
    result.record_path.write_text(short)
    problems = verify_record(session.session_dir).problems
    assert any(
        "integrity.journal_head: does not match the journal's hash at seq 12" in p for p in problems
    )


def test_a_list_holding_an_empty_value_is_refused_and_named():
    with pytest.raises(rec.RecordWriteError, match=r"^intentions\[1\]\.tags: a list holds"):
        rec._toml_ready(
            {"session": {"id": "x"}, "intentions": [{"tags": []}, {"tags": ["a", None]}]}
        )
