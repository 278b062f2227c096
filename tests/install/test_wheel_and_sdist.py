"""The real build, from a clean copy of the project: the sdist holds every file of the
project, the wheel built from it holds the package and every bundled protocol and theme,
and a build whose configuration leaves a bundled file out is caught.

These build without isolation (this venv's setuptools and `build`, from the test extra), so
they need no download; `-m "not packaging"` leaves them out."""

from __future__ import annotations

import importlib.util

import build_check
import pytest

pytestmark = [
    pytest.mark.packaging,
    pytest.mark.skipif(
        importlib.util.find_spec("build") is None, reason="needs `build` (the test extra)"
    ),
]


def test_the_sdist_holds_the_project_and_the_wheel_built_from_it_every_bundled_file(
    tmp_path,
) -> None:
    source = build_check.copy_project(build_check.ROOT, tmp_path / "source")
    sdist, wheel = build_check.build(source, tmp_path / "dist", isolation=False)
    sdist_names = build_check.sdist_names(sdist)
    assert build_check.missing_from_sdist(sdist_names) == []
    for needed in ("tests/broken_protocols", "tests/record_helpers.py", "CHANGELOG.md", "docs/"):
        assert any(name.split("/", 1)[1].startswith(needed) for name in sdist_names), needed
    wheel_names = build_check.wheel_names(wheel)
    assert build_check.missing_from_wheel(wheel_names) == []
    assert "kap_console/_bundled/protocols/training/quick-im-practice.toml" in wheel_names


def test_a_build_that_leaves_a_bundled_file_out_is_caught(tmp_path) -> None:
    source = build_check.copy_project(build_check.ROOT, tmp_path / "source")
    pyproject = source / "pyproject.toml"
    text = pyproject.read_text(encoding="utf-8")
    line = '    "_bundled/themes/*.toml",\n'
    assert line in text
    pyproject.write_text(text.replace(line, ""), encoding="utf-8")
    wheel = build_check.build_wheel(source, tmp_path / "dist", isolation=False)
    missing = build_check.missing_from_wheel(build_check.wheel_names(wheel))
    assert missing == [
        f"kap_console/_bundled/{name}"
        for name in build_check.bundled_files()
        if name.startswith("themes/")
    ]
