"""Courses of several sessions for the course tests, made from one engine-built session.

The copies' records are edited (session number, date, training flag, the dose): only the
course reads them, and it reads records without verifying them against their journals.
"""

from __future__ import annotations

import shutil
from pathlib import Path


def copy_as(
    source: Path,
    data_dir: Path,
    name: str,
    *,
    session_number: int,
    day: int,
    training: bool = False,
    dose_mg: float | None = None,
) -> Path:
    """A copy of the session folder `source`, as session `session_number` on March `day`."""
    target = data_dir / "sessions" / name
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("ballast", "lock"))
    record = target / "record.toml"
    text = record.read_text(encoding="utf-8")
    text = text.replace("session_number = 3", f"session_number = {session_number}", 1)
    text = text.replace("2026-03-02 ", f"2026-03-{day:02d} ")
    if training:
        text = text.replace("training = false", "training = true", 1)
    if dose_mg is not None:
        text = text.replace("dose_mg = 40.0", f"dose_mg = {dose_mg:.1f}", 1)
    record.write_text(text, encoding="utf-8")
    return target
