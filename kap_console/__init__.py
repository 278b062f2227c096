"""kap-console: a terminal console for ketamine-assisted psychotherapy dosing sessions.

Kept free of imports on purpose: every eager import here is a floor under the console's
first paint and under every `kap-console protocol …` / `record …` call.
"""

__version__ = "0.1.0"
