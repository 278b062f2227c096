"""kap-console: a terminal console for ketamine-assisted psychotherapy dosing sessions.

Kept free of imports on purpose: every eager import here is a floor under the console's
first paint and under every `kap-console protocol …` / `record …` call. The one exception
is tiny and imports nothing: pydantic is told, before any model is built, that the console
runs no plugins (pydantic_plugins.py).
"""

from kap_console.pydantic_plugins import refuse_plugins

refuse_plugins()

__version__ = "0.1.0"
