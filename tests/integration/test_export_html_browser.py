"""The HTML export in a real browser: headless Chromium draws the vitals chart.

The chart is found in the screenshot by its own colours (each measure's line colour is used
nowhere else on the page), and its area must hold drawn pixels: lines, markers, thresholds.
Skips, saying why, only where no Chromium is installed (`.ci/run` installs Debian's).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from kap_console.integration.exports import export_record
from kap_console.integration.exports.chart_svg import STYLE
from kap_console.integration.reading import open_record

Image = pytest.importorskip("PIL.Image", reason="Pillow (in the test extra) reads the screenshot")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="no chromium on this machine (apt-get install chromium)"
)
WIDTH, HEIGHT = 1000, 2200


def screenshot(html: Path, png: Path) -> None:
    assert CHROMIUM is not None
    subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            f"--user-data-dir={png.parent / 'profile'}",
            f"--window-size={WIDTH},{HEIGHT}",
            f"--screenshot={png}",
            html.as_uri(),
        ],
        capture_output=True,
        timeout=120,
        check=True,
    )


def rgb(colour: str) -> tuple[int, int, int]:
    return tuple(int(colour[i : i + 2], 16) for i in (1, 3, 5))  # type: ignore[return-value]


def near(a: tuple[int, ...], b: tuple[int, ...], tolerance: int = 40) -> bool:
    return all(abs(x - y) <= tolerance for x, y in zip(a, b, strict=False))


def test_the_chart_is_drawn_in_headless_chromium(built_sessions, tmp_path):
    html = tmp_path / "summary.html"
    html.write_text(export_record(open_record(built_sessions["esketamine"]), "html"), "utf-8")
    png = tmp_path / "summary.png"
    screenshot(html, png)
    image = Image.open(png).convert("RGB")
    width, height = image.size
    pixels = image.load()
    series = {name: rgb(colour) for name, (colour, _, _) in STYLE.items()}
    found: dict[str, list[tuple[int, int]]] = {name: [] for name in series}
    for y in range(0, height, 2):
        for x in range(0, width, 2):
            pixel = pixels[x, y]
            for name, colour in series.items():
                if near(pixel, colour):
                    found[name].append((x, y))
    assert all(len(points) > 30 for points in found.values()), {k: len(v) for k, v in found.items()}
    xs = [x for points in found.values() for x, _ in points]
    ys = [y for points in found.values() for _, y in points]
    left, right, top, bottom = min(xs), max(xs), min(ys), max(ys)
    assert right - left > 400 and bottom - top > 200, (left, right, top, bottom)
    box = [pixels[x, y] for y in range(top, bottom) for x in range(left, right)]
    drawn = sum(1 for p in box if sum(p) < 3 * 235)
    assert drawn / len(box) > 0.02
    assert len(set(box)) > 50  # lines, markers, text, thresholds: not a flat fill
