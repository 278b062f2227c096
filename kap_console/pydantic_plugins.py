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

import importlib
import os
import sys
import types
from typing import Any

# pydantic (2.x) imports its plugin finder from here each time it builds a validator.
LOADER = "pydantic.plugin._loader"
# pydantic's own switch, read by its finder each time: no plugin at all.
DISABLE = ("PYDANTIC_DISABLE_PLUGINS", "__all__")


def get_plugins() -> tuple[()]:
    """The plugins kap-console runs: none."""
    return ()


def refuse_plugins() -> None:
    """Put the finder of no plugins in place of pydantic's. If pydantic has already
    imported its own, its own switch turns every plugin off instead."""
    if LOADER in sys.modules:
        os.environ[DISABLE[0]] = DISABLE[1]
        return
    finder = types.ModuleType(LOADER, "kap-console runs no pydantic plugins.")
    finder.get_plugins = get_plugins  # type: ignore[attr-defined]
    finder.__getattr__ = _real_finder_attribute  # type: ignore[method-assign]
    sys.modules[LOADER] = finder


def _real_finder_attribute(name: str) -> Any:
    """A pydantic that asks its finder for more than `get_plugins` (a later version) gets
    its real finder, with every plugin turned off by pydantic's own switch: the console
    still runs no plugin, and never fails to start over a name it did not know."""
    if name.startswith("__"):
        raise AttributeError(name)
    os.environ[DISABLE[0]] = DISABLE[1]
    sys.modules.pop(LOADER, None)
    real = importlib.import_module(LOADER)
    return getattr(real, name)
