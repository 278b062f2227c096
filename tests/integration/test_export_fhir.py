"""The FHIR export: an R4 transaction Bundle that fhir.resources validates, every vital sign
with its LOINC code and UCUM unit, doses with their lot, adverse events linked to the dose."""

from __future__ import annotations

import json
import sys

import pytest

from kap_console.integration.exports import export_record
from kap_console.integration.exports.common import ExportUnavailable
from kap_console.integration.reading import open_record

pytest.importorskip("fhir.resources", reason="the fhir extra is in the test extra")
from fhir.resources.R4B.bundle import Bundle  # noqa: E402

LOINC, UCUM = "http://loinc.org", "http://unitsofmeasure.org"
EXPECTED = {  # LOINC codes of an Observation -> its UCUM unit
    ("85354-9",): None,
    ("8867-4",): "/min",
    ("9279-1",): "/min",
    ("2708-6", "59408-5"): "%",
}


@pytest.fixture(scope="module")
def bundles(built_sessions) -> dict[str, dict]:
    return {
        name: json.loads(export_record(open_record(built_sessions[name]), "fhir"))
        for name in ("im", "esketamine")
    }


def resources(bundle: dict, kind: str) -> list[dict]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


@pytest.mark.parametrize("name", ["im", "esketamine"])
def test_the_bundle_validates_as_a_transaction(bundles, name):
    bundle = bundles[name]
    parsed = Bundle.model_validate(bundle)
    assert parsed.type == "transaction"
    assert all(e["request"]["method"] == "POST" for e in bundle["entry"])
    urls = [e["fullUrl"] for e in bundle["entry"]]
    assert len(set(urls)) == len(urls) and all(u.startswith("urn:uuid:") for u in urls)


@pytest.mark.parametrize("name", ["im", "esketamine"])
def test_every_observation_has_its_loinc_code_and_ucum_unit(bundles, name):
    observations = resources(bundles[name], "Observation")
    assert observations
    for observation in observations:
        codes = tuple(c["code"] for c in observation["code"]["coding"])
        assert all(c["system"] == LOINC for c in observation["code"]["coding"])
        assert codes in EXPECTED, codes
        assert observation["category"][0]["coding"][0]["code"] == "vital-signs"
        if codes == ("85354-9",):
            parts = {
                c["code"]["coding"][0]["code"]: c["valueQuantity"] for c in observation["component"]
            }
            assert set(parts) == {"8480-6", "8462-4"}
            assert all(q["system"] == UCUM and q["code"] == "mm[Hg]" for q in parts.values())
            assert "valueQuantity" not in observation
        else:
            quantity = observation["valueQuantity"]
            assert quantity["system"] == UCUM and quantity["code"] == EXPECTED[codes]


def test_one_observation_per_reading_and_the_amended_one_says_so(bundles, built_sessions):
    record = open_record(built_sessions["im"]).record
    rounds = [*record.pre_session.baseline, *record.observations]
    with_bp = sum(1 for o in rounds if not o.voided and "sbp" in o.values)
    with_hr = sum(1 for o in rounds if not o.voided and "hr" in o.values)
    observations = resources(bundles["im"], "Observation")
    codes = [o["code"]["coding"][0]["code"] for o in observations]
    assert codes.count("85354-9") == with_bp and codes.count("8867-4") == with_hr
    hr = [o for o in observations if o["code"]["coding"][0]["code"] == "8867-4"]
    amended = [o for o in hr if o["status"] == "amended"]
    assert [o["valueQuantity"]["value"] for o in amended] == [74.0]


def test_each_dose_is_an_administration_with_its_lot_on_a_contained_medication(bundles):
    administrations = resources(bundles["esketamine"], "MedicationAdministration")
    assert len(administrations) == 2
    for given in administrations:
        (medication,) = given["contained"]
        assert given["medicationReference"]["reference"] == f"#{medication['id']}"
        assert medication["batch"]["lotNumber"] == "ES-2291"
        assert given["dosage"]["dose"] == {
            "value": 28.0,
            "unit": "mg",
            "system": UCUM,
            "code": "mg",
        }


def test_an_adverse_event_names_the_doses_before_it_and_its_seriousness(bundles):
    bundle = bundles["esketamine"]
    urls = {
        e["fullUrl"]
        for e in bundle["entry"]
        if e["resource"]["resourceType"] == "MedicationAdministration"
    }
    (event,) = resources(bundle, "AdverseEvent")
    assert {s["instance"]["reference"] for s in event["suspectEntity"]} == urls
    assert event["seriousness"]["coding"][0]["code"] == "serious"
    assert event["severity"]["coding"][0]["code"] == "severe"
    assert event["outcome"]["coding"][0]["code"] == "recovering"


def test_the_patient_is_pseudonymous(bundles):
    (patient,) = resources(bundles["im"], "Patient")
    assert set(patient) == {"resourceType", "identifier"}
    assert patient["identifier"][0]["value"] == "KAP-0042"


def test_without_the_extra_the_export_names_the_install_command(built_sessions, monkeypatch):
    monkeypatch.setitem(sys.modules, "fhir.resources.R4B.bundle", None)
    with pytest.raises(ExportUnavailable) as raised:
        export_record(open_record(built_sessions["im"]), "fhir")
    assert "pip install 'kap-console[fhir]'" in str(raised.value)


@pytest.mark.parametrize("name", ["im", "esketamine"])
def test_the_bundle_is_written_exactly_as_the_models_read_it(bundles, name):
    parsed = Bundle.model_validate(bundles[name])
    assert json.loads(parsed.model_dump_json(by_alias=True, exclude_none=True)) == bundles[name]
