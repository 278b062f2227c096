"""The integration summary as Markdown that reads as plain text (no HTML, tables padded)."""

from __future__ import annotations

from .common import ExportInput
from .summary import Items, Paragraph, Table, summary


def render(data: ExportInput) -> str:
    content = summary(data)
    lines: list[str] = []
    if data.banner:
        lines += [data.banner, ""]
    lines += [f"# {content.title}", ""]
    for section in content.sections:
        lines += [f"## {section.title}", ""]
        for block in section.blocks:
            if isinstance(block, Paragraph):
                lines += [block.text, ""]
            elif isinstance(block, Items):
                lines += [f"- {item}" for item in block.items] + [""]
            elif isinstance(block, Table):
                lines += table(block.header, block.rows) + [""]
                if block.note:
                    lines += [block.note, ""]
    return "\n".join(lines).rstrip() + "\n"


def table(header: list[str], rows: list[list[str]]) -> list[str]:
    """A pipe table with padded columns, so it lines up in a plain-text viewer too."""
    cells = [[escape(c) for c in row] for row in [header, *rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    out = ["| " + " | ".join(c.ljust(w) for c, w in zip(cells[0], widths, strict=True)) + " |"]
    out.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for row in cells[1:]:
        out.append("| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |")
    return out


def escape(cell: str) -> str:
    return cell.replace("|", "\\|").replace("\n", " ")
