"""`kap-console protocol`: validate, show, list protocols, and export the JSON Schema
(diff, check-version and init, the commands for a practice's git, are in protocol_git.py).

Nothing heavy at module level: pydantic and the loader are imported when a command runs,
and none of these commands imports Textual.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "protocol",
        help="validate, show, list, compare and version session protocols",
        description="Work with session protocols (TOML files a practice keeps in git).",
    )
    parser.set_defaults(handler=lambda args: _help(parser))
    commands = parser.add_subparsers(dest="protocol_command", metavar="ACTION")

    validate = commands.add_parser(
        "validate",
        help="check protocol files and print every problem as path:line:col: message",
        description="Check protocol files (or folders, searched recursively for *.toml). "
        "Exit status: 0 all valid, 1 some invalid, 2 bad arguments.",
    )
    validate.add_argument("paths", nargs="+", metavar="PATH", help="protocol file or folder")
    validate.add_argument(
        "--format", choices=("text", "json"), default="text", help="output format (default: text)"
    )
    validate.set_defaults(handler=run_validate)

    show = commands.add_parser("show", help="print a readable summary of a protocol")
    show.add_argument("path", metavar="PATH", help="protocol file")
    show.set_defaults(handler=run_show)

    schema = commands.add_parser("schema", help="print the JSON Schema of the protocol format")
    schema.add_argument("-o", "--output", metavar="FILE", help="write the schema to FILE")
    schema.set_defaults(handler=run_schema)

    listing = commands.add_parser(
        "list", help="list the bundled protocols and those in your protocol folder"
    )
    listing.set_defaults(handler=run_list)

    from . import protocol_git

    protocol_git.register(commands)


def _help(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return 2


def _protocol_files(paths: list[str]) -> list[Path]:
    from kap_console.cli import UsageError
    from kap_console.protocol.loader import find_protocol_files

    missing = [path for path in paths if not os.path.exists(path)]
    if missing:
        raise UsageError(f"no such file or folder: {', '.join(missing)}")
    files = find_protocol_files(paths)
    if not files:
        raise UsageError(f"no .toml files found in {', '.join(paths)}")
    return files


def run_validate(args: argparse.Namespace) -> int:
    from kap_console.protocol.loader import load_protocol
    from kap_console.protocol.problems import ProtocolError

    files = _protocol_files(args.paths)
    results: list[tuple[Path, list]] = []
    for file in files:
        try:
            load_protocol(file, git=False)
        except ProtocolError as error:
            results.append((file, error.problems))
        else:
            results.append((file, []))

    invalid = [problems for _, problems in results if problems]
    if args.format == "json":
        report = [
            {
                "path": str(file),
                "valid": not problems,
                "problems": [problem.to_dict() for problem in problems],
            }
            for file, problems in results
        ]
        print(json.dumps(report, indent=2, ensure_ascii=False))
    else:
        for _, problems in results:
            for problem in problems:
                print(problem)
        count = sum(len(problems) for problems in invalid)
        checked = f"{len(files)} protocol file{'s' if len(files) != 1 else ''} checked"
        if invalid:
            print(
                f"{checked}: {len(files) - len(invalid)} valid, {len(invalid)} invalid "
                f"({count} problem{'s' if count != 1 else ''})"
            )
        else:
            print(f"{checked}: all valid")
    return 1 if invalid else 0


def run_show(args: argparse.Namespace) -> int:
    from kap_console.cli import UsageError
    from kap_console.protocol.loader import load_protocol
    from kap_console.protocol.problems import ProtocolError
    from kap_console.protocol.summary import summarize

    if not os.path.exists(args.path):
        raise UsageError(f"no such file: {args.path}")
    try:
        loaded = load_protocol(args.path)
    except ProtocolError as error:
        for problem in error.problems:
            print(problem, file=sys.stderr)
        print(f"{args.path}: not a valid protocol; fix the problems above", file=sys.stderr)
        return 1
    sys.stdout.write(summarize(loaded.protocol, loaded.identity))
    return 0


def run_schema(args: argparse.Namespace) -> int:
    from kap_console.protocol.schema import schema_text

    text = schema_text()
    if args.output:
        try:
            Path(args.output).write_text(text, encoding="utf-8")
        except OSError as error:
            from kap_console.cli import UsageError

            raise UsageError(f"cannot write {args.output}: {error.strerror or error}") from None
        print(f"wrote {args.output}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


def run_list(args: argparse.Namespace) -> int:
    from kap_console import paths
    from kap_console.protocol.loader import find_protocol_files, load_protocol
    from kap_console.protocol.problems import ProtocolError

    missing = paths.missing_bundled("protocols")
    if missing:
        print(f"kap-console: {paths.missing_bundled_message(missing)}", file=sys.stderr)
    places = [("bundled", paths.bundled_protocols_dir()), ("yours", paths.user_protocols_dir())]
    rows: list[tuple[str, str, str, str, str]] = []
    for origin, folder in places:
        if not folder.is_dir():
            continue
        for file in find_protocol_files([folder]):
            try:
                protocol = load_protocol(file, git=False).protocol
            except ProtocolError as error:
                count = len(error.problems)
                status = f"INVALID ({count} problem{'s' if count != 1 else ''})"
                rows.append(
                    (status, "?", "?", "run `kap-console protocol validate` on it", str(file))
                )
                continue
            status = "training" if protocol.training else origin
            rows.append((status, protocol.id, protocol.version, protocol.title, str(file)))
    if not rows:
        print(
            f"no protocols found in {paths.bundled_protocols_dir()} or {paths.user_protocols_dir()}"
        )
        return 1 if missing else 0
    header = ("SOURCE", "ID", "VERSION", "TITLE", "PATH")
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(4)]
    for row in [header, *rows]:
        cells = [row[i].ljust(widths[i]) for i in range(4)]
        print("  ".join([*cells, row[4]]).rstrip())
    return 1 if missing else 0
