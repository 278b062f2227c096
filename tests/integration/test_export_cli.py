"""`record export`, `record show` and `record schema` as a user runs them: bad input gets one
located line and exit 1, never a traceback; an altered record is refused unless --force."""

from __future__ import annotations

import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from kap_console.cli import main
from kap_console.integration.exports import FORMATS

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "records"
IM = FIXTURES / "v0_1_0" / "im-ketamine-120"
LOCATED = re.compile(r"^\S+:\d+:\d+: \S")


def kap(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kap_console", *args], capture_output=True, text=True, timeout=60
    )


def bad_input(tmp_path: Path, case: str) -> Path:
    text = (IM / "record.toml").read_text(encoding="utf-8")
    contents = {
        "not TOML": "this is = = not toml\n",
        "truncated": text[: len(text) // 2],
        "wrong shape": text.replace("[session]", "[sessions]", 1),
        "newer format": text.replace("format = 1", "format = 2", 1),
        "huge": text + "# padding\n" * 400_000 + "[trailing\n",
        "binary": None,
    }
    if case == "folder without a record":
        folder = tmp_path / "open-session"
        folder.mkdir()
        shutil.copy(IM / "journal-0001.jsonl", folder / "journal-0001.jsonl")
        return folder
    path = tmp_path / "record.toml"
    if case == "binary":
        path.write_bytes(b"\x00\xff\xfe garbage \x80")
    else:
        path.write_text(contents[case], encoding="utf-8")
    return path


CASES = [
    "not TOML",
    "truncated",
    "wrong shape",
    "newer format",
    "huge",
    "binary",
    "folder without a record",
]
COMMANDS = [("record", "show"), *(("record", "export", "--format", f) for f in FORMATS)]


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c[1:]))
def test_bad_input_gets_one_located_line_and_exit_1(tmp_path, capsys, case, command):
    path = bad_input(tmp_path, case)
    status = main([*command[:2], str(path), *command[2:]])
    out, err = capsys.readouterr()
    assert status == 1
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith(str(path))
    if case == "folder without a record":
        assert lines[0].endswith("no record.toml in this folder (is the session still open?)")
    elif case != "binary":
        assert LOCATED.match(lines[0]), lines[0]
    if case == "newer format":
        assert lines[0].endswith(
            "written by a newer kap-console (format 2); this version reads format ≤ 1"
        )


def test_bad_input_in_a_real_process_has_no_traceback(tmp_path):
    done = kap("record", "export", str(bad_input(tmp_path, "truncated")), "--format", "html")
    assert done.returncode == 1
    assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert done.stdout == ""


def test_a_path_where_nothing_is_is_a_usage_error(tmp_path, capsys):
    assert main(["record", "export", str(tmp_path / "nothing"), "--format", "md"]) == 2
    assert "no such session folder or record file" in capsys.readouterr().err


@pytest.fixture
def altered(tmp_path: Path) -> Path:
    """The fixture session with one byte of its record changed (a dose of 40 mg to 49 mg)."""
    folder = tmp_path / "session"
    shutil.copytree(IM, folder)
    record = folder / "record.toml"
    data = record.read_bytes()
    offset = data.index(b"dose_mg = 40.0") + len("dose_mg = 4")
    record.write_bytes(data[:offset] + b"9" + data[offset + 1 :])
    return folder


@pytest.mark.parametrize("format", sorted(FORMATS))
def test_a_record_altered_by_one_byte_is_refused_unless_forced(altered, capsys, format):
    assert main(["record", "export", str(altered), "--format", format]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert "not exported: Altered: " in err and "--force" in err
    assert "doses[0].dose_mg" in err
    assert main(["record", "export", str(altered), "--format", format, "--force"]) == 0
    out, err = capsys.readouterr()
    assert "UNVERIFIED" in out.splitlines()[0]
    assert "warning: exported UNVERIFIED" in err


def test_export_to_a_file_is_private_and_never_replaces_the_sessions_own_files(tmp_path, capsys):
    folder = tmp_path / "session"
    shutil.copytree(IM, folder)
    before = (folder / "record.toml").read_bytes()
    target = tmp_path / "summary.md"
    assert main(["record", "export", str(folder), "--format", "md", "-o", str(target)]) == 0
    assert target.read_text(encoding="utf-8").startswith("# Integration summary")
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    for own in ("record.toml", "journal-0001.jsonl", "protocol.toml"):
        assert main(["record", "export", str(folder), "-f", "md", "-o", str(folder / own)]) == 1
        assert "one of the session's own files" in capsys.readouterr().err
    assert (folder / "record.toml").read_bytes() == before


def test_record_show_prints_what_was_said_and_verification_first(capsys):
    assert main(["record", "show", str(IM)]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == "Verified against its journal and hash chain (43 entries)."
    assert "“To feel less alone, and to let that be enough” (revised)" in out
    assert "[for integration] [client quote] Said: “I am the ocean”" in out
    assert "“The ocean image came back three times”" in out
    assert "Typed into the wrong session" not in out  # voided


def test_record_show_of_an_altered_record_says_so_first(altered, capsys):
    assert main(["record", "show", str(altered)]) == 0
    first = capsys.readouterr().out.splitlines()[0]
    assert first.startswith("Altered: ") and "doses[0].dose_mg" in first


def test_csv_keeps_the_first_entered_value_beside_the_effective_one(capsys):
    import csv
    import io

    assert main(["record", "export", str(IM), "--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    amended = [r for r in rows if r["amended"] == "yes"]
    assert [(r["measure_id"], r["value"], r["effective_value"]) for r in amended] == [
        ("hr", "72", "74")
    ]
    assert amended[0]["minutes_since_t0"] == "15" and amended[0]["unit"] == "bpm"
    baseline = [r for r in rows if r["round"] == "baseline"]
    assert {r["minutes_since_t0"] for r in baseline} == {"-5"}
    assert all(r["measure_id"] != "note" for r in rows)  # free text is not a measured value
