"""Any damage to a record file ends in one of two ways: the record cannot be read (one line,
RecordUnreadable), or it reads and says it was altered. Never another exception."""

from __future__ import annotations

import shutil
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kap_console.integration.exports import export_record
from kap_console.integration.reading import RecordUnreadable, open_record

IM = Path(__file__).resolve().parents[1] / "fixtures" / "records" / "v0_1_0" / "im-ketamine-120"
ORIGINAL = (IM / "record.toml").read_bytes()


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    offset=st.integers(min_value=0, max_value=len(ORIGINAL) - 1),
    byte=st.integers(min_value=0, max_value=255),
    cut=st.booleans(),
)
def test_a_damaged_record_is_unreadable_or_altered(tmp_path_factory, offset, byte, cut):
    folder = tmp_path_factory.mktemp("damaged")
    for name in ("journal-0001.jsonl", "protocol.toml"):
        shutil.copy(IM / name, folder / name)
    damaged = (
        ORIGINAL[:offset] if cut else ORIGINAL[:offset] + bytes([byte]) + ORIGINAL[offset + 1 :]
    )
    (folder / "record.toml").write_bytes(damaged)
    try:
        opened = open_record(folder)
    except RecordUnreadable as error:
        assert "\n" not in error.line and error.line.startswith(str(folder / "record.toml"))
        return
    if damaged == ORIGINAL:
        assert opened.verification.status == "verified"
        return
    assert opened.verification.status == "altered"
    assert export_record(opened, "md", force=True).startswith("UNVERIFIED: Altered: ")
