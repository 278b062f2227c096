"""A class's practice runs in one table: trainee, scenario, score, and what was missed.

Reads the debrief summaries (debrief.json) that practice saves beside each record, anywhere
under a folder (a data folder's practice/ subfolder, or copies gathered by an instructor).
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from pathlib import Path

from .debrief_text import SUMMARY_NAME


@dataclass(frozen=True)
class ReportRow:
    trainee: str
    scenario: str
    score: int
    missed: tuple[str, ...]
    folder: str


def class_rows(folder: Path) -> tuple[list[ReportRow], list[str]]:
    """Every debrief under `folder` (sorted by trainee, then scenario), and files skipped."""
    rows, problems = [], []
    for path in sorted(folder.rglob(SUMMARY_NAME)):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            rows.append(
                ReportRow(
                    trainee=str(data["trainee"]),
                    scenario=str(data["scenario"]),
                    score=int(data["score"]),
                    missed=tuple(str(item) for item in data.get("missed", [])),
                    folder=path.parent.name,
                )
            )
        except (OSError, ValueError, KeyError, TypeError):
            problems.append(f"{path}: not a debrief summary; skipped")
    rows.sort(key=lambda row: (row.trainee.casefold(), row.scenario, row.folder))
    return rows, problems


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def report_markdown(rows: list[ReportRow]) -> str:
    lines = [
        "# Practice: class report",
        "",
        "| Trainee | Scenario | Score | What was missed |",
        "|---|---|---:|---|",
    ]
    for row in rows:
        missed = "; ".join(row.missed) or "nothing"
        lines.append(f"| {_cell(row.trainee)} | {row.scenario} | {row.score} | {_cell(missed)} |")
    if rows:
        mean = sum(row.score for row in rows) / len(rows)
        lines += ["", f"{len(rows)} runs, mean score {mean:.1f}."]
    else:
        lines += ["", "No debriefs found."]
    return "\n".join(lines) + "\n"


def report_csv(rows: list[ReportRow]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["trainee", "scenario", "score", "missed", "session"])
    for row in rows:
        writer.writerow([row.trainee, row.scenario, row.score, "; ".join(row.missed), row.folder])
    return out.getvalue()
