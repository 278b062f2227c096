"""The debrief in words: a Markdown file saved beside the practice record (and shown on screen).

The rubric is written out in the debrief itself, part by part, with every point taken off
and why, so a trainee can check the score by hand.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from .debrief import Debrief

DEBRIEF_NAME = "debrief.md"
SUMMARY_NAME = "debrief.json"


def _t(debrief: Debrief, at: datetime | None) -> str:
    if at is None:
        return "—"
    if debrief.t0 is None:
        return at.strftime("%H:%M:%S")
    from kap_console.session import format_elapsed

    return format_elapsed((at - debrief.t0).total_seconds())


def _span(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes}:{secs:02d}"


def _yes(value: bool | None) -> str:
    return {True: "yes", False: "no", None: "n/a"}[value]


def debrief_markdown(debrief: Debrief) -> str:
    scenario = debrief.scenario
    lines = [
        f"# Practice debrief: {scenario.title}",
        "",
        "PRACTICE on a simulated client — not a clinical record.",
        "",
        f"- Trainee: {debrief.trainee}",
        f"- Scenario: {scenario.id} {scenario.version}",
        f"- Protocol: {debrief.protocol_id}",
        f"- Score: **{debrief.score}/100**",
        "",
        "## Score and rubric",
        "",
        "The rubric comes from the scenario file; each part loses points per fault, never "
        "more than its cap.",
        "",
        "| Part | Rule | Cap | Lost |",
        "|---|---|---:|---:|",
    ]
    for part in debrief.parts:
        lines.append(f"| {part.name} | {part.rule} | {part.cap} | {part.lost} |")
    lines += ["", f"Score: 100 − {100 - debrief.score} = **{debrief.score}**", ""]
    faults = [fault for part in debrief.parts for fault in part.faults]
    if faults:
        lines += ["Points taken off:", ""]
        lines += [f"- {fault.part}: {fault.reason} (−{fault.points})" for fault in faults]
        lines.append("")

    lines += ["## Rounds", "", "| Round | Due | Result |", "|---|---|---|"]
    for result in debrief.rounds:
        late = f" by {_span(result.late_by_seconds)}" if result.status == "late" else ""
        lines.append(f"| {result.label} | {result.when} | {result.status}{late} |")
    counts = {s: sum(r.status == s for r in debrief.rounds) for s in ("on time", "late", "missed")}
    lines += [
        "",
        f"On time {counts['on time']}, late {counts['late']}, missed {counts['missed']}.",
        "",
        "## Alerts",
        "",
    ]
    if debrief.alerts:
        lines += ["| Alert | Raised | Acknowledged | Time to acknowledge |", "|---|---|---|---|"]
        for alert in debrief.alerts:
            lines.append(
                f"| {alert.level} {alert.measure_id}: {alert.message} | "
                f"{_t(debrief, alert.raised_at)} | {_t(debrief, alert.acknowledged_at)} | "
                f"{_span(alert.seconds_to_acknowledge)} |"
            )
    else:
        lines.append("No alerts were raised.")
    lines += ["", "## Readings: typed against the monitor", ""]
    errors = [t for t in debrief.transcriptions if not t.matches]
    lines.append(
        f"{len(debrief.transcriptions)} readings shown, {len(errors)} typed differently or left blank."
    )
    lines.append("")
    for item in errors:
        typed = "blank" if item.typed is None else f"{item.typed}"
        lines.append(f"- {item.round_id}: {item.measure_id} monitor {item.shown:g}, typed {typed}")
    lines += ["", "## Incidents", ""]
    lines.append("Adverse events logged: " + (", ".join(debrief.adverse_events) or "none") + ".")
    for incident in debrief.incidents:
        lines += ["", f"### {incident.incident_id}: {incident.cue}", ""]
        if not incident.shown:
            lines.append("Not reached: the session ended before this incident.")
        else:
            lines.append(
                f"Cue at {_t(debrief, incident.cue_at)}; first response at "
                f"{_t(debrief, incident.first_response_at)}."
            )
        lines.append("")
        for outcome in incident.results:
            mark = "done" if outcome.done else "NOT done"
            lines.append(
                f"- {outcome.expectation.describe()} ({outcome.expectation.points} points): {mark}"
                + (f" at {_t(debrief, outcome.at)}" if outcome.done and outcome.at else "")
            )
        if incident.timeline:
            lines += ["", "| When | Step | What |", "|---|---|---|"]
            for step in incident.timeline:
                lines.append(f"| {_t(debrief, step.at)} | {step.step} | {step.words} |")
    lines += [
        "",
        "## Discharge and preparation",
        "",
        f"- Discharged before the criteria were met: {_yes(debrief.discharged_early)}",
        f"- Intentions recorded before the dose: {_yes(debrief.intentions_before_dose)}",
        f"- Consent recorded before the dose: {_yes(debrief.consent_before_dose)}",
        "",
    ]
    return "\n".join(lines)


def debrief_summary(debrief: Debrief) -> dict[str, object]:
    """What the class report reads: who, which scenario, the score, what was missed."""
    return {
        "trainee": debrief.trainee,
        "scenario": debrief.scenario.id,
        "scenario_version": debrief.scenario.version,
        "protocol": debrief.protocol_id,
        "score": debrief.score,
        "parts": {part.name: {"cap": part.cap, "lost": part.lost} for part in debrief.parts},
        "missed": debrief.missed,
    }


def write_debrief(session_dir: Path, debrief: Debrief, text: str) -> Path:
    """Save the debrief beside the record (0600, atomically): Markdown to read, and a small
    JSON summary for `kap-console practice report`."""
    import json

    from kap_console.session import write_private_atomic

    path = session_dir / DEBRIEF_NAME
    write_private_atomic(path, text.encode("utf-8"))
    summary = json.dumps(debrief_summary(debrief), indent=2, ensure_ascii=False) + "\n"
    write_private_atomic(session_dir / SUMMARY_NAME, summary.encode("utf-8"))
    return path
