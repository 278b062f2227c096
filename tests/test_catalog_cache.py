"""The session list's cache: the same list as reading every journal, whatever changes under it."""

from __future__ import annotations

import errno
import json
import os
import shutil
import stat
import time

from record_helpers import at_minute, dosed_session, early_round, whole_session

from kap_console.session import catalog
from kap_console.session import events as ev
from kap_console.session.catalog import list_sessions, summarize_from_events
from kap_console.session.catalog_cache import CACHE_NAME


def listed(data_dir):
    return [
        (s.path.name, s.state, s.adverse_event_count, s.duration) for s in list_sessions(data_dir)
    ]


def uncached(data_dir):
    """The list as reading every event of every journal gives it."""
    folders = [p for p in (data_dir / "sessions").iterdir() if p.is_dir() or p.is_symlink()]
    summaries = sorted(
        (summarize_from_events(p) for p in folders),
        key=lambda s: (s.started_at is None, s.started_at, s.path.name),
    )[::-1]
    return [(s.path.name, s.state, s.adverse_event_count, s.duration) for s in summaries]


def test_a_second_listing_reads_no_journal_and_gives_the_same_list(tmp_path, monkeypatch):
    closed, _ = whole_session(tmp_path)
    closed.release()
    first = listed(tmp_path)
    assert (tmp_path / CACHE_NAME).exists()
    assert stat.S_IMODE((tmp_path / CACHE_NAME).stat().st_mode) == 0o600

    def no_reading(path, *_names):
        raise AssertionError(f"{path} was read again although nothing changed")

    monkeypatch.setattr(catalog, "summarize", no_reading)
    assert listed(tmp_path) == first


def test_an_entry_added_after_a_listing_shows_in_the_next(tmp_path):
    session = dosed_session(tmp_path)
    before = listed(tmp_path)
    at_minute(session, 20)
    session.commit(ev.AdverseEventLogged(term="Nausea", severity="1", onset_at=session.clock.now()))
    after = listed(tmp_path)
    assert [row[2] for row in before] == [0]
    assert [row[2] for row in after] == [1]
    assert after == uncached(tmp_path)
    session.release()


def test_folders_added_and_removed_are_listed_as_they_are(tmp_path):
    session = dosed_session(tmp_path)
    session.commit(early_round(15, sbp=128))
    session.release()
    listed(tmp_path)
    folder = session.session_dir
    copy = folder.parent / (folder.name[:-1] + ("0" if folder.name[-1] != "0" else "1"))
    shutil.copytree(folder, copy)
    assert {row[0] for row in listed(tmp_path)} == {folder.name, copy.name}
    shutil.rmtree(folder)
    assert [row[0] for row in listed(tmp_path)] == [copy.name]
    assert listed(tmp_path) == uncached(tmp_path)


def test_a_damaged_or_foreign_cache_is_ignored(tmp_path):
    session = dosed_session(tmp_path)
    session.release()
    expected = uncached(tmp_path)
    for garbage in (b"", b"\x00\xff", b"[]", json.dumps({"stamp": {"format": 999}}).encode()):
        (tmp_path / CACHE_NAME).write_bytes(garbage)
        assert listed(tmp_path) == expected


def test_a_cached_summary_from_another_version_is_not_trusted(tmp_path, monkeypatch):
    session = dosed_session(tmp_path)
    session.release()
    listed(tmp_path)
    data = json.loads((tmp_path / CACHE_NAME).read_text())
    for _digest, row in data["entries"].values():
        row[catalog.ROW_FIELDS.index("adverse_event_count")] = 99
    (tmp_path / CACHE_NAME).write_text(json.dumps(data))
    assert [row[2] for row in listed(tmp_path)] == [99]  # same version: the cache is believed
    monkeypatch.setattr("kap_console.__version__", "999.0.0")
    assert [row[2] for row in listed(tmp_path)] == [0]


def test_a_data_folder_that_cannot_be_written_still_lists(tmp_path, monkeypatch):
    session = dosed_session(tmp_path)
    session.release()
    expected = uncached(tmp_path)

    def read_only(path, data):
        raise OSError(errno.EROFS, "read-only file system")

    monkeypatch.setattr("kap_console.session.storage.write_private_atomic", read_only)
    assert listed(tmp_path) == expected
    assert not (tmp_path / CACHE_NAME).exists()


def _rewrite_keeping_size_and_mtime(path, data, *, replace):
    """Write `data` (as long as the file) to `path`, in place or by a rename over it, and
    set its modification time back; the change time moves on (wait for the clock's tick)."""
    before = path.stat()
    assert len(data) == before.st_size
    for _attempt in range(50):
        if replace:
            other = path.with_name(path.name + ".new")
            other.write_bytes(data)
            os.replace(other, path)
        else:
            with path.open("r+b") as handle:
                handle.write(data)
        os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
        after = path.stat()
        if after.st_ctime_ns != before.st_ctime_ns:
            break
        time.sleep(0.01)
    assert (after.st_size, after.st_mtime_ns) == (before.st_size, before.st_mtime_ns)


def test_a_journal_edited_in_place_keeping_its_size_and_mtime_is_read_again(tmp_path):
    session = dosed_session(tmp_path)
    session.release()
    assert [row[1] for row in listed(tmp_path)] == ["open"]
    journal = session.session_dir / "journal-0001.jsonl"
    data = journal.read_bytes()
    assert data.count(b"true") >= 1
    _rewrite_keeping_size_and_mtime(journal, data.replace(b"true", b"fals", 1), replace=False)
    assert [row[1] for row in listed(tmp_path)] == ["damaged"]
    assert listed(tmp_path) == uncached(tmp_path)


