"""The JSON Schema agrees with the loader on every rule of one table it can express.

The schema is checked with the `jsonschema` package the way a TOML editor reads it: TOML
has integers and floats as distinct types, so `15.0` is not an integer here (JSON Schema
alone cannot tell 15.0 from 15), and TOML dates are compared as their ISO text.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import tomllib
from pathlib import Path
from typing import Any

import pytest

jsonschema = pytest.importorskip("jsonschema")

from kap_console.protocol.loader import load_protocol  # noqa: E402
from kap_console.protocol.problems import ProtocolError  # noqa: E402
from kap_console.protocol.schema import SCHEMA_PATH, protocol_json_schema  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
CORPUS = Path(__file__).parent / "broken_protocols"
BUNDLED = sorted((REPO / "protocols").rglob("*.toml"))

# The single-table rules the loader enforces and the schema now expresses too.
RULE_FILES = [
    "rule-example-without-disclaimer",
    "rule-two-comparisons",
    "rule-timed-step-without-duration",
    "rule-round-without-times",
    "rule-scale-with-one-level",
    "rule-blocks-dosing-on-number-item",
    "value-threshold-nan",
    "type-decimal-for-whole-number",
    "type-whole-number-written-as-decimal",
]
# Files the loader refuses for a rule JSON Schema cannot state (one value against another).
LOADER_ONLY = {"rule-range-reversed"}
# Files that are not TOML a schema could be applied to.
NOT_TOML = ("syntax-", "encoding-", "empty", "deep-nesting")


def _toml_validator() -> Any:
    def is_integer(checker: Any, instance: Any) -> bool:
        return isinstance(instance, int) and not isinstance(instance, bool)

    types = jsonschema.Draft202012Validator.TYPE_CHECKER.redefine("integer", is_integer)
    cls = jsonschema.validators.extend(jsonschema.Draft202012Validator, type_checker=types)
    return cls(json.loads(SCHEMA_PATH.read_text(encoding="utf-8")))


VALIDATOR = _toml_validator()


def _as_json(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _as_json(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_as_json(item) for item in value]
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return value


def _schema_errors(path: Path) -> list[str]:
    document = _as_json(tomllib.loads(path.read_text(encoding="utf-8")))
    return [error.message for error in VALIDATOR.iter_errors(document)]


def test_the_schema_offers_no_null_anywhere() -> None:
    assert '"null"' not in json.dumps(protocol_json_schema())


@pytest.mark.parametrize("name", RULE_FILES)
def test_a_rule_the_loader_enforces_fails_the_schema_too(name: str) -> None:
    path = CORPUS / f"{name}.toml"
    with pytest.raises(ProtocolError):
        load_protocol(path, git=False)
    assert _schema_errors(path), f"{name}: the schema accepts what the loader refuses"


def _single_table_files() -> list[Path]:
    return [
        path
        for path in sorted(CORPUS.glob("*.toml"))
        if not path.name.startswith(("cross-", *NOT_TOML)) and path.stem not in LOADER_ONLY
    ]


@pytest.mark.parametrize("path", _single_table_files(), ids=lambda p: p.stem)
def test_every_broken_file_of_one_table_fails_the_schema(path: Path) -> None:
    assert _schema_errors(path), f"{path.name}: the schema accepts what the loader refuses"


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.stem)
def test_every_bundled_protocol_passes_the_schema(path: Path) -> None:
    load_protocol(path, git=False)
    assert _schema_errors(path) == []


def test_infinity_and_nan_fail_the_schema_and_finite_numbers_pass() -> None:
    number = protocol_json_schema()["$defs"]["Range"]["properties"]["min"]
    check = jsonschema.Draft202012Validator(number)
    assert not check.is_valid(math.nan)
    assert not check.is_valid(math.inf)
    assert not check.is_valid(-math.inf)
    for value in (0, 0.0, -3.5, 1e300, 260):
        assert check.is_valid(value)


def _with(document: dict[str, Any], **changes: Any) -> dict[str, Any]:
    result = dict(document)
    for key, value in changes.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = value
    return result


def test_approval_fields_follow_status_in_the_schema() -> None:
    base = _as_json(tomllib.loads((REPO / "protocols" / "im-ketamine-120.toml").read_text()))
    base = _with(base, status=None, approved_by=None, approved_on=None)
    approved = _with(base, status="approved", approved_by="Dr A. Lead", approved_on="2026-11-30")
    assert VALIDATOR.is_valid(approved)
    assert not VALIDATOR.is_valid(_with(approved, approved_on=None))
    assert VALIDATOR.is_valid(_with(base, status="draft"))
    assert not VALIDATOR.is_valid(_with(base, status="draft", approved_by="Dr A. Lead"))
    assert not VALIDATOR.is_valid(_with(base, version="1.0"))


def test_the_schema_is_a_valid_draft_2020_12_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(protocol_json_schema())
