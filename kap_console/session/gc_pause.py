"""Pause the cyclic garbage collector while a session's journal is replayed or its record built.

Replaying 100,000 events creates hundreds of thousands of objects that all stay alive; the
collector's generational passes over them cost as much again as the replay itself and grow
faster than the session. Nothing made while paused is lost: reference counting frees what
it always frees, and the collector runs as usual once resumed.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """Run the block with the cyclic collector off (or leave it off if it already was)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
