"""Exports of a session record: one module per format, each `render(data: ExportInput) -> str`.

`export_record` refuses an altered record unless forced (then the first line says UNVERIFIED).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from .common import ExportInput, export_input

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
    data: ExportInput = export_input(opened, force=force)
    module = importlib.import_module(f"{__name__}.{FORMATS[format]}")
    return module.render(data)
