"""The record as an HL7 FHIR R4 transaction Bundle, validated with `fhir.resources`' R4B models.

Needs the optional extra: `pip install 'kap-console[fhir]'`. What it holds:
- a pseudonymous Patient (the client code as its only identifier: no name, no birth date);
- an Encounter for the session (identifier: the session id; period: start to close);
- a MedicationAdministration per dose, the lot on a contained Medication;
- an Observation per vital-sign reading (category vital-signs, LOINC code, UCUM unit):
  BP as the 85354-9 panel with systolic 8480-6 and diastolic 8462-4 components (mm[Hg]),
  heart rate 8867-4 and respiratory rate 9279-1 (/min), SpO2 coded both 2708-6 (the base
  vital-signs profile) and 59408-5 (US Core) (%), body temperature 8310-5 (Cel). Scales and
  free-text measures carry no LOINC code of their own here and are left out of the Bundle.
  A reading that was amended has status "amended"; voided rounds are left out;
- an AdverseEvent per adverse event, its suspect entities the doses given before its onset.
Ids are UUIDs derived from the session id, so the same record always gives the same Bundle.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from kap_console.integration.vitals import effective_observations
from kap_console.session import Dose, RecordAdverseEvent, RecordObservation, SessionRecord

from .common import ExportInput, ExportUnavailable

LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
SERIOUSNESS = "http://terminology.hl7.org/CodeSystem/adverse-event-seriousness"
SEVERITY = "http://terminology.hl7.org/CodeSystem/adverse-event-severity"
AE_OUTCOME = "http://terminology.hl7.org/CodeSystem/adverse-event-outcome"
CLIENT_CODE_SYSTEM = "urn:kap-console:client-code"
SESSION_SYSTEM = "urn:kap-console:session-id"
RECORD_SYSTEM = "urn:kap-console:record-sha256"
INSTALL = "pip install 'kap-console[fhir]'"

# measure id -> (LOINC codes with display, UCUM code): single-value vital signs.
VITALS: dict[str, tuple[list[tuple[str, str]], str]] = {
    "hr": ([("8867-4", "Heart rate")], "/min"),
    "rr": ([("9279-1", "Respiratory rate")], "/min"),
    "spo2": (
        [
            ("2708-6", "Oxygen saturation in Arterial blood"),
            ("59408-5", "Oxygen saturation in Arterial blood by Pulse oximetry"),
        ],
        "%",
    ),
    "temp": ([("8310-5", "Body temperature")], "Cel"),
}
BP_PANEL = ("85354-9", "Blood pressure panel with all children optional")
BP_PARTS = (
    ("sbp", "8480-6", "Systolic blood pressure"),
    ("dbp", "8462-4", "Diastolic blood pressure"),
)
GRADE_SEVERITY = {"1": "mild", "2": "moderate", "3": "severe", "4": "severe", "5": "severe"}
OUTCOMES = {
    "recovered": "resolved",
    "recovering": "recovering",
    "not_recovered": "ongoing",
    "recovered_with_sequelae": "resolvedWithSequelae",
    "fatal": "fatal",
    "unknown": "unknown",
}


def render(data: ExportInput) -> str:
    try:
        from fhir.resources.R4B.bundle import Bundle
    except ImportError:
        raise ExportUnavailable(
            f"the fhir export needs the optional fhir.resources package: {INSTALL}"
        ) from None
    document = bundle_dict(data.record, data.opened.sha256)
    # Validated against the R4B models, then written as built (the models' own serialiser
    # takes several times as long and adds nothing to a Bundle that has just validated).
    Bundle.model_validate(document)
    text = json.dumps(document, indent=2, ensure_ascii=False)
    if data.banner:
        text = '{"UNVERIFIED": ' + json.dumps(data.banner, ensure_ascii=False) + "," + text[1:]
    return text + "\n"


def bundle_dict(record: SessionRecord, sha256: str) -> dict[str, Any]:
    ids = _Ids(record.session.id)
    patient, encounter = ids.url("patient"), ids.url("encounter")
    entries = [
        _entry(patient, _patient(record)),
        _entry(encounter, _encounter(record, patient)),
    ]
    doses = [d for d in record.doses if not d.voided]
    dose_urls = {}
    for dose in doses:
        url = ids.url(f"dose-{dose.seq}")
        dose_urls[dose.seq] = url
        entries.append(_entry(url, _administration(dose, patient, encounter)))
    amended = {c.target_seq for c in record.corrections if c.kind == "amended" and c.applied}
    for observation in effective_observations(record):
        for key, resource in _observations(
            observation, patient, encounter, observation.seq in amended
        ):
            entries.append(_entry(ids.url(f"obs-{observation.seq}-{key}"), resource))
    for event in record.adverse_events:
        if event.voided:
            continue
        suspects = [dose_urls[d.seq] for d in doses if d.observed_at <= event.onset_at]
        entries.append(
            _entry(ids.url(f"ae-{event.seq}"), _adverse_event(event, patient, encounter, suspects))
        )
    return {
        "resourceType": "Bundle",
        "type": "transaction",
        "identifier": {"system": RECORD_SYSTEM, "value": sha256},
        "timestamp": _time(record.session.closed_at or record.session.started_at),
        "entry": entries,
    }


class _Ids:
    def __init__(self, session_id: str) -> None:
        self.namespace = uuid.uuid5(uuid.NAMESPACE_URL, f"urn:kap-console:session:{session_id}")

    def url(self, key: str) -> str:
        return f"urn:uuid:{uuid.uuid5(self.namespace, key)}"


def _entry(url: str, resource: dict[str, Any]) -> dict[str, Any]:
    return {
        "fullUrl": url,
        "resource": resource,
        "request": {"method": "POST", "url": resource["resourceType"]},
    }


def _time(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def _patient(record: SessionRecord) -> dict[str, Any]:
    return {
        "resourceType": "Patient",
        "identifier": [{"system": CLIENT_CODE_SYSTEM, "value": record.session.client_code}],
    }


def _encounter(record: SessionRecord, patient: str) -> dict[str, Any]:
    s = record.session
    period = {"start": _time(s.started_at)}
    if s.closed_at is not None:
        period["end"] = _time(s.closed_at)
    return {
        "resourceType": "Encounter",
        "identifier": [{"system": SESSION_SYSTEM, "value": s.id}],
        "status": "finished" if s.closed_at is not None else "in-progress",
        "class": {"system": ACT_CODE, "code": "AMB", "display": "ambulatory"},
        "type": [
            {
                "text": f"Dosing session {s.session_number} ({record.protocol.id} {record.protocol.version})"
            }
        ],
        "subject": {"reference": patient},
        "period": period,
    }


def _administration(dose: Dose, patient: str, encounter: str) -> dict[str, Any]:
    medication: dict[str, Any] = {
        "resourceType": "Medication",
        "id": "medication",
        "code": {"text": dose.drug},
    }
    if dose.lot:
        medication["batch"] = {"lotNumber": dose.lot}
    performers = [{"actor": {"display": dose.given_by}}]
    if dose.checked_by:
        performers.append(
            {"function": {"text": "checked by"}, "actor": {"display": dose.checked_by}}
        )
    dosage: dict[str, Any] = {
        "route": {"text": dose.route},
        "dose": {"value": dose.dose_mg, "unit": "mg", "system": UCUM, "code": "mg"},
    }
    if dose.kind == "device" and dose.device_number is not None:
        dosage["text"] = f"device {dose.device_number}"
    elif dose.kind != "initial":
        dosage["text"] = dose.kind
    return {
        "resourceType": "MedicationAdministration",
        "contained": [medication],
        "status": "completed",
        "medicationReference": {"reference": "#medication"},
        "subject": {"reference": patient},
        "context": {"reference": encounter},
        "effectiveDateTime": _time(dose.observed_at),
        "performer": performers,
        "dosage": dosage,
    }


def _quantity(value: float, unit: str) -> dict[str, Any]:
    return {"value": value, "unit": unit, "system": UCUM, "code": unit}


def _vital(
    codes: list[tuple[str, str]],
    patient: str,
    encounter: str,
    observation: RecordObservation,
    amended: bool,
) -> dict[str, Any]:
    return {
        "resourceType": "Observation",
        "status": "amended" if amended else "final",
        "category": [
            {
                "coding": [
                    {
                        "system": OBSERVATION_CATEGORY,
                        "code": "vital-signs",
                        "display": "Vital Signs",
                    }
                ]
            }
        ],
        "code": {
            "coding": [{"system": LOINC, "code": c, "display": d} for c, d in codes],
            "text": codes[0][1],
        },
        "subject": {"reference": patient},
        "encounter": {"reference": encounter},
        "effectiveDateTime": _time(observation.observed_at),
    }


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _observations(
    observation: RecordObservation, patient: str, encounter: str, amended: bool
) -> Iterator[tuple[str, dict[str, Any]]]:
    values = observation.values
    sbp, dbp = _number(values.get("sbp")), _number(values.get("dbp"))
    if sbp is not None or dbp is not None:
        panel = _vital([BP_PANEL], patient, encounter, observation, amended)
        panel["component"] = [
            {
                "code": {"coding": [{"system": LOINC, "code": code, "display": name}]},
                "valueQuantity": _quantity(value, "mm[Hg]"),
            }
            for (measure, code, name), value in zip(BP_PARTS, (sbp, dbp), strict=True)
            if value is not None
        ]
        yield "bp", panel
    for measure_id, (codes, unit) in VITALS.items():
        value = _number(values.get(measure_id))
        if value is None:
            continue
        resource = _vital(codes, patient, encounter, observation, amended)
        resource["valueQuantity"] = _quantity(value, unit)
        yield measure_id, resource


def _adverse_event(
    event: RecordAdverseEvent, patient: str, encounter: str, suspects: list[str]
) -> dict[str, Any]:
    c = event.current
    severity = GRADE_SEVERITY.get(c.severity, c.severity)
    resource: dict[str, Any] = {
        "resourceType": "AdverseEvent",
        "actuality": "actual",
        "event": {"text": event.term},
        "subject": {"reference": patient},
        "encounter": {"reference": encounter},
        "date": _time(event.onset_at),
        "recordedDate": _time(event.recorded_at),
        "seriousness": {
            "coding": [
                {
                    "system": SERIOUSNESS,
                    "code": "serious" if c.serious else "non-serious",
                    "display": "Serious" if c.serious else "Non-serious",
                }
            ],
            "text": c.serious_criterion.replace("_", " ")
            if c.serious and c.serious_criterion
            else None,
        },
        "severity": {
            "coding": [{"system": SEVERITY, "code": severity}],
            "text": f"CTCAE grade {c.severity}" if c.severity.isdigit() else c.severity,
        },
        "outcome": {"coding": [{"system": AE_OUTCOME, "code": OUTCOMES[c.outcome]}]},
        "suspectEntity": [{"instance": {"reference": url}} for url in suspects],
    }
    if resource["seriousness"]["text"] is None:
        del resource["seriousness"]["text"]
    if not suspects:
        del resource["suspectEntity"]
    return resource
