"""A crash says where the journal is and how to resume, and never prints session text:
Textual's own crash report shows local variables, which here would hold notes."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from record_helpers import IM_PROTOCOL

from kap_console.tui.crash import code_location, crash_message

SENTINEL = "SENTINEL-client-said-something-private"

CRASHING_RUN = textwrap.dedent(
    """
    import sys
    from datetime import UTC, datetime
    from pathlib import Path

    from textual.binding import Binding

    from kap_console.session import events as ev
    from kap_console.session.clock import SimulatedClock
    from kap_console.tui.app import KapApp

    SENTINEL = sys.argv[3]


    class CrashingApp(KapApp):
        BINDINGS = [Binding("f12", "crash", priority=True)]

        def action_crash(self) -> None:
            note = self.commit(ev.NoteAdded(text=SENTINEL))  # saved: the journal holds it
            private = f"{SENTINEL} {note}"
            raise ValueError(f"cannot handle {private}")


    async def drive(pilot):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.pause()
        await pilot.press("f12")


    app = CrashingApp(
        sys.argv[1],
        data_dir=Path(sys.argv[2]),
        clock=SimulatedClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC), speed=0),
        client_code="KAP-0042",
        facilitator="R. Rivera",
        session_number=1,
    )
    app.run(headless=True, size=(80, 24), auto_pilot=drive)
    app.release_session()
    print("return code", app.return_code)
    """
)


def run_crashing_console(tmp_path, protocol) -> subprocess.CompletedProcess[str]:
    script = tmp_path / "crashing_run.py"
    script.write_text(CRASHING_RUN)
    return subprocess.run(
        [sys.executable, str(script), str(protocol), str(tmp_path / "data"), SENTINEL],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_crash_prints_where_the_journal_is_and_no_session_text(tmp_path):
    run = run_crashing_console(tmp_path, IM_PROTOCOL)
    output = run.stdout + run.stderr

    assert "return code 1" in run.stdout
    assert SENTINEL not in output
    assert "Traceback" not in output and "locals" not in output
    assert "kap-console stopped because of an internal error." in run.stderr
    assert "Where: ValueError at " in run.stderr
    [session_dir] = (tmp_path / "data" / "sessions").iterdir()
    assert f"The session journal is safe at: {session_dir}" in run.stderr
    assert f"kap-console run --data-dir {tmp_path / 'data'}" in run.stderr
    # The note committed just before the crash is in the journal.
    journal = "".join(path.read_text() for path in session_dir.glob("journal-*.jsonl"))
    assert SENTINEL in journal


def test_the_crash_message_names_the_code_not_the_error_text():
    try:
        secret = SENTINEL
        raise KeyError(secret)
    except KeyError as error:
        where = code_location(error)
        message = crash_message(error, session_dir=None, data_dir=None)
    assert where.startswith("KeyError at tests/tui/test_shell_crash.py:") or where.startswith(
        "KeyError at test_shell_crash.py:"
    )
    assert SENTINEL not in message
    assert "No session was open" in message
