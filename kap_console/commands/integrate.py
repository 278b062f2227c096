"""`kap-console integrate RECORD_OR_FOLDER`: review a closed session for the integration phase.

The record is read and verified before anything is shown; a record that cannot be read gets
one located line on stderr and exit status 1, never a traceback. Integration notes written in
the review go to their own journal in the session folder; the record is never written.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "integrate",
        help="review a closed session and write integration notes",
        description="Review a closed session: verification, intentions, timeline, vitals "
        "chart, adverse events, alerts, discharge, reflections, follow-up; and write "
        "integration notes, themes and follow-up items (kept beside the record, never in it).",
    )
    parser.add_argument("path", metavar="RECORD_OR_FOLDER", help="a record.toml or its folder")
    parser.add_argument(
        "--data-dir", help="the data folder holding the client's other sessions (for the course)"
    )
    parser.add_argument("--theme", help="night, daylight, high-contrast, or yours")
    parser.add_argument("--by", metavar="NAME", default="", help="who writes the notes")
    parser.set_defaults(handler=run)


def data_folder_of(session_dir: Path | None, override: str | None) -> Path:
    """The data folder: given, else the one the session folder sits in, else the default."""
    from kap_console import paths

    if override:
        return paths.data_dir(override)
    if session_dir is not None and session_dir.resolve().parent.name == "sessions":
        return session_dir.resolve().parent.parent
    return paths.data_dir()


def run(args: argparse.Namespace) -> int:
    from kap_console.integration.reading import RecordUnreadable, open_record

    try:
        opened = open_record(Path(args.path))
    except RecordUnreadable as error:
        print(f"kap-console: {error.line}", file=sys.stderr)
        return 1
    from kap_console.tui.screens.review import ReviewScreen
    from kap_console.tui.screens.review_app import ReviewApp

    data_dir = data_folder_of(opened.session_dir, args.data_dir)
    app = ReviewApp(lambda: ReviewScreen(opened, data_dir=data_dir, by=args.by), theme=args.theme)
    app.run()
    return app.return_code or 0
