"""Write errors: nothing is shown as saved that is not, and nothing entered is lost.

Faults are injected by patching os.write / os.fsync / os.open (ENOSPC, EIO, EROFS, a short
write) and, where this machine lets root mount file systems, for real: a 64 KiB tmpfs that
fills up, an ext4 image that remounts itself read-only, and one shut down as if the disk died
or the power was cut. Those skip, saying why, where mounting is not permitted.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import shutil
import struct
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from kap_console.session.journal.errors import JournalWriteError
from kap_console.session.journal.read import read_journal, verify_chain
from kap_console.session.journal.writer import Journal
from kap_console.session.storage import BALLAST_NAME, SessionLock

NOW = "2026-03-01T14:00:00+00:00"
SENTINEL = "SENTINEL-client-said-7f3a"


def note(n: int, size: int = 0) -> dict:
    return {"type": "note_added", "n": n, "text": f"{SENTINEL} {n} " + "x" * size}


def started(folder: Path, count: int, ballast: int = 0) -> Journal:
    journal = Journal.create(folder, session_id="F", app="t", now=NOW, ballast_bytes=ballast)
    for n in range(1, count + 1):
        journal.append(note(n))
    return journal


def effective(folder: Path) -> list[int]:
    """The `n` of every entry a reader sees, in order; also checks seq and the chain."""
    assert verify_chain(folder).ok
    entries = read_journal(folder).entries
    assert [e.seq for e in entries] == list(range(1, len(entries) + 1))
    return [e.payload["n"] for e in entries]


def check_error(error: JournalWriteError, code: int, pending: list[int]) -> None:
    assert error.errno == code
    assert [p["n"] for p in error.unsaved] == pending
    message = str(error)
    assert SENTINEL not in message and SENTINEL not in repr(error)
    assert errno.errorcode[code] in message
    assert "not saved" in message or "nothing is waiting" in message


class Faults:
    """Replace an os function by one that fails (or misbehaves) while `active`."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.monkeypatch = monkeypatch
        self.calls: dict[str, int] = {}

    def fail(
        self,
        name: str,
        code: int,
        *,
        times: int | None = None,
        when: Callable[..., bool] = lambda *args: True,
    ) -> None:
        real = getattr(os, name)
        self.calls[name] = 0

        def failing(*args, **kwargs):
            if when(*args) and (times is None or self.calls[name] < times):
                self.calls[name] += 1
                raise OSError(code, os.strerror(code))
            return real(*args, **kwargs)

        self.monkeypatch.setattr(os, name, failing)

    def short_write(self) -> None:
        real = os.write

        def short(fd: int, data) -> int:
            self.monkeypatch.setattr(os, "write", real)  # once
            return real(fd, bytes(data)[: len(data) // 2])

        self.monkeypatch.setattr(os, "write", short)

    def count_writes(self) -> None:
        real = os.write
        self.calls["write"] = 0

        def counting(fd: int, data) -> int:
            self.calls["write"] += 1
            return real(fd, data)

        self.monkeypatch.setattr(os, "write", counting)

    def clear(self) -> None:
        self.monkeypatch.undo()


@pytest.fixture
def faults(monkeypatch: pytest.MonkeyPatch) -> Faults:
    return Faults(monkeypatch)


# --------------------------------------------------------------------------- injected


def test_a_full_disk_fails_the_append_at_once_and_keeps_it_pending(
    tmp_path: Path, faults: Faults
) -> None:
    folder = tmp_path / "s"
    journal = started(folder, 3, ballast=64 * 1024)
    head = journal.head
    faults.fail("write", errno.ENOSPC)
    with pytest.raises(JournalWriteError) as first:
        journal.append(note(4))
    check_error(first.value, errno.ENOSPC, [4])
    assert (journal.next_seq, journal.head, len(journal.entries)) == (4, head, 3)
    assert journal.failed == errno.ENOSPC
    faults.clear()

    # Until a new segment exists nothing is written; later entries queue behind.
    faults.count_writes()
    with pytest.raises(JournalWriteError) as second:
        journal.append(note(5))
    check_error(second.value, errno.ENOSPC, [4, 5])
    assert faults.calls["write"] == 0
    assert [p["n"] for p in journal.unsaved] == [4, 5]

    journal.continue_in(now=NOW)
    assert not (folder / BALLAST_NAME).exists()  # freed to make room
    assert journal.unsaved == [] and journal.failed is None
    assert [e.seq for e in journal.entries] == [1, 2, 3, 4, 5]
    assert journal.segment == "journal-0002.jsonl"
    assert journal.append(note(6)).seq == 6
    journal.close()

    assert effective(folder) == [1, 2, 3, 4, 5, 6]
    header = json.loads((folder / "journal-0002.jsonl").read_bytes().splitlines()[0])
    assert header["seq"] == 3 and header["prev"] == head and header["reason"] == "ENOSPC"
    assert header["prev_segment"] == "journal-0001.jsonl" and header["segment"] == 2


def test_a_failed_fsync_is_not_saved_and_its_file_is_never_fsynced_again(
    tmp_path: Path, faults: Faults, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "s"
    journal = started(folder, 3)
    first_segment = os.stat(folder / "journal-0001.jsonl").st_ino
    faults.fail("fsync", errno.EIO, times=1)
    with pytest.raises(JournalWriteError) as failure:
        journal.append(note(4))
    check_error(failure.value, errno.EIO, [4])
    assert journal.next_seq == 4
    faults.clear()

    synced: list[int] = []
    real_fsync = os.fsync

    def watching(fd: int) -> None:
        synced.append(os.fstat(fd).st_ino)
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", watching)
    journal.continue_in(now=NOW)
    journal.append(note(5))
    journal.close()
    assert synced and first_segment not in synced
    # The line whose fsync failed is still in the first file, superseded: counted once.
    assert (folder / "journal-0001.jsonl").read_bytes().count(b'"n":4') == 1
    assert effective(folder) == [1, 2, 3, 4, 5]


def test_a_short_write_fails_and_its_half_line_is_superseded(
    tmp_path: Path, faults: Faults
) -> None:
    folder = tmp_path / "s"
    journal = started(folder, 2)
    faults.short_write()
    with pytest.raises(JournalWriteError) as failure:
        journal.append(note(3))
    check_error(failure.value, errno.ENOSPC, [3])
    assert not (folder / "journal-0001.jsonl").read_bytes().endswith(b"\n")
    journal.continue_in(now=NOW)
    journal.close()
    report = read_journal(folder)
    assert report.torn_tail is None  # a half line in an earlier segment is not a torn tail
    assert effective(folder) == [1, 2, 3]
    reopened, _ = Journal.open(folder, ballast_bytes=0)
    assert reopened.append(note(4)).seq == 4
    reopened.close()
    assert effective(folder) == [1, 2, 3, 4]


def test_a_read_only_folder_refuses_a_new_segment_and_the_session_moves_elsewhere(
    tmp_path: Path, faults: Faults
) -> None:
    folder, elsewhere = tmp_path / "s", tmp_path / "usb" / "s"
    journal = started(folder, 3, ballast=4096)
    before = (folder / "journal-0001.jsonl").read_bytes()
    faults.fail("write", errno.EROFS)
    faults.fail("open", errno.EROFS, when=lambda path, *a: str(path).startswith(str(folder)))
    with pytest.raises(JournalWriteError) as failure:
        journal.append(note(4))
    check_error(failure.value, errno.EROFS, [4])
    with pytest.raises(JournalWriteError) as again:
        journal.continue_in(now=NOW)
    check_error(again.value, errno.EROFS, [4])
    assert [p["n"] for p in journal.unsaved] == [4]

    faults.clear()
    faults.fail("open", errno.EROFS, when=lambda path, *a: str(path).startswith(str(folder)))
    faults.fail("write", errno.EROFS, when=lambda fd, *a: _is_under(fd, folder))
    with pytest.raises(JournalWriteError):
        journal.append(note(5))
    journal.continue_in(elsewhere, now=NOW)
    assert journal.session_dir == elsewhere
    assert journal.append(note(6)).seq == 6
    faults.clear()
    assert SessionLock(folder).acquire().locked  # the old folder's lock was given up
    journal.close()
    assert effective(elsewhere) == [1, 2, 3, 4, 5, 6]
    assert (folder / "journal-0001.jsonl").read_bytes() == before
    assert sorted(p.name for p in elsewhere.iterdir()) == [
        "ballast",
        "journal-0001.jsonl",
        "journal-0002.jsonl",
        "lock",
    ]


def _is_under(fd: int, folder: Path) -> bool:
    try:
        return os.readlink(f"/proc/self/fd/{fd}").startswith(str(folder))
    except OSError:
        return False


def test_a_new_segment_that_fails_keeps_everything_pending_and_can_be_retried(
    tmp_path: Path, faults: Faults
) -> None:
    folder = tmp_path / "s"
    journal = started(folder, 2)
    faults.fail("write", errno.EIO, times=1)
    with pytest.raises(JournalWriteError):
        journal.append(note(3))
    for failing_call in (1, 2):  # the segment's own fsync, then the folder's after the rename
        faults.fail("fsync", errno.EIO, when=_nth_call(failing_call))
        with pytest.raises(JournalWriteError) as failure:
            journal.continue_in(now=NOW)
        check_error(failure.value, errno.EIO, [3])
        assert journal.next_seq == 3 and journal.failed == errno.EIO
        faults.clear()
    assert not [p for p in folder.iterdir() if ".tmp-" in p.name]
    journal.continue_in(now=NOW)
    journal.append(note(4))
    journal.close()
    assert effective(folder) == [1, 2, 3, 4]


def test_a_voluntary_new_segment_that_fails_stops_writing_to_the_old_one(
    tmp_path: Path, faults: Faults
) -> None:
    # The folder fsync after the rename fails: the new segment may well exist, so appending on
    # in the old one would put acknowledged lines where the new segment supersedes them.
    folder = tmp_path / "s"
    journal = started(folder, 2)
    faults.fail("fsync", errno.EIO, when=_nth_call(2))
    with pytest.raises(JournalWriteError) as failure:
        journal.continue_in(now=NOW)
    check_error(failure.value, errno.EIO, [])
    faults.clear()
    assert (folder / "journal-0002.jsonl").exists() and journal.failed == errno.EIO
    with pytest.raises(JournalWriteError):
        journal.append(note(3))
    journal.continue_in(now=NOW)
    journal.append(note(4))
    journal.close()
    assert effective(folder) == [1, 2, 3, 4]


def _nth_call(n: int) -> Callable[..., bool]:
    seen = [0]

    def nth(*args) -> bool:
        seen[0] += 1
        return seen[0] == n

    return nth


def test_a_move_that_fails_halfway_leaves_no_partial_session_behind(
    tmp_path: Path, faults: Faults
) -> None:
    folder, bad, good = tmp_path / "s", tmp_path / "bad", tmp_path / "good"
    journal = started(folder, 1)
    journal.continue_in(now=NOW)  # two segments to copy
    journal.append(note(2))
    faults.fail("fsync", errno.EIO, times=1)
    with pytest.raises(JournalWriteError):
        journal.append(note(3))
    faults.fail("replace", errno.EIO, when=_nth_call(2))  # the second segment's copy
    with pytest.raises(JournalWriteError):
        journal.continue_in(bad, now=NOW)
    faults.clear()
    assert not list(bad.glob("journal-*"))
    assert SessionLock(bad).acquire().locked  # and its lock was released
    journal.continue_in(good, now=NOW)
    journal.close()
    assert effective(good) == [1, 2, 3]


def test_moving_into_another_sessions_folder_is_refused(tmp_path: Path, faults: Faults) -> None:
    ours, theirs = tmp_path / "ours", tmp_path / "theirs"
    started(theirs, 1).close()
    journal = started(ours, 1)
    with pytest.raises(JournalWriteError) as refused:
        journal.continue_in(theirs, now=NOW)
    assert refused.value.errno == errno.EEXIST
    journal.close()
    assert effective(theirs) == [1]


def test_a_crash_after_a_failed_fsync_keeps_at_most_that_one_entry(
    tmp_path: Path, faults: Faults
) -> None:
    folder = tmp_path / "s"
    journal = started(folder, 3)
    faults.fail("fsync", errno.EIO, times=1)
    with pytest.raises(JournalWriteError):
        journal.append(note(4))
    faults.clear()
    journal.close()  # the console dies before a new segment is started
    reopened, report = Journal.open(folder, ballast_bytes=0)
    reopened.close()
    # The written-but-unconfirmed line may be on disk; nothing else unconfirmed is.
    assert [e.payload["n"] for e in report.entries] in ([1, 2, 3], [1, 2, 3, 4])


def test_a_torn_tail_on_a_full_disk_is_set_aside_in_the_ballast_s_room(
    tmp_path: Path, faults: Faults
) -> None:
    folder = tmp_path / "s"
    started(folder, 2, ballast=4096).close()
    with (folder / "journal-0001.jsonl").open("ab") as f:
        f.write(b'{"v":1,"seq":3,"kind":"ent')
    faults.fail("write", errno.ENOSPC, times=1)
    journal, report = Journal.open(folder, ballast_bytes=0)
    journal.close()
    assert faults.calls["write"] == 1 and not (folder / BALLAST_NAME).exists()
    assert report.torn_tail.copy_path.read_bytes() == b'{"v":1,"seq":3,"kind":"ent'
    assert [p.name for p in folder.glob("*.torn-*")] == [report.torn_tail.copy_path.name]
    assert report.torn_tail.copy_path.name == f"journal-0001.torn-{report.torn_tail.offset}"
    assert effective(folder) == [1, 2]


def test_opening_a_session_on_a_read_only_disk_says_so(tmp_path: Path, faults: Faults) -> None:
    folder = tmp_path / "s"
    started(folder, 2).close()
    faults.fail("open", errno.EROFS, when=lambda path, flags, *a: bool(flags & os.O_WRONLY))
    with pytest.raises(JournalWriteError) as failure:
        Journal.open(folder, ballast_bytes=0)
    check_error(failure.value, errno.EROFS, [])
    faults.clear()
    assert read_journal(folder).entries[-1].seq == 2
    Journal.open(folder, ballast_bytes=0)[0].close()  # and the lock was released


# --------------------------------------------------------------------------- real file systems


def _run(*command: str) -> subprocess.CompletedProcess:
    return subprocess.run(command, capture_output=True, text=True)


@pytest.fixture
def mounts(tmp_path: Path) -> Iterator[Callable[..., Path]]:
    mounted: list[Path] = []

    def mount(kind: str, name: str, **options: str) -> Path:
        point = tmp_path / name
        point.mkdir()
        if kind == "tmpfs":
            result = _run(
                "mount", "-t", "tmpfs", "-o", f"size={options['size']}", "tmpfs", str(point)
            )
        else:
            image = tmp_path / f"{name}.img"
            with image.open("wb") as f:
                f.truncate(8 * 1024 * 1024)
            if shutil.which("mkfs.ext4") is None:
                pytest.skip("mkfs.ext4 is not installed")
            made = _run("mkfs.ext4", "-q", "-F", str(image))
            if made.returncode:
                pytest.skip(f"mkfs.ext4 failed: {made.stderr.strip()}")
            opts = ",".join(["loop", *options.get("opts", "").split(",")]).strip(",")
            result = _run("mount", "-o", opts, str(image), str(point))
        if result.returncode:
            pytest.skip(f"mounting a {kind} is not permitted here: {result.stderr.strip()}")
        mounted.append(point)
        return point

    yield mount
    for point in reversed(mounted):
        if _run("umount", str(point)).returncode:
            _run("umount", "-l", str(point))


def _ext4_device_name(point: Path) -> str:
    return os.path.basename(_run("findmnt", "-no", "SOURCE", str(point)).stdout.strip())


EXT4_IOC_SHUTDOWN = 0x8004587D
SHUTDOWN_LOGFLUSH, SHUTDOWN_NOLOGFLUSH = 1, 2


def _shutdown(point: Path, how: int) -> None:
    fd = os.open(point, os.O_RDONLY)
    try:
        fcntl.ioctl(fd, EXT4_IOC_SHUTDOWN, struct.pack("I", how))
    finally:
        os.close(fd)


def test_a_tiny_disk_that_fills_up_frees_the_ballast_then_moves(
    tmp_path: Path, mounts: Callable[..., Path]
) -> None:
    disk = mounts("tmpfs", "tiny", size="64k")
    folder = disk / "s"
    journal = Journal.create(folder, session_id="F", app="t", now=NOW, ballast_bytes=16 * 1024)
    assert (folder / BALLAST_NAME).exists()
    acknowledged, n = [], 0
    with pytest.raises(JournalWriteError) as full:
        while True:
            n += 1
            acknowledged.append(journal.append(note(n, size=1000)).payload["n"])
    check_error(full.value, errno.ENOSPC, [n])
    assert len(acknowledged) > 10
    journal.continue_in(now=NOW)  # the ballast makes room for the new segment
    acknowledged.append(n)
    assert not (folder / BALLAST_NAME).exists()
    with pytest.raises(JournalWriteError):
        while True:
            n += 1
            acknowledged.append(journal.append(note(n, size=1000)).payload["n"])
    journal.continue_in(tmp_path / "elsewhere", now=NOW)
    journal.append(note(n + 1))
    journal.close()
    assert effective(tmp_path / "elsewhere") == list(range(1, n + 2))
    assert effective(folder)[: len(acknowledged)] == acknowledged


def test_a_disk_that_turns_read_only_mid_session_moves_the_session(
    tmp_path: Path, mounts: Callable[..., Path]
) -> None:
    disk = mounts("ext4", "ro", opts="errors=remount-ro")
    folder = disk / "s"
    journal = started(folder, 5, ballast=64 * 1024)
    trigger = Path("/sys/fs/ext4") / _ext4_device_name(disk) / "trigger_fs_error"
    if not trigger.exists():
        pytest.skip("this kernel has no ext4 trigger_fs_error")
    trigger.write_text("test\n")
    with pytest.raises(JournalWriteError) as failure:
        journal.append(note(6))
    check_error(failure.value, errno.EROFS, [6])
    with pytest.raises(JournalWriteError) as again:
        journal.continue_in(now=NOW)
    check_error(again.value, errno.EROFS, [6])
    journal.continue_in(tmp_path / "elsewhere", now=NOW)
    journal.append(note(7))
    journal.close()
    assert effective(tmp_path / "elsewhere") == [1, 2, 3, 4, 5, 6, 7]
    assert effective(folder) == [1, 2, 3, 4, 5]


def test_a_disk_that_dies_mid_session_fails_with_eio_and_the_session_moves(
    tmp_path: Path, mounts: Callable[..., Path]
) -> None:
    disk = mounts("ext4", "dead")
    journal = started(disk / "s", 5)
    _shutdown(disk, SHUTDOWN_LOGFLUSH)
    with pytest.raises(JournalWriteError) as failure:
        journal.append(note(6))
    check_error(failure.value, errno.EIO, [6])
    with pytest.raises(JournalWriteError):
        journal.continue_in(now=NOW)
    journal.continue_in(tmp_path / "elsewhere", now=NOW)  # from memory: the disk is unreadable
    journal.close()
    assert effective(tmp_path / "elsewhere") == [1, 2, 3, 4, 5, 6]


@pytest.mark.parametrize("cut", range(3))
def test_a_power_cut_keeps_every_acknowledged_entry(
    tmp_path: Path, mounts: Callable[..., Path], cut: int
) -> None:
    disk = mounts("ext4", f"power{cut}")
    folder = disk / "s"
    journal = started(folder, 0)
    acknowledged = [journal.append(note(n, size=200)).payload["n"] for n in range(1, 40 + cut)]
    journal.continue_in(now=NOW)
    acknowledged += [journal.append(note(n, size=200)).payload["n"] for n in range(100, 110)]
    # Unsynced bytes in the same file, as a write in flight would leave.
    with (folder / journal.segment).open("ab") as f:
        f.write(b'{"v":1,"seq":999,"kind":"entry","data":{"n":' + b"9" * 3000)
    _shutdown(disk, SHUTDOWN_NOLOGFLUSH)
    journal.close()
    image = tmp_path / f"power{cut}.img"
    assert _run("umount", str(disk)).returncode == 0
    assert _run("mount", "-o", "loop", str(image), str(disk)).returncode == 0
    reopened, report = Journal.open(folder, ballast_bytes=0)
    reopened.close()
    assert [e.payload["n"] for e in report.entries] == acknowledged
