"""Integration notes: what the integration therapist writes about a closed session.

Notes, themes and follow-up items are kept in their own journal, in `integration/` inside the
session folder, with the session journal's guarantees (append-only, one fsynced line per entry,
hash-chained, one writer at a time, a torn last line set aside on reopening). The first entry
names the SHA-256 of the record the notes are about; the record itself is never written to.
Nothing is edited or deleted: a correction is an amendment (new text and a reason), a removal
is a void ("entered in error", with a reason).

    <session>/integration/journal-0001.jsonl   the notes' journal (session journal format)
    <session>/integration/lock                 held by the one writer

No Textual here: the review screen and the tests use the same calls.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, TypeAdapter

from kap_console import __version__
from kap_console.session import (
    Clock,
    Journal,
    JournalError,
    JournalWriteError,
    SessionLocked,
    SystemClock,
    read_journal,
)

NOTES_FOLDER = "integration"
APP = f"kap-console {__version__}"

Text = Annotated[str, Field(min_length=1, max_length=20_000)]
Name = Annotated[str, Field(min_length=1, max_length=200)]
ItemKind = Literal["note", "theme", "follow_up"]
KIND_WORDS: dict[str, str] = {"note": "Note", "theme": "Theme", "follow_up": "Follow-up"}


class NotesEvent(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    recorded_at: AwareDatetime
    recorded_by: Name


class NotesStarted(NotesEvent):
    """The first entry: which record (by the SHA-256 of its bytes) these notes are about."""

    type: Literal["integration_started"] = "integration_started"
    record_sha256: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
    session_id: str
    client_code: str


class ItemAdded(NotesEvent):
    type: Literal["integration_item_added"] = "integration_item_added"
    kind: ItemKind
    text: Text
    due: str = Field(default="", max_length=200, description="For follow-ups: when, in words.")


class ItemAmended(NotesEvent):
    type: Literal["integration_item_amended"] = "integration_item_amended"
    target_seq: int
    text: Text
    reason: Text


class ItemVoided(NotesEvent):
    type: Literal["integration_item_voided"] = "integration_item_voided"
    target_seq: int
    reason: Text


class NotesReopened(NotesEvent):
    """The notes' journal was opened again; a torn last line, if any, was set aside."""

    type: Literal["integration_reopened"] = "integration_reopened"
    torn_bytes: int = 0
    torn_sha256: str | None = None
    torn_copy: str | None = None


NotesEntry = Annotated[
    NotesStarted | ItemAdded | ItemAmended | ItemVoided | NotesReopened,
    Field(discriminator="type"),
]
_ADAPTER: TypeAdapter[NotesEntry] = TypeAdapter(NotesEntry)


class NotesError(Exception):
    """The notes cannot be opened or written; the message says what to do."""


class NotesWriteError(NotesError):
    """An entry could not be written: it is not saved, and the writer has stopped."""


class NotesForAnotherRecord(NotesError):
    """The notes' journal names a record with other bytes than the one opened."""


@dataclass(frozen=True)
class Amendment:
    seq: int
    old: str
    new: str
    reason: str
    by: str
    at: datetime


@dataclass
class IntegrationItem:
    """A note, theme or follow-up item as it stands after its corrections."""

    seq: int
    kind: str
    text: str
    due: str
    recorded_at: datetime
    recorded_by: str
    amendments: list[Amendment] = field(default_factory=list)
    voided: bool = False
    void_reason: str | None = None
    voided_by: str | None = None

    @property
    def first_text(self) -> str:
        return self.amendments[0].old if self.amendments else self.text


@dataclass
class NotesState:
    """What the notes' journal holds, folded: the items in the order they were written."""

    record_sha256: str | None = None
    items: list[IntegrationItem] = field(default_factory=list)
    reopened: int = 0

    def item(self, seq: int) -> IntegrationItem | None:
        return next((item for item in self.items if item.seq == seq), None)

    def live(self, kind: str | None = None) -> list[IntegrationItem]:
        return [i for i in self.items if not i.voided and (kind is None or i.kind == kind)]


def fold_notes(entries: list[tuple[int, NotesEntry]]) -> NotesState:
    """The notes after every entry, in order (a pure function of the journal)."""
    state = NotesState()
    for seq, entry in entries:
        if isinstance(entry, NotesStarted):
            state.record_sha256 = entry.record_sha256
        elif isinstance(entry, ItemAdded):
            state.items.append(
                IntegrationItem(
                    seq, entry.kind, entry.text, entry.due, entry.recorded_at, entry.recorded_by
                )
            )
        elif isinstance(entry, ItemAmended):
            target = state.item(entry.target_seq)
            if target is not None and not target.voided:
                target.amendments.append(
                    Amendment(
                        seq,
                        target.text,
                        entry.text,
                        entry.reason,
                        entry.recorded_by,
                        entry.recorded_at,
                    )
                )
                target.text = entry.text
        elif isinstance(entry, ItemVoided):
            target = state.item(entry.target_seq)
            if target is not None and not target.voided:
                target.voided = True
                target.void_reason = entry.reason
                target.voided_by = entry.recorded_by
        elif isinstance(entry, NotesReopened):
            state.reopened += 1
    return state


def notes_folder(session_dir: Path) -> Path:
    return Path(session_dir) / NOTES_FOLDER


