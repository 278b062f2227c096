"""`kap-console scenario`: validate practice scenarios, list them, and print their JSON Schema.

Never imports Textual. A scenario is checked on its own and then against every protocol it
names that can be found (bundled training protocols, bundled ones, your protocol folder).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "scenario",
        help="validate and list practice scenarios (simulated clients)",
        description="Work with practice scenarios: TOML files describing a simulated client.",
    )
    parser.set_defaults(handler=lambda args: _help(parser))
    commands = parser.add_subparsers(dest="scenario_command", metavar="ACTION")

    validate = commands.add_parser(
        "validate",
        help="check scenario files and print every problem as path:line:col: message",
        description="Check scenario files (or folders of *.toml). Exit status: 0 all valid, "
        "1 some invalid, 2 bad arguments.",
    )
    validate.add_argument("paths", nargs="+", metavar="PATH", help="scenario file or folder")
    validate.add_argument("--format", choices=("text", "json"), default="text")
    validate.set_defaults(handler=run_validate)

    schema = commands.add_parser("schema", help="print the JSON Schema of the scenario format")
    schema.add_argument("-o", "--output", metavar="FILE", help="write the schema to FILE")
    schema.set_defaults(handler=run_schema)

    listing = commands.add_parser("list", help="list the bundled scenarios and your own")
    listing.set_defaults(handler=run_list)


def _help(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return 2


def check_file(file: Path, protocols: dict[str, Path]) -> list:
    """Every problem of one scenario file, fitted to each protocol it names that exists."""
    from kap_console.protocol.loader import load_protocol
    from kap_console.protocol.problems import Problem, ProtocolError
    from kap_console.training.loader import ScenarioError, check_fit, load_scenario

    try:
        loaded = load_scenario(file)
    except ScenarioError as error:
        return list(error.problems)
    problems: list = []
    for protocol_id in loaded.scenario.protocols:
        path = protocols.get(protocol_id)
        if path is None:
            continue
        try:
            check_fit(loaded, load_protocol(path, git=False).protocol)
        except ScenarioError as error:
            problems += error.problems
        except ProtocolError:
            problems.append(Problem(str(file), 1, 1, f"protocol '{protocol_id}' does not load"))
    return problems


def run_validate(args: argparse.Namespace) -> int:
    from kap_console.cli import UsageError
    from kap_console.training.catalogue import protocols_by_id
    from kap_console.training.loader import find_scenario_files

    missing = [path for path in args.paths if not os.path.exists(path)]
    if missing:
        raise UsageError(f"no such file or folder: {', '.join(missing)}")
    files = find_scenario_files(args.paths)
    if not files:
        raise UsageError(f"no .toml files found in {', '.join(args.paths)}")
    protocols = protocols_by_id()
    results = [(file, check_file(file, protocols)) for file in files]
    invalid = [problems for _, problems in results if problems]
    if args.format == "json":
        report = [
            {"path": str(f), "valid": not p, "problems": [x.to_dict() for x in p]}
            for f, p in results
        ]
        print(json.dumps(report, indent=2, ensure_ascii=False))
    else:
        for _, problems in results:
            for problem in problems:
                print(problem)
        checked = f"{len(files)} scenario file{'s' if len(files) != 1 else ''} checked"
        if invalid:
            print(f"{checked}: {len(files) - len(invalid)} valid, {len(invalid)} invalid")
        else:
            print(f"{checked}: all valid")
    return 1 if invalid else 0


def run_schema(args: argparse.Namespace) -> int:
    from kap_console.training.schema import schema_text

    text = schema_text()
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
        print(f"Schema written to {args.output}")
    else:
        sys.stdout.write(text)
    return 0


def run_list(args: argparse.Namespace) -> int:
    from kap_console.training.catalogue import scenario_files
    from kap_console.training.loader import ScenarioError, load_scenario

    for file in scenario_files():
        try:
            scenario = load_scenario(file).scenario
        except ScenarioError:
            print(f"{file.stem:<22} (does not load: kap-console scenario validate {file})")
            continue
        print(f"{scenario.id:<22} {scenario.title}  [fits: {', '.join(scenario.protocols)}]")
    return 0
