"""`kap-console record show|verify|export|schema` and `kap-console records list`.

Read-only commands over session folders. They never import Textual, and import the session
modules only when they run. Exit status: 0 fine, 1 the record or journal has a problem (one
located line, never a traceback), 2 a usage error (a path where nothing is at all).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any


def register(subparsers: argparse._SubParsersAction) -> None:
    from . import record_export, record_list

    record = subparsers.add_parser("record", help="show, verify or export a session record")
    actions = record.add_subparsers(dest="record_command", metavar="ACTION")
    show = actions.add_parser("show", help="print a session record: overview, then its content")
    show.add_argument("path", help="a session folder or its record.toml")
    show.set_defaults(handler=run_show)
    verify = actions.add_parser(
        "verify", help="check a record against its journal (exit 0 intact, 1 not)"
    )
    verify.add_argument("path", help="a session folder or its record.toml")
    verify.set_defaults(handler=run_verify)
    record_export.register(actions)
    record.set_defaults(handler=lambda args: _help(record))

    records = subparsers.add_parser("records", help="list the sessions in the data folder")
    listing = records.add_subparsers(dest="records_command", metavar="ACTION")
    record_list.register(listing)
    records.set_defaults(handler=lambda args: _help(records))


def _help(parser: argparse.ArgumentParser) -> int:
    import sys

    parser.print_help(sys.stderr)
    return 2


def _locate(path_text: str) -> tuple[Path, Path]:
    """(session folder, record file) for a PATH naming either; UsageError if neither."""
    from kap_console.cli import UsageError
    from kap_console.session.record.model import RECORD_NAME

    path = Path(path_text).expanduser()
    if path.is_dir():
        record = path / RECORD_NAME
        if not record.is_file():
            raise UsageError(f"{path}: no {RECORD_NAME} here (is the session closed?)")
        return path, record
    if path.is_file():
        return path.parent, path
    raise UsageError(f"{path}: no such session folder or record file")


def run_show(args: argparse.Namespace) -> int:
    from kap_console.cli import existing_path
    from kap_console.integration.reading import RecordUnreadable, open_record

    from .record_show import content_text

    try:
        opened = open_record(existing_path(args.path))
    except RecordUnreadable as error:
        _problems([error.line])
        return 1
    print(opened.verification.words)
    print()
    print(summary_text(opened.record, opened.sha256))
    print()
    print(content_text(opened.record))
    return 0


def run_verify(args: argparse.Namespace) -> int:
    from kap_console.session.record.reading import fingerprint
    from kap_console.session.record.verify import verify_record

    session_dir, record_path = _locate(args.path)
    check = verify_record(session_dir, record_path)
    if not check.ok:
        _problems(check.problems)
        print(f"NOT INTACT: {record_path}")
        return 1
    assert check.record is not None and check.sha256 is not None
    count = check.record.integrity.event_count
    print(f"intact: {record_path}")
    print(f"fingerprint {fingerprint(check.sha256, count)}")
    return 0


def _problems(problems: list[str]) -> None:
    import sys

    for problem in problems:
        print(problem, file=sys.stderr)


def _duration(seconds: float) -> str:
    minutes = int(seconds // 60)
    return f"{minutes // 60}:{minutes % 60:02d}"


def _time(value: Any) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S UTC") if value is not None else "-"


def summary_text(record: Any, sha256: str) -> str:
    """A plain-text overview of a record: who, what, when, and counts of each kind of entry."""
    from kap_console.session.record.reading import fingerprint

    s, p, d = record.session, record.protocol, record.discharge
    live = [o for o in record.observations if not o.voided]
    decisions = [x for x in record.pre_session.decisions if not x.voided]
    git = ""
    if p.git_commit:
        git = f", git {p.git_commit[:10]}{' (uncommitted changes)' if p.git_dirty else ''}"
    lines = [
        f"Session {s.session_number} of client {s.client_code}"
        + (f" (PRACTICE: scenario {s.scenario.id})" if s.practice and s.scenario else "")
        + (" (training)" if s.training and not s.practice else ""),
        f"  facilitator   {s.facilitator}",
        f"  protocol      {p.id} {p.version}: {p.title} (SHA-256 {p.sha256[:12]}…{git})",
        f"  started       {_time(s.started_at)}",
        f"  dose (T0)     {_time(s.dosed_at)}",
        f"  closed        {_time(s.closed_at)}" + (f" ({s.outcome})" if s.outcome else ""),
        f"  duration      {_duration(s.duration_seconds) if s.duration_seconds is not None else '-'}",
        "",
        f"Pre-session     {len(record.pre_session.checks)} check answers; "
        f"{len(record.pre_session.baseline)} baseline readings; decision: "
        + (f"{decisions[-1].decision} by {decisions[-1].decided_by}" if decisions else "none"),
        f"Intentions      {len([i for i in record.intentions if not i.voided])}",
    ]
    for dose in record.doses:
        if not dose.voided:
            lines.append(
                f"Dose            {dose.drug} {dose.dose_mg:g} mg {dose.route} ({dose.kind}) at "
                f"{_time(dose.observed_at)}, given by {dose.given_by}"
            )
    lines += [
        f"Observations    {len(live)} rounds; {len(record.schedule.late)} late, "
        f"{len(record.schedule.missed)} missed",
        f"Alerts          {len(record.alerts)}; "
        f"{sum(1 for a in record.alerts if a.acknowledged_at is None)} not acknowledged",
    ]
    for alert in record.alerts:
        lines.append(f"  - {alert.level}: {alert.message} at {_time(alert.observed_at)}")
    lines.append(f"Adverse events  {len([a for a in record.adverse_events if not a.voided])}")
    for ae in record.adverse_events:
        if not ae.voided:
            serious = ", serious" if ae.current.serious else ""
            lines.append(
                f"  - {ae.term}: severity {ae.current.severity}{serious}, {ae.current.outcome}"
            )
    notes = [n for n in record.notes if not n.voided]
    lines += [
        f"Notes           {len(notes)} ({sum(n.for_integration for n in notes)} for integration, "
        f"{sum(n.client_quote for n in notes)} client quotes)",
        "Discharge       "
        + {True: "criteria met", False: "criteria NOT met", None: "not assessed"}[d.criteria_met]
        + (f"; ready to leave {_time(d.ready_to_leave_at)}" if d.ready_to_leave_at else "")
        + (
            f"; discharged {_time(d.discharged_at)} by {d.discharged_by}" if d.discharged_at else ""
        ),
        f"Reflections     {len([r for r in record.reflections if not r.voided])}",
    ]
    for item in record.follow_up:
        lines.append(f"Follow-up       {item.label}: due {_time(item.due_at)}")
    amended = sum(1 for c in record.corrections if c.kind == "amended")
    lines += [
        f"Corrections     {amended} amended, {len(record.corrections) - amended} voided",
        "",
        f"Journal         {record.integrity.event_count} entries, head "
        f"{record.integrity.journal_head[:12]}…, {len(record.integrity.segments)} segment(s), "
        f"{len(record.integrity.resumes)} resume(s)",
        f"Fingerprint     {fingerprint(sha256, record.integrity.event_count)}",
    ]
    return "\n".join(lines)
