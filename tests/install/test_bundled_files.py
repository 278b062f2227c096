"""The protocols and themes an install finds: the top-level protocols/ and themes/, byte for
byte, found through the package (importlib.resources), carried by the build, and a clear
refusal when an install has lost them."""

from __future__ import annotations

from pathlib import Path

import build_check
import pytest

from kap_console import paths
from kap_console.cli import main

ROOT = build_check.ROOT


def _contents(folder: Path) -> dict[str, bytes]:
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and "__pycache__" not in path.parts
    }


@pytest.mark.parametrize(
    ("found", "folder"),
    [
        (paths.bundled_protocols_dir, "protocols"),
        (paths.bundled_themes_dir, "themes"),
        (paths.bundled_scenarios_dir, "scenarios"),
    ],
)
def test_the_package_finds_the_top_level_folder_byte_for_byte(found, folder) -> None:
    bundled = found()
    assert bundled.parts[-2:] == ("_bundled", folder)
    assert _contents(bundled) == _contents(ROOT / folder)
    assert _contents(bundled)  # not two empty folders


def test_the_bundled_folders_are_not_computed_from_the_checkout() -> None:
    """They sit inside the package wherever it is installed, not beside it."""
    import kap_console

    package = Path(kap_console.__file__).parent
    assert paths.bundled_protocols_dir().parent == package / "_bundled"


def test_every_file_of_the_package_is_a_module_or_matched_by_package_data() -> None:
    assert build_check.not_packaged() == []


def test_a_bundled_file_left_out_of_package_data_is_named() -> None:
    patterns = [p for p in build_check.package_data_patterns() if "protocols/training" not in p]
    training = sorted(
        f"_bundled/{name}" for name in build_check.bundled_files() if "/training/" in name
    )
    assert training
    assert build_check.not_packaged(patterns=patterns) == training


def test_the_wheel_check_names_each_file_a_wheel_lacks() -> None:
    expected = sorted(build_check.wheel_expected())
    assert "kap_console/_bundled/themes/night.toml" in expected
    assert build_check.missing_from_wheel(expected) == []
    without_night = [name for name in expected if not name.endswith("themes/night.toml")]
    assert build_check.missing_from_wheel(without_night) == [
        "kap_console/_bundled/themes/night.toml"
    ]


# -- an install that has lost its bundled files ---------------------------------------------


@pytest.fixture
def lost_bundled_files(tmp_path, monkeypatch) -> Path:
    empty = tmp_path / "site-packages" / "kap_console" / "_bundled"
    (empty / "protocols").mkdir(parents=True)
    monkeypatch.setattr(paths, "_bundled", lambda folder: empty / folder)
    return empty


def test_protocol_list_says_the_bundled_protocols_are_missing_and_exits_1(
    lost_bundled_files, capsys
) -> None:
    code = main(["protocol", "list"])
    out, err = capsys.readouterr()
    assert code == 1
    assert err == (
        "kap-console: this installation of kap-console is incomplete: no bundled files in "
        f"{lost_bundled_files / 'protocols'}; reinstall it (for example "
        "`pip install --force-reinstall kap-console`)\n"
    )


def test_protocol_list_still_lists_the_users_protocols_when_the_bundled_are_missing(
    lost_bundled_files, capsys
) -> None:
    mine = paths.user_protocols_dir()
    mine.mkdir(parents=True)
    (mine / "ours.toml").write_bytes((ROOT / "protocols" / "im-ketamine-120.toml").read_bytes())
    code = main(["protocol", "list"])
    out, err = capsys.readouterr()
    assert code == 1
    assert str(mine / "ours.toml") in out
    assert "incomplete" in err


def test_run_refuses_to_start_when_the_bundled_files_are_missing(
    lost_bundled_files, capsys, monkeypatch
) -> None:
    from kap_console.tui import app

    def started(*args, **kwargs):
        raise AssertionError("the console started without its bundled files")

    monkeypatch.setattr(app.KapApp, "__init__", started)
    code = main(["run", str(ROOT / "protocols" / "im-ketamine-120.toml")])
    out, err = capsys.readouterr()
    assert code == 1
    assert out == ""
    assert "no bundled files in" in err
    assert str(lost_bundled_files / "protocols") in err
    assert str(lost_bundled_files / "themes") in err


def test_a_complete_install_reports_nothing_missing() -> None:
    assert paths.missing_bundled("protocols", "themes") == []
    with pytest.raises(ValueError, match="no bundled folder 'docs'"):
        paths.missing_bundled("docs")
