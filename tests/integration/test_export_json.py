"""The JSON export is the record model, and it validates against `record schema`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kap_console.cli import main
from kap_console.integration.exports import export_record
from kap_console.integration.reading import open_record
from kap_console.session.record.model import SessionRecord

jsonschema = pytest.importorskip("jsonschema", reason="jsonschema is in the test extra")
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "records"


def printed_schema(capsys) -> dict:
    assert main(["record", "schema"]) == 0
    return json.loads(capsys.readouterr().out)


@pytest.mark.parametrize("name", ["im", "esketamine", "no-go"])
def test_the_json_export_validates_against_the_printed_schema(built_sessions, capsys, name):
    schema = printed_schema(capsys)
    jsonschema.Draft202012Validator.check_schema(schema)
    opened = open_record(built_sessions[name])
    document = json.loads(export_record(opened, "json"))
    jsonschema.Draft202012Validator(schema).validate(document)
    assert SessionRecord.model_validate(document) == opened.record


def test_the_schema_refuses_what_the_record_model_refuses(capsys):
    validator = jsonschema.Draft202012Validator(printed_schema(capsys))
    opened = open_record(FIXTURES / "v0_1_0" / "im-ketamine-120")
    document = json.loads(export_record(opened, "json"))
    document["session"]["nickname"] = "x"
    assert not validator.is_valid(document)
    del document["session"]["nickname"]
    document["doses"][0]["dose_mg"] = "forty"
    assert not validator.is_valid(document)


def test_a_forced_json_export_is_marked_and_fails_the_schema_on_purpose(tmp_path, capsys):
    import shutil

    folder = tmp_path / "session"
    shutil.copytree(FIXTURES / "v0_1_0" / "im-ketamine-120", folder)
    record = folder / "record.toml"
    record.write_bytes(record.read_bytes().replace(b'lot = "LOT-7781"', b'lot = "LOT-7791"', 1))
    text = export_record(open_record(folder), "json", force=True)
    assert text.splitlines()[0].startswith('{"UNVERIFIED": "UNVERIFIED: Altered: ')
    validator = jsonschema.Draft202012Validator(printed_schema(capsys))
    assert not validator.is_valid(json.loads(text))
