"""What the integration therapist sees at 80×24: the review's first pane, its vitals chart, and
an altered record. Update with `--snapshot-update` and look at the SVGs before committing."""

from __future__ import annotations

from pathlib import Path

import pytest
from integration.record_sessions import im_session
from review_helpers import copy_session, review_app

SIZE = (80, 24)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return im_session(tmp_path_factory.mktemp("built"))


def test_review_session_pane(snap_compare, built, tmp_path):
    app = review_app(copy_session(built, tmp_path / "data"), tmp_path / "data")
    assert snap_compare(app, terminal_size=SIZE)


def test_review_vitals_chart(snap_compare, built, tmp_path):
    app = review_app(copy_session(built, tmp_path / "data"), tmp_path / "data")
    assert snap_compare(app, terminal_size=SIZE, press=["2"])


def test_review_of_an_altered_record(snap_compare, built, tmp_path, monkeypatch):
    # The banner names the record's path: make it the same on every run.
    monkeypatch.chdir(tmp_path)
    session = copy_session(built, Path("data"), "20260302T090000Z-KAP-0042-0a0a0a")
    record = session / "record.toml"
    record.write_bytes(record.read_bytes().replace(b"dose_mg = 40.0", b"dose_mg = 48.0", 1))
    app = review_app(session, Path("data"), theme="high-contrast")
    assert snap_compare(app, terminal_size=SIZE)
