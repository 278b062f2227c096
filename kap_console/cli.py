"""The `kap-console` command. Module level stays light: subcommands import on use."""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from pathlib import Path

# Each entry: module under kap_console.commands exposing `register(subparsers)`.
COMMAND_MODULES = (
    "run",
    "practice",
    "serve",
    "protocol",
    "scenario",
    "record",
    "paths",
    "integrate",
    "client",
)


# Commands registered by a module of another name.
MODULE_OF_COMMAND = {"records": "record"}


class UsageError(Exception):
    """Bad arguments: exit status 2."""


def existing_path(path_text: str) -> Path:
    """PATH as given; a usage error (exit 2) when nothing is there at all."""
    path = Path(path_text).expanduser()
    if not path.exists():
        raise UsageError(f"{path}: no such session folder or record file")
    return path


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser of every command; or, when `command` names one, of that one alone: only its
    module is imported (`run` starts the console sooner without the others)."""
    from kap_console import __version__

    parser = argparse.ArgumentParser(
        prog="kap-console",
        description="A terminal console for ketamine-assisted psychotherapy dosing sessions. "
        "Not medical advice; sample protocols are examples, not clinical guidance.",
    )
    parser.add_argument("--version", action="version", version=f"kap-console {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    wanted = MODULE_OF_COMMAND.get(command or "", command)
    for name in (wanted,) if wanted in COMMAND_MODULES else COMMAND_MODULES:
        module = importlib.import_module(f"kap_console.commands.{name}")
        module.register(subparsers)
    return parser


def unsupported_platform() -> str | None:
    """Why kap-console cannot run here, or None. The journal's single-writer lock and its
    fsyncs are POSIX (fcntl), so it needs Linux or macOS; said before anything starts."""
    if os.name == "posix":
        return None
    return (
        f"kap-console runs on POSIX systems (Linux, macOS), not on {sys.platform}: "
        "its session journal relies on POSIX file locks (fcntl)"
    )


def main(argv: list[str] | None = None) -> int:
    refusal = unsupported_platform()
    if refusal:
        print(f"kap-console: {refusal}", file=sys.stderr)
        return 1
    given = sys.argv[1:] if argv is None else argv
    named = given[0] if given and not given[0].startswith("-") else None
    parser = build_parser(named)
    args = parser.parse_args(given)
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help(sys.stderr)
        return 2
    try:
        return int(handler(args) or 0)
    except UsageError as error:
        print(f"kap-console: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (`… | head`): not a failure, and never a traceback. Point
        # stdout at devnull so the interpreter's final flush does not raise again.
        import os

        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141
