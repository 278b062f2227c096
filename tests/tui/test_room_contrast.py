"""Every text colour the console draws, on every background it draws it on, reads at WCAG AA
(contrast ratio at least 4.5:1) in every bundled theme, the night theme included.

The colours are the ones Textual resolves for the theme (App.get_css_variables), with any
transparency blended over the background, exactly as they reach the screen.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from textual.app import App
from textual.color import Color

from kap_console.themes import theme_from_data

ROOT = Path(__file__).resolve().parents[2]
THEMES = sorted((ROOT / "themes").glob("*.toml"))
TUI = ROOT / "kap_console" / "tui"
BACKGROUNDS = ("background", "surface", "panel")
# Text variables Textual's own widgets draw with (footer keys, labels), beside ours.
WIDGET_TEXT = (
    "foreground",
    "text",
    "text-muted",
    "footer-key-foreground",
    "footer-description-foreground",
)
NOT_TEXT = {"panel", "surface", "background", "boost"}
# Text drawn on a coloured background of its own (the banner; urgent and not-saved banners).
OWN_BACKGROUNDS = (("text", "warning-muted"), ("background", "error"))
MINIMUM = 4.5


def used_text_variables() -> set[str]:
    """Every `$variable` our CSS and styles use as a text colour (app.tcss, widgets, screens)."""
    found: set[str] = set()
    for path in [TUI / "app.tcss", *TUI.rglob("*.py")]:
        text = path.read_text(encoding="utf-8")
        text = re.sub(r"background:\s*\$[a-z-]+", "", text)
        found |= set(re.findall(r"(?:color:\s*|[\"' ])\$([a-z][a-z-]*)", text))
    return (found - NOT_TEXT) | set(WIDGET_TEXT)


def luminance(color: Color) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(color.r) + 0.7152 * channel(color.g) + 0.0722 * channel(color.b)


def contrast(a: Color, b: Color) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def resolve(value: str, background: Color) -> Color:
    """A CSS variable's colour as drawn on `background` ("auto 87%" picks black or white)."""
    value = value.strip()
    if value.startswith("auto"):
        alpha = float(value.split()[1].rstrip("%")) / 100 if " " in value else 1.0
        return background + background.get_contrast_text(alpha)
    return background + Color.parse(value)


def theme_variables(path: Path) -> dict[str, str]:
    theme = theme_from_data(tomllib.loads(path.read_text(encoding="utf-8")))
    app = App()
    app.register_theme(theme)
    app.theme = theme.name
    return app.get_css_variables()


def test_the_text_variables_found_include_the_ones_the_screens_use():
    used = used_text_variables()
    assert {"primary", "warning", "error", "text-muted", "foreground-muted"} <= used


@pytest.mark.parametrize("path", THEMES, ids=[p.stem for p in THEMES])
def test_every_text_colour_reads_on_every_background(path):
    variables = theme_variables(path)
    failures = []
    for background_name in BACKGROUNDS:
        background = Color.parse(variables[background_name])
        for name in sorted(used_text_variables()):
            if name not in variables:
                continue
            ratio = contrast(resolve(variables[name], background), background)
            if ratio < MINIMUM:
                failures.append(f"${name} on ${background_name}: {ratio:.2f}:1")
    base = Color.parse(variables["background"])
    for name, background_name in OWN_BACKGROUNDS:
        background = base + Color.parse(variables[background_name])
        ratio = contrast(resolve(variables[name], background), background)
        if ratio < MINIMUM:
            failures.append(f"${name} on ${background_name}: {ratio:.2f}:1")
    assert not failures, f"{path.stem}: " + ", ".join(failures)


def test_the_ratio_is_computed_as_wcag_defines_it():
    assert contrast(Color(0, 0, 0), Color(255, 255, 255)) == pytest.approx(21.0)
    assert contrast(Color(119, 119, 119), Color(255, 255, 255)) == pytest.approx(4.48, abs=0.01)
