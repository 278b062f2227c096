"""The read-only session state a fold produces, and how its stage follows from the facts.

`SessionState` is what every screen, check and record reads. It holds entries, never the
builder's working structures, so a state once taken stays the same whatever is journaled next.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from kap_console.protocol.models import Protocol
from kap_console.session import events as ev
from kap_console.session.state.entries import (
    AdverseEvent,
    Alert,
    Amendment,
    ChecklistAnswer,
    E,
    Entry,
    Ineffective,
    Intention,
    MeasureValue,
    Observation,
    Void,
)
from kap_console.session.state.timeline import TimelineItem

Stage = Literal[
    "pre_session", "intentions", "dosing", "monitoring", "discharge", "discharged", "closed"
]
STAGES: tuple[Stage, ...] = (
    "pre_session",
    "intentions",
    "dosing",
    "monitoring",
    "discharge",
    "discharged",
    "closed",
)
RECOVERY_PHASE = "recovery"


@dataclass(frozen=True)
class SessionState:
    """Everything the session knows, read-only. Tuples are in journal order."""

    protocol: Protocol
    started: ev.SessionStarted | None
    client_code: str | None
    facilitator: str | None
    training: bool
    stage: Stage
    checklist: Mapping[str, ChecklistAnswer]
    checklist_history: tuple[ChecklistAnswer, ...]
    go_decisions: tuple[Entry[ev.GoDecision], ...]
    intentions: tuple[Intention, ...]
    consents: tuple[Entry[ev.ConsentRecorded], ...]
    doses: tuple[Entry[ev.DoseGiven], ...]
    t0: datetime | None
    steps: tuple[Entry[ev.StepMarked], ...]
    observations: tuple[Observation, ...]
    baseline: Mapping[str, MeasureValue]
    last_values: Mapping[str, MeasureValue]
    alerts: tuple[Alert, ...]
    adverse_events: tuple[AdverseEvent, ...]
    notes: tuple[Entry[ev.NoteAdded], ...]
    phases: tuple[Entry[ev.PhaseMarked], ...]
    discharge_assessments: tuple[Entry[ev.DischargeAssessed], ...]
    recovery_started_at: datetime | None
    ready_to_leave_at: datetime | None
    discharged: Entry[ev.Discharged] | None
    reflections: tuple[Entry[ev.ReflectionRecorded], ...]
    closed: Entry[ev.SessionClosed] | None
    record_written: Entry[ev.RecordWritten] | None
    amendments: tuple[Amendment, ...]
    voids: tuple[Void, ...]
    ineffective: tuple[Ineffective, ...]
    timeline: tuple[TimelineItem, ...]
    event_count: int
    last_seq: int | None
    index: Mapping[int, Entry[Any]] = field(repr=False)

    def entry(self, seq: int) -> Entry[Any] | None:
        """The entry journaled at `seq` (any kind), as it stands now."""
        return self.index.get(seq)

    @property
    def go_decision(self) -> Entry[ev.GoDecision] | None:
        """The latest go/no-go decision not entered in error."""
        return latest_effective(self.go_decisions)

    @property
    def consent(self) -> Entry[ev.ConsentRecorded] | None:
        """The latest consent record not entered in error."""
        return latest_effective(self.consents)

    @property
    def latest_assessment(self) -> Entry[ev.DischargeAssessed] | None:
        """The latest discharge assessment not entered in error."""
        return latest_effective(self.discharge_assessments)

    @property
    def current_intentions(self) -> tuple[Intention, ...]:
        """Each intention as last revised."""
        return tuple(i for i in self.intentions if i.current)

    @property
    def intention_chains(self) -> tuple[tuple[Intention, ...], ...]:
        """Each intention with its revisions, first wording to latest (entered-in-error ones left out)."""
        by_seq = {i.seq: i for i in self.intentions if not i.voided}
        chains = []
        for intention in by_seq.values():
            if intention.revises_seq in by_seq:
                continue
            chain = [intention]
            while chain[-1].revised_by in by_seq and by_seq[chain[-1].revised_by] not in chain:
                chain.append(by_seq[chain[-1].revised_by])
            chains.append(tuple(chain))
        return tuple(chains)

    @property
    def effective_doses(self) -> tuple[Entry[ev.DoseGiven], ...]:
        return tuple(d for d in self.doses if not d.voided)

    @property
    def effective_observations(self) -> tuple[Observation, ...]:
        return tuple(o for o in self.observations if not o.voided)

    @property
    def effective_adverse_events(self) -> tuple[AdverseEvent, ...]:
        return tuple(a for a in self.adverse_events if not a.voided)

    def minutes_since_t0(self, now: datetime) -> float | None:
        """Minutes from the first dose to `now` (None before any dose)."""
        if self.t0 is None:
            return None
        return (now - self.t0).total_seconds() / 60


def latest_effective(entries: Iterable[Entry[E]]) -> Entry[E] | None:
    """The last of `entries` (in journal order) not marked entered in error."""
    found = None
    for entry in entries:
        if not entry.voided:
            found = entry
    return found


def session_stage(
    *,
    protocol: Protocol,
    closed: bool,
    discharged: bool,
    recovery: bool,
    dosed: bool,
    go: Entry[ev.GoDecision] | None,
    consented: bool,
    intentions: tuple[Intention, ...],
) -> Stage:
    """Where the session stands, from the facts alone (the latest fact wins, in session order)."""
    if closed:
        return "closed"
    if discharged:
        return "discharged"
    if recovery:
        return "discharge"
    if dosed:
        return "monitoring"
    if go is None or go.event.decision != "go":
        return "pre_session"
    intentions_done = not protocol.intention_prompts or any(i.current for i in intentions)
    if consented and intentions_done:
        return "dosing"
    return "intentions"


def earliest_time(*groups: Iterable[Entry[Any]]) -> datetime | None:
    """The earliest observed time among the entries of `groups` not entered in error."""
    found: datetime | None = None
    for group in groups:
        for entry in group:
            at = entry.observed_at
            if not entry.voided and at is not None and (found is None or at < found):
                found = at
    return found
