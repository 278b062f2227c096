"""What is due when: the observation rounds of a session, from the protocol and the clock.

Rounds fall due at minutes since T0 (the first dose), so nothing is due before it. A slot is
due from its time, late once its grace minutes have passed, and missed once the next slot of the
same round falls due (or `missed_after_minutes` have passed, when set) with no observation for
it. A round's last slot has no next slot of its own: it is missed once the next slot of any
round falls due (the schedule has moved on), and the very last slot stays late until the end.
"Before discharge" rounds fall due when recovery starts and stay due until done. Once the
client is discharged or the session closes, the schedule stops: whatever was due and not done
is missed, and later slots never came due.

How an observation answers a slot: one that names its `due_minutes` answers that slot. One
that does not answers the open slot of its round whose window holds the time it was taken —
from grace minutes before the slot falls due until it would be missed — the nearest if windows overlap; after recovery has started it
answers the round's "before discharge" slot first. A reading that fits no open slot (a recheck
a few minutes later) is simply an extra reading.

Words: "the schedule" is the protocol's list of rounds (`Protocol.schedule`); what this module
computes from it at a moment is the round slots (`round_slots()` → `RoundSlots`). The round
taken before discharge is marked `at_discharge` in the protocol (its key, so it stays), is
called "before discharge" in every sentence (`RoundSlot.when`), and is abbreviated "disch."
only where a slot line has six columns; `pre_discharge` is merely the id the bundled protocols
give it. "Recovery" is a phase (`RECOVERY_PHASE`, journaled); the stage it opens is "discharge".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from kap_console.protocol.models import Protocol
from kap_console.protocol.monitoring import ObservationRound
from kap_console.session.events import BASELINE_ROUND
from kap_console.session.state.entries import Observation
from kap_console.session.state.ordering import UNTIMED
from kap_console.session.state.snapshot import SessionState
from kap_console.session.state.timeline import short_label

SlotStatus = Literal["upcoming", "due", "late", "missed", "done"]
WAITING = ("due", "late")


@dataclass(frozen=True)
class RoundSlot:
    """One scheduled round. `due_minutes` is None for a "before discharge" slot, whose
    `due_at` is when recovery started (None until then)."""

    round_id: str
    label: str
    due_minutes: int | None
    due_at: datetime | None
    status: SlotStatus
    late_by: timedelta | None
    done_seq: int | None
    grace_minutes: int = 0

    @property
    def at_discharge(self) -> bool:
        return self.due_minutes is None

    @property
    def name(self) -> str:
        """The label without its explanation, for one-line sentences."""
        return short_label(self.label)

    @property
    def when(self) -> str:
        return "before discharge" if self.due_minutes is None else f"T+{self.due_minutes}"


@dataclass(frozen=True)
class RoundSlots:
    """The schedule at one moment: every slot, the next one to act on, a sentence for a glance."""

    slots: tuple[RoundSlot, ...]
    next_due: RoundSlot | None
    countdown: timedelta | None
    sentence: str

    @property
    def waiting(self) -> tuple[RoundSlot, ...]:
        """Slots due or late now, earliest first."""
        return tuple(slot for slot in self.slots if slot.status in WAITING)


@dataclass(frozen=True)
class ScheduleFact:
    """A missed or late round, as it goes into the record."""

    kind: Literal["missed", "late"]
    slot: RoundSlot
    text: str


def format_span(span: timedelta) -> str:
    """mm:ss, or h:mm:ss from an hour up (the sign is dropped: words say early or late)."""
    whole = int(abs(span.total_seconds()))
    hours, rest = divmod(whole, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes:02d}:{seconds:02d}"


def format_countdown(span: timedelta) -> str:
    """How long until a round falls due, in words that change once a minute while it is
    more than a minute away ("14 min", "1 h 05 min": the minutes of `format_span`, whole
    minutes still to go) and by the second in the final minute ("00:59"). A screen left
    idle then has nothing moving needlessly, and a glance still tells what is due."""
    whole = int(abs(span.total_seconds()))
    if whole < 60:
        return format_span(span)
    hours, minutes = divmod(whole // 60, 60)
    return f"{hours} h {minutes:02d} min" if hours else f"{minutes} min"


def ended_at(state: SessionState) -> datetime | None:
    """When the schedule stopped: the discharge, or the close if there was no discharge."""
    if state.discharged is not None and state.discharged.observed_at is not None:
        return state.discharged.observed_at
    if state.closed is not None:
        return state.closed.observed_at or state.closed.recorded_at
    return None


def _missed_minutes(
    spec: ObservationRound, offsets: list[int], index: int, every: list[int]
) -> float | None:
    """Minutes since T0 at which slot `index` of `spec` is missed if not done (None: never)."""
    offset = offsets[index]
    if spec.missed_after_minutes is not None:
        return float(offset + spec.missed_after_minutes)
    if index + 1 < len(offsets):
        return float(offsets[index + 1])
    later = [minute for minute in every if minute > offset]
    return float(later[0]) if later else None


def _all_offsets(protocol: Protocol) -> list[int]:
    return sorted({minute for spec in protocol.schedule for minute in spec.offsets()})


def _windows(
    spec: ObservationRound, offsets: list[int], every: list[int]
) -> list[tuple[float, float]]:
    """Minutes since T0 during which an undated observation answers each slot."""
    windows: list[tuple[float, float]] = []
    for index, offset in enumerate(offsets):
        missed = _missed_minutes(spec, offsets, index, every)
        windows.append(
            (offset - spec.grace_minutes, missed if missed is not None else float("inf"))
        )
    return windows


def match_observations(
    protocol: Protocol,
    spec: ObservationRound,
    observations: list[Observation],
    t0: datetime,
    recovery_started_at: datetime | None,
) -> dict[int | None, Observation]:
    """Which observation answers which slot of one round: offset (None for before discharge)
    → observation. See the module docstring for the rule."""
    offsets = spec.offsets()
    done: dict[int | None, Observation] = {}
    undated = []
    for observation in observations:
        due = observation.due_minutes
        if due is not None and due in offsets:
            done.setdefault(due, observation)
        else:
            undated.append(observation)
    windows = _windows(spec, offsets, _all_offsets(protocol))
    for observation in undated:
        taken = observation.observed_at
        if spec.at_discharge and None not in done:
            in_recovery = (
                recovery_started_at is not None
                and taken is not None
                and taken >= recovery_started_at
            )
            if not offsets or in_recovery:
                done[None] = observation
                continue
        if taken is None:
            continue
        minutes = (taken - t0).total_seconds() / 60
        fitting = [
            offset
            for offset, (start, end) in zip(offsets, windows, strict=True)
            if offset not in done and start <= minutes < end
        ]
        if fitting:
            done[min(fitting, key=lambda offset: (abs(offset - minutes), offset))] = observation
    return done


def _slot(
    spec: ObservationRound,
    due_minutes: int | None,
    due_at: datetime | None,
    status: SlotStatus,
    late_by: timedelta | None,
    observation: Observation | None,
) -> RoundSlot:
    """One slot of `spec`; `due_minutes` None is the round before discharge."""
    return RoundSlot(
        round_id=spec.id,
        label=spec.label,
        due_minutes=due_minutes,
        due_at=due_at,
        status=status,
        late_by=late_by,
        done_seq=observation.seq if observation else None,
        grace_minutes=spec.grace_minutes,
    )


def _timed_status(
    spec: ObservationRound,
    due_at: datetime,
    missed_at: datetime | None,
    observation: Observation | None,
    clock: datetime,
    ended: bool,
) -> tuple[SlotStatus, timedelta | None]:
    grace = timedelta(minutes=spec.grace_minutes)
    if observation is not None:
        taken = observation.observed_at
        late = taken - due_at if taken is not None and taken - due_at > grace else None
        return "done", late
    if clock < due_at:
        return "upcoming", None
    if ended or (missed_at is not None and clock >= missed_at):
        return "missed", None
    if clock > due_at + grace:
        return "late", clock - due_at
    return "due", None


def _slots(
    protocol: Protocol, state: SessionState, t0: datetime, clock: datetime, ended: bool
) -> list[RoundSlot]:
    by_round: dict[str, list[Observation]] = {}
    for entry in state.observations:
        if not entry.voided:
            by_round.setdefault(entry.round_id, []).append(entry)
    recovery_at = state.recovery_started_at
    every = _all_offsets(protocol)
    slots = []
    for spec in protocol.schedule:
        observations = sorted(
            by_round.get(spec.id, []),
            key=lambda o: (o.observed_at or UNTIMED, o.seq),
        )
        done = match_observations(protocol, spec, observations, t0, recovery_at)
        offsets = spec.offsets()
        for index, offset in enumerate(offsets):
            due_at = t0 + timedelta(minutes=offset)
            missed = _missed_minutes(spec, offsets, index, every)
            missed_at = t0 + timedelta(minutes=missed) if missed is not None else None
            observation = done.get(offset)
            status, late_by = _timed_status(spec, due_at, missed_at, observation, clock, ended)
            slots.append(_slot(spec, offset, due_at, status, late_by, observation))
        if spec.at_discharge:
            before_discharge = done.get(None)
            slot_status: SlotStatus
            if before_discharge is not None:
                slot_status = "done"
            elif ended:
                slot_status = "missed"
            elif recovery_at is not None:
                slot_status = "due"
            else:
                slot_status = "upcoming"
            slots.append(_slot(spec, None, recovery_at, slot_status, None, before_discharge))
    far = datetime.max.replace(tzinfo=t0.tzinfo)
    slots.sort(key=lambda slot: (slot.due_at or far, slot.due_minutes is None))
    return slots


def round_slots(protocol: Protocol, state: SessionState, now: datetime) -> RoundSlots:
    """Every round slot of the session at `now`, the next one to act on, and a sentence such
    as "Early round due in 4 min" (in its final minute "due in 00:42") or "Early round LATE
    by 03:10"."""
    t0 = state.t0
    if t0 is None:
        if state.closed is not None:
            return RoundSlots((), None, None, "Session ended before any dose: no rounds")
        return RoundSlots((), None, None, "Rounds start at the first dose")
    end = ended_at(state)
    clock = min(now, end) if end is not None else now
    slots = _slots(protocol, state, t0, clock, ended=end is not None)
    if end is not None:
        return RoundSlots(tuple(slots), None, None, "Session ended: no more rounds")
    waiting = [slot for slot in slots if slot.status in WAITING]
    upcoming = [slot for slot in slots if slot.status == "upcoming" and slot.due_at is not None]
    next_due = waiting[0] if waiting else (upcoming[0] if upcoming else None)
    if next_due is None:
        waiting_for_recovery = [slot for slot in slots if slot.status == "upcoming"]
        if waiting_for_recovery:
            sentence = f"{waiting_for_recovery[0].name} when recovery starts"
            return RoundSlots(tuple(slots), None, None, sentence)
        return RoundSlots(tuple(slots), None, None, "No more rounds scheduled")
    assert next_due.due_at is not None
    countdown = next_due.due_at - clock
    if next_due.status == "late":
        sentence = f"{next_due.name} LATE by {format_span(countdown)}"
    elif next_due.status == "due":
        sentence = f"{next_due.name} due now"
    else:
        sentence = f"{next_due.name} due in {format_countdown(countdown)}"
    if len(waiting) > 1:
        sentence += f" (+{len(waiting) - 1} more due)"
    return RoundSlots(tuple(slots), next_due, countdown, sentence)


