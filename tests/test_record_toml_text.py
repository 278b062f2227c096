"""The record's TOML writer writes exactly what tomli_w writes, and that reads back the same.

Close no longer parses the rendered text back with tomllib: what made that check worth its
cost (a writer bug putting a wrong value on disk) is ruled out here instead, for generated
documents of every shape a record uses and for real records; and the file written is read
back from disk and compared byte for byte with what was rendered.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
import tomli_w
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from record_helpers import whole_session

from kap_console.session import events as ev
from kap_console.session.record import model as rec
from kap_console.session.record import reading as record_reading
from kap_console.session.record import writing
from kap_console.session.record.toml_text import EmptyInList, toml_text

keys = st.one_of(
    st.sampled_from(["seq", "observed_at", "values", "note", "a-b_9", "", "x y", "é", 'q"t']),
    st.text(max_size=8),
)
zones = st.builds(
    timezone, st.timedeltas(min_value=-timedelta(hours=23), max_value=timedelta(hours=23))
).map(lambda zone: zone if zone.utcoffset(None) != timedelta(0) else UTC)
times = st.datetimes(
    min_value=datetime(1990, 1, 1), max_value=datetime(2090, 1, 1), timezones=zones
)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(allow_nan=False),
    st.text(),
    st.text(alphabet='"\\\n\r\t\b\f\x00\x1f\x7f ab', max_size=6),
    times,
    st.dates(),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner.filter(lambda v: v is not None), max_size=4),
        st.dictionaries(keys, inner, max_size=5),
        # arrays of tables, short enough to be written inline or not
        st.lists(st.dictionaries(keys, inner, max_size=4), min_size=1, max_size=3),
    ),
    max_leaves=25,
)
documents = st.dictionaries(keys, values, max_size=8)


def _ready(document):
    return rec._toml_ready(document)


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents)
def test_the_text_is_what_tomli_w_writes_and_reads_back_as_the_document(document):
    ready = _ready(document)
    text = toml_text(document)
    assert text == tomli_w.dumps(ready)
    assert tomllib.loads(text) == ready


@settings(max_examples=200, deadline=None)
@given(st.lists(st.dictionaries(st.sampled_from("abcdefgh"), scalars, max_size=8), min_size=1))
def test_arrays_of_tables_are_inline_exactly_when_tomli_w_puts_them_inline(tables):
    document = {"rows": tables, "inside": {"rows": tables}}
    assert toml_text(document) == tomli_w.dumps(_ready(document))


def test_an_empty_value_in_a_list_is_refused_as_record_to_toml_dict_refuses_it():
    document = {"session": {"id": "x"}, "intentions": [{"tags": []}, {"tags": ["a", None]}]}
    with pytest.raises(EmptyInList):
        toml_text(document)
    with pytest.raises(EmptyInList):
        toml_text({"rows": [{"a": 1}, None]})


def test_a_value_no_record_holds_is_refused():
    with pytest.raises(TypeError):
        toml_text({"a": {1, 2}})


def test_times_are_written_in_utc():
    plus_two = timezone(timedelta(hours=2))
    text = toml_text({"at": datetime(2026, 3, 2, 11, 0, tzinfo=plus_two), "on": date(2026, 3, 2)})
    assert text == "at = 2026-03-02 09:00:00+00:00\non = 2026-03-02\n"


def _records_from_earlier_versions():
    from pathlib import Path

    folder = Path(__file__).parent / "fixtures" / "records"
    return sorted(folder.glob("*/*/record.toml"))


@pytest.mark.parametrize("path", _records_from_earlier_versions(), ids=lambda p: p.parent.name)
def test_records_written_by_earlier_versions_render_to_the_same_text(path):
    record = record_reading.read_record(path)
    rendered = writing.render_record(record)
    assert rendered == (rec.HEADER + tomli_w.dumps(rec.record_to_toml_dict(record))).encode()
    assert rec.SessionRecord.model_validate(tomllib.loads(rendered.decode())) == record


def test_a_whole_session_renders_as_tomli_w_would_and_the_file_holds_those_bytes(tmp_path):
    session, result = whole_session(tmp_path)
    session.release()
    record = record_reading.read_record(result.record_path)
    expected = (rec.HEADER + tomli_w.dumps(rec.record_to_toml_dict(record))).encode()
    assert writing.render_record(record) == expected
    assert result.record_path.read_bytes() == expected


@pytest.mark.parametrize("change", ["flip", "truncate", "extend"])
def test_a_record_that_does_not_read_back_byte_for_byte_is_refused(tmp_path, monkeypatch, change):
    from kap_console.session import storage

    session, result = whole_session(tmp_path)
    session.release()
    record = record_reading.read_record(result.record_path)
    write = storage.write_private_atomic

    def damaging_write(path, data):
        write(path, data)
        on_disk = bytearray(path.read_bytes())
        if change == "flip":
            on_disk[len(on_disk) // 2] ^= 0x01
        elif change == "truncate":
            del on_disk[-1]
        else:
            on_disk += b"\n"
        path.write_bytes(bytes(on_disk))

    monkeypatch.setattr(storage, "write_private_atomic", damaging_write)
    with pytest.raises(rec.RecordWriteError, match="does not read back as written"):
        writing.write_record(record, tmp_path / "again.toml")


def _mixed_session(choices: list[int], texts: list[str]) -> list:
    """A session of readings, alerts, acknowledgements, notes, amendments, voids and phases
    after a plausible pre-session and dose (as the benchmarks mix them)."""
    from session_builders import at, events_until_dosed, load_protocol, obs, stamp

    from kap_console.session import events as ev

    protocol = load_protocol("im-ketamine-120")
    events = list(events_until_dosed(protocol))
    readings: list[int] = []
    alerts: list[int] = []
    for step, choice in enumerate(choices, start=1):
        seq, when, text = len(events) + 1, at(step), texts[step % len(texts)]
        if choice == 0 or not readings:
            events.append(obs("early", None, when, note=text, sbp=120 + step, hr=70, spo2=97))
            readings.append(seq)
        elif choice == 1:
            raised = ev.AlertRaised(
                source_seq=readings[-1],
                measure_id="sbp",
                threshold_index=2,
                level="urgent",
                value=185,
                message=text or "x",
            )
            events.append(stamp(raised, when))
            alerts.append(seq)
        elif choice == 2 and alerts:
            events.append(stamp(ev.AlertAcknowledged(alert_seq=alerts.pop(), note=text), when))
        elif choice == 3:
            events.append(stamp(ev.NoteAdded(text=text or "x", client_quote=step % 2 == 0), when))
        elif choice == 4:
            amended = ev.Amended(
                target_seq=readings[-1], field="values.hr", old=70, new=71, reason=text or "x"
            )
            events.append(stamp(amended, when))
        elif choice == 5:
            events.append(stamp(ev.Voided(target_seq=readings.pop(), reason=text or "x"), when))
        else:
            events.append(stamp(ev.PhaseMarked(phase_id="peak"), when))
    return events


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.integers(min_value=0, max_value=6), min_size=1, max_size=40),
    st.lists(st.text(max_size=30), min_size=1, max_size=5),
)
def test_a_record_of_any_mix_of_entries_renders_as_tomli_w_would(choices, texts):
    from session_builders import load_protocol

    from kap_console.session.record.build import build_record, record_fields

    events = _mixed_session(choices, texts)
    entries = [
        type(
            "Entry", (), {"seq": seq, "payload": ev.event_to_dict(e), "h": "0" * 64, "segment": "j"}
        )
        for seq, e in enumerate(events, start=1)
    ]
    protocol = load_protocol("im-ketamine-120")
    record = build_record(protocol, entries)
    rendered = writing.render_record(record)
    assert rendered == (rec.HEADER + tomli_w.dumps(rec.record_to_toml_dict(record))).encode()
    assert rec.SessionRecord.model_validate(tomllib.loads(rendered.decode())) == record
    # What close writes: the same fields, the long lists made row by row as they are written.
    fields = record_fields(protocol, entries)
    assert any(isinstance(value, Iterator) for _, value in fields)
    assert writing.render_fields(fields) == rendered
