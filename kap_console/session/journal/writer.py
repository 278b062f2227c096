"""The session journal: an append-only, fsynced, hash-chained log of JSON payloads.

The journal is the original record of a session. Every payload becomes one line of UTF-8 JSON,
written with a single `os.write` on an O_APPEND descriptor and fsynced before `append` returns,
so whatever `append` returned is on disk. The engine above stores event dicts here; the journal
itself knows nothing about events.

Files (all in the session folder, files 0600, folder 0700):

    (the folder itself)      flock()-ed by the one writer (storage.SessionLock)
    lock                     flock()-ed too (for earlier versions); holds the writer's pid
    journal-0001.jsonl       the first segment
    journal-0002.jsonl       a later segment, started after a write error (see `continue_in`);
                             in a folder the session moved to, its header names the old one
    journal-0001.torn-<off>  bytes set aside from a torn tail (see `Journal.open`)
    ballast                  reserved space, deleted on ENOSPC so writing can go on (and by
                             the engine once the record is written)

After a write error nothing more is written to the failed file (a second fsync that "succeeds"
proves nothing): `continue_in` starts the next segment and re-appends in it the payloads not
known to be durable. `Journal.open` sets a torn tail aside and refuses damage. One writer per
session (the folder's lock, which deleting `lock` does not undo) and one writing thread per
Journal. No symlink is followed: a session folder that is one is refused, and segments,
`lock` and `ballast` are opened with O_NOFOLLOW.

Every name of the journal's API can be imported from here. The parts live in their own modules:
lines and segments (journal_format.py), reading, verifying and recovery's torn tail or damage
(journal_read.py), the file operations (journal_files.py) and the errors (journal_errors.py).
"""

from __future__ import annotations

import errno as errno_codes
import json
import secrets
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from kap_console.session.journal.errors import JournalError, JournalWriteError
from kap_console.session.journal.files import (
    append_line,
    close_quietly,
    create_segment,
    cut_torn_tail,
    open_for_append,
    real_path,
    remove_quietly,
)
from kap_console.session.journal.format import (
    ZERO_HASH,
    encode_entry,
    segment_header,
    segment_name,
)
from kap_console.session.journal.read import (
    JournalLine,
    OpenReport,
    list_segments,
    scan_journal,
)
from kap_console.session.storage import (
    SessionLock,
    create_ballast,
    ensure_private_dir,
    release_ballast,
    write_private_atomic,
)

BALLAST_BYTES = 4 * 1024 * 1024


@dataclass
class _Durable:
    """The bytes of one segment known to be on disk (for moving the session elsewhere)."""

    name: str
    data: bytearray