def _decode(entries: list[Any]) -> list[tuple[int, NotesEntry]]:
    try:
        return [(entry.seq, _ADAPTER.validate_python(entry.payload)) for entry in entries]
    except ValueError:
        raise NotesError(
            "the integration notes hold an entry this version cannot read; use a newer kap-console"
        ) from None


def read_notes(session_dir: Path) -> NotesState:
    """The notes of a session, read without the lock and without repair (empty if none)."""
    folder = notes_folder(session_dir)
    try:
        report = read_journal(folder)
    except FileNotFoundError:
        return NotesState()
    except JournalError as error:
        raise NotesError(str(error)) from None
    return fold_notes(_decode(report.entries))


class IntegrationNotes:
    """The one writer of a session's integration notes. Open with `open_for`."""

    def __init__(self, journal: Journal, entries: list[tuple[int, NotesEntry]], clock: Clock):
        self._journal = journal
        self._entries = entries
        self._clock = clock
        self.state = fold_notes(entries)
        self.broken = False

    @classmethod
    def open_for(
        cls,
        session_dir: Path,
        *,
        record_sha256: str,
        session_id: str,
        client_code: str,
        by: str,
        clock: Clock | None = None,
    ) -> IntegrationNotes:
        """Open (or start) the notes about the record with `record_sha256`.

        Raises NotesForAnotherRecord if the notes name another record, NotesError if the
        notes' journal is damaged or held by another console.
        """
        clock = clock or SystemClock()
        folder = notes_folder(session_dir)
        now = clock.now()
        try:
            if (folder / "journal-0001.jsonl").exists():
                journal, report = Journal.open(folder, ballast_bytes=0)
                entries = _decode(report.entries)
                notes = cls(journal, entries, clock)
                if notes.state.record_sha256 != record_sha256:
                    journal.close()
                    raise NotesForAnotherRecord(
                        f"{folder}: these notes are about a record with SHA-256 "
                        f"{(notes.state.record_sha256 or '?')[:12]}…, not this one "
                        f"({record_sha256[:12]}…); they are shown, not added to"
                    )
                torn = report.torn_tail
                notes._append(
                    NotesReopened(
                        recorded_at=now,
                        recorded_by=by,
                        torn_bytes=torn.length if torn else 0,
                        torn_sha256=torn.sha256 if torn else None,
                        torn_copy=torn.copy_path.name if torn and torn.copy_path else None,
                    )
                )
                return notes
            journal = Journal.create(
                folder,
                session_id=f"integration:{session_id}",
                app=APP,
                now=now.isoformat(),
                ballast_bytes=0,
            )
            notes = cls(journal, [], clock)
            notes._append(
                NotesStarted(
                    recorded_at=now,
                    recorded_by=by,
                    record_sha256=record_sha256,
                    session_id=session_id,
                    client_code=client_code,
                )
            )
            return notes
        except SessionLocked as error:
            raise NotesError(
                f"{folder}: the integration notes are open in another console ({error}); "
                "close that one to write here"
            ) from None
        except NotesError:
            raise
        except JournalWriteError as error:
            raise NotesWriteError(
                f"Not saved: {os.strerror(error.errno)} while opening the integration notes in "
                f"{folder}. Free space or fix the drive, then save again; the text is kept."
            ) from None
        except (JournalError, OSError) as error:
            raise NotesError(f"{folder}: the integration notes cannot be opened: {error}") from None

    def _append(self, entry: NotesEvent) -> int:
        """Write `entry` (durable when this returns) and fold it in; its seq.

        On a write error nothing is shown as saved and these notes stop writing (`broken`):
        open them again to go on (a torn line is then set aside, never guessed at).
        """
        if self.broken:
            raise NotesWriteError("the integration notes stopped writing; open them again")
        try:
            written = self._journal.append(entry.model_dump(mode="json"))
        except JournalWriteError as error:
            self.broken = True
            self._journal.close()
            raise NotesWriteError(
                f"Not saved: {os.strerror(error.errno)} while writing the integration notes. "
                "Free space or fix the drive, then save again; the text is kept."
            ) from None
        self._entries.append((written.seq, _ADAPTER.validate_python(written.payload)))
        self.state = fold_notes(self._entries)
        return written.seq

    def add(self, kind: ItemKind, text: str, *, by: str, due: str = "") -> int:
        """Add a note, theme or follow-up item; returns its seq once it is on disk."""
        return self._append(
            ItemAdded(
                recorded_at=self._clock.now(),
                recorded_by=by,
                kind=kind,
                text=text.strip(),
                due=due.strip(),
            )
        )

    def amend(self, seq: int, text: str, *, reason: str, by: str) -> int:
        self._live_target(seq)
        return self._append(
            ItemAmended(
                recorded_at=self._clock.now(),
                recorded_by=by,
                target_seq=seq,
                text=text.strip(),
                reason=reason.strip(),
            )
        )

    def void(self, seq: int, *, reason: str, by: str) -> int:
        self._live_target(seq)
        return self._append(
            ItemVoided(
                recorded_at=self._clock.now(),
                recorded_by=by,
                target_seq=seq,
                reason=reason.strip(),
            )
        )

    def _live_target(self, seq: int) -> None:
        target = self.state.item(seq)
        if target is None:
            raise NotesError(f"there is no note, theme or follow-up at entry {seq}")
        if target.voided:
            raise NotesError(f"entry {seq} is already marked as entered in error")

    def close(self) -> None:
        self._journal.close()
