"""No pydantic plugins in kap-console: nothing outside the console sees what it validates.

pydantic hands every model it builds, and so every value validated with it, to the plugins
installed in the same Python environment, found through package metadata
(`importlib.metadata` entry points). A session's entries are mental-health data, and a
plugin (an observability exporter, say) would see each one: the console runs none. So,
before any model is built, pydantic's plugin finder is replaced by one that finds none.

It also keeps `importlib.metadata`, and the email, zipfile and csv modules it imports, out of
the running console: about 1.3 MB of its resident memory (benchmarks/bench_idle.py).
"""

from __future__ import annotations

import sys
import types

# pydantic (2.x) imports its plugin finder from here each time it builds a validator.
LOADER = "pydantic.plugin._loader"


def get_plugins() -> tuple[()]:
    """The plugins kap-console runs: none."""
    return ()


def refuse_plugins() -> None:
    """Put the finder of no plugins in place of pydantic's, unless pydantic has already
    imported its own (then it goes on finding what it finds)."""
    if LOADER in sys.modules:
        return
    finder = types.ModuleType(LOADER, "kap-console runs no pydantic plugins.")
    finder.get_plugins = get_plugins  # type: ignore[attr-defined]
    sys.modules[LOADER] = finder
