"""Exports of a session record: one module per format, each `render(data: ExportInput) -> str`.

`export_record` refuses an altered record unless forced (then the first line says UNVERIFIED).
This module stays light (the command line reads FORMATS before any record is opened): the
record model and the formats are imported only when an export runs.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kap_console.integration.reading import OpenedRecord

# format name -> module under kap_console.integration.exports
FORMATS = {
    "md": "markdown",
    "html": "html",
    "json": "json_record",
    "csv": "csv_values",
    "rems": "rems",
    "fhir": "fhir",
}


def export_record(opened: OpenedRecord, format: str, *, force: bool = False) -> str:
    """The record in `format` (ExportRefused when altered and not forced)."""
    from .common import export_input

    data = export_input(opened, force=force)
    module = importlib.import_module(f"{__name__}.{FORMATS[format]}")
    rendered: str = module.render(data)
    return rendered
