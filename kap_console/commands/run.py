"""`kap-console run`: run a dosing session in the console.

Nothing heavy is imported until the command runs, and the app itself paints before it
loads pydantic or the protocol. What happened is printed after the terminal is restored.
"""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "run",
        help="run a dosing session",
        description="Run a dosing session in the console. Without PROTOCOL, choose one from "
        "the bundled and your own protocols. An unfinished session is offered for resuming.",
    )
    parser.add_argument("protocol", nargs="?", metavar="PROTOCOL", help="the protocol file")
    parser.add_argument(
        "--data-dir", help="where sessions are kept (default: see kap-console paths)"
    )
    parser.add_argument(
        "--theme", help="theme for this run (night, daylight, high-contrast, yours)"
    )
    parser.add_argument(
        "--speed",
        type=float,
        metavar="X",
        help="practice only: run a training protocol on a simulated clock X times faster "
        "than real time (e.g. 10)",
    )
    start = parser.add_argument_group(
        "start without the form", "give all three to start a new session straight away"
    )
    start.add_argument("--client", metavar="CODE", help="pseudonymous client code, e.g. KAP-0042")
    start.add_argument("--facilitator", metavar="NAME", help="who runs the session")
    start.add_argument(
        "--session-number", type=int, metavar="N", help="the client's session number"
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from kap_console.cli import UsageError

    given = [args.client, args.facilitator, args.session_number]
    if any(value is not None for value in given) and not all(value is not None for value in given):
        raise UsageError(
            "--client, --facilitator and --session-number go together (give all three)"
        )

    if args.speed is not None and not 0 < args.speed <= 120:
        raise UsageError("--speed takes a number above 0 and at most 120 (e.g. 10)")

    import sys

    from kap_console import paths

    missing = paths.missing_bundled("protocols", "themes")
    if missing:
        print(f"kap-console: {paths.missing_bundled_message(missing)}", file=sys.stderr)
        return 1

    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        # Without a terminal the app would wait for keys that never come, at full CPU.
        print(
            "kap-console run needs a terminal: run it in a terminal window "
            "(its input and output are not a terminal here)",
            file=sys.stderr,
        )
        return 2

    import gc

    # No cyclic collection while the console starts: its passes over the young objects of
    # every import and widget took ~10 ms before the start form was drawn, and start-up
    # leaves next to no garbage in cycles. The app turns the collector back on once its
    # first screen is drawn (KapApp.on_mount).
    gc.disable()
    from kap_console.tui.app import KapApp
    from kap_console.tui.paste_parser import install

    install()  # a pasted escape sequence stays inside its paste

    clock = None
    if args.speed is not None:
        from datetime import UTC, datetime

        from kap_console.session.clock import SimulatedClock

        clock = SimulatedClock(datetime.now(UTC), speed=args.speed)
    app = KapApp(
        args.protocol,
        data_dir=paths.data_dir(args.data_dir),
        clock=clock,
        practice_speed=args.speed,
        theme=args.theme,
        client_code=args.client,
        facilitator=args.facilitator,
        session_number=args.session_number,
    )
    try:
        app.run()
    finally:
        app.release_session()
    outcome = app.exit_lines()
    if outcome:
        print("\n".join(outcome))
    return app.return_code or 0
