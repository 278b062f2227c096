"""How the review screen words its sections: lines with a time column, and the notes list.

A long line wraps under its words, not under the time column; ★ and warnings are words in
the text, never colour alone. `plain` keeps what a section says as plain text.
"""

from __future__ import annotations

from typing import Any

from rich.table import Table
from rich.text import Text
from textual.widgets import Static

from kap_console.integration.notes import KIND_WORDS
from kap_console.integration.review import Line


def lines_text(lines: list[Line], empty: str) -> Text:
    """Section lines as one text: time column, then the words (★ and warnings are words too)."""
    if not lines:
        return Text(empty, style="italic")
    text = Text()
    timed = any(line.when for line in lines)
    for index, line in enumerate(lines):
        if index:
            text.append("\n")
        if timed:
            text.append(f"{line.when:>5} ", style="dim")
        text.append(line.text, style=_line_style(line))
    return text


def _line_style(line: Line) -> str:
    return "bold" if line.marked else ("bold reverse" if line.warn else "")


class SectionLines(Static):
    """A section's lines; a long line wraps under its words, not under the time column."""

    def __init__(self, lines: list[Line], empty: str, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.empty = empty
        self.show(lines)

    def show(self, lines: list[Line]) -> None:
        self.lines = list(lines)
        self.plain = lines_text(self.lines, self.empty).plain
        if not self.lines:
            self.update(Text(self.empty, style="italic"))
            return
        grid = Table.grid(padding=(0, 1), expand=True)
        if any(line.when for line in self.lines):
            grid.add_column(width=5, justify="right", style="dim", no_wrap=True)
            grid.add_column(ratio=1)
            for line in self.lines:
                grid.add_row(line.when, Text(line.text, style=_line_style(line)))
        else:
            grid.add_column(ratio=1)
            for line in self.lines:
                grid.add_row(Text(line.text, style=_line_style(line)))
        self.update(grid)


def item_label(item: Any) -> Text:
    """One integration note in the list: kind, text, who and when; corrections in words."""
    text = Text()
    if item.voided:
        text.append("ERROR ", style="bold")
    text.append(f"[{KIND_WORDS[item.kind]}] ", style="bold")
    text.append(item.text, style="strike" if item.voided else "")
    if item.due:
        text.append(f" (when: {item.due})")
    text.append(f"\n    {item.recorded_by}, {item.recorded_at:%Y-%m-%d %H:%M} UTC", style="dim")
    if item.amendments:
        last = item.amendments[-1]
        text.append(f"; amended ({last.reason}), was: {last.old}", style="dim")
    if item.voided:
        text.append(f"; entered in error: {item.void_reason}", style="dim")
    return text
