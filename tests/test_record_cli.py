"""`kap-console record show|verify` and `records list`, run as a facilitator would."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from record_helpers import dosed_session, whole_session


def kap(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kap_console", *args],
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory) -> Path:
    """One closed session, one open, one with a damaged journal."""
    data = tmp_path_factory.mktemp("data")
    closed, _ = whole_session(data, client_code="KAP-0001")
    closed.release()
    open_ = dosed_session(data, client_code="KAP-0002")
    open_.release()
    damaged = dosed_session(data, client_code="KAP-0003")
    damaged.release()
    journal = damaged.session_dir / "journal-0001.jsonl"
    lines = journal.read_bytes().splitlines(keepends=True)
    lines[3] = lines[3].replace(b"true", b"fals", 1)
    journal.write_bytes(b"".join(lines))
    return data


def folder(data_dir: Path, client_code: str) -> Path:
    (found,) = (data_dir / "sessions").glob(f"*-{client_code}-*")
    return found


def test_records_list_shows_closed_open_and_damaged_sessions(data_dir):
    done = kap("records", "list", "--data-dir", str(data_dir))
    assert done.returncode == 0, done.stderr
    rows = {line.split()[2]: line for line in done.stdout.splitlines() if "KAP-" in line}
    assert rows["KAP-0001"].split()[-2] == "closed"
    assert "im-ketamine-120 1.0.0" in rows["KAP-0001"] and " 2:21 " in rows["KAP-0001"]
    assert rows["KAP-0002"].split()[-2] == "open"
    assert rows["KAP-0003"].split()[-2] == "damaged"
    assert "journal damaged at journal-0001.jsonl:4" in done.stdout


def test_records_list_reads_the_data_folder_from_the_environment(data_dir, monkeypatch):
    monkeypatch.setenv("KAP_CONSOLE_DATA_DIR", str(data_dir))
    done = kap("records", "list")
    assert done.returncode == 0 and "KAP-0001" in done.stdout


def test_record_show_summarises_a_closed_session(data_dir):
    done = kap("record", "show", str(folder(data_dir, "KAP-0001")))
    assert done.returncode == 0, done.stderr
    assert "Session 3 of client KAP-0001" in done.stdout
    assert "Adverse events  1" in done.stdout
    assert "Fingerprint" in done.stdout


def test_record_verify_says_intact_for_an_untouched_record(data_dir):
    done = kap("record", "verify", str(folder(data_dir, "KAP-0001") / "record.toml"))
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("intact: ")


def test_record_verify_names_the_changed_field(data_dir, tmp_path):
    import shutil

    copy = tmp_path / "session"
    shutil.copytree(folder(data_dir, "KAP-0001"), copy)
    record = copy / "record.toml"
    text = record.read_text()
    assert text.count("dose_mg = 40.0") == 1
    record.write_text(text.replace("dose_mg = 40.0", "dose_mg = 60.0"))
    done = kap("record", "verify", str(copy))
    assert done.returncode == 1
    line = text.splitlines().index("dose_mg = 40.0") + 1
    assert f"record.toml:{line}:" in done.stderr and "doses[0].dose_mg" in done.stderr
    assert "changed after it was written" in done.stderr


def test_record_verify_names_the_damaged_journal_line(data_dir, tmp_path):
    import shutil

    copy = tmp_path / "session"
    shutil.copytree(folder(data_dir, "KAP-0001"), copy)
    journal = copy / "journal-0001.jsonl"
    lines = journal.read_bytes().splitlines(keepends=True)
    lines[10] = lines[10].replace(b"R. Rivera", b"R. Riviera", 1)
    journal.write_bytes(b"".join(lines))
    done = kap("record", "verify", str(copy))
    assert done.returncode == 1
    assert "journal-0001.jsonl:11: seq 10:" in done.stderr


@pytest.mark.parametrize(
    "args",
    [
        ("record", "show", "/no/such/folder"),
        ("record", "verify", "/no/such/folder"),
        ("record", "frobnicate"),
        ("record",),
    ],
)
def test_usage_errors_exit_2(args):
    assert kap(*args).returncode == 2


def test_record_show_of_an_open_session_says_there_is_no_record_yet(data_dir):
    done = kap("record", "show", str(folder(data_dir, "KAP-0002")))
    assert done.returncode == 1
    assert done.stderr.strip().endswith(
        "no record.toml in this folder (is the session still open?)"
    )


def test_record_show_of_a_malformed_record_exits_1_with_its_line(tmp_path):
    record = tmp_path / "record.toml"
    record.write_text('format = 1\n[session]\nid = "x"\nsession_number = "three"\n')
    done = kap("record", "show", str(record))
    assert done.returncode == 1
    assert f"{record}:4:" in done.stderr
