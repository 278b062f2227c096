"""`kap-console serve`: practice in a browser, for a classroom, through textual-serve.

Each browser tab gets its own practice app process (textual-serve starts one per
connection). Bound to 127.0.0.1 unless --host says otherwise; nothing leaves the machine
unless you choose a host that other machines can reach.
"""

from __future__ import annotations

import argparse
import shlex
import sys


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "serve",
        help="run practice in a web browser (a classroom), one console per browser tab",
        description="Serve `kap-console practice` to web browsers with textual-serve. Needs "
        "the serve extra: pip install 'kap-console[serve]'.",
    )
    parser.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)"
    )
    parser.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    parser.add_argument("--scenario", metavar="NAME", help="scenario for every tab")
    parser.add_argument("--speed", type=float, metavar="N", help="clock speed, 1 to 60")
    parser.add_argument("--data-dir", help="data folder (practice goes to its practice/ folder)")
    parser.add_argument("protocol", nargs="?", metavar="PROTOCOL", help="training protocol")
    parser.set_defaults(handler=run)


def practice_command(args: argparse.Namespace) -> str:
    """The command line each browser tab's app process runs."""
    parts = [sys.executable, "-m", "kap_console", "practice"]
    if args.protocol:
        parts.append(args.protocol)
    if args.scenario:
        parts += ["--scenario", args.scenario]
    if args.speed is not None:
        parts += ["--speed", f"{args.speed:g}"]
    if args.data_dir:
        parts += ["--data-dir", args.data_dir]
    return " ".join(shlex.quote(part) for part in parts)


def run(args: argparse.Namespace) -> int:
    from kap_console.cli import UsageError

    if not 0 < args.port < 65536:
        raise UsageError("--port takes a number from 1 to 65535")
    if args.speed is not None and not 1 <= args.speed <= 60:
        raise UsageError("--speed takes a number from 1 to 60 (e.g. 10)")
    try:
        from textual_serve.server import Server
    except ImportError:
        raise UsageError(
            "serving to a browser needs textual-serve: pip install 'kap-console[serve]'"
        ) from None
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        print(
            f"kap-console: serving on {args.host}: other machines on that network can open "
            "practice sessions here.",
            file=sys.stderr,
        )
    server = Server(
        practice_command(args), host=args.host, port=args.port, title="kap-console practice"
    )
    server.serve()
    return 0
