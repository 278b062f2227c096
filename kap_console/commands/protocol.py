"""`kap-console protocol` (being built)."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    """Registered by the module that implements `protocol`."""
