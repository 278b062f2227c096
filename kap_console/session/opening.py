"""Opening a session: a new session's folder and journal, and a journal's lines read back.

`Session.start` and `Session.resume` (engine.py) check, stamp and fold the events; what is
here makes the folder (0700, its name durable), keeps the protocol copy beside the journal's
first segment, and turns the lines read back at resume into events.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from pathlib import Path
from typing import Any

from kap_console import __version__
from kap_console.paths import sessions_dir
from kap_console.protocol.loader import LoadedProtocol
from kap_console.session import events as ev
from kap_console.session.errors import SaveError
from kap_console.session.journal.errors import JournalWriteError
from kap_console.session.journal.writer import Journal
from kap_console.session.pinning import PROTOCOL_COPY, keep_protocol_copy
from kap_console.session.storage import ensure_private_dir, fsync_dir

APP = f"kap-console {__version__}"


def new_session_folder(data_dir: Path, *, now: datetime, client_code: str) -> Path:
    """A new, empty folder among the data folder's sessions, named for its start time and
    client code with a random tail; its name is durable once this returns. SaveError if it
    cannot be made."""
    try:
        parent = ensure_private_dir(sessions_dir(data_dir))
        name = f"{now.strftime('%Y%m%dT%H%M%SZ')}-{client_code}-{secrets.token_hex(3)}"
        session_dir = parent / name
        session_dir.mkdir(mode=0o700)
        fsync_dir(parent)  # the new folder's name is durable only once its parent is synced
    except OSError as error:
        raise SaveError(error.errno, 0) from None
    return session_dir


def new_journal(
    loaded: LoadedProtocol, session_dir: Path, *, session_id: str, now: datetime
) -> Journal:
    """Keep the protocol copy in a new session folder and create its journal. When the
    journal cannot be created the folder is removed again (nothing was entered yet) and
    SaveError raised."""
    keep_protocol_copy(loaded, session_dir)
    try:
        return Journal.create(session_dir, session_id=session_id, app=APP, now=now.isoformat())
    except JournalWriteError as error:
        _remove_empty_session(session_dir)
        raise SaveError(error.errno, 0) from None


def events_from(lines: list[Any]) -> list[tuple[int, ev.Event]]:
    """The events of the journal lines read at resume, each line let go (and its payload
    with it) once it is an event: the payloads of a whole session and its events are never
    all alive at once. `lines` is left empty."""
    lines.reverse()
    events: list[tuple[int, ev.Event]] = []
    while lines:
        line = lines.pop()
        events.append((line.seq, ev.event_from_dict(line.payload)))
    return events


def resumed_event(torn: Any) -> ev.Resumed:
    """The `resumed` entry, describing the torn last line the journal set aside, if any."""
    if torn is None:
        return ev.Resumed()
    return ev.Resumed(
        torn_offset=torn.offset,
        torn_bytes=torn.length,
        torn_sha256=torn.sha256,
        torn_copy=torn.copy_path.name if torn.copy_path is not None else None,
    )


def _remove_empty_session(session_dir: Path) -> None:
    """Undo a start whose journal could not be created: nothing was entered yet."""
    for name in (PROTOCOL_COPY, "lock", "ballast"):
        try:
            (session_dir / name).unlink()
        except OSError:
            pass
    try:
        session_dir.rmdir()
    except OSError:
        pass
