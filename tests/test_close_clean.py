"""Closing leaves a clean folder: no ballast once the record is durable, and a record that
names its protocol without a folder of the facilitator's machine. Records written before
(with absolute protocol paths) stay readable and verifiable."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from record_helpers import IM_PROTOCOL, load_im_protocol, whole_session

from kap_console.session.engine import Session
from kap_console.session.errors import SessionAlreadyClosed
from kap_console.session.record.reading import read_record
from kap_console.session.record.verify import verify_record
from kap_console.session.storage import BALLAST_NAME, create_ballast


def test_a_closed_session_folder_holds_only_what_it_needs(tmp_path: Path) -> None:
    session, result = whole_session(tmp_path)
    session.release()
    names = sorted(path.name for path in session.session_dir.iterdir())
    assert names == ["journal-0001.jsonl", "lock", "protocol.toml", "record.toml"]
    assert verify_record(session.session_dir).ok


def test_a_ballast_left_by_a_crash_after_the_record_is_removed_on_the_next_open(
    tmp_path: Path,
) -> None:
    session, _ = whole_session(tmp_path)
    session.release()
    create_ballast(session.session_dir, 4096)  # as if the process died before deleting it
    assert (session.session_dir / BALLAST_NAME).exists()
    with pytest.raises(SessionAlreadyClosed):
        Session.resume(session.session_dir, clock=session.clock)
    assert not (session.session_dir / BALLAST_NAME).exists()
    assert verify_record(session.session_dir).ok


def test_the_record_names_the_protocol_inside_its_work_tree_not_on_this_machine(
    tmp_path: Path,
) -> None:
    from kap_console.protocol.loader import load_protocol

    loaded = load_protocol(IM_PROTOCOL)  # with git: the repository holds it
    assert loaded.identity.path in ("protocols/im-ketamine-120.toml", "im-ketamine-120.toml")
    assert not Path(loaded.identity.path).is_absolute()
    session, result = whole_session(tmp_path)
    session.release()
    record = read_record(result.record_path)
    assert record.protocol.path == "im-ketamine-120.toml"
    assert str(IM_PROTOCOL.parent) not in result.record_path.read_text()


def test_a_record_with_an_absolute_protocol_path_stays_readable_and_verifiable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What earlier versions wrote: the protocol named by its absolute path."""
    import record_helpers

    loaded = load_im_protocol()
    old_identity = loaded.identity.model_copy(update={"path": str(IM_PROTOCOL)})
    monkeypatch.setattr(
        record_helpers, "load_im_protocol", lambda: replace(loaded, identity=old_identity)
    )
    session, result = whole_session(tmp_path)
    session.release()
    record = read_record(result.record_path)
    assert record.protocol.path == str(IM_PROTOCOL)
    assert verify_record(session.session_dir).ok
    (session.session_dir / "protocol.toml").unlink()  # the pinned absolute path is found again
    assert verify_record(session.session_dir).ok
