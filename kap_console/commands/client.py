"""`kap-console client CODE`: the client's course, every closed session in order.

Shown in the console when run in a terminal; `--format text` or `json` prints it instead
(the default when the output is not a terminal). Training records never mix in. A client
with no closed sessions gets one line and exit status 1.
"""

from __future__ import annotations

import argparse
import json
import re
import sys


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "client",
        help="a client's course: every session of one client code, in order",
        description="Every closed (not training) session of the client code in the data "
        "folder, in order: doses, peak BP and HR, lowest SpO2, adverse events, time to ready "
        "to leave, intentions, quotes tagged for integration, follow-up items.",
    )
    parser.add_argument("code", metavar="CODE", help="the pseudonymous client code, e.g. KAP-0042")
    parser.add_argument("--data-dir", help="the data folder (default: see kap-console paths)")
    parser.add_argument(
        "--format",
        choices=("tui", "text", "json"),
        help="tui (the default in a terminal), text or json (the default otherwise)",
    )
    parser.add_argument("--theme", help="for the console view")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from kap_console import paths
    from kap_console.integration.course import client_course, course_json, course_text
    from kap_console.session.events import CLIENT_CODE_PATTERN

    code = args.code.strip().upper()
    if not re.fullmatch(CLIENT_CODE_PATTERN, code):
        print(
            f"kap-console: client code {args.code!r}: use 3–24 capital letters, digits and "
            "hyphens, e.g. KAP-0042",
            file=sys.stderr,
        )
        return 1
    data = paths.data_dir(args.data_dir)
    course = client_course(data, code)
    for problem in course.problems:
        print(f"kap-console: {problem}", file=sys.stderr)
    if not course.sessions:
        print(
            f"kap-console: {paths.sessions_dir(data)}: no closed sessions of client {code}",
            file=sys.stderr,
        )
        return 1
    form = args.format or ("tui" if sys.stdout.isatty() else "text")
    if form == "json":
        print(json.dumps(course_json(course), indent=2, ensure_ascii=False))
        return 0
    if form == "text":
        print(course_text(course))
        return 0
    from kap_console.tui.screens.course import CourseScreen
    from kap_console.tui.screens.review_app import ReviewApp

    app = ReviewApp(lambda: CourseScreen(data, code, course=course, root=True), theme=args.theme)
    app.run()
    return app.return_code or 0
