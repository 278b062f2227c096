"""`kap-console protocol diff | check-version | init`: protocols in a practice's git.

Split from `protocol.py`, which keeps validate/show/schema/list. Nothing heavy at module
level, and no Textual.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def register(commands: argparse._SubParsersAction) -> None:
    diff = commands.add_parser(
        "diff",
        help="what changed between two versions of a protocol, in its own labels",
        description="Compare two protocol files (OLD NEW), or a file with its version at a git "
        "revision (--rev REV PATH). With --textconv FILE, print the readable rendering git "
        "compares (set up by `protocol init`). Exit status: 0 compared, 1 a file is not a "
        "valid protocol, 2 bad arguments.",
    )
    diff.add_argument("files", nargs="*", metavar="FILE", help="OLD NEW, or PATH with --rev")
    diff.add_argument("--rev", metavar="REV", help="compare PATH at git revision REV with PATH now")
    diff.add_argument(
        "--textconv", action="store_true", help="print the rendering of one FILE for git"
    )
    diff.add_argument(
        "--format", choices=("text", "json"), default="text", help="output format (default: text)"
    )
    diff.set_defaults(handler=run_diff)

    check = commands.add_parser(
        "check-version",
        help="refuse protocols changed since HEAD without a higher version (a pre-commit hook)",
        description="For each protocol file, compare it with its version at HEAD: a changed "
        "protocol needs a higher semantic version. Exit status: 0 all fine, 1 a version was "
        "not raised (or went down), 2 bad arguments.",
    )
    check.add_argument("paths", nargs="*", metavar="FILE", help="protocol files (default: staged)")
    check.add_argument("--rev", default="HEAD", help="compare with this revision (default HEAD)")
    check.set_defaults(handler=run_check_version)

    init = commands.add_parser(
        "init",
        help="set up a practice's protocol repository (git, hooks, schema, diff driver)",
        description="Create or complete a protocol repository in DIR: git, one protocol to "
        "start from, a pre-commit configuration, editor schema settings, the readable "
        "git diff, and a README. Running it again changes nothing.",
    )
    init.add_argument("folder", metavar="DIR", help="the repository folder (created if missing)")
    init.add_argument(
        "--from",
        dest="example",
        metavar="PROTOCOL",
        help="bundled example to start from (file name or id; default im-ketamine-120)",
    )
    init.add_argument("--id", dest="protocol_id", metavar="ID", help="id of the new protocol")
    init.set_defaults(handler=run_init)


def _load_bytes(data: bytes, name: str):  # -> Protocol | None
    from kap_console.protocol.loader import load_protocol_bytes
    from kap_console.protocol.problems import ProtocolError

    try:
        return load_protocol_bytes(data, name).protocol
    except ProtocolError as error:
        for problem in error.problems:
            print(problem, file=sys.stderr)
        print(f"{name}: not a valid protocol; fix the problems above", file=sys.stderr)
        return None


def _read(path: str) -> bytes:
    from kap_console.cli import UsageError

    try:
        return Path(path).read_bytes()
    except FileNotFoundError:
        raise UsageError(f"no such file: {path}") from None
    except OSError as error:
        raise UsageError(f"cannot read {path}: {error.strerror or error}") from None


def run_diff(args: argparse.Namespace) -> int:
    from kap_console.cli import UsageError

    if args.textconv:
        if len(args.files) != 1 or args.rev:
            raise UsageError("--textconv takes exactly one FILE")
        return _textconv(args.files[0])
    if args.rev is not None:
        if len(args.files) != 1:
            raise UsageError("--rev REV takes one PATH (the file to compare with REV)")
        from kap_console.protocol.git import GitError, show_file

        path = args.files[0]
        new_data = _read(path)
        try:
            old_data = show_file(args.rev, Path(path))
        except GitError as error:
            raise UsageError(f"cannot read {path} at {args.rev}: {error.message}") from None
        old_name, new_name = f"{path} at {args.rev}", path
    else:
        if len(args.files) != 2:
            raise UsageError("give OLD and NEW protocol files, or --rev REV PATH")
        old_name, new_name = args.files
        old_data, new_data = _read(old_name), _read(new_name)
    old, new = _load_bytes(old_data, old_name), _load_bytes(new_data, new_name)
    if old is None or new is None:
        return 1
    from kap_console.protocol.diff import diff_json, diff_protocols, diff_text

    changes = diff_protocols(old, new)
    if args.format == "json":
        print(json.dumps(diff_json(changes, old_name, new_name), indent=2, ensure_ascii=False))
    else:
        sys.stdout.write(diff_text(changes, old_name, new_name))
    return 0


def _textconv(path: str) -> int:
    """What git compares: the rendering of a valid protocol; the file as it is otherwise
    (git must still show something for a broken or half-written version)."""
    from kap_console.protocol.loader import load_protocol_bytes
    from kap_console.protocol.problems import ProtocolError
    from kap_console.protocol.rendering import render

    data = _read(path)
    try:
        protocol = load_protocol_bytes(data, path).protocol
    except ProtocolError as error:
        count = len(error.problems)
        sys.stdout.write(
            f"(not a valid protocol: {count} problem{'s' if count != 1 else ''}; "
            "the file as written follows)\n"
        )
        sys.stdout.write(data.decode("utf-8", "replace"))
        return 0
    sys.stdout.write(render(protocol))
    return 0


def run_check_version(args: argparse.Namespace) -> int:
    from kap_console.cli import UsageError
    from kap_console.protocol.versioning import check_versions, staged_protocols

    paths = [Path(path) for path in args.paths]
    if not paths:
        paths = staged_protocols(Path.cwd())
    missing = [str(path) for path in paths if not path.exists()]
    if missing:
        raise UsageError(f"no such file: {', '.join(missing)}")
    results = check_versions(paths, revision=args.rev)
    refused = [result for result in results if not result.ok]
    for result in results:
        if result.message:
            print(result.line, file=sys.stderr if not result.ok else sys.stdout)
    return 1 if refused else 0


def run_init(args: argparse.Namespace) -> int:
    from kap_console.cli import UsageError
    from kap_console.protocol.scaffold import ScaffoldError, scaffold

    try:
        report = scaffold(Path(args.folder), example=args.example, protocol_id=args.protocol_id)
    except ScaffoldError as error:
        raise UsageError(error.message) from None
    for line in report.lines():
        print(line)
    if report.created:
        print("next: run `pre-commit install` in the repository, then commit these files")
    return 0
