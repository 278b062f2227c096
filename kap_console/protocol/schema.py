"""The JSON Schema of the protocol format, generated from the pydantic models.

Editors with TOML support (Taplo, Even Better TOML) read the `#:schema` directive on the
first line of a protocol and use this schema for completion and inline checks. The copy
committed as `protocol.schema.json` must equal what the models generate; a test keeps it so.
Cross-checks (ids that must resolve, thresholds inside ranges) are beyond a JSON Schema:
`kap-console protocol validate` runs them.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

SCHEMA_PATH = Path(__file__).with_name("protocol.schema.json")
SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


def protocol_json_schema() -> dict[str, Any]:
    """The JSON Schema of a protocol file, as a dict."""
    from .models import Protocol

    body = Protocol.model_json_schema(mode="validation")
    schema: dict[str, Any] = {
        "$schema": SCHEMA_DIALECT,
        "title": "kap-console protocol",
        "description": (
            "A kap-console session protocol (TOML). Generated from kap_console/protocol/models.py; "
            "run `kap-console protocol validate` for the checks a schema cannot express."
        ),
    }
    schema.update(
        {key: value for key, value in body.items() if key not in ("title", "description")}
    )
    return schema


def schema_text() -> str:
    """The schema as it is written to disk: indented JSON ending in a newline."""
    return json.dumps(protocol_json_schema(), indent=2, ensure_ascii=False) + "\n"


def write_schema(path: str | os.PathLike[str] = SCHEMA_PATH) -> Path:
    """Write the schema to `path` (default: the copy shipped in the package)."""
    target = Path(path)
    target.write_text(schema_text(), encoding="utf-8")
    return target
