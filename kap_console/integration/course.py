"""A client's course: every closed session of one client code in the data folder, in order.

KAP is a course of dosing sessions, each followed by integration; the prescriber calibrates the
next dose from the earlier ones. `client_course` reads each `record.toml` under the data
folder's sessions (never writing), keeps the client's real sessions (training records never
mix in), and sums each up: dose, peak BP and HR, lowest SpO2, adverse events, time to ready to
leave, intentions, quotes tagged for integration and the follow-up items (the record's and the
integration notes'). A record that cannot be read is listed as a problem with one located line,
never skipped silently. No Textual here.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from kap_console.integration.review import (
    dose_text,
    first_line,
    is_open,
    live_intentions,
    minutes_to_ready,
    severity_rank,
    severity_words,
)
from kap_console.paths import sessions_dir
from kap_console.session import RECORD_NAME, RecordError, SessionRecord, read_record


@dataclass(frozen=True)
class DoseSummary:
    kind: str
    drug: str
    route: str
    dose_mg: float
    mg_per_kg: float | None
    text: str


@dataclass
class CourseSession:
    """One session of the course, summed up from its record."""

    session_dir: Path
    started_at: datetime
    session_number: int
    protocol: str
    outcome: str
    doses: list[DoseSummary]
    peak_sbp: float | None
    peak_dbp: float | None
    peak_hr: float | None
    lowest_spo2: float | None
    adverse_events: int
    highest_severity: str | None
    open_adverse_events: int
    minutes_to_ready: int | None
    intentions: list[str]
    quotes: list[str]
    follow_up: list[str] = field(default_factory=list)

    @property
    def total_mg(self) -> float:
        return sum(d.dose_mg for d in self.doses)

    @property
    def boosters(self) -> int:
        return sum(1 for d in self.doses if d.kind == "booster")

    @property
    def first_dose(self) -> DoseSummary | None:
        return self.doses[0] if self.doses else None


@dataclass
class Course:
    client_code: str
    sessions: list[CourseSession]
    problems: list[str]

    def before(self, started_at: datetime) -> list[CourseSession]:
        return [s for s in self.sessions if s.started_at < started_at]


# Session folders are named `<UTC start>-<client code>-<6 hex>` when they are started.
FOLDER_NAME = re.compile(r"^\d{8}T\d{6}Z-(?P<client>.+)-[0-9a-f]{6}$")


def record_paths(data_dir: Path, client_code: str | None = None) -> list[Path]:
    """Every session record under the data folder (sorted by folder name).

    With `client_code`, folders whose name says they hold another client's session are left
    out unread; a folder named otherwise (a session moved to a folder of the user's choice)
    is always read.
    """
    folder = sessions_dir(Path(data_dir))
    try:
        candidates = sorted(folder.iterdir())
    except FileNotFoundError:
        return []
    found = []
    for path in candidates:
        named = FOLDER_NAME.match(path.name)
        if client_code is not None and named and named["client"] != client_code:
            continue
        if (path / RECORD_NAME).is_file():
            found.append(path / RECORD_NAME)
    return found


def _peak(values: list[float], highest: bool) -> float | None:
    if not values:
        return None
    return max(values) if highest else min(values)


def summarize_session(
    record: SessionRecord, session_dir: Path, *, with_notes: bool
) -> CourseSession:
    """One session's line in the course."""
    rounds = [o for o in record.observations if not o.voided]

    def numbers(measure: str) -> list[float]:
        found = []
        for observation in rounds:
            value = observation.values.get(measure)
            if isinstance(value, int | float) and not isinstance(value, bool):
                found.append(float(value))
        return found

    sbp_rounds = [o for o in rounds if isinstance(o.values.get("sbp"), int | float)]
    peak_round = max(sbp_rounds, key=lambda o: o.values["sbp"], default=None)
    peak_dbp = None
    if peak_round is not None:
        dbp = peak_round.values.get("dbp")
        peak_dbp = (
            float(dbp) if isinstance(dbp, int | float) and not isinstance(dbp, bool) else None
        )
    events = [e for e in record.adverse_events if not e.voided]
    highest = max((e.current.severity for e in events), key=severity_rank, default=None)
    doses = [
        DoseSummary(d.kind, d.drug, d.route, d.dose_mg, d.mg_per_kg, dose_text(d))
        for d in sorted(record.doses, key=lambda d: (d.observed_at, d.seq))
        if not d.voided
    ]
    follow_up = [f"{item.label} (due {item.due_at:%Y-%m-%d})" for item in record.follow_up]
    if with_notes:
        follow_up += integration_follow_ups(session_dir)
    return CourseSession(
        session_dir=session_dir,
        started_at=record.session.started_at,
        session_number=record.session.session_number,
        protocol=f"{record.protocol.id} {record.protocol.version}",
        outcome=record.session.outcome or "not closed",
        doses=doses,
        peak_sbp=_peak(numbers("sbp"), True),
        peak_dbp=peak_dbp,
        peak_hr=_peak(numbers("hr"), True),
        lowest_spo2=_peak(numbers("spo2"), False),
        adverse_events=len(events),
        highest_severity=severity_words(highest) if highest else None,
        open_adverse_events=sum(1 for e in events if is_open(e)),
        minutes_to_ready=minutes_to_ready(record),
        intentions=[first_line(i.text) for i in live_intentions(record)],
        quotes=[
            n.text for n in record.notes if not n.voided and (n.client_quote or n.for_integration)
        ],
        follow_up=follow_up,
    )


def integration_follow_ups(session_dir: Path) -> list[str]:
    """The follow-up items the integration therapist wrote for this session."""
    from kap_console.integration.notes import NotesError, notes_folder, read_notes

    if not notes_folder(session_dir).is_dir():
        return []
    try:
        state = read_notes(session_dir)
    except NotesError:
        return ["(the integration notes of this session cannot be read)"]
    return [
        f"{item.text}" + (f" ({item.due})" if item.due else "") + " [integration]"
        for item in state.live("follow_up")
    ]


def client_course(data_dir: Path, client_code: str, *, with_notes: bool = True) -> Course:
    """Every real (not training) session of `client_code` in the data folder, oldest first."""
    sessions: list[CourseSession] = []
    problems: list[str] = []
    for path in record_paths(data_dir, client_code):
        try:
            record = read_record(path)
        except RecordError as error:
            problems.append(error.problems[0])
            continue
        except OSError as error:
            problems.append(f"{path}: cannot be read ({error.strerror})")
            continue
        if record.session.client_code != client_code or record.session.training:
            continue
        sessions.append(summarize_session(record, path.parent, with_notes=with_notes))
    sessions.sort(key=lambda s: (s.started_at, s.session_number))
    return Course(client_code, sessions, problems)


def course_json(course: Course) -> dict[str, Any]:
    """The course as JSON-ready data."""
    sessions = []
    for session in course.sessions:
        data = asdict(session)
        data["session_dir"] = str(session.session_dir)
        data["started_at"] = session.started_at.isoformat()
        data["total_mg"] = session.total_mg
        data["boosters"] = session.boosters
        sessions.append(data)
    return {"client_code": course.client_code, "sessions": sessions, "problems": course.problems}


def _value(value: float | None, unit: str = "") -> str:
    if value is None:
        return "-"
    text = f"{value:g}"
    return f"{text} {unit}".rstrip()


def course_text(course: Course) -> str:
    """The course as plain text, one block per session."""
    count = len(course.sessions)
    lines = [f"Course of {course.client_code}: {count} session{'s' if count != 1 else ''}"]
    for s in course.sessions:
        bp = f"{_value(s.peak_sbp)}/{_value(s.peak_dbp)}" if s.peak_sbp is not None else "-"
        ready = f"{s.minutes_to_ready} min" if s.minutes_to_ready is not None else "-"
        events = f"{s.adverse_events}"
        if s.adverse_events:
            events += f" (highest {s.highest_severity}, {s.open_adverse_events} open)"
        lines += [
            "",
            f"Session {s.session_number}  {s.started_at:%Y-%m-%d}  {s.protocol}  ({s.outcome})",
            "  dose        "
            + ("; ".join(d.text for d in s.doses) if s.doses else "none given")
            + (f"  [total {s.total_mg:g} mg]" if len(s.doses) > 1 else ""),
            f"  peak BP {bp}  peak HR {_value(s.peak_hr)}  lowest SpO2 {_value(s.lowest_spo2, '%')}",
            f"  adverse events {events}  ready to leave {ready} after the dose",
        ]
        lines += [f"  intention   “{text}”" for text in s.intentions]
        lines += [f"  ★ {text}" for text in s.quotes]
        lines += [f"  follow-up   {text}" for text in s.follow_up]
    for problem in course.problems:
        lines.append(f"! {problem}")
    return "\n".join(lines)
