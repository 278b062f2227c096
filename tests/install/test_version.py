"""One version: `kap_console.__version__` is what the metadata, `--version`, every record's
app_version and the newest release in CHANGELOG.md say."""

from __future__ import annotations

import importlib.metadata
import re
import tomllib

import build_check
import pytest

import kap_console
from kap_console.cli import main

ROOT = build_check.ROOT


def test_the_installed_metadata_has_the_packages_version() -> None:
    assert importlib.metadata.version("kap-console") == kap_console.__version__


def test_the_build_reads_the_version_from_the_package() -> None:
    with (ROOT / "pyproject.toml").open("rb") as handle:
        config = tomllib.load(handle)
    assert "version" not in config["project"]
    assert "version" in config["project"]["dynamic"]
    assert config["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "kap_console.__version__"}


def test_version_option_prints_the_packages_version(capsys) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--version"])
    assert exited.value.code == 0
    assert capsys.readouterr().out == f"kap-console {kap_console.__version__}\n"


def test_a_record_names_the_version_that_wrote_it(tmp_path) -> None:
    from record_helpers import whole_session

    _session, closed = whole_session(tmp_path / "data")
    with closed.record_path.open("rb") as handle:
        record = tomllib.load(handle)
    assert record["session"]["app_version"] == kap_console.__version__


def test_the_changelog_has_an_unreleased_section_then_this_version() -> None:
    text = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    headings = re.findall(r"^## \[([^\]]+)\]", text, re.MULTILINE)
    assert headings[:2] == ["Unreleased", kap_console.__version__]
