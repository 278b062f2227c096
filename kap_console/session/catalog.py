"""The sessions in a data folder, for lists and the resume offer.

Read-only: it reads journals without taking a session's lock and never repairs anything,
so it is safe to run while a session is open in another console.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Literal

from kap_console.paths import sessions_dir
from kap_console.session.journal.files import real_path
from kap_console.session.moves import continuations, moved_to

SessionCondition = Literal["open", "closed", "damaged", "moved"]


@dataclass(frozen=True)
class SessionSummary:
    path: Path
    started_at: datetime | None
    client_code: str
    protocol_id: str
    protocol_version: str
    duration: timedelta | None
    adverse_event_count: int
    state: SessionCondition
    problem: str | None = None
    training: bool = False
    outcome: str | None = None  # how it was closed: completed, stopped_early, no_go
    practice: bool = False  # a practice session on a scenario (a simulated client)
    scenario_id: str | None = None


def list_sessions(data_dir: Path) -> list[SessionSummary]:
    """Every session folder under `data_dir`, newest first.

    `closed` means the session was closed and its record written; `open` means it can be
    resumed; `damaged` means its journal cannot be read as it stands (`problem` says why);
    `moved` means an old copy of a session that continued in another folder.
    """
    folder = sessions_dir(data_dir)
    try:
        candidates = [path for path in folder.iterdir() if path.is_symlink() or path.is_dir()]
    except FileNotFoundError:
        return []
    summaries = _summaries(data_dir, candidates)
    # A session that continued elsewhere names its old folder in its journal: old copies are
    # found in one pass (outside the cache, which knows each folder's own files only), even
    # when their MOVED marker could not be written because the old disk was read-only.
    continued = continuations(candidates)
    summaries = [
        _moved_on(summary, continued.get(real_path(summary.path))) for summary in summaries
    ]
    return sorted(summaries, key=lambda s: (s.started_at is None, s.started_at, s.path.name))[::-1]


def _moved_on(summary: SessionSummary, continued_in: Path | None) -> SessionSummary:
    if continued_in is None or summary.state in ("moved", "damaged"):
        return summary
    problem = f"an old copy: the session continued in {continued_in}"
    return dataclasses.replace(summary, state="moved", problem=problem)


def unfinished_sessions(data_dir: Path) -> list[SessionSummary]:
    """Sessions whose record has not been written (to offer a resume), newest first.
    Damaged journals are listed too, with their problem, so none is silently hidden."""
    return [summary for summary in list_sessions(data_dir) if summary.state in ("open", "damaged")]


def _summaries(data_dir: Path, folders: list[Path]) -> list[SessionSummary]:
    """A summary of each folder, read again only where its files changed (catalog_cache)."""
    from kap_console import __version__
    from kap_console.session.catalog_cache import SummaryCache

    cache = SummaryCache(data_dir, SessionSummary, __version__)
    summaries = cache.summaries(folders, summarize)
    cache.save()
    return summaries


def summarize(session_dir: Path) -> SessionSummary:
    """What one session folder holds, read without a lock and without repair.

    From the folder's own files only (so it can be cached); `list_sessions` adds what other
    folders say about it (a continuation of it elsewhere)."""
    # Imported here: a listing served from the cache (catalog_cache) needs no event models,
    # and the start-up offer of unfinished sessions comes before pydantic is imported.
    from kap_console.session import events as ev
    from kap_console.session.journal.errors import JournalDamaged
    from kap_console.session.journal.read import read_journal

    if session_dir.is_symlink():
        return _damaged(
            session_dir, "a symbolic link, not a session folder: not followed, not resumable"
        )
    try:
        report = read_journal(session_dir)
    except JournalDamaged as error:
        return _damaged(session_dir, f"journal damaged at {error.segment}:{error.line}")
    except FileNotFoundError:
        return _damaged(session_dir, "no journal in this folder")
    except (OSError, ValueError) as error:
        return _damaged(session_dir, f"journal unreadable ({type(error).__name__})")
    try:
        events = [ev.event_from_dict(entry.payload) for entry in report.entries]
    except ValueError:
        return _damaged(session_dir, "the journal holds an entry this version cannot read")
    started = events[0] if events else None
    if not isinstance(started, ev.SessionStarted):
        return _damaged(session_dir, "the journal does not begin with session_started")
    voided = {event.target_seq for event in events if isinstance(event, ev.Voided)}
    seqs = [entry.seq for entry in report.entries]
    adverse = sum(
        1
        for seq, event in zip(seqs, events, strict=True)
        if isinstance(event, ev.AdverseEventLogged) and seq not in voided
    )
    closed = next((e for e in events if isinstance(e, ev.SessionClosed)), None)
    written = any(isinstance(e, ev.RecordWritten) for e in events)
    duration = None
    if closed is not None and closed.observed_at and started.observed_at:
        duration = closed.observed_at - started.observed_at
    problem = None
    if report.torn_tail is not None:
        problem = "an unfinished last line will be set aside when the session is resumed"
    elif closed is not None and not written:
        problem = "closed, but the record was not written: resume to write it"
    state: SessionCondition = "closed" if closed is not None and written else "open"
    elsewhere = moved_to(session_dir)
    if elsewhere is not None:
        state, problem = "moved", f"an old copy: the session continued in {elsewhere}"
    return SessionSummary(
        path=session_dir,
        started_at=started.observed_at,
        client_code=started.client_code,
        protocol_id=started.protocol.id,
        protocol_version=started.protocol.version,
        duration=duration,
        adverse_event_count=adverse,
        state=state,
        problem=problem,
        training=started.training,
        outcome=closed.outcome if closed is not None else None,
        practice=started.practice is not None,
        scenario_id=started.practice.scenario_id if started.practice is not None else None,
    )


def _damaged(session_dir: Path, problem: str) -> SessionSummary:
    """A session whose journal cannot be read: date and client code from the folder name."""
    started_at, client_code = None, "?"
    stamp, _, rest = session_dir.name.partition("-")
    try:
        started_at = datetime.strptime(stamp, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
        client_code = rest.rsplit("-", 1)[0] or "?"
    except ValueError:
        pass
    return SessionSummary(
        path=session_dir,
        started_at=started_at,
        client_code=client_code,
        protocol_id="?",
        protocol_version="?",
        duration=None,
        adverse_event_count=0,
        state="damaged",
        problem=problem,
    )
