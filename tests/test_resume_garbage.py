"""A resumed session sets aside (gc.freeze, see gc_pause.py) only what it keeps.

pydantic builds the protocol's validators on first use, and the event union's when the first
journal line is parsed; building them leaves reference cycles behind (inspect's signature
parsing makes a class and a copy of sys.modules each time). Built inside the paused replay,
that garbage was frozen with the session and never freed while it stayed open. Each check
runs in a fresh process, where nothing is built yet."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from record_helpers import dosed_session

CHILD = """
import gc, sys
from pathlib import Path
from kap_console.session.clock import SystemClock
from kap_console.session.engine import Session

session = Session.resume(Path(sys.argv[1]), clock=SystemClock())
gc.unfreeze()
gc.set_debug(gc.DEBUG_SAVEALL)
gc.collect()
left = [
    f"{o.__module__}.{o.__qualname__}"
    for o in gc.garbage
    if callable(o) and getattr(o, "__module__", "") in ("inspect", "ast")
]
print(len(left), *sorted(set(left))[:5])
session.release()
"""


def test_building_the_validators_at_resume_leaves_nothing_set_aside(tmp_path: Path) -> None:
    session = dosed_session(tmp_path / "data")
    folder = session.session_dir
    session.release()
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(folder)], capture_output=True, text=True, check=True
    ).stdout
    assert out.split()[0] == "0", out
