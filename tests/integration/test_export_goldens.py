"""Every export of records built by running the engine, against golden files."""

from __future__ import annotations

import pytest
from goldens import check_golden, normalised

from kap_console.integration.exports import FORMATS, export_record
from kap_console.integration.reading import open_record

EXTENSION = {
    "md": "md",
    "html": "html",
    "json": "json",
    "csv": "csv",
    "rems": "txt",
    "fhir": "json",
}
CASES = [(name, fmt) for name in ("im", "esketamine") for fmt in FORMATS] + [
    ("no-go", "md"),
    ("no-go", "rems"),
    ("no-go", "csv"),
]


@pytest.mark.parametrize(("session", "format"), CASES)
def test_export_matches_its_golden_file(built_sessions, session: str, format: str):
    opened = open_record(built_sessions[session])
    assert opened.verification.status == "verified"
    text = export_record(opened, format)
    suffix = "fhir." if format == "fhir" else ""
    check_golden(f"{session}.{suffix}{EXTENSION[format]}", normalised(text, opened))


def test_the_same_journal_gives_the_same_export_twice(built_sessions):
    opened = open_record(built_sessions["im"])
    assert export_record(opened, "fhir") == export_record(opened, "fhir")
    assert export_record(opened, "html") == export_record(opened, "html")
