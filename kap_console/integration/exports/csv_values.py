"""One row per measured value, for spreadsheets and research.

Columns: session, client code, seq, observed_at, minutes since T0, measure id and label,
value (as first entered), unit, amended, voided, effective value (what the record holds now;
empty for a voided round). Baseline rounds are included (negative minutes). A forced export of
an altered record starts with a `# UNVERIFIED: …` line.
"""

from __future__ import annotations

import csv
import io
import json

from kap_console.integration.vitals import minutes_since

from .common import ExportInput

COLUMNS = (
    "session",
    "client_code",
    "seq",
    "round",
    "observed_at",
    "minutes_since_t0",
    "measure_id",
    "measure_label",
    "value",
    "unit",
    "amended",
    "voided",
    "effective_value",
)


def render(data: ExportInput) -> str:
    record = data.record
    t0 = record.session.dosed_at or record.session.started_at
    first_value: dict[tuple[int, str], object] = {}
    for correction in record.corrections:
        if correction.kind == "amended" and correction.applied and correction.field:
            key = (correction.target_seq, correction.field.removeprefix("values."))
            first_value.setdefault(key, _from_text(correction.old))
    out = io.StringIO()
    if data.banner:
        out.write(f"# {data.banner}\n")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    rounds = sorted(
        [*record.pre_session.baseline, *record.observations], key=lambda o: (o.observed_at, o.seq)
    )
    for observation in rounds:
        for measure_id, value in observation.values.items():
            if isinstance(value, str):
                continue  # free text is not a measured value
            amended = (observation.seq, measure_id) in first_value
            original = first_value.get((observation.seq, measure_id), value)
            writer.writerow(
                (
                    record.session.id,
                    record.session.client_code,
                    observation.seq,
                    observation.round_id,
                    observation.observed_at.isoformat().replace("+00:00", "Z"),
                    f"{minutes_since(t0, observation.observed_at):g}",
                    measure_id,
                    data.label(measure_id),
                    _cell(original),
                    data.unit(measure_id),
                    "yes" if amended else "no",
                    "yes" if observation.voided else "no",
                    "" if observation.voided else _cell(value),
                )
            )
    return out.getvalue()


def _from_text(value: object) -> object:
    """Corrections keep lists and tables as JSON text; a plain value as itself."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _cell(value: object) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return f"{value:g}"
    return "" if value is None else str(value)
