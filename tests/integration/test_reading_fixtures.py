"""Every record an earlier version wrote (tests/fixtures/records/) still reads, verifies
against its journal and exports in every format. The fixtures themselves never change."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from kap_console.integration.exports import FORMATS, export_record
from kap_console.integration.reading import open_record
from kap_console.integration.vitals import vitals_series

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "records"
FOLDERS = sorted(p for p in FIXTURES.glob("v*/*") if p.is_dir())
# The bytes each version wrote, pinned: a fixture is added for a new version, never rewritten.
WRITTEN = {
    "v0_1_0/esketamine-120/record.toml": "c5521cfe71bb2e43d3b831be0cf287b29fc182839e59d8b8d9e68f212353a773",
    "v0_1_0/im-ketamine-120/record.toml": "22e033de69d8da30cbdc95faf9dba31a0cad380a35ba8c0d7ff4de13ff997d0a",
}


def test_there_is_a_fixture_for_0_1_0():
    assert {f"{p.parent.name}/{p.name}" for p in FOLDERS} >= {
        "v0_1_0/im-ketamine-120",
        "v0_1_0/esketamine-120",
    }


@pytest.mark.parametrize("name", sorted(WRITTEN))
def test_the_fixture_bytes_are_as_that_version_wrote_them(name):
    assert hashlib.sha256((FIXTURES / name).read_bytes()).hexdigest() == WRITTEN[name]


@pytest.mark.parametrize("folder", FOLDERS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_an_earlier_record_reads_and_verifies(folder):
    opened = open_record(folder)
    assert opened.verification.status == "verified", opened.verification.problem
    assert vitals_series(opened.record, opened.session_dir).thresholds_from_protocol


@pytest.mark.parametrize("format", sorted(FORMATS))
@pytest.mark.parametrize("folder", FOLDERS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_an_earlier_record_exports(folder, format):
    opened = open_record(folder)
    text = export_record(opened, format)
    record = opened.record
    if format in ("json", "fhir"):
        document = json.loads(text)
        assert document["resourceType" if format == "fhir" else "format"] == (
            "Bundle" if format == "fhir" else 1
        )
    elif format == "csv":
        assert text.splitlines()[0].startswith("session,client_code,seq,")
        assert len(text.splitlines()) > 10
    else:
        assert record.session.client_code in text
    if format in ("md", "html"):
        assert "Verified against its journal and hash chain" in text
        assert all(n.text.split("“")[0] in text for n in record.notes if n.for_integration)
