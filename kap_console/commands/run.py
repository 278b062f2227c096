"""`kap-console run` (being built)."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    """Registered by the module that implements `run`."""
