"""Shared test setup: isolated data/config folders, and the opt-in flag for long soaks."""

from __future__ import annotations

import gc

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--soak", action="store_true", help="run long soak tests too")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--soak"):
        return
    skip = pytest.mark.skip(reason="long soak: run with --soak")
    for item in items:
        if "soak" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _isolated_folders(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch):
    """No test reads or writes the real user's data or config folders."""
    root = tmp_path_factory.mktemp("kap-home")
    monkeypatch.setenv("KAP_CONSOLE_DATA_DIR", str(root / "data"))
    monkeypatch.setenv("KAP_CONSOLE_CONFIG_DIR", str(root / "config"))
    yield


@pytest.fixture(autouse=True)
def _nothing_frozen_after_a_test():
    """A resumed session and the console's start-up freeze what is alive then out of the
    collector's reach (`gc.freeze`), as a real console does once for its one session. In
    the test process that would keep every earlier test's garbage alive for the whole run
    (several hundred MB per worker): give it back after each test."""
    yield
    gc.unfreeze()
