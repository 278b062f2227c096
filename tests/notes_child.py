"""A child process for the integration notes' kill test (run with sys.executable).

notes_child.py FOLDER SHA256    open (or start) the notes of the session in FOLDER about
                                the record with SHA256, print "start", then add notes
                                forever, printing each seq only after add() returned
"""

from __future__ import annotations

import sys
from pathlib import Path

from kap_console.integration.notes import IntegrationNotes


def text(n: int) -> str:
    return f"note {n} " + "x" * 300


def main() -> None:
    folder, sha256 = Path(sys.argv[1]), sys.argv[2]
    notes = IntegrationNotes.open_for(
        folder, record_sha256=sha256, session_id="s-1", client_code="KAP-0042", by="A. Therapist"
    )
    n = len(notes.state.items)
    print("start", flush=True)
    while True:
        n += 1
        seq = notes.add("note", text(n), by="A. Therapist")
        print(f"{seq} {n}", flush=True)


if __name__ == "__main__":
    main()
