"""Themes: the bundled ones validate, a bad user theme is reported by file and never stops
the console, the choice is remembered, and the app's styles use theme variables only."""

from __future__ import annotations

import re
import stat
from pathlib import Path

import pytest
from harness import make_app, ready

from kap_console import paths, settings, themes
from kap_console.tui import app as app_module

BUNDLED = sorted(paths.bundled_themes_dir().glob("*.toml"))
NIGHT_BLUE_LIMIT = 0x40


def test_the_three_bundled_themes_are_there_in_order():
    found, problems = themes.load_themes(user=Path("/nonexistent"))
    assert problems == []
    assert [theme.name for theme in found] == ["night", "daylight", "high-contrast"]


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.stem)
def test_the_quick_first_paint_theme_is_the_validated_one(path):
    assert themes.quick_theme(path.stem) == themes.validate_theme_file(path)


def test_night_is_dark_and_low_in_blue():
    night = themes.validate_theme_file(paths.bundled_themes_dir() / "night.toml")
    assert night.dark
    colours = {name: getattr(night, name) for name in themes.COLOR_NAMES}
    colours.update({k: v for k, v in night.variables.items() if not k.endswith("-style")})
    for name, colour in colours.items():
        if colour is None:
            continue
        red, green, blue = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
        assert blue <= min(red, green), f"{name} {colour} leans blue"
        assert blue < 0x80, f"{name} {colour} is bright in blue"
    assert int(night.background[1:3], 16) < 0x20, "background bright enough to light a room"


def test_bad_user_themes_are_reported_one_line_per_file(tmp_path):
    (tmp_path / "typo.toml").write_text('name = "dusk"\n[colors]\nprimary = "#zzz"\n')
    (tmp_path / "clash.toml").write_text('name = "night"\n[colors]\nprimary = "#112233"\n')
    (tmp_path / "broken.toml").write_text('name = "x\n')
    (tmp_path / "good.toml").write_text('name = "dusk-red"\n[colors]\nprimary = "#802020"\n')
    found, problems = themes.load_themes(user=tmp_path)

    assert [theme.name for theme in found][-1] == "dusk-red"
    assert len(problems) == 3
    by_file = {Path(problem.split(": ", 1)[0]).name: problem for problem in problems}
    assert "colors.primary: '#zzz' is not a colour" in by_file["typo.toml"]
    assert "'night' is already taken" in by_file["clash.toml"]
    assert "not valid TOML" in by_file["broken.toml"]


async def test_the_console_reports_bad_themes_in_one_notice_and_carries_on(config_dir, tmp_path):
    folder = config_dir / "themes"
    folder.mkdir(parents=True)
    (folder / "typo.toml").write_text('name = "dusk"\n[colors]\nprimary = "#zzz"\n')
    (folder / "extra.toml").write_text(
        'name = "dusk"\ndark = "maybe"\n[colors]\nprimary = "#111"\n'
    )
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        notices = [n for n in app._notifications if "typo.toml" in n.message]
        assert len(notices) == 1
        assert "extra.toml" in notices[0].message
        assert app.theme == "night"


async def test_a_chosen_theme_is_remembered_for_next_time(config_dir, tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        assert app.theme == "night"
        await pilot.press("ctrl+t")
        assert app.theme == "daylight"

    saved = config_dir / "settings.toml"
    assert settings.load_settings(saved)[0].theme == "daylight"
    assert stat.S_IMODE(saved.stat().st_mode) == 0o600

    again = make_app(tmp_path)
    assert again.theme == "daylight"  # from the first frame
    async with again.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        assert again.theme == "daylight"


async def test_a_user_theme_is_used_once_validated(config_dir, tmp_path):
    folder = config_dir / "themes"
    folder.mkdir(parents=True)
    (folder / "ember.toml").write_text('name = "ember"\n[colors]\nprimary = "#803010"\n')
    app = make_app(tmp_path, theme="ember")
    assert app.theme == "night"  # the first frame does not wait for validation
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        assert app.theme == "ember"
        assert "ember" in app.console_themes


async def test_an_unknown_theme_falls_back_to_night_with_a_notice(tmp_path):
    app = make_app(tmp_path, theme="neon")
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        assert app.theme == "night"
        assert any("'neon' not found" in n.message for n in app._notifications)


def test_settings_keep_good_values_and_report_bad_ones(tmp_path):
    path = tmp_path / "settings.toml"
    path.write_text('theme = "daylight"\nbell = "loud"\nbell_after_seconds = 45\nvolume = 3\n')
    loaded, problems = settings.load_settings(path)
    assert (loaded.theme, loaded.bell, loaded.bell_after_seconds) == ("daylight", False, 45)
    assert any("bell must be true or false" in problem for problem in problems)
    assert any("unknown setting 'volume'" in problem for problem in problems)


def test_settings_default_to_night_and_no_bell(tmp_path):
    loaded, problems = settings.load_settings(tmp_path / "missing.toml")
    assert (loaded.theme, loaded.bell, problems) == ("night", False, [])


LITERAL_COLOUR = re.compile(
    r"#[0-9a-fA-F]{3,8}\b|\b(rgb|hsl)a?\(|\b(red|green|blue|yellow|white|black|orange|grey|gray)\b"
)
OWN_STYLED = [
    "kap_console.tui.screens.base",
    "kap_console.tui.screens.help",
    "kap_console.tui.screens.save_error",
    "kap_console.tui.screens.start",
    "kap_console.tui.widgets.header",
    "kap_console.tui.widgets.banner",
]


def test_the_app_styles_use_theme_variables_only():
    import importlib
    import inspect

    css = [Path(app_module.__file__).with_name("app.tcss").read_text()]
    for name in OWN_STYLED:
        module = importlib.import_module(name)
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ == name:
                css.append(cls.__dict__.get("DEFAULT_CSS", ""))
    for block in css:
        assert not LITERAL_COLOUR.search(block), LITERAL_COLOUR.search(block)