class Journal:
    """The one writer of a session's journal. Create with `create` or `open`."""

    def __init__(
        self,
        *,
        session_dir: Path,
        lock: SessionLock,
        fd: int,
        session_id: str,
        nonce: str,
        app: str,
        segments: list[_Durable],
        segment_number: int,
        lines_in_segment: int,
        entries: list[JournalLine],
        head: str,
        ballast_bytes: int,
    ) -> None:
        self.session_dir = Path(session_dir)
        self.session_id = session_id
        self.nonce = nonce
        self.app = app
        self._lock = lock
        self._fd: int | None = fd
        self._segments = segments
        self._segment_number = segment_number
        self._lines_in_segment = lines_in_segment
        # The entries read at open are counted, not kept: their payloads went to the caller in
        # the OpenReport (the session keeps them as events), and holding them here too would
        # keep a second copy of a whole session alive. Entries written here are kept.
        self._opened_count = len(entries)
        self._opened_last = entries[-1] if entries else None
        self._entries: list[JournalLine] = []
        self._head = head
        self._unsaved: list[dict[str, Any]] = []
        self._failed: int | None = None
        self._closed = False
        self.ballast_bytes = ballast_bytes  # reserved again in a folder the session moves to

    # ----------------------------------------------------------------- opening

    @classmethod
    def create(
        cls,
        session_dir: Path,
        *,
        session_id: str,
        app: str,
        now: str,
        ballast_bytes: int = BALLAST_BYTES,
    ) -> Journal:
        """Start a new session journal in `session_dir` (created 0700 if missing).

        Takes the lock, writes `journal-0001.jsonl` holding the header (fsync file and folder),
        then reserves `ballast_bytes` of ballast (best effort; 0 for none).
        """
        session_dir = Path(session_dir)
        try:
            ensure_private_dir(session_dir)
        except OSError as error:
            raise JournalWriteError(
                error.errno, [], action="creating the session folder", path=session_dir
            ) from error
        lock = SessionLock(session_dir).acquire()
        try:
            if list_segments(session_dir):
                raise JournalError(f"{session_dir} already holds a session journal")
            nonce = secrets.token_hex(32)
            line, digest = segment_header(
                seq=0,
                session_id=session_id,
                nonce=nonce,
                app=app,
                ts=now,
                segment=1,
                prev_segment=None,
                reason=None,
                prev=ZERO_HASH,
            )
            name = segment_name(1)
            try:
                fd = create_segment(session_dir, name, line)
            except OSError as error:
                raise JournalWriteError(
                    error.errno, [], action="creating the journal", path=session_dir / name
                ) from error
        except BaseException:
            lock.release()
            raise
        create_ballast(session_dir, ballast_bytes)
        return cls(
            session_dir=session_dir,
            lock=lock,
            fd=fd,
            session_id=session_id,
            nonce=nonce,
            app=app,
            segments=[_Durable(name, bytearray(line))],
            segment_number=1,
            lines_in_segment=1,
            entries=[],
            head=digest,
            ballast_bytes=ballast_bytes,
        )

    @classmethod
    def open(
        cls, session_dir: Path, *, ballast_bytes: int = BALLAST_BYTES
    ) -> tuple[Journal, OpenReport]:
        """Resume a session: lock it, read and verify every segment, set aside a torn tail.

        Raises SessionLocked if another writer has it, JournalDamaged for damage before the
        tail (nothing is changed), FileNotFoundError if there is no journal, JournalWriteError
        if the last segment cannot be opened for writing or the repair cannot be written.
        """
        session_dir = Path(session_dir)
        lock = SessionLock(session_dir).acquire()
        fd = None
        try:
            state = scan_journal(session_dir)
            last = state.segments[-1]
            path = session_dir / last.name
            torn = state.torn
            try:
                fd = open_for_append(path)
                if torn is not None:
                    tail = last.data[torn.offset :]
                    copy = cut_torn_tail(session_dir, fd, last.name, torn.offset, tail)
                    torn = replace(torn, copy_path=copy)
            except OSError as error:
                raise JournalWriteError(
                    error.errno, [], action="opening the journal for writing", path=path
                ) from error
        except BaseException:
            close_quietly(fd)
            lock.release()
            raise
        create_ballast(session_dir, ballast_bytes)
        durable = [
            _Durable(s.name, bytearray(memoryview(s.data)[: s.durable_end])) for s in state.segments
        ]
        lines_in_last = 1 + sum(1 for e in state.entries if e.segment == last.name)
        journal = cls(
            session_dir=session_dir,
            lock=lock,
            fd=fd,
            session_id=state.session_id,
            nonce=state.nonce,
            app=state.app,
            segments=durable,
            segment_number=last.number,
            lines_in_segment=lines_in_last,
            entries=state.entries,
            head=state.head,
            ballast_bytes=ballast_bytes,
        )
        return journal, OpenReport(list(state.entries), torn)

    # ----------------------------------------------------------------- state

    @property
    def head(self) -> str:
        """The hash of the last durable line: what the next line chains to."""
        return self._head

    @property
    def next_seq(self) -> int:
        return self._opened_count + len(self._entries) + 1

    @property
    def last_entry(self) -> JournalLine | None:
        """The last durable entry (the header of a new segment is not one)."""
        return self._entries[-1] if self._entries else self._opened_last

    @property
    def entries(self) -> list[JournalLine]:
        """Every entry made durable by this writer (since `create` or `open`), in order (a
        copy of the list). Those read at `open` are in its OpenReport."""
        return list(self._entries)

    @property
    def unsaved(self) -> list[dict[str, Any]]:
        """Payloads given to `append` that are not known to be on disk, oldest first."""
        return list(self._unsaved)

    @property
    def failed(self) -> int | None:
        """The errno of the write error being handled, or None when writing works."""
        return self._failed

    @property
    def segment(self) -> str:
        """The file name of the segment being appended to."""
        return segment_name(self._segment_number)

    # ----------------------------------------------------------------- writing

    def append(self, payload: dict[str, Any]) -> JournalLine:
        """Write `payload` as the next line and fsync it; return only once it is durable.

        On any OSError raises JournalWriteError at once, with the payload (and any earlier
        unsaved ones) in `pending`; the failed file is not written again. Until `continue_in`
        succeeds, every append adds to `pending` and raises JournalWriteError without writing.
        A payload JSON cannot hold raises ValueError and is not kept.
        """
        self._check_open()
        if not isinstance(payload, dict):
            raise TypeError("a journal payload must be a dict")
        seq = self.next_seq
        line, digest = encode_entry(seq, payload, self._head)
        if self._failed is not None:
            self._unsaved.append(payload)
            raise JournalWriteError(
                self._failed,
                self._unsaved,
                action="saving (the journal has not recovered from an earlier error)",
                path=self.session_dir / self.segment,
            )
        try:
            if self._fd is None:
                raise OSError(errno_codes.EBADF, "the journal file is not open")
            append_line(self._fd, line)
        except OSError as error:
            self._fail(error)
            self._unsaved.append(payload)
            raise JournalWriteError(
                self._failed,
                self._unsaved,
                action="writing an entry",
                path=self.session_dir / self.segment,
            ) from error
        self._lines_in_segment += 1
        entry = JournalLine(
            seq, json.loads(line)["data"], digest, self._lines_in_segment, self.segment
        )
        self._entries.append(entry)
        self._segments[-1].data += line
        self._head = digest
        return entry

    def _fail(self, error: OSError) -> None:
        self._failed = error.errno or errno_codes.EIO
        # Never fsync this descriptor again: after a writeback error the kernel may report
        # success for pages it already dropped.
        close_quietly(self._fd)
        self._fd = None

    def continue_in(self, folder: Path | None = None, *, now: str | None = None) -> None:
        """Start a new segment and re-append every pending payload in it.

        The new segment's header records the previous segment, the last durable seq and the
        head. With `folder` (another folder) the session moves there: the durable bytes of every
        segment are copied into it (fsynced), then the new segment is written, and
        `session_dir` becomes `folder` (the old folder is left as it was). In the same folder
        after ENOSPC the ballast is deleted first to make room.

        Raises JournalWriteError if this fails too (pending kept, nothing acknowledged), or
        SessionLocked if `folder` is another writer's session. A failure in the same folder
        leaves the journal failed (even if it was not before): call `continue_in` again.
        """
        self._check_open()
        target = Path(folder) if folder is not None else self.session_dir
        moving = folder is not None and real_path(target) != real_path(self.session_dir)
        number = self._segment_number + 1
        name = segment_name(number)
        resume_seq = self.next_seq - 1
        reason = None
        if self._failed is not None:
            reason = errno_codes.errorcode.get(self._failed, str(self._failed))
        header, head = segment_header(
            seq=resume_seq,
            session_id=self.session_id,
            nonce=self.nonce,
            app=self.app,
            ts=now or datetime.now(UTC).isoformat(),
            segment=number,
            prev_segment=self.segment,
            reason=reason,
            prev=self._head,
            moved_from=real_path(self.session_dir) if moving else None,
        )
        lines = [header]
        new_entries = []
        for offset, payload in enumerate(self._unsaved, start=1):
            line, head = encode_entry(resume_seq + offset, payload, head)
            lines.append(line)
            new_entries.append(
                JournalLine(resume_seq + offset, json.loads(line)["data"], head, 1 + offset, name)
            )
        data = b"".join(lines)

        new_lock = None
        written: list[Path] = []
        try:
            if moving:
                ensure_private_dir(target)
                new_lock = SessionLock(target).acquire()
                if list_segments(target):
                    raise OSError(errno_codes.EEXIST, "the folder already holds a journal")
                for segment in self._segments:
                    written.append(target / segment.name)
                    write_private_atomic(target / segment.name, bytes(segment.data))
            elif self._failed == errno_codes.ENOSPC:
                release_ballast(target)
            written.append(target / name)
            fd = create_segment(target, name, data)
        except BaseException as error:
            if moving:
                remove_quietly(target, written)
            if new_lock is not None:
                new_lock.release()
            if isinstance(error, OSError) and not moving and self._failed is None:
                # The new segment may exist after all (renamed, folder fsync failed): writing on
                # in the old one would put acknowledged lines where it supersedes them.
                self._fail(error)
            if isinstance(error, OSError):
                raise JournalWriteError(
                    error.errno,
                    self._unsaved,
                    action="starting a new journal segment",
                    path=target / name,
                ) from error
            raise

        close_quietly(self._fd)
        if moving and new_lock is not None:
            self._lock.release()
            self._lock = new_lock
            self.session_dir = target
            create_ballast(target, self.ballast_bytes)
        self._fd = fd
        self._segments.append(_Durable(name, bytearray(data)))
        self._segment_number = number
        self._lines_in_segment = len(lines)
        self._entries.extend(new_entries)
        self._head = head
        self._unsaved.clear()
        self._failed = None

    # ----------------------------------------------------------------- closing

    def close(self) -> None:
        """Close the file and release the lock. Pending payloads (if any) stay in `pending`."""
        if self._closed:
            return
        self._closed = True
        close_quietly(self._fd)
        self._fd = None
        self._lock.release()

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _check_open(self) -> None:
        if self._closed:
            raise JournalError("the journal is closed")
