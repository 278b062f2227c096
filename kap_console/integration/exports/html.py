"""The integration summary as one self-contained HTML file: inline CSS (screen and print),
the vitals chart as inline SVG, no script and no network asset."""

from __future__ import annotations

from html import escape

from kap_console.integration.vitals import vitals_series

from .chart_svg import vitals_svg
from .common import ExportInput
from .summary import Items, Paragraph, Table, summary

CSS = """
:root { color-scheme: light; }
body { font: 15px/1.45 system-ui, sans-serif; color: #111; background: #fff;
       max-width: 58rem; margin: 1.5rem auto; padding: 0 1rem; }
h1 { font-size: 1.45rem; margin: 0 0 .8rem; }
h2 { font-size: 1.1rem; margin: 1.4rem 0 .4rem; border-bottom: 1px solid #bbb; }
ul { padding-left: 1.2rem; margin: .3rem 0; }
li { margin: .15rem 0; }
table { border-collapse: collapse; font-size: .85rem; }
th, td { border: 1px solid #bbb; padding: .15rem .4rem; text-align: left; }
th { background: #f0f0f0; }
td:first-child { white-space: nowrap; }
.banner { border: 3px solid #b3261e; color: #b3261e; font-weight: bold; padding: .5rem; }
.mark { font-weight: bold; }
figure { margin: .6rem 0; }
svg { max-width: 100%; height: auto; }
@media print {
  body { font-size: 10.5pt; max-width: none; margin: 0; }
  h2 { break-after: avoid; }
  table, figure, li { break-inside: avoid; }
  @page { margin: 14mm; }
}
"""


def render(data: ExportInput) -> str:
    content = summary(data)
    opened = data.opened
    series = vitals_series(data.record, opened.session_dir, data.protocol)
    out: list[str] = []
    if data.banner:
        out.append(f"<!-- {escape(data.banner)} -->")
    out += [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        f"<title>{escape(content.title)}</title>",
        f"<style>{CSS}</style>",
        "</head>",
        "<body>",
    ]
    if data.banner:
        out.append(f'<p class="banner">{escape(data.banner)}</p>')
    out.append(f"<h1>{escape(content.title)}</h1>")
    for section in content.sections:
        out.append(f"<h2>{escape(section.title)}</h2>")
        if section.title == "Vitals":
            out.append('<figure aria-label="Vitals chart">')
            out.append(vitals_svg(series))
            note = (
                "Dashed lines: the protocol's monitoring thresholds. Dotted lines: dose times. "
                "Rings: alerts raised."
                if series.thresholds_from_protocol
                else "The protocol file is not available: thresholds are not drawn. "
                "Dotted lines: dose times."
            )
            out.append(f"<figcaption>{escape(note)}</figcaption>")
            out.append("</figure>")
        for block in section.blocks:
            out.append(_block(block))
    out += ["</body>", "</html>"]
    return "\n".join(out) + "\n"


def _block(block: Paragraph | Items | Table) -> str:
    if isinstance(block, Paragraph):
        return f"<p>{_marked(block.text)}</p>"
    if isinstance(block, Items):
        return "<ul>\n" + "\n".join(f"<li>{_marked(i)}</li>" for i in block.items) + "\n</ul>"
    head = "".join(f"<th>{escape(h)}</th>" for h in block.header)
    rows = "\n".join(
        "<tr>" + "".join(f"<td>{escape(c)}</td>" for c in row) + "</tr>" for row in block.rows
    )
    table = f"<table>\n<thead><tr>{head}</tr></thead>\n<tbody>\n{rows}\n</tbody>\n</table>"
    return table + (f"\n<p>{escape(block.note)}</p>" if block.note else "")


def _marked(text: str) -> str:
    """Escape, and set the integration and quote marks in bold (the words stay the mark)."""
    from .summary import INTEGRATION_MARK, QUOTE_MARK

    html = escape(text, quote=False)
    for mark in (INTEGRATION_MARK, QUOTE_MARK):
        html = html.replace(mark, f'<span class="mark">{mark}</span>')
    return html
