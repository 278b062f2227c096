"""The JSON Schema of the scenario format, generated from the pydantic models.

The copy committed as `scenario.schema.json` must equal what the models generate (a test
keeps it so); editors read it through the `#:schema` line at the top of each scenario.
What a schema cannot express (the rubric adding up to 100, measures and terms that the
protocol must have) is checked by `kap-console scenario validate`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

SCHEMA_PATH = Path(__file__).with_name("scenario.schema.json")
SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


def scenario_json_schema() -> dict[str, Any]:
    from .scenario import Scenario

    body = Scenario.model_json_schema(mode="validation")
    schema: dict[str, Any] = {
        "$schema": SCHEMA_DIALECT,
        "title": "kap-console practice scenario",
        "description": (
            "A simulated client for kap-console practice (TOML). Generated from "
            "kap_console/training/scenario.py; run `kap-console scenario validate` for the "
            "checks a schema cannot express."
        ),
    }
    schema.update({k: v for k, v in body.items() if k not in ("title", "description")})
    return schema


def schema_text() -> str:
    return json.dumps(scenario_json_schema(), indent=2, ensure_ascii=False) + "\n"
