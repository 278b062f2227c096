"""`kap-console paths`: where data, config, protocols and themes live."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("paths", help="print where kap-console keeps its files")
    parser.add_argument("--data-dir", help="the data folder to report (default: the platform's)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from kap_console import paths

    data = paths.data_dir(args.data_dir)
    rows = [
        ("data", data),
        ("sessions", paths.sessions_dir(data)),
        ("config", paths.config_dir()),
        ("user protocols", paths.user_protocols_dir()),
        ("user themes", paths.user_themes_dir()),
        ("bundled protocols", paths.bundled_protocols_dir()),
        ("bundled themes", paths.bundled_themes_dir()),
    ]
    width = max(len(name) for name, _ in rows)
    for name, path in rows:
        print(f"{name.ljust(width)}  {path}")
    return 0
