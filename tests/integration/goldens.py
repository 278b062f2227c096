"""Golden files for the exports: compare, or rewrite them when asked.

Refresh every golden file after an intended change of an export with:

    KAP_UPDATE_GOLDENS=1 .venv/bin/python -m pytest tests/integration -q

then read the diff (`git diff tests/integration/goldens`) before committing it.
"""

from __future__ import annotations

import os
from pathlib import Path

from kap_console.integration.reading import OpenedRecord

GOLDENS = Path(__file__).resolve().parent / "goldens"


def normalised(text: str, opened: OpenedRecord) -> str:
    """The export with what depends on where the checkout lives replaced by placeholders: the
    protocol's path (and so the journal's head hash and the record's SHA-256)."""
    sha, head = opened.sha256, opened.record.integrity.journal_head
    for value, placeholder in (
        (opened.record.protocol.path, "<protocol-path>"),
        (sha, "<record-sha256>"),
        (f"{sha[0:4]}-{sha[4:8]}-{sha[8:12]}", "<fingerprint>"),
        (head, "<journal-head>"),
    ):
        text = text.replace(value, placeholder)
    return text


def check_golden(name: str, text: str) -> None:
    path = GOLDENS / name
    if os.environ.get("KAP_UPDATE_GOLDENS") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return
    assert path.exists(), f"no golden file {path.name}: run with KAP_UPDATE_GOLDENS=1 to write it"
    expected = path.read_text(encoding="utf-8")
    assert text == expected, (
        f"{path.name} differs from the export; if the change is intended, refresh with "
        "KAP_UPDATE_GOLDENS=1 .venv/bin/python -m pytest tests/integration"
    )
