"""Approval of a protocol version: what is said about it, what a facilitator confirms before a
real session, and the engine refusing a real session on a draft nobody confirmed."""

from __future__ import annotations

from pathlib import Path

import pytest
from record_helpers import FACILITATOR, new_clock

from kap_console.protocol.approval import approval_line, start_cautions
from kap_console.protocol.loader import load_protocol
from kap_console.session.engine import Session
from kap_console.session.errors import RejectedEntry
from kap_console.session.journal.read import read_journal
from kap_console.session.record.build import build_record

ROOT = Path(__file__).resolve().parents[1]
IM = ROOT / "protocols" / "im-ketamine-120.toml"


def loaded_with(tmp_path: Path, approval: str, *, example: bool = True):
    text = IM.read_text(encoding="utf-8").replace(
        'version = "1.0.0"', f'version = "2.0.0"\n{approval}', 1
    )
    if not example:
        text = text.replace("example = true\n", "", 1)
    path = tmp_path / "protocol.toml"
    path.write_text(text, encoding="utf-8")
    return load_protocol(path)


def start(loaded, data_dir: Path, **kwargs) -> Session:
    return Session.start(
        loaded,
        data_dir=data_dir,
        client_code="KAP-0042",
        facilitator=FACILITATOR,
        session_number=1,
        clock=new_clock(),
        **kwargs,
    )


def test_the_approval_line_names_who_and_when(tmp_path: Path) -> None:
    approved = loaded_with(
        tmp_path, 'status = "approved"\napproved_by = "Dr A. Lead"\napproved_on = 2026-11-30'
    )
    assert approval_line(approved.protocol) == (
        "Version 2.0.0 approved by Dr A. Lead on 2026-11-30"
    )
    draft = loaded_with(tmp_path, 'status = "draft"')
    assert approval_line(draft.protocol) == "Version 2.0.0 is a draft: not approved"
    unset = loaded_with(tmp_path, "", example=False)
    assert (
        approval_line(unset.protocol) == "Version 2.0.0: no approval recorded (status is not set)"
    )
    assert approval_line(load_protocol(IM).protocol) == ""  # an example says its disclaimer


def test_only_a_real_session_on_a_draft_has_a_caution(tmp_path: Path) -> None:
    draft = loaded_with(tmp_path, 'status = "draft"')
    (caution,) = start_cautions(draft.protocol, draft.identity, training=False)
    assert caution.code == "draft"
    assert start_cautions(draft.protocol, draft.identity, training=True) == []


def test_the_engine_refuses_a_real_session_on_a_draft_nobody_confirmed(tmp_path: Path) -> None:
    draft = loaded_with(tmp_path, 'status = "draft"')
    with pytest.raises(RejectedEntry, match="is a draft"):
        start(draft, tmp_path / "data")
    training = start(draft, tmp_path / "data", training=True)
    assert training.state.started is not None
    confirmed = start(draft, tmp_path / "data", protocol_confirmed=["draft"])
    record = build_record(confirmed.protocol, read_journal(confirmed.session_dir).entries)
    assert record.protocol.confirmed == ["draft"]
    assert record.protocol.status == "draft"


def test_a_record_without_approval_fields_still_reads(tmp_path: Path) -> None:
    session = start(load_protocol(IM), tmp_path / "data")
    record = build_record(session.protocol, read_journal(session.session_dir).entries)
    assert record.protocol.status is None and record.protocol.confirmed is None
    from kap_console.session.record.model import record_to_toml_dict

    written = record_to_toml_dict(record)["protocol"]
    assert not {"status", "approved_by", "approved_on", "confirmed"} & set(written)
