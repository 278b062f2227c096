"""The JSON Schema of the protocol format, generated from the pydantic models.

Editors with TOML support (Tombi, Taplo) read the `#:schema` directive on the first line of
a protocol, or the practice's `tombi.toml` / `.taplo.toml`, and use this schema for
completion and inline checks. The copy committed as `protocol.schema.json` must equal what
this module generates; a test keeps it so.

Pydantic writes the field types; `TABLE_RULES` adds the rules of one table that the models
check in their validators (exactly one comparison, a timed step's duration, a round's times
…), written in what JSON Schema can express (`oneOf`, `if`/`then`, `dependentRequired`,
`not`). Optional keys are simply not required: TOML has no `null`, so the schema never
offers it. What remains the loader's alone (ids that must resolve, times inside the window,
`min ≤ max`) is listed in docs/protocols.md; `kap-console protocol validate` checks it.
"""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path
from typing import Any

SCHEMA_PATH = Path(__file__).with_name("protocol.schema.json")
SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"

# The largest finite double: a bound that `inf` and `-inf` exceed.
_LARGEST = 1.7976931348623157e308
# No real number is both ≥ 0 and < 0, so `not` this holds for every number except NaN
# (every comparison with NaN is false, so NaN satisfies both bounds and fails the `not`).
NOT_NAN = {"not": {"type": "number", "minimum": 0, "exclusiveMaximum": 0}}


def _absent(*keys: str) -> dict[str, Any]:
    return {"properties": {key: False for key in keys}}


def _when(key: str, value: Any, *, required: bool = True) -> dict[str, Any]:
    """The `if` of a rule: `key` is set to `value` (or, with required=False, is `value` or
    left out, for a key whose default is `value`)."""
    condition: dict[str, Any] = {"properties": {key: {"const": value}}}
    if required:
        condition["required"] = [key]
    return condition


# One table's rules, by the name of its model (its key under `$defs`, or "Protocol").
TABLE_RULES: dict[str, dict[str, Any]] = {
    "Protocol": {
        "allOf": [
            {
                # An example protocol says it is not clinical guidance.
                "if": _when("example", True),
                "then": {
                    "required": ["disclaimer"],
                    "properties": {"disclaimer": {"pattern": "\\S"}},
                },
            },
            {
                # An approved version names who approved it and when; a draft names neither.
                "if": _when("status", "approved"),
                "then": {"required": ["approved_by", "approved_on"]},
                "else": _absent("approved_by", "approved_on"),
            },
        ]
    },
    "Threshold": {
        # Exactly one comparison.
        "oneOf": [{"required": [key]} for key in ("above", "at_least", "below", "at_most")],
        # A threshold that holds the dose looks at baseline readings.
        "not": {
            "properties": {"blocks_dosing": {"const": True}, "scope": {"const": "monitoring"}},
            "required": ["blocks_dosing", "scope"],
        },
    },
    "DosingStep": {
        "if": _when("kind", "timed"),
        "then": {"required": ["duration_minutes"]},
        "else": _absent("duration_minutes"),
    },
    "ObservationRound": {
        "anyOf": [
            {"required": ["at_minutes"], "properties": {"at_minutes": {"minItems": 1}}},
            {"required": ["every_minutes"]},
            {"required": ["at_discharge"], "properties": {"at_discharge": {"const": True}}},
        ],
        "dependentRequired": {
            "every_minutes": ["from_minutes", "until_minutes"],
            "from_minutes": ["every_minutes"],
            "until_minutes": ["every_minutes"],
        },
        # No minute twice.
        "allOf": [{"properties": {"at_minutes": {"uniqueItems": True}}}],
    },
    "Measure": {
        "allOf": [
            {"if": _when("kind", "number", required=False), "then": {"required": ["range"]}},
            {
                "if": _when("kind", "scale"),
                "then": {"required": ["levels"], "properties": {"levels": {"minItems": 2}}},
                "else": {"properties": {"levels": {"maxItems": 0}}},
            },
            {
                "if": _when("kind", "text"),
                "then": {"properties": {"thresholds": {"maxItems": 0}}},
            },
        ]
    },
    "ChecklistItem": {
        "allOf": [
            {"if": _when("kind", "yes_no", required=False), "else": _absent("blocks_dosing_when")},
            {"if": _when("kind", "number"), "else": _absent("range")},
        ]
    },
}


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
    return for_toml(schema)


def for_toml(schema: dict[str, Any]) -> dict[str, Any]:
    """Post-process pydantic's schema: no `null` (TOML cannot write it), finite numbers
    only, and each table's own rules from `TABLE_RULES`."""
    result: dict[str, Any] = _without_null(copy.deepcopy(schema))
    _add_table_rules(result, TABLE_RULES["Protocol"])
    for name, definition in result.get("$defs", {}).items():
        if name in TABLE_RULES:
            _add_table_rules(definition, TABLE_RULES[name])
    return result


def _add_table_rules(definition: dict[str, Any], rules: dict[str, Any]) -> None:
    for key, value in rules.items():
        assert key not in definition, f"pydantic already wrote {key!r}"
        definition[key] = copy.deepcopy(value)


def _without_null(node: Any) -> Any:
    if isinstance(node, list):
        return [_without_null(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: _without_null(value) for key, value in node.items()}
    branches = node.get("anyOf")
    if isinstance(branches, list) and {"type": "null"} in branches:
        kept = [branch for branch in branches if branch != {"type": "null"}]
        del node["anyOf"]
        if len(kept) == 1:
            node = {**kept[0], **node}
        else:
            node["anyOf"] = kept
        if node.get("default", ...) is None:
            del node["default"]
    if node.get("type") == "number":
        node.setdefault("minimum", -_LARGEST)
        node.setdefault("maximum", _LARGEST)
        if "not" not in node:
            node.update(copy.deepcopy(NOT_NAN))
    return node


def schema_text() -> str:
    """The schema as it is written to disk: indented JSON ending in a newline."""
    return json.dumps(protocol_json_schema(), indent=2, ensure_ascii=False) + "\n"


def write_schema(path: str | os.PathLike[str] = SCHEMA_PATH) -> Path:
    """Write the schema to `path` (default: the copy shipped in the package)."""
    target = Path(path)
    target.write_text(schema_text(), encoding="utf-8")
    return target
