"""`kap-console practice`: the console with a simulated client, and the class report.

    kap-console practice [PROTOCOL] [--scenario NAME] [--speed N]
    kap-console practice report FOLDER [--csv FILE] [--markdown FILE]

Practice sessions are kept in the data folder's practice/ subfolder, apart from real ones.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

DEFAULT_SCENARIO = "uneventful"
DEFAULT_SPEED = 10.0


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "practice",
        help="practise on a simulated client (a scenario), scored at the end; or a class report",
        description="Run the console on a simulated clock while a scenario plays the client: "
        "a monitor shows the readings when you open a round, incidents appear as prompts, and "
        "a debrief scores the run at the end. `practice report FOLDER` puts a class's debriefs "
        "in one table.",
    )
    parser.add_argument(
        "target",
        nargs="*",
        metavar="PROTOCOL",
        help="a training protocol (default: the first the scenario fits); or: report FOLDER",
    )
    parser.add_argument(
        "--scenario",
        metavar="NAME",
        help=f"scenario id or file (default: {DEFAULT_SCENARIO}; see kap-console scenario list)",
    )
    parser.add_argument(
        "--speed",
        type=float,
        metavar="N",
        default=DEFAULT_SPEED,
        help=f"simulated clock speed, 1 to 60 (default {DEFAULT_SPEED:g})",
    )
    parser.add_argument("--data-dir", help="data folder (practice goes to its practice/ folder)")
    parser.add_argument("--theme", help="theme for this run")
    parser.add_argument("--trainee", metavar="NAME", help="start straight away as NAME")
    parser.add_argument("--csv", metavar="FILE", help="report: also write the table as CSV")
    parser.add_argument("--markdown", metavar="FILE", help="report: write Markdown to FILE")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from kap_console.cli import UsageError

    if args.target and args.target[0] == "report":
        if len(args.target) != 2:
            raise UsageError("practice report takes one FOLDER (of practice sessions)")
        return run_report(Path(args.target[1]), args.csv, args.markdown)
    if len(args.target) > 1:
        raise UsageError("practice takes at most one PROTOCOL")
    if not 1 <= args.speed <= 60:
        raise UsageError("--speed takes a number from 1 to 60 (e.g. 10)")
    loaded, protocol = resolve(args.scenario or DEFAULT_SCENARIO, args.target)
    return run_app(loaded, protocol, args)


def resolve(name: str, target: list[str]):
    """The scenario to play and the protocol file to run it on (UsageError when unusable)."""
    from kap_console.cli import UsageError
    from kap_console.training.catalogue import find_scenario, protocols_by_id
    from kap_console.training.loader import ScenarioError, load_scenario

    path = find_scenario(name)
    if path is None:
        raise UsageError(f"no scenario called {name!r} (see: kap-console scenario list)")
    try:
        loaded = load_scenario(path)
    except ScenarioError as error:
        raise UsageError(f"the scenario does not load:\n{error}") from None
    if target:
        return loaded, Path(target[0])
    known = protocols_by_id()
    for protocol_id in loaded.scenario.protocols:
        if protocol_id in known:
            return loaded, known[protocol_id]
    raise UsageError(
        f"none of the protocols {', '.join(loaded.scenario.protocols)} named by the scenario "
        "was found; give the protocol file"
    )


def run_app(loaded, protocol: Path, args: argparse.Namespace) -> int:
    from datetime import UTC, datetime

    from kap_console import paths
    from kap_console.session.clock import SimulatedClock
    from kap_console.tui.practice.app import PracticeApp

    clock = SimulatedClock(datetime.now(UTC), speed=args.speed)
    trainee = args.trainee
    app = PracticeApp(
        protocol,
        scenario=loaded,
        clock=clock,
        data_dir=paths.data_dir(args.data_dir),
        theme=args.theme,
        client_code="PRACTICE-01" if trainee else None,
        facilitator=trainee,
        session_number=1 if trainee else None,
    )
    try:
        app.run()
    finally:
        app.release_session()
    outcome = app.exit_lines()
    if outcome:
        print("\n".join(outcome))
    return app.return_code or 0


def run_report(folder: Path, csv_path: str | None, markdown_path: str | None) -> int:
    from kap_console.cli import UsageError
    from kap_console.training.report import class_rows, report_csv, report_markdown

    if not folder.is_dir():
        raise UsageError(f"no such folder: {folder}")
    rows, problems = class_rows(folder)
    for problem in problems:
        print(f"kap-console: {problem}", file=sys.stderr)
    text = report_markdown(rows)
    if markdown_path:
        Path(markdown_path).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    if csv_path:
        Path(csv_path).write_text(report_csv(rows), encoding="utf-8")
    return 0 if rows else 1
