"""`kap-console record export RECORD --format … [-o FILE] [--force]` and `record schema`.

An altered record is refused (exit 1) unless `--force`; a forced export says UNVERIFIED in its
first line. Output goes to stdout, or to FILE written atomically and private (0600).
"""

from __future__ import annotations

import argparse
from pathlib import Path


def register(actions: argparse._SubParsersAction) -> None:
    from kap_console.integration.exports import FORMATS

    export = actions.add_parser(
        "export", help="write a record as md, html, json, csv, rems or fhir (verified first)"
    )
    export.add_argument("path", help="a session folder or its record.toml")
    export.add_argument(
        "--format", "-f", required=True, choices=sorted(FORMATS), help="what to write"
    )
    export.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of stdout")
    export.add_argument(
        "--force",
        action="store_true",
        help="export a record that failed verification, marked UNVERIFIED in its first line",
    )
    export.set_defaults(handler=run_export)
    schema = actions.add_parser("schema", help="print the JSON Schema of a record as JSON")
    schema.set_defaults(handler=run_schema)


def run_export(args: argparse.Namespace) -> int:
    import sys

    from kap_console.cli import existing_path
    from kap_console.integration.exports import export_record
    from kap_console.integration.exports.common import ExportRefused, ExportUnavailable
    from kap_console.integration.reading import RecordUnreadable, open_record

    try:
        opened = open_record(existing_path(args.path))
        text = export_record(opened, args.format, force=args.force)
    except RecordUnreadable as error:
        print(error.line, file=sys.stderr)
        return 1
    except (ExportRefused, ExportUnavailable) as error:
        print(f"kap-console: {error}", file=sys.stderr)
        return 1
    if opened.verification.status == "altered":
        print(f"warning: exported UNVERIFIED: {opened.verification.words}", file=sys.stderr)
    if args.output is None:
        sys.stdout.write(text)
        return 0
    target = Path(args.output).expanduser()
    if _is_session_file(target, opened.record_path):
        print(f"{target}: not written: it is one of the session's own files", file=sys.stderr)
        return 1
    return _write(target, text)


def _is_session_file(target: Path, record_path: Path) -> bool:
    """The record, its journal or its protocol copy: an export never replaces those."""
    from kap_console.session.journal.format import SEGMENT_PATTERN
    from kap_console.session.pinning import PROTOCOL_COPY

    resolved = target.resolve()
    if resolved == record_path.resolve():
        return True
    same_folder = resolved.parent == record_path.resolve().parent
    return same_folder and (
        resolved.name == PROTOCOL_COPY or bool(SEGMENT_PATTERN.match(resolved.name))
    )


def _write(path: Path, text: str) -> int:
    import sys

    from kap_console.session.storage import write_private_atomic

    try:
        write_private_atomic(path, text.encode("utf-8"))
    except OSError as error:
        print(f"{path}: cannot write ({error.strerror or error})", file=sys.stderr)
        return 1
    print(f"wrote {path}", file=sys.stderr)
    return 0


def run_schema(args: argparse.Namespace) -> int:
    import sys

    from kap_console.integration.exports.json_record import schema_text

    sys.stdout.write(schema_text())
    return 0
