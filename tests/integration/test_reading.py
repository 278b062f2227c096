"""Opening a record for integration: read, verify, and say so in words; bad input in one line."""

from __future__ import annotations

import hashlib
import re
import shutil
from pathlib import Path

import pytest

from kap_console.integration.reading import RecordUnreadable, open_record
from kap_console.integration.vitals import vitals_series

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "records"
IM = FIXTURES / "v0_1_0" / "im-ketamine-120"
LOCATED = re.compile(r"^\S+:\d+:\d+: ")


@pytest.fixture
def im_copy(tmp_path: Path) -> Path:
    target = tmp_path / "session"
    shutil.copytree(IM, target)
    return target


def test_a_session_folder_and_its_record_file_open_the_same_verified_record():
    by_folder = open_record(IM)
    by_file = open_record(IM / "record.toml")
    assert by_folder.record == by_file.record
    assert by_folder.record_path == IM / "record.toml"
    assert by_folder.session_dir == IM
    assert by_folder.sha256 == hashlib.sha256((IM / "record.toml").read_bytes()).hexdigest()
    assert by_folder.verification.status == "verified"
    assert by_folder.verification.words == (
        "Verified against its journal and hash chain (43 entries)."
    )
    assert by_folder.verification.problem is None


def test_a_record_altered_by_one_byte_says_altered_with_the_line(im_copy: Path):
    path = im_copy / "record.toml"
    data = path.read_bytes()
    path.write_bytes(data.replace(b"dose_mg = 40.0", b"dose_mg = 45.0", 1))
    opened = open_record(im_copy)
    assert opened.verification.status == "altered"
    assert opened.verification.words.startswith("Altered: ")
    assert opened.verification.problem is not None
    assert re.search(
        r"record\.toml:\d+:\d+: doses\[0\]\.dose_mg: differs", opened.verification.problem
    )


def test_a_record_without_its_journal_says_only_its_hash_was_checked(im_copy: Path, tmp_path):
    alone = tmp_path / "elsewhere"
    alone.mkdir()
    shutil.copy(im_copy / "record.toml", alone / "record.toml")
    opened = open_record(alone / "record.toml")
    assert opened.session_dir is None
    assert opened.verification.status == "journal_missing"
    assert opened.verification.words == "Journal missing: only the record's own hash was checked."


def test_a_journal_line_changed_makes_the_record_altered(im_copy: Path):
    journal = im_copy / "journal-0001.jsonl"
    lines = journal.read_bytes().splitlines(keepends=True)
    lines[11] = lines[11].replace(b'"Dr Chen"', b'"Dr Chan"', 1)
    journal.write_bytes(b"".join(lines))
    opened = open_record(im_copy)
    assert opened.verification.status == "altered"
    assert "journal-0001.jsonl:12" in (opened.verification.problem or "")


def bad_records(tmp_path: Path) -> dict[str, Path]:
    text = (IM / "record.toml").read_text(encoding="utf-8")
    cases = {
        "not TOML": "this is = = not toml\n",
        "truncated": text[: len(text) // 2].rsplit("\n", 3)[0] + '\nfacilitator = "R. Ri',
        "wrong shape": text.replace("[session]", "[sessions]", 1),
        "newer format": text.replace("format = 1", "format = 7", 1),
        "huge": text
        + "\n".join(f"# padding line {i} " + "x" * 100 for i in range(60_000))
        + "\nx = [",
    }
    paths = {}
    for name, content in cases.items():
        path = tmp_path / f"{name.replace(' ', '-')}.toml"
        path.write_text(content, encoding="utf-8")
        paths[name] = path
    return paths


@pytest.mark.parametrize("case", ["not TOML", "truncated", "wrong shape", "newer format", "huge"])
def test_an_unreadable_record_gives_one_located_line(tmp_path: Path, case: str):
    path = bad_records(tmp_path)[case]
    with pytest.raises(RecordUnreadable) as raised:
        open_record(path)
    line = raised.value.line
    assert "\n" not in line
    assert LOCATED.match(line), line
    assert line.startswith(str(path))


def test_a_newer_format_names_both_formats(tmp_path: Path):
    with pytest.raises(RecordUnreadable) as raised:
        open_record(bad_records(tmp_path)["newer format"])
    assert raised.value.line.endswith(
        ":4:1: written by a newer kap-console (format 7); this version reads format ≤ 1"
    )


def test_a_folder_without_a_record_says_so(tmp_path: Path):
    with pytest.raises(RecordUnreadable) as raised:
        open_record(tmp_path)
    assert (
        raised.value.line
        == f"{tmp_path}: no record.toml in this folder (is the session still open?)"
    )


def test_vitals_hold_amended_values_baseline_thresholds_and_dose_times():
    opened = open_record(IM)
    series = vitals_series(opened.record, opened.session_dir)
    hr = series.measure("hr")
    assert hr is not None and hr.unit == "bpm"
    first_round = [r for r in hr.readings if r.round_id == "early"][0]
    assert (first_round.minutes, first_round.value) == (15.0, 74.0)  # amended from 72
    assert hr.readings[0].minutes < 0 and hr.readings[0].round_id == "baseline"
    sbp = series.measure("sbp")
    assert sbp is not None
    assert [(t.comparison, t.limit) for t in sbp.thresholds] == [(">", 140), ("≥", 160), ("≥", 180)]
    assert [(d.minutes, d.dose_mg) for d in series.doses] == [(0.0, 40.0)]
    assert series.t0_is_dose and series.thresholds_from_protocol
    assert [(a.measure_id, a.value) for a in series.alerts] == [("sbp", 182.0), ("nausea", 1.0)]
    assert series.measure("nausea") is None and series.measure("note") is None


def test_vitals_leave_out_a_voided_round():
    opened = open_record(IM)
    record = opened.record
    voided = record.observations[1].model_copy(update={"voided": True})
    changed = record.model_copy(
        update={"observations": [record.observations[0], voided, *record.observations[2:]]}
    )
    sbp = vitals_series(changed, opened.session_dir).measure("sbp")
    assert sbp is not None
    assert record.observations[1].seq not in [r.seq for r in sbp.readings]
    assert (
        len(sbp.readings)
        == len(vitals_series(record, opened.session_dir).measure("sbp").readings) - 1
    )


def test_without_the_protocol_vitals_keep_readings_and_alerts_but_no_limits(tmp_path: Path):
    shutil.copy(IM / "record.toml", tmp_path / "record.toml")
    opened = open_record(tmp_path / "record.toml")
    series = vitals_series(opened.record, opened.session_dir)
    assert not series.thresholds_from_protocol
    sbp = series.measure("sbp")
    assert sbp is not None and sbp.thresholds == () and len(sbp.readings) == 8
    assert len(series.alerts) == 2


def test_without_the_protocol_it_ran_the_record_is_not_verified_and_says_why(im_copy: Path):
    (im_copy / "protocol.toml").unlink()  # and the pinned path is not on this machine
    opened = open_record(im_copy)
    assert opened.verification.status == "altered"
    assert opened.verification.words.startswith("Not verified: ")
    assert "Put back that exact file" in opened.verification.words
