"""Folding journaled events, one at a time, into the session state.

The engine keeps a `StateBuilder` and applies each event as it is journaled; `fold` runs the
same builder over a whole journal. Each event is filed in its section, corrections replace the
entries they touch (and refresh what is derived from them), and what cannot take effect is kept
as ineffective. A snapshot rebuilds only the parts that changed since the previous one.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from types import MappingProxyType
from typing import Any

from kap_console.protocol.models import Protocol
from kap_console.session import events as ev
from kap_console.session.state.corrections import check_amendment, check_void
from kap_console.session.state.entries import (
    AdverseEvent,
    Alert,
    Amendment,
    ChecklistAnswer,
    Entry,
    Ineffective,
    Intention,
    Observation,
    Void,
    adverse_event_with_updates,
    alert_with_state,
)
from kap_console.session.state.ordering import MeasureReadings, TimelineOrder
from kap_console.session.state.snapshot import (
    RECOVERY_PHASE,
    SessionState,
    earliest_time,
    latest_effective,
    session_stage,
)
from kap_console.session.state.timeline import TimelineItem, timeline_item

# Which section each kind of event is filed in, and the record class it becomes.
_FILING: dict[str, tuple[str, type[Entry[Any]]]] = {
    "session_started": ("session", Entry),
    "check_answered": ("checklist", ChecklistAnswer),
    "go_decision": ("go_decisions", Entry),
    "intention_recorded": ("intentions", Intention),
    "consent_recorded": ("consents", Entry),
    "dose_given": ("doses", Entry),
    "step_marked": ("steps", Entry),
    "observation_recorded": ("observations", Observation),
    "alert_raised": ("alerts", Alert),
    "alert_acknowledged": ("acknowledgements", Entry),
    "adverse_event_logged": ("adverse_events", AdverseEvent),
    "adverse_event_updated": ("adverse_event_updates", Entry),
    "note_added": ("notes", Entry),
    "phase_marked": ("phases", Entry),
    "discharge_assessed": ("discharge_assessments", Entry),
    "ready_to_leave": ("ready_to_leave", Entry),
    "discharged": ("discharges", Entry),
    "reflection_recorded": ("reflections", Entry),
    "session_closed": ("closed", Entry),
    "record_written": ("record_written", Entry),
}


class StateBuilder:
    """Applies journaled events one at a time; `snapshot()` gives the read-only state.

    Each `apply` costs a few dictionary and heap operations (a correction also rebuilds the
    records it touches), so replaying a journal is linear in its length, give or take a log
    factor. A snapshot reuses every part that has not changed since the previous snapshot and
    never shares anything the builder will change later.
    """

    def __init__(self, protocol: Protocol) -> None:
        self.protocol = protocol
        self._count = 0
        self._last_seq: int | None = None
        self._index: dict[int, Entry[Any]] = {}
        self._section_of: dict[int, str] = {}
        # One section per kind of entry filed, in the order of `_FILING`.
        self._sections: dict[str, dict[int, Entry[Any]]] = {
            section: {} for section, _ in _FILING.values()
        }
        # How many times each part has changed: a snapshot rebuilds a part only when it has.
        self._versions: dict[str, int] = {}
        self._cache: dict[str, tuple[tuple[int, ...], Any]] = {}
        self._snapshot: SessionState | None = None
        self._timeline = TimelineOrder()
        self._amendments: list[Amendment] = []
        self._voids: list[Void] = []
        self._ineffective: list[Ineffective] = []
        self._alerts_by_source: dict[int, list[int]] = {}
        self._acknowledgements_by_alert: dict[int, list[int]] = {}
        self._updates_by_adverse_event: dict[int, list[int]] = {}
        # The latest and baseline values, kept current as observations are corrected or voided.
        self._readings = MeasureReadings(self._index)

    # -- applying events ------------------------------------------------------------------

    def apply(self, seq: int, event: ev.EventBase) -> None:
        """Fold one journaled event into the state. Never raises for a well-formed event:
        what cannot take effect is recorded as ineffective."""
        kind: str = getattr(event, "type", "")
        if self._last_seq is not None and seq <= self._last_seq:
            self._note_ineffective(
                seq, kind, f"seq {seq} does not follow {self._last_seq}; left out"
            )
            return
        self._last_seq = seq
        self._count += 1
        self._snapshot = None
        self._add_timeline(timeline_item(self.protocol, seq, event))
        if isinstance(event, ev.Amended):
            self._amend(seq, event)
        elif isinstance(event, ev.Voided):
            self._void(seq, event)
        elif kind in _FILING:
            self._file(seq, kind, event)

    def _touch(self, *parts: str) -> None:
        versions = self._versions
        for part in parts:
            versions[part] = versions.get(part, 0) + 1
        self._snapshot = None

    def _note_ineffective(self, seq: int, kind: str, reason: str) -> None:
        self._ineffective.append(Ineffective(seq, kind, reason))
        self._touch("ineffective")

    def _store(self, section: str, entry: Entry[Any]) -> None:
        seq = entry.seq
        self._sections[section][seq] = entry
        self._index[seq] = entry
        self._section_of[seq] = section
        versions = self._versions
        versions[section] = versions.get(section, 0) + 1
        versions["index"] = versions.get("index", 0) + 1

    def _add_timeline(self, item: TimelineItem) -> None:
        self._timeline.add(item)
        versions = self._versions
        versions["timeline"] = versions.get("timeline", 0) + 1

    def _file(self, seq: int, kind: str, event: ev.EventBase) -> None:
        section, record = _FILING[kind]
        if kind == "session_started" and self._sections["session"]:
            self._note_ineffective(seq, kind, "the session had already started")
            return
        if kind == "session_closed" and self._sections["closed"]:
            self._note_ineffective(seq, kind, "the session was already closed")
            return
        entry = record(seq=seq, event=event, original=event)
        # Links are kept only to entries that exist when the linking entry arrives, so a
        # later entry can never be reinterpreted by one that came before it.
        if isinstance(event, ev.AlertRaised):
            if isinstance(self._index.get(event.source_seq), Observation):
                self._alerts_by_source.setdefault(event.source_seq, []).append(seq)
            else:
                self._note_ineffective(
                    seq, kind, f"source #{event.source_seq} is not an observation"
                )
            entry = self._alert_with_state(entry)  # type: ignore[arg-type]
        self._store(section, entry)
        if isinstance(event, ev.ObservationRecorded):
            self._readings.take(entry)  # type: ignore[arg-type]
            self._touch("values")
        elif isinstance(event, ev.AlertAcknowledged):
            alert = self._sections["alerts"].get(event.alert_seq)
            if alert is None:
                self._note_ineffective(seq, kind, f"there is no alert #{event.alert_seq}")
                return
            self._acknowledgements_by_alert.setdefault(event.alert_seq, []).append(seq)
            if alert.acknowledged_seq is not None:  # type: ignore[attr-defined]
                self._note_ineffective(
                    seq, kind, f"alert #{event.alert_seq} was already acknowledged"
                )
            else:
                self._refresh_alert(event.alert_seq)
        elif isinstance(event, ev.AdverseEventUpdated):
            if event.target_seq not in self._sections["adverse_events"]:
                self._note_ineffective(seq, kind, f"there is no adverse event #{event.target_seq}")
                return
            self._updates_by_adverse_event.setdefault(event.target_seq, []).append(seq)
            self._refresh_adverse_event(event.target_seq)
        elif isinstance(event, ev.IntentionRecorded) and event.revises_seq is not None:
            if event.revises_seq not in self._sections["intentions"]:
                self._note_ineffective(seq, kind, f"#{event.revises_seq} is not an intention")

    def _amend(self, seq: int, event: ev.Amended) -> None:
        error, effective = check_amendment(self.protocol, self._index.get, event)
        amendment = Amendment(
            seq=seq,
            target_seq=event.target_seq,
            field=event.field,
            old=event.old,
            new=event.new,
            reason=event.reason,
            recorded_by=event.recorded_by,
            recorded_at=event.recorded_at,
            applied=error is None,
            rejection="" if error is None else str(error),
        )
        self._amendments.append(amendment)
        self._touch("amendments")
        if error is not None:
            self._note_ineffective(seq, "amended", str(error))
            return
        target = self._index[event.target_seq]
        self._replace(replace(target, event=effective, amendments=(*target.amendments, amendment)))

    def _void(self, seq: int, event: ev.Voided) -> None:
        error = check_void(self._index.get, event)
        self._voids.append(
            Void(
                seq=seq,
                target_seq=event.target_seq,
                reason=event.reason,
                recorded_by=event.recorded_by,
                recorded_at=event.recorded_at,
                applied=error is None,
                rejection="" if error is None else str(error),
            )
        )
        self._touch("voids")
        if error is not None:
            self._note_ineffective(seq, "voided", str(error))
            return
        target = self._index[event.target_seq]
        self._replace(replace(target, voided=True, void_reason=event.reason, voided_seq=seq))

    def _replace(self, entry: Entry[Any]) -> None:
        """Put a corrected entry in place and refresh everything derived from it."""
        section = self._section_of[entry.seq]
        previous = self._index[entry.seq]
        if isinstance(entry, Alert):
            entry = self._alert_with_state(entry)
        elif isinstance(entry, AdverseEvent):
            entry = self._adverse_event_with_updates(entry)
        self._store(section, entry)
        self._timeline.replace(
            timeline_item(
                self.protocol, entry.seq, entry.event, voided=entry.voided, amended=entry.amended
            )
        )
        self._touch("timeline")
        event = entry.event
        if isinstance(event, ev.ObservationRecorded):
            self._readings.changed(previous, entry)  # type: ignore[arg-type]
            self._touch("values")
            for alert_seq in self._alerts_by_source.get(entry.seq, ()):
                self._refresh_alert(alert_seq)
        elif isinstance(event, ev.AlertAcknowledged):
            self._refresh_alert(event.alert_seq)
        elif isinstance(event, ev.AdverseEventUpdated):
            self._refresh_adverse_event(event.target_seq)

    def _alert_with_state(self, alert: Alert) -> Alert:
        acknowledgements = self._acknowledgements_by_alert.get(alert.seq, ())
        return alert_with_state(alert, self._index, acknowledgements)

    def _refresh_alert(self, alert_seq: int) -> None:
        alert = self._sections["alerts"].get(alert_seq)
        if alert is not None:
            self._store("alerts", self._alert_with_state(alert))  # type: ignore[arg-type]

    def _adverse_event_with_updates(self, adverse_event: AdverseEvent) -> AdverseEvent:
        updates = self._updates_by_adverse_event.get(adverse_event.seq, ())
        return adverse_event_with_updates(adverse_event, self._index, updates)

    def _refresh_adverse_event(self, adverse_event_seq: int) -> None:
        adverse_event = self._sections["adverse_events"].get(adverse_event_seq)
        if adverse_event is not None:
            self._store("adverse_events", self._adverse_event_with_updates(adverse_event))  # type: ignore[arg-type]

    # -- snapshots ------------------------------------------------------------------------

    def _cached(self, name: str, build: Callable[[], Any], *depends: str) -> Any:
        """A part of the snapshot, rebuilt only when a part it reads has changed."""
        stamp = tuple(self._versions.get(part, 0) for part in depends or (name,))
        cached = self._cache.get(name)
        if cached is not None and cached[0] == stamp:
            return cached[1]
        value = build()
        self._cache[name] = (stamp, value)
        return value

    def _section(self, name: str) -> tuple[Entry[Any], ...]:
        return self._cached(name, lambda: tuple(self._sections[name].values()))  # type: ignore[no-any-return]

    def snapshot(self) -> SessionState:
        """The state after every event applied so far (read-only; safe to keep)."""
        if self._snapshot is not None:
            return self._snapshot
        baseline, last_values = self._cached("values", self._readings.values)
        session = self._section("session")
        started: ev.SessionStarted | None = session[0].event if session else None
        doses = self._section("doses")
        intentions = self._cached("intention_chains", self._intentions, "intentions")
        phases = self._section("phases")
        assessments = self._section("discharge_assessments")
        ready = self._section("ready_to_leave")
        discharged = latest_effective(self._section("discharges"))
        closed_section = self._section("closed")
        closed = closed_section[0] if closed_section else None
        written = latest_effective(self._section("record_written"))
        go_decisions = self._section("go_decisions")
        consents = self._section("consents")
        t0 = self._cached("t0", lambda: earliest_time(doses), "doses")
        recovery_started_at = self._cached(
            "recovery_started_at",
            lambda: earliest_time(
                [p for p in phases if p.event.phase_id == RECOVERY_PHASE], assessments, ready
            ),
            "phases",
            "discharge_assessments",
            "ready_to_leave",
        )
        ready_entry = latest_effective(ready)
        stage = session_stage(
            protocol=self.protocol,
            closed=closed is not None,
            discharged=discharged is not None,
            recovery=recovery_started_at is not None,
            dosed=any(not d.voided for d in doses),
            go=latest_effective(go_decisions),
            consented=latest_effective(consents) is not None,
            intentions=intentions,
        )
        state = SessionState(
            protocol=self.protocol,
            started=started,
            client_code=started.client_code if started else None,
            facilitator=started.facilitator if started else None,
            training=bool(started.training) if started else self.protocol.training,
            stage=stage,
            checklist=self._cached("checklist_map", self._checklist_map, "checklist"),
            checklist_history=self._section("checklist"),  # type: ignore[arg-type]
            go_decisions=go_decisions,
            intentions=intentions,
            consents=consents,
            doses=doses,
            t0=t0,
            steps=self._section("steps"),
            observations=self._section("observations"),  # type: ignore[arg-type]
            baseline=baseline,
            last_values=last_values,
            alerts=self._section("alerts"),  # type: ignore[arg-type]
            adverse_events=self._section("adverse_events"),  # type: ignore[arg-type]
            notes=self._section("notes"),
            phases=phases,
            discharge_assessments=assessments,
            recovery_started_at=recovery_started_at,
            ready_to_leave_at=ready_entry.observed_at if ready_entry else None,
            discharged=discharged,
            reflections=self._section("reflections"),
            closed=closed,
            record_written=written,
            amendments=self._cached("amendments", lambda: tuple(self._amendments)),
            voids=self._cached("voids", lambda: tuple(self._voids)),
            ineffective=self._cached("ineffective", lambda: tuple(self._ineffective)),
            timeline=self._cached("timeline", self._timeline.items),
            event_count=self._count,
            last_seq=self._last_seq,
            index=self._cached("index", lambda: MappingProxyType(dict(self._index))),
        )
        self._snapshot = state
        return state

    def _intentions(self) -> tuple[Intention, ...]:
        entries: tuple[Intention, ...] = self._section("intentions")  # type: ignore[assignment]
        revised_by: dict[int, int] = {}
        for intention in entries:
            revises = intention.event.revises_seq
            # A revision revises an earlier entry; anything else in a journal is ignored.
            if not intention.voided and revises is not None and revises < intention.seq:
                revised_by[revises] = intention.seq
        return tuple(
            intention
            if intention.revised_by == revised_by.get(intention.seq)
            else replace(intention, revised_by=revised_by.get(intention.seq))
            for intention in entries
        )

    def _checklist_map(self) -> Mapping[str, ChecklistAnswer]:
        answers: dict[str, ChecklistAnswer] = {}
        for answer in self._section("checklist"):
            if not answer.voided:
                answers[answer.event.item_id] = answer  # type: ignore[assignment]
        return MappingProxyType(answers)
