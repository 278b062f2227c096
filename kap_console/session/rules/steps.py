"""The protocol's dosing steps (e.g. sublingual: hold, swish, spit) as a session has marked
them: each step's latest mark, and the step that comes next."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from kap_console.protocol.models import DosingStep, Protocol
from kap_console.session.state.snapshot import SessionState


@dataclass(frozen=True)
class StepProgress:
    """One dosing step of the protocol with its latest mark (None: not marked yet) and when
    that mark was observed."""

    step: DosingStep
    status: Literal["started", "done"] | None
    marked_at: datetime | None


def step_progress(protocol: Protocol, state: SessionState) -> list[StepProgress]:
    """Every dosing step of the protocol, in its order, with its latest mark."""
    latest: dict[str, tuple[Literal["started", "done"], datetime | None]] = {}
    for entry in state.steps:
        if not entry.voided:
            latest[entry.event.step_id] = (entry.event.status, entry.observed_at)
    return [
        StepProgress(step, *latest.get(step.id, (None, None))) for step in protocol.dosing.steps
    ]


def current_step(protocol: Protocol, state: SessionState) -> StepProgress | None:
    """The first dosing step not yet done (None before the first dose, or when all are done)."""
    if state.t0 is None:
        return None
    for progress in step_progress(protocol, state):
        if progress.status != "done":
            return progress
    return None
