"""`record verify` reads the record file once: the bytes it parses are the bytes whose
SHA-256 it checks against the journal (a file changed between two reads could otherwise be
parsed as one and hashed as another), and the fingerprint it prints is of those bytes."""

from __future__ import annotations

from pathlib import Path

from record_helpers import whole_session

from kap_console.cli import main
from kap_console.session.record import reading as record_reading
from kap_console.session.record.reading import fingerprint
from kap_console.session.record.verify import verify_record


def count_record_reads(monkeypatch) -> list[Path]:
    reads: list[Path] = []
    real = record_reading.read_regular_file

    def counted(path, *args, **kwargs):
        if Path(path).name == "record.toml":
            reads.append(Path(path))
        return real(path, *args, **kwargs)

    monkeypatch.setattr(record_reading, "read_regular_file", counted)
    return reads


def test_verify_reads_the_record_once_and_hashes_what_it_parsed(tmp_path, monkeypatch):
    session, result = whole_session(tmp_path)
    session.release()
    reads = count_record_reads(monkeypatch)
    check = verify_record(session.session_dir)
    assert check.ok
    assert reads == [result.record_path]
    assert check.sha256 == result.sha256


def test_the_verify_command_prints_the_fingerprint_of_the_bytes_it_verified(
    tmp_path, monkeypatch, capsys
):
    session, result = whole_session(tmp_path)
    session.release()
    reads = count_record_reads(monkeypatch)
    assert main(["record", "verify", str(result.record_path)]) == 0
    out = capsys.readouterr().out
    assert f"fingerprint {fingerprint(result.sha256, result.event_count)}" in out
    assert reads == [result.record_path]
