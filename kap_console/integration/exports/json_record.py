"""The record model as JSON, and the JSON Schema it validates against (`record schema`).

A forced export of an altered record carries `"UNVERIFIED"` as its first key, on the first
line: it then fails the schema on purpose, so it cannot pass for a verified record.
"""

from __future__ import annotations

import json
from typing import Any

from kap_console.session import SessionRecord

from .common import ExportInput

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


def record_schema() -> dict[str, Any]:
    """The JSON Schema of a record as `record export --format json` writes it."""
    schema = SessionRecord.model_json_schema(mode="serialization")
    return {
        "$schema": SCHEMA_DIALECT,
        "title": "kap-console session record",
        "description": "A session record (record.toml) as JSON: times are RFC 3339 strings in UTC.",
        **{k: v for k, v in schema.items() if k != "title"},
    }


def schema_text() -> str:
    return json.dumps(record_schema(), indent=2, ensure_ascii=False) + "\n"


def render(data: ExportInput) -> str:
    text = json.dumps(data.record.model_dump(mode="json"), indent=2, ensure_ascii=False)
    if data.banner:
        text = '{"UNVERIFIED": ' + json.dumps(data.banner, ensure_ascii=False) + "," + text[1:]
    return text + "\n"
