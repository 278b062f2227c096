"""What every export shares: times said one way, the refusal of an altered record, the
UNVERIFIED banner, and the protocol's measure labels and units."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from kap_console.session import SessionRecord

if TYPE_CHECKING:
    from kap_console.integration.reading import OpenedRecord
    from kap_console.protocol.models import Measure, Protocol


class ExportRefused(Exception):
    """The record is altered and the export was not forced: one line saying why."""


class ExportUnavailable(Exception):
    """The export needs an optional extra that is not installed: the message says what to run."""


@dataclass(frozen=True)
class ExportInput:
    """An opened record and the protocol it ran (None when that exact file is gone)."""

    opened: OpenedRecord
    protocol: Protocol | None
    forced: bool

    @property
    def record(self) -> SessionRecord:
        return self.opened.record

    @property
    def banner(self) -> str | None:
        """The first line of a forced export of a record that did not verify."""
        if self.opened.verification.status != "altered":
            return None
        return f"UNVERIFIED: {self.opened.verification.words}"

    def label(self, measure_id: str) -> str:
        measure = self.measure(measure_id)
        return measure.label if measure is not None else measure_id

    def unit(self, measure_id: str) -> str:
        measure = self.measure(measure_id)
        return (measure.unit or "") if measure is not None else ""

    def measure(self, measure_id: str) -> Measure | None:
        if self.protocol is None:
            return None
        return next((m for m in self.protocol.measures if m.id == measure_id), None)

    def prompt(self, kind: str, prompt_id: str | None) -> str | None:
        """The protocol's text for an intention or reflection prompt, when the record lacks it."""
        if self.protocol is None or prompt_id is None:
            return None
        prompts = (
            self.protocol.intention_prompts
            if kind == "intention"
            else self.protocol.reflection_prompts
        )
        return next((p.text for p in prompts if p.id == prompt_id), None)


def export_input(opened: OpenedRecord, *, force: bool = False) -> ExportInput:
    """Refuse an altered record unless forced; find the protocol it ran."""
    from kap_console.integration.reading import pinned_protocol_for

    if opened.verification.status == "altered" and not force:
        raise ExportRefused(
            f"{opened.record_path}: not exported: {opened.verification.words} "
            "(pass --force to export it marked UNVERIFIED)"
        )
    return ExportInput(opened, pinned_protocol_for(opened.record, opened.session_dir), force)


def when(moment: datetime | None) -> str:
    """`2026-03-02 10:04 UTC` (records hold UTC)."""
    if moment is None:
        return "-"
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def clock(moment: datetime) -> str:
    return moment.strftime("%H:%M")


def since(record: SessionRecord, moment: datetime | None) -> str:
    """`T+46 min` from the first dose; `T−5 min` before it; `-` with no dose or no moment."""
    t0 = record.session.dosed_at
    if moment is None or t0 is None:
        return "-"
    minutes = round((moment - t0).total_seconds() / 60)
    return f"T+{minutes} min" if minutes >= 0 else f"T−{-minutes} min"


def at(record: SessionRecord, moment: datetime) -> str:
    """`10:00 (T+46 min)`; the clock time alone when no dose was given."""
    offset = since(record, moment)
    return clock(moment) if offset == "-" else f"{clock(moment)} ({offset})"


def minutes_between(start: datetime | None, end: datetime | None) -> int | None:
    if start is None or end is None:
        return None
    return round((end - start).total_seconds() / 60)


def number(value: float | int | bool | str) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def words(identifier: str) -> str:
    """`treatment_given` → `treatment given`."""
    return identifier.replace("_", " ")


def session_kind(record: SessionRecord) -> str:
    """How a list names a session: training, no-go, stopped early, or completed."""
    s = record.session
    if s.training:
        return "training"
    if s.outcome == "no_go":
        return "no-go"
    return words(s.outcome or "closed")
