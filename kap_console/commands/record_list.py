"""`kap-console records list`: the sessions in the data folder, filtered, as a table or JSON.

Training sessions and no-go sessions are shown as such, never as plain "closed".
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, date, datetime, time, timedelta
from typing import Any


def register(listing: argparse._SubParsersAction) -> None:
    list_ = listing.add_parser("list", help="a table of sessions: date, client, protocol, state")
    list_.add_argument("--data-dir", help="the data folder (default: the platform's)")
    list_.add_argument("--client", metavar="CODE", help="only this client code")
    list_.add_argument(
        "--since", metavar="DATE", type=_day, help="started on or after DATE (YYYY-MM-DD)"
    )
    list_.add_argument(
        "--until", metavar="DATE", type=_day, help="started on or before DATE (YYYY-MM-DD)"
    )
    list_.add_argument("--protocol", metavar="ID", help="only sessions of this protocol id")
    kind = list_.add_mutually_exclusive_group()
    kind.add_argument("--training", action="store_true", help="only training sessions")
    kind.add_argument("--real", action="store_true", help="only real (not training) sessions")
    list_.add_argument(
        "--practice",
        action="store_true",
        help="list practice sessions (kept apart, in the data folder's practice/) instead",
    )
    list_.add_argument("--format", choices=("text", "json"), default="text", help="table or JSON")
    list_.set_defaults(handler=run_list)


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def state_label(summary: Any) -> str:
    """closed, open, damaged, moved; no-go or stopped-early for how a session closed; training."""
    if summary.training and summary.state in ("closed", "open"):
        return "training" if summary.state == "closed" else "training-open"
    if summary.state == "closed" and summary.outcome == "no_go":
        return "no-go"
    if summary.state == "closed" and summary.outcome == "stopped_early":
        return "stopped-early"
    return summary.state


def selected(sessions: list[Any], args: argparse.Namespace) -> list[Any]:
    since = datetime.combine(args.since, time(), UTC) if args.since else None
    until = datetime.combine(args.until + timedelta(days=1), time(), UTC) if args.until else None
    chosen = []
    for s in sessions:
        if args.client and s.client_code != args.client:
            continue
        if args.protocol and s.protocol_id != args.protocol:
            continue
        if args.training and not s.training or args.real and s.training:
            continue
        if since and (s.started_at is None or s.started_at < since):
            continue
        if until and (s.started_at is None or s.started_at >= until):
            continue
        chosen.append(s)
    return chosen


def run_list(args: argparse.Namespace) -> int:
    from kap_console import paths
    from kap_console.session.catalog import list_sessions

    data = paths.data_dir(args.data_dir)
    practice = bool(getattr(args, "practice", False))
    if practice:
        data = paths.practice_dir(data)
    # Practice and real sessions never mix, even when a folder was copied to the wrong place.
    found = [s for s in list_sessions(data) if s.practice == practice or s.state == "damaged"]
    sessions = selected(found, args)
    if args.format == "json":
        sys.stdout.write(json_list([_as_json(s) for s in sessions]) + "\n")
        return 0
    if not sessions:
        filtered = " match these filters" if _filtered(args) else ""
        kind = "practice sessions" if practice else "sessions"
        print(f"no {kind} in {paths.sessions_dir(data)}{filtered}")
        return 0
    header = ("date (UTC)", "client", "protocol", "duration", "AEs", "state", "folder")
    rows = [header]
    for s in sessions:
        rows.append(
            (
                s.started_at.strftime("%Y-%m-%d %H:%M") if s.started_at else "?",
                f"{s.client_code} (practice: {s.scenario_id})" if s.practice else s.client_code,
                f"{s.protocol_id} {s.protocol_version}",
                _duration(s.duration.total_seconds()) if s.duration else "-",
                str(s.adverse_event_count),
                state_label(s),
                s.path.name,
            )
        )
    widths = [max(map(len, column)) for column in zip(*rows, strict=True)]
    line = "  ".join(f"{{:<{width}}}" for width in widths)  # each cell padded to its column
    lines = []
    for row, problem in zip(rows, [None, *(s.problem for s in sessions)], strict=True):
        lines.append(line.format(*row).rstrip())
        if problem:
            lines.append(f"    ! {problem}")
    sys.stdout.write("\n".join(lines) + "\n")
    return 0


def json_list(rows: list[dict[str, Any]]) -> str:
    """`json.dumps(rows, indent=2, ensure_ascii=False)` for flat rows (str, number, bool or
    None values), by the C encoder: with `indent` the standard library encodes in Python."""
    if not rows:
        return "[]"
    import json

    encoder = json.JSONEncoder(ensure_ascii=False, separators=(",\n    ", ": "))

    def flat_object(row: dict[str, Any]) -> str:
        # Between the items of a flat object the encoder writes only its separator (a
        # newline inside a string is escaped), so this is the object as indent=2 writes it.
        return "{\n    " + encoder.encode(row)[1:-1] + "\n  }" if row else "{}"

    return "[\n  " + ",\n  ".join(map(flat_object, rows)) + "\n]"


def _filtered(args: argparse.Namespace) -> bool:
    return any((args.client, args.since, args.until, args.protocol, args.training, args.real))


def _as_json(s: Any) -> dict[str, Any]:
    return {
        "folder": s.path.name,
        "path": str(s.path),
        "started_at": s.started_at.isoformat().replace("+00:00", "Z") if s.started_at else None,
        "client_code": s.client_code,
        "protocol_id": s.protocol_id,
        "protocol_version": s.protocol_version,
        "duration_seconds": int(s.duration.total_seconds()) if s.duration else None,
        "adverse_events": s.adverse_event_count,
        "state": state_label(s),
        "condition": s.state,
        "training": s.training,
        "outcome": s.outcome,
        "practice": s.practice,
        "scenario": s.scenario_id,
        "problem": s.problem,
    }


def _duration(seconds: float) -> str:
    minutes = int(seconds // 60)
    return f"{minutes // 60}:{minutes % 60:02d}"