def test_a_journal_replaced_by_one_of_the_same_size_and_mtime_is_read_again(tmp_path):
    session = dosed_session(tmp_path)
    at_minute(session, 10)
    session.commit(ev.AdverseEventLogged(term="Nausea", severity="1", onset_at=session.clock.now()))
    session.release()
    assert [row[2] for row in listed(tmp_path)] == [1]
    journal = session.session_dir / "journal-0001.jsonl"
    data = journal.read_bytes()
    edited = data.replace(b'"severity":"1"', b'"severity":"2"', 1)
    assert edited != data
    _rewrite_keeping_size_and_mtime(journal, edited, replace=True)
    assert [row[1] for row in listed(tmp_path)] == ["damaged"]
    assert listed(tmp_path) == uncached(tmp_path)


def test_a_file_renamed_added_or_removed_in_a_folder_is_noticed(tmp_path):
    session = dosed_session(tmp_path)
    session.release()
    folder = session.session_dir
    assert [row[1] for row in listed(tmp_path)] == ["open"]
    (folder / "MOVED").write_text("/elsewhere/session\n")
    assert [row[1] for row in listed(tmp_path)] == ["moved"]
    (folder / "MOVED").unlink()
    assert [row[1] for row in listed(tmp_path)] == ["open"]
    (folder / "journal-0001.jsonl").rename(folder / "journal-0002.jsonl")
    assert [row[1] for row in listed(tmp_path)] == ["damaged"]
    assert listed(tmp_path) == uncached(tmp_path)
    (folder / "journal-0002.jsonl").rename(folder / "journal-0001.jsonl")
    assert [row[1] for row in listed(tmp_path)] == ["open"]
    (folder / "journal-0001.jsonl").unlink()
    assert [(s.state, s.problem) for s in list_sessions(tmp_path)] == [
        ("damaged", "no journal in this folder")
    ]


def test_a_renamed_folder_is_listed_under_its_new_name(tmp_path):
    session = dosed_session(tmp_path)
    session.release()
    listed(tmp_path)
    folder = session.session_dir
    renamed = folder.with_name(folder.name[:-6] + "abcdef")
    folder.rename(renamed)
    assert [row[0] for row in listed(tmp_path)] == [renamed.name]
    assert json.loads((tmp_path / CACHE_NAME).read_text())["entries"].keys() == {renamed.name}


def test_a_folder_replaced_by_a_link_to_it_is_listed_as_a_link(tmp_path):
    """Same files, same inodes behind the link: still a link, never followed."""
    session, _ = whole_session(tmp_path)
    session.release()
    assert [row[1] for row in listed(tmp_path)] == ["closed"]
    folder = session.session_dir
    elsewhere = tmp_path / "elsewhere"
    folder.rename(elsewhere)
    folder.symlink_to(elsewhere, target_is_directory=True)
    (summary,) = list_sessions(tmp_path)
    assert summary.state == "damaged" and "symbolic link" in (summary.problem or "")


def test_the_cache_holds_no_session_text_beyond_the_row(tmp_path):
    closed, _ = whole_session(tmp_path)
    closed.release()
    listed(tmp_path)
    cache = (tmp_path / CACHE_NAME).read_text()
    journal = (closed.session_dir / "journal-0001.jsonl").read_text()
    for text in ("R. Rivera", "I am the ocean", "prescriber called", "Nausea", "misread"):
        assert text in journal
        assert text not in cache
    assert closed.state.started.session_id not in cache
    assert "KAP-0042" in cache  # the client code is what the listing shows


def test_a_cached_row_of_the_wrong_shape_is_read_again(tmp_path):
    session = dosed_session(tmp_path)
    session.release()
    expected = listed(tmp_path)
    data = json.loads((tmp_path / CACHE_NAME).read_text())
    for bad in ("garbage", [1, 2], None, [None] * 12):
        for entry in data["entries"].values():
            entry[1] = bad
        (tmp_path / CACHE_NAME).write_text(json.dumps(data))
        assert listed(tmp_path) == expected


def test_every_field_of_every_kind_of_row_comes_back_from_the_cache(tmp_path):
    from record_helpers import start_session

    closed, _ = whole_session(tmp_path, client_code="KAP-0001")
    closed.release()
    no_go = start_session(tmp_path, client_code="KAP-0002")
    no_go.close(outcome="no_go", note="Rebooked")
    no_go.release()
    stopped = dosed_session(tmp_path, client_code="KAP-0003")
    at_minute(stopped, 20)
    stopped.close(outcome="stopped_early")
    stopped.release()
    torn = dosed_session(tmp_path, client_code="KAP-0004")
    torn.release()
    with (torn.session_dir / "journal-0001.jsonl").open("ab") as journal:
        journal.write(b'{"v":1,"seq":')
    moved = dosed_session(tmp_path, client_code="KAP-0005")
    moved.release()
    (moved.session_dir / "MOVED").write_text("/media/usb/session\n")
    (tmp_path / "sessions" / "not-a-session").mkdir()

    first = list_sessions(tmp_path)
    again = list_sessions(tmp_path)
    assert again == first
    assert {s.path.name: s for s in first} == {
        s.path.name: summarize_from_events(s.path) for s in first
    }
    assert {(s.client_code, s.state, s.outcome) for s in again} >= {
        ("KAP-0001", "closed", "completed"),
        ("KAP-0002", "closed", "no_go"),
        ("KAP-0003", "closed", "stopped_early"),
        ("KAP-0004", "open", None),
        ("KAP-0005", "moved", None),
        ("?", "damaged", None),
    }
    assert all(s.duration is not None for s in again if s.state == "closed")
