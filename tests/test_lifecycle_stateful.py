"""A session's whole life under random actions: entries, corrections, failed saves, crashes
(with and without a torn last line) and the close. After every step, replaying the journal
gives exactly what the console acknowledged, and the hash chain verifies."""

from __future__ import annotations

import errno
import os
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from record_helpers import dosed_session

from kap_console.session import events as ev
from kap_console.session.engine import Session
from kap_console.session.errors import RejectedEntry, SaveError
from kap_console.session.journal.format import SEGMENT_PATTERN
from kap_console.session.journal.read import read_journal, verify_chain
from kap_console.session.record.reading import read_record
from kap_console.session.record.verify import verify_record
from kap_console.session.state.fold import fold

note_text = st.text(min_size=1, max_size=40)


class SessionLifecycle(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.folder = Path(tempfile.mkdtemp(prefix="kap-lifecycle-"))
        self.session = dosed_session(self.folder)
        self.clock = self.session.clock
        # What the console acknowledged: seq -> payload, and the effective facts it showed.
        self.acknowledged = {
            e.seq: e.payload for e in read_journal(self.session.session_dir).entries
        }
        self.notes: dict[int, str] = {}
        self.readings: dict[int, dict[str, float]] = {}
        self.voided: set[int] = set()
        self.closed = False

    def teardown(self) -> None:
        self.session.release()
        shutil.rmtree(self.folder, ignore_errors=True)

    # -- helpers -------------------------------------------------------------------------

    def tick(self) -> None:
        self.clock.advance(30)

    def acknowledge(self, committed) -> None:
        self.acknowledged[committed.seq] = ev.event_to_dict(committed.event)
        for seq, alert in committed.alerts:
            self.acknowledged[seq] = ev.event_to_dict(alert)

    def live(self, pool: dict[int, object]) -> list[int]:
        return sorted(seq for seq in pool if seq not in self.voided)

    # -- rules ---------------------------------------------------------------------------

    @precondition(lambda self: not self.closed)
    @rule(text=note_text, for_integration=st.booleans())
    def add_note(self, text: str, for_integration: bool) -> None:
        self.tick()
        committed = self.session.commit(ev.NoteAdded(text=text, for_integration=for_integration))
        self.acknowledge(committed)
        self.notes[committed.seq] = text

    @precondition(lambda self: not self.closed)
    @rule(sbp=st.integers(40, 280), hr=st.integers(30, 200))
    def add_reading(self, sbp: int, hr: int) -> None:
        self.tick()
        reading = ev.ObservationRecorded(round_id="early", values={"sbp": sbp, "hr": hr})
        if not 50 <= sbp <= 260:
            before = len(read_journal(self.session.session_dir).entries)
            with pytest.raises(RejectedEntry) as caught:
                self.session.commit(reading)
            assert caught.value.field == "sbp"
            assert len(read_journal(self.session.session_dir).entries) == before
            return
        committed = self.session.commit(reading)
        self.acknowledge(committed)
        self.readings[committed.seq] = {"sbp": float(sbp), "hr": float(hr)}

    @precondition(lambda self: not self.closed and self.live(self.notes))
    @rule(data=st.data(), text=note_text)
    def amend_note(self, data, text: str) -> None:
        target = data.draw(st.sampled_from(self.live(self.notes)))
        if text == self.notes[target]:
            return
        self.tick()
        committed = self.session.commit(
            ev.Amended(
                target_seq=target, field="text", old=self.notes[target], new=text, reason="typo"
            )
        )
        self.acknowledge(committed)
        self.notes[target] = text

    @precondition(lambda self: not self.closed and self.live({**self.notes, **self.readings}))
    @rule(data=st.data())
    def void_entry(self, data) -> None:
        target = data.draw(st.sampled_from(self.live({**self.notes, **self.readings})))
        self.tick()
        self.acknowledge(
            self.session.commit(ev.Voided(target_seq=target, reason="entered in error"))
        )
        self.voided.add(target)

    @precondition(lambda self: not self.closed)
    @rule(text=note_text, code=st.sampled_from([errno.ENOSPC, errno.EIO, errno.EROFS]))
    def failed_save_then_continue(self, text: str, code: int) -> None:
        self.tick()
        real = os.fsync

        def failing(fd: int) -> None:
            raise OSError(code, os.strerror(code))

        os.fsync = failing
        try:
            with pytest.raises(SaveError):
                self.session.commit(ev.NoteAdded(text=text))
        finally:
            os.fsync = real
        assert self.session.unsaved == 1
        assert all(n.event.text != text or n.seq in self.notes for n in self.session.state.notes)
        before = self.session.last_seq
        self.session.continue_in()
        seq = before + 1
        self.acknowledged[seq] = ev.event_to_dict(self.session.state.entry(seq).original)
        self.notes[seq] = text
        opened = read_journal(self.session.session_dir).entries[seq]
        assert opened.payload["type"] == "segment_opened"
        assert opened.payload["reason"] == f"write error {errno.errorcode[code]}"
        self.acknowledged[opened.seq] = opened.payload

    @precondition(lambda self: not self.closed)
    @rule(torn=st.one_of(st.none(), st.binary(min_size=1, max_size=60)))
    def crash_and_recover(self, torn: bytes | None) -> None:
        journal = self.session._journal
        lock = journal._lock
        for fd in (journal._fd, lock._fd, lock._file_fd):  # what the kernel does at a death
            if fd is not None:
                os.close(fd)
        journal._fd = lock._fd = lock._file_fd = None
        folder = self.session.session_dir
        if torn is not None:
            last = max(p for p in folder.iterdir() if SEGMENT_PATTERN.match(p.name))
            with open(last, "ab") as handle:
                handle.write(b'{"v":1,"seq":' + torn.replace(b"\n", b" "))
        self.tick()
        self.session = Session.resume(folder, clock=self.clock)
        resumed = read_journal(folder).entries[-1]
        assert resumed.payload["type"] == "resumed"
        assert (resumed.payload["torn_bytes"] > 0) == (torn is not None)
        self.acknowledged[resumed.seq] = resumed.payload

    @precondition(lambda self: not self.closed)
    @rule()
    def close(self) -> None:
        self.tick()
        before = self.session.last_seq
        result = self.session.close(outcome="stopped_early")
        for seq in range(before + 1, self.session.last_seq + 1):  # session_closed, record_written
            self.acknowledged[seq] = ev.event_to_dict(self.session.state.entry(seq).original)
        self.closed = True
        record = read_record(result.record_path)
        assert sorted(n.text for n in record.notes if not n.voided) == sorted(
            self.notes[s] for s in self.live(self.notes)
        )
        assert verify_record(self.session.session_dir).ok

    @precondition(lambda self: self.closed)
    @rule(text=note_text)
    def nothing_is_added_after_the_close(self, text: str) -> None:
        with pytest.raises(RejectedEntry):
            self.session.commit(ev.NoteAdded(text=text))

    # -- invariants ----------------------------------------------------------------------

    @invariant()
    def journal_replays_to_what_was_acknowledged(self) -> None:
        entries = read_journal(self.session.session_dir).entries
        assert {e.seq: e.payload for e in entries} == self.acknowledged
        state = fold(
            self.session.protocol, [(e.seq, ev.event_from_dict(e.payload)) for e in entries]
        )
        assert {n.seq: n.event.text for n in state.notes} == self.notes
        assert {
            o.seq: dict(o.values) for o in state.observations if not o.baseline
        } == self.readings
        voided = {e.seq for e in (*state.notes, *state.observations) if e.voided}
        assert voided == self.voided
        assert state == self.session.state

    @invariant()
    def chain_verifies(self) -> None:
        assert verify_chain(self.session.session_dir).ok


SessionLifecycle.TestCase.settings = settings(
    max_examples=30,
    stateful_step_count=15,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
TestSessionLifecycle = SessionLifecycle.TestCase


@pytest.mark.soak
def test_session_lifecycle_soak() -> None:
    run_state_machine_as_test(
        SessionLifecycle,
        settings=settings(
            max_examples=400,
            stateful_step_count=40,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        ),
    )
