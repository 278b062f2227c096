"""The session list's cache: the same list as reading every journal, whatever changes under it."""

from __future__ import annotations

import errno
import json
import shutil
import stat

from record_helpers import at_minute, dosed_session, early_round, whole_session

from kap_console.session import catalog
from kap_console.session import events as ev
from kap_console.session.catalog import list_sessions, summarize
from kap_console.session.catalog_cache import CACHE_NAME


def listed(data_dir):
    return [
        (s.path.name, s.state, s.adverse_event_count, s.duration) for s in list_sessions(data_dir)
    ]


def uncached(data_dir):
    folders = [p for p in (data_dir / "sessions").iterdir() if p.is_dir()]
    summaries = sorted(
        (summarize(p) for p in folders),
        key=lambda s: (s.started_at is None, s.started_at, s.path.name),
    )[::-1]
    return [(s.path.name, s.state, s.adverse_event_count, s.duration) for s in summaries]


def test_a_second_listing_reads_no_journal_and_gives_the_same_list(tmp_path, monkeypatch):
    closed, _ = whole_session(tmp_path)
    closed.release()
    first = listed(tmp_path)
    assert (tmp_path / CACHE_NAME).exists()
    assert stat.S_IMODE((tmp_path / CACHE_NAME).stat().st_mode) == 0o600

    def no_reading(path):
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
    for entry in data["entries"].values():
        entry["summary"]["adverse_event_count"] = 99
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
