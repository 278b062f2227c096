"""Pause the cyclic garbage collector while a session's journal is replayed or its record built.

Replaying 100,000 events creates hundreds of thousands of objects that all stay alive; the
collector's generational passes over them cost as much again as the replay itself and grow
faster than the session. Nothing made while paused is lost: reference counting frees what
it always frees, and the collector runs as usual once resumed.

A replayed session stays alive as long as it is open, so traversing it again at every full
collection (a pause of a fraction of a second in the console at 100,000 events) finds nothing
to free. With `set_aside`, the collector first collects what already exists (garbage made
before the block is freed, not kept), and at the end of the block moves every object then
alive to its permanent generation (`gc.freeze`), where collections no longer look. Those
objects are still freed by reference counting when dropped; only a reference cycle among
them would outlive its use, and a session's state holds none it drops.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused(*, set_aside: bool = False) -> Iterator[None]:
    """Run the block with the cyclic collector off (or leave it off if it already was); with
    `set_aside`, set what the block built aside from later collections (see above)."""
    was_enabled = gc.isenabled()
    if set_aside:
        gc.collect()
    gc.disable()
    try:
        yield
        if set_aside:
            gc.freeze()
    finally:
        if was_enabled:
            gc.enable()
