"""Every reader of a file a user can name is bounded: deep nesting, absurd dotted keys and
huge files are refused with one located line, quickly and in little memory, and a FIFO (or
any file that is not a regular one) is refused at once instead of blocking forever.

The expensive cases run in a child process under a memory limit and a timeout, so a reader
that is not bounded fails the test instead of exhausting the machine."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from kap_console.file_reading import NotAFile, read_regular_file
from kap_console.protocol.toml_files import MAX_KEY_PARTS, TomlProblem, parse_toml
from kap_console.session.record import reading as record_reading

MEMORY_LIMIT = 1536 * 1024 * 1024  # far above what a bounded reader needs


def _run_limited(code: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """Run `code` in a child python with its address space capped at MEMORY_LIMIT."""
    prelude = textwrap.dedent(
        f"""
        import resource
        resource.setrlimit(resource.RLIMIT_AS, ({MEMORY_LIMIT}, {MEMORY_LIMIT}))
        """
    )
    return subprocess.run(
        [sys.executable, "-c", prelude + textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def _kap(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kap_console", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def _small_record(tmp_path: Path) -> Path:
    path = tmp_path / "record.toml"
    path.write_text('format = 1\n[session]\nid = "x"\n')
    return path


# -- the record reader ---------------------------------------------------------------------


@pytest.mark.parametrize("command", ["show", "verify"])
def test_ten_thousand_nested_arrays_give_one_located_line_not_a_traceback(tmp_path, command):
    folder = tmp_path / "session"
    folder.mkdir()
    record = folder / "record.toml"
    record.write_text("format = 1\n\nvalues = " + "[" * 10_000 + "]" * 10_000 + "\n")
    if command == "verify":
        (folder / "journal-0001.jsonl").write_bytes(b"")  # verify reads the record anyway
    done = _kap("record", command, str(record))
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr and "RecursionError" not in done.stderr
    if command == "show":
        (line,) = done.stderr.strip().splitlines()
        assert line.startswith(f"{record}:3:")
        assert "nested too deeply" in line


def test_read_record_reports_deep_nesting_at_its_line(tmp_path):
    record = tmp_path / "record.toml"
    record.write_text("format = 1\nvalues = " + "[" * 10_000 + "]" * 10_000 + "\n")
    with pytest.raises(record_reading.RecordError) as raised:
        record_reading.read_record(record)
    (problem,) = raised.value.problems
    assert problem.startswith(f"{record}:2:")
    assert "nested too deeply" in problem


def test_a_forty_thousand_part_dotted_key_is_refused_in_little_memory(tmp_path):
    record = tmp_path / "record.toml"
    record.write_text("format = 1\n" + ".".join(["a"] * 40_000) + " = 1\n")
    assert 80_000 < record.stat().st_size < 100_000
    done = _run_limited(
        f"""
        from pathlib import Path
        from kap_console.session.record.reading import RecordError, read_record
        try:
            read_record(Path({str(record)!r}))
        except RecordError as error:
            print(error.problems)
        """
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert f"{record}:2:1: a dotted key has more than {MAX_KEY_PARTS} parts" in done.stdout


def test_a_64_megabyte_record_is_refused_without_reading_it_all(tmp_path):
    record = tmp_path / "record.toml"
    with record.open("wb") as stream:
        stream.write(b'format = 1\n[session]\nid = "x"\n')
        stream.write(b"# padding padding padding padding padding padding padding\n" * 1_150_000)
    assert record.stat().st_size > 64 * 1000 * 1000
    done = _run_limited(
        f"""
        from pathlib import Path
        from kap_console.session.record.reading import RecordError, read_record
        try:
            read_record(Path({str(record)!r}))
        except RecordError as error:
            print(error.problems)
        """,
        timeout=20,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert f"{record}:1:1: the file is larger than 48 MiB" in done.stdout


def test_a_record_that_is_not_utf8_is_located(tmp_path):
    record = tmp_path / "record.toml"
    record.write_bytes(b'format = 1\n[session]\nid = "\xff"\n')
    with pytest.raises(record_reading.RecordError) as raised:
        record_reading.read_record(record)
    (problem,) = raised.value.problems
    assert problem.startswith(f"{record}:3:7: not UTF-8 text")


def test_a_record_with_thousands_of_bad_fields_lists_a_bounded_number(tmp_path):
    record = tmp_path / "record.toml"
    record.write_text("format = 1\n" + "".join(f"unknown_{n} = 1\n" for n in range(5000)))
    with pytest.raises(record_reading.RecordError) as raised:
        record_reading.read_record(record)
    problems = raised.value.problems
    assert len(problems) <= record_reading.MAX_PROBLEMS + 1
    assert "more problems" in problems[-1]


def test_tomllib_errors_of_every_kind_become_one_located_problem():
    for text in ["a = 1\na = 2\n", "a = [1,\n", "x = 1979-13-45\n", "[[a]]\n[a]\n", '"\x00" = 1']:
        with pytest.raises(TomlProblem) as raised:
            parse_toml(text)
        assert raised.value.line >= 1 and raised.value.col >= 1


# -- FIFOs and other files that are not regular ---------------------------------------------


@pytest.fixture
def fifo(tmp_path: Path) -> Path:
    path = tmp_path / "protocol.toml"
    os.mkfifo(path)
    return path


@pytest.fixture
def no_hang():
    """Fail (instead of hanging the run) if something blocks for more than 10 s."""

    def timed_out(*_args):
        raise TimeoutError("blocked on a file that is not regular")

    previous = signal.signal(signal.SIGALRM, timed_out)
    signal.alarm(10)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


def test_protocol_validate_on_a_fifo_is_refused_at_once(fifo):
    done = _kap("protocol", "validate", str(fifo), timeout=30)
    assert done.returncode == 1, done.stderr
    assert f"{fifo}:1:1: is a FIFO (named pipe), not a protocol file" in done.stdout + done.stderr


def test_protocol_validate_on_a_folder_holding_a_fifo_is_refused_at_once(fifo):
    done = _kap("protocol", "validate", str(fifo.parent), timeout=30)
    assert done.returncode == 1, done.stderr
    assert "is a FIFO (named pipe)" in done.stdout + done.stderr


def test_a_fifo_as_record_settings_or_theme_is_refused_at_once(fifo, no_hang):
    from kap_console.settings import load_settings
    from kap_console.themes import validate_theme_file

    with pytest.raises(
        record_reading.RecordError, match=r"1:1: cannot read the file \(not a regular file"
    ):
        record_reading.read_record(fifo)
    settings, problems = load_settings(fifo)
    assert problems and "not a regular file" in problems[0]
    with pytest.raises(ValueError, match="not a regular file"):
        validate_theme_file(fifo)


def test_a_fifo_as_the_pinned_protocol_is_passed_over(fifo, no_hang):
    from kap_console.protocol.identity import ProtocolIdentity
    from kap_console.session.pinning import ProtocolUnavailable, pinned_protocol

    pinned = ProtocolIdentity(id="p", version="1.0", title="t", sha256="0" * 64, path=str(fifo))
    with pytest.raises(ProtocolUnavailable):
        pinned_protocol(fifo.parent, pinned)


def test_read_regular_file_refuses_devices_and_links_when_asked(tmp_path, no_hang):
    with pytest.raises(NotAFile, match="a device"):
        read_regular_file("/dev/zero", limit=10)
    target = tmp_path / "target"
    target.write_text("x")
    (tmp_path / "link").symlink_to(target)
    assert read_regular_file(tmp_path / "link", limit=10) == b"x"
    with pytest.raises(NotAFile, match="symbolic link"):
        read_regular_file(tmp_path / "link", limit=10, follow_links=False)


def test_a_fifo_as_the_catalog_cache_does_not_hang_the_listing(tmp_path, no_hang):
    from kap_console.session.catalog import list_sessions
    from kap_console.session.catalog_cache import CACHE_NAME

    data = tmp_path / "data"
    (data / "sessions").mkdir(parents=True)
    os.mkfifo(data / CACHE_NAME)
    assert list_sessions(data) == []
