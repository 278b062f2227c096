"""`kap-console integrate` on bad input: one located line on stderr, exit 1, no traceback.
And the 0.1.0 fixture record opens in the review (the real command, in a subprocess)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from kap_console.cli import main

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "records" / "v0_1_0" / "im-ketamine-120"
LOCATED = re.compile(r"^kap-console: \S+:\d+:\d+: ")


@pytest.fixture
def session(tmp_path: Path) -> Path:
    target = tmp_path / "session"
    shutil.copytree(FIXTURE, target)
    return target


def one_error_line(capsys) -> str:
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "Traceback" not in captured.err
    lines = captured.err.splitlines()
    assert len(lines) == 1, captured.err
    return lines[0]


def test_a_record_that_is_not_toml(session, capsys):
    (session / "record.toml").write_text("format = 1\n[session\nid = 'x'\n", encoding="utf-8")
    assert main(["integrate", str(session)]) == 1
    line = one_error_line(capsys)
    assert LOCATED.match(line) and ":2:" in line


def test_a_folder_without_a_record(tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    assert main(["integrate", str(tmp_path / "empty")]) == 1
    assert "no record.toml in this folder" in one_error_line(capsys)


def test_a_record_of_a_newer_format(session, capsys):
    record = session / "record.toml"
    record.write_bytes(record.read_bytes().replace(b"format = 1", b"format = 7", 1))
    assert main(["integrate", str(record)]) == 1
    line = one_error_line(capsys)
    assert LOCATED.match(line)
    assert "written by a newer kap-console (format 7)" in line


def test_a_record_of_the_wrong_shape(session, capsys):
    record = session / "record.toml"
    record.write_bytes(record.read_bytes().replace(b"session_number = ", b"session_numbr = ", 1))
    assert main(["integrate", str(record)]) == 1
    assert LOCATED.match(one_error_line(capsys))


def test_a_path_that_is_not_there(tmp_path, capsys):
    assert main(["integrate", str(tmp_path / "nothing")]) == 1
    assert "no such record file or session folder" in one_error_line(capsys)


def test_the_real_command_fails_the_same_way_in_a_subprocess(tmp_path):
    (tmp_path / "record.toml").write_bytes(b"\x00\xff not text")
    done = subprocess.run(
        [sys.executable, "-m", "kap_console", "integrate", str(tmp_path / "record.toml")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    assert done.stdout == "" and "Traceback" not in done.stderr
    assert len(done.stderr.splitlines()) == 1
