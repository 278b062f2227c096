"""The sessions in a data folder, for lists and the resume offer.

Read-only: it reads journals without taking a session's lock and never repairs anything,
so it is safe to run while a session is open in another console.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

from kap_console.paths import sessions_dir
from kap_console.session.catalog_read import NOT_WRITTEN, row_fields
from kap_console.session.journal.files import real_path
from kap_console.session.journal.format import SEGMENT_PATTERN
from kap_console.session.moves import MOVED_MARKER, continuations, moved_to

SessionCondition = Literal["open", "closed", "damaged", "moved"]


def _version() -> str:
    from kap_console import __version__

    return __version__


# How this program names itself in a journal's segment headers (as the engine writes them).
APP = f"kap-console {_version()}"


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
        # The folder's own entry types (no stat each): a link is listed, never followed.
        with os.scandir(folder) as listing:
            found = [(entry.name, entry.is_symlink(), entry.is_dir()) for entry in listing]
    except FileNotFoundError:
        return []
    candidates = [folder / name for name, is_link, is_dir in found if is_dir and not is_link]
    linked = [folder / name for name, is_link, _is_dir in found if is_link]
    scanned = _summaries(data_dir, candidates)
    summaries = [summary for summary, _names in scanned]
    summaries += [_linked(path) for path in linked]
    # A session that continued elsewhere names its old folder in its journal: old copies are
    # found in one pass (outside the cache, which knows each folder's own files only), even
    # when their MOVED marker could not be written because the old disk was read-only. Only
    # a journal of several segments can have moved, so only those headers are read.
    movable = [
        summary.path
        for summary, names in scanned
        if names is None or sum(1 for name in names if SEGMENT_PATTERN.match(name)) > 1
    ]
    continued = continuations(candidates + linked, movable=movable) if movable else {}
    if continued:
        summaries = [
            _moved_on(summary, continued.get(real_path(summary.path))) for summary in summaries
        ]
    return sorted(summaries, key=_newest_first, reverse=True)


def _newest_first(summary: SessionSummary) -> tuple[bool, datetime, str]:
    return (summary.started_at is None, summary.started_at or _NEVER, summary.path.name)


_NEVER = datetime.min.replace(tzinfo=UTC)


def _moved_on(summary: SessionSummary, continued_in: Path | None) -> SessionSummary:
    if continued_in is None or summary.state in ("moved", "damaged"):
        return summary
    problem = f"an old copy: the session continued in {continued_in}"
    return dataclasses.replace(summary, state="moved", problem=problem)


def unfinished_sessions(data_dir: Path) -> list[SessionSummary]:
    """Sessions whose record has not been written (to offer a resume), newest first.
    Damaged journals are listed too, with their problem, so none is silently hidden."""
    return [summary for summary in list_sessions(data_dir) if summary.state in ("open", "damaged")]


def _summaries(
    data_dir: Path, folders: list[Path]
) -> list[tuple[SessionSummary, list[str] | None]]:
    """A summary of each folder, read again only where its files changed (catalog_cache)."""
    from kap_console.session.catalog_cache import SummaryCache

    cache = SummaryCache(
        data_dir, fields=list(ROW_FIELDS), version=_version(), encode=_row, decode=_from_row
    )
    summaries = cache.summaries(folders, summarize, _read_by_summary)
    cache.save()
    return summaries


# What the cache keeps of a summary, in this order (the path is the folder's own).
ROW_FIELDS = (
    "started_at",
    "client_code",
    "protocol_id",
    "protocol_version",
    "duration",
    "adverse_event_count",
    "state",
    "problem",
    "training",
    "outcome",
    "practice",
    "scenario_id",
)
_CONDITIONS = frozenset(("open", "closed", "damaged", "moved"))
_MICROSECOND = timedelta(microseconds=1)


def _row(s: SessionSummary) -> list[Any]:
    return [
        s.started_at.isoformat() if s.started_at is not None else None,
        s.client_code,
        s.protocol_id,
        s.protocol_version,
        s.duration // _MICROSECOND if s.duration is not None else None,
        s.adverse_event_count,
        s.state,
        s.problem,
        s.training,
        s.outcome,
        s.practice,
        s.scenario_id,
    ]


def _from_row(path: Path, row: list[Any]) -> SessionSummary:
    """The summary a row of `_row` holds; TypeError, ValueError or IndexError if none."""
    started, client, protocol, version, micros, adverse, state = row[:7]
    problem, training, outcome, practice, scenario = row[7:]
    if state not in _CONDITIONS:
        raise ValueError("not a condition")
    return SessionSummary(
        path=path,
        started_at=datetime.fromisoformat(started) if started is not None else None,
        client_code=client,
        protocol_id=protocol,
        protocol_version=version,
        duration=timedelta(microseconds=micros) if micros is not None else None,
        adverse_event_count=adverse,
        state=state,
        problem=problem,
        training=training,
        outcome=outcome,
        practice=practice,
        scenario_id=scenario,
    )


def _read_by_summary(name: str) -> bool:
    """Whether a summary depends on the file `name` of its folder: the journal's segments and
    the MOVED marker (`summarize` reads nothing else)."""
    return name == MOVED_MARKER or SEGMENT_PATTERN.match(name) is not None


def _linked(session_dir: Path) -> SessionSummary:
    return _damaged(
        session_dir, "a symbolic link, not a session folder: not followed, not resumable"
    )


def summarize(session_dir: Path, names: list[str] | None = None) -> SessionSummary:
    """What one session folder holds, read without a lock and without repair.

    From the folder's own files only (so it can be cached); `list_sessions` adds what other
    folders say about it (a continuation of it elsewhere). `names`, the files in the folder,
    saves listing it again. The journal is read for the row's fields only where it is the
    plain case (catalog_read), else fully (`summarize_from_events`); both say the same."""
    if session_dir.is_symlink():
        return _linked(session_dir)
    if names is None:
        try:
            names = os.listdir(session_dir)
        except OSError:
            return summarize_from_events(session_dir)
    fields = row_fields(session_dir, names, APP)
    if fields is None:
        return summarize_from_events(session_dir)
    if MOVED_MARKER in names:
        elsewhere = moved_to(session_dir)
        if elsewhere is not None:
            fields["state"] = "moved"
            fields["problem"] = f"an old copy: the session continued in {elsewhere}"
    return SessionSummary(path=session_dir, **fields)


def summarize_from_events(session_dir: Path) -> SessionSummary:
    """`summarize` by reading and verifying the whole journal and parsing every event: what
    says exactly why a journal is damaged, and the reference the quick reading must match."""
    # Imported here: a listing served from the cache (catalog_cache) needs no event models,
    # and the start-up offer of unfinished sessions comes before pydantic is imported.
    from kap_console.session import events as ev
    from kap_console.session.journal.errors import JournalDamaged
    from kap_console.session.journal.read import read_journal

    if session_dir.is_symlink():
        return _linked(session_dir)
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
        problem = NOT_WRITTEN
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