def _minutes(span: timedelta) -> str:
    minutes = int(span.total_seconds() // 60)
    return f"{minutes} min"


def schedule_facts(protocol: Protocol, state: SessionState, now: datetime) -> list[ScheduleFact]:
    """Missed and late rounds at `now` (for a closed session: as they stood at its end), in
    the order they fell due. Late covers rounds done after their grace and rounds still late."""
    facts = []
    for slot in round_slots(protocol, state, now).slots:
        if slot.status == "missed":
            facts.append(ScheduleFact("missed", slot, f"{slot.name} at {slot.when} missed"))
        elif slot.status == "done" and slot.late_by is not None:
            facts.append(
                ScheduleFact(
                    "late", slot, f"{slot.name} at {slot.when} done {_minutes(slot.late_by)} late"
                )
            )
        elif slot.status == "late" and slot.late_by is not None:
            facts.append(
                ScheduleFact(
                    "late",
                    slot,
                    f"{slot.name} at {slot.when} late by {_minutes(slot.late_by)}, not yet done",
                )
            )
    return facts


RoundReason = Literal["baseline", "due", "late", "upcoming", "extra"]


@dataclass(frozen=True)
class RoundToOpen:
    """The round the "start round" key opens, and why: the baseline before the first dose;
    after it the slot due now or late, else the next one, else an extra reading (of the
    before-discharge round when there is one). `due_minutes` is set only for a slot due now or
    late, so that an early reading is matched to its slot by its time, not forced onto one."""

    round_id: str
    due_minutes: int | None
    reason: RoundReason
    slot: RoundSlot | None = None
    countdown: timedelta | None = None


def round_to_open(protocol: Protocol, state: SessionState, now: datetime) -> RoundToOpen:
    """Which round to open now (see RoundToOpen)."""
    if state.t0 is None:
        return RoundToOpen(BASELINE_ROUND, None, "baseline")
    view = round_slots(protocol, state, now)
    slot = view.next_due
    if slot is not None:
        if slot.status == "due" or slot.status == "late":
            return RoundToOpen(slot.round_id, slot.due_minutes, slot.status, slot, view.countdown)
        return RoundToOpen(slot.round_id, None, "upcoming", slot, view.countdown)
    spec = protocol.schedule[0]
    for candidate in protocol.schedule:
        if candidate.at_discharge:
            spec = candidate
    return RoundToOpen(spec.id, None, "extra")
