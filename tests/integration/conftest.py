"""Sessions run through the engine once per test run, closed, for the export tests.

Session ids come from a fixed sequence while they are built, so every run gives the same
records, and the golden files can be compared byte for byte (after `normalised`).
"""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from record_sessions import esketamine_session, im_session, no_go_session


@pytest.fixture(scope="session")
def built_sessions(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    data = tmp_path_factory.mktemp("integration-data")
    counter = iter(range(1, 1000))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(uuid, "uuid4", lambda: uuid.UUID(int=next(counter)))
        return {
            "im": im_session(data, client_code="KAP-0042"),
            "esketamine": esketamine_session(data, client_code="KAP-0077"),
            "no-go": no_go_session(data, client_code="KAP-0042"),
        }
