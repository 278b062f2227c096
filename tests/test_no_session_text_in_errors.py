"""No rejection message quotes what the facilitator wrote: messages name fields, seqs and the
protocol's limits, never the content of an entry.

A unique marker is planted in every free-text and value field a rejection can concern (note
text, amendment old and new values, readings, checklist answers, adverse-event term and
severity, drug and route, scale items), every rejection path is triggered through the engine,
and every message is searched for the marker. A numeric marker stands in for typed numbers.
"""

from __future__ import annotations

import pytest
from record_helpers import dosed_session, early_round, ready_for_discharge

from kap_console.session import events as ev
from kap_console.session.errors import RejectedEntry

MARKER = "ZQX-planted-7f3a"
NUMBER = 987654.321  # a typed number nobody else would write
DOSE = 1987.65  # under the models' cap, over any protocol's
NUMBER_TEXT = ("987654", "987,654", "9.87654", "1987")


@pytest.fixture(scope="module")
def session(tmp_path_factory):
    session = dosed_session(tmp_path_factory.mktemp("data"))
    yield session
    session.release()


def _rejections(session) -> list[tuple[str, RejectedEntry]]:
    note = session.commit(ev.NoteAdded(text=MARKER + " said in the room"))
    reading = session.commit(early_round(15))
    attempts: dict[str, ev.EventBase] = {
        "stale old value of a note": ev.Amended(
            target_seq=note.seq,
            field="text",
            old=MARKER + " not what it says",
            new="x",
            reason=MARKER,
        ),
        "new value equal to the note": ev.Amended(
            target_seq=note.seq,
            field="text",
            old=MARKER + " said in the room",
            new=MARKER + " said in the room",
            reason=MARKER,
        ),
        "text into a number by amendment": ev.Amended(
            target_seq=reading.seq, field="values.hr", old=72.0, new=MARKER, reason=MARKER
        ),
        "a number out of range by amendment": ev.Amended(
            target_seq=reading.seq, field="values.hr", old=72.0, new=NUMBER, reason=MARKER
        ),
        "a stale number": ev.Amended(
            target_seq=reading.seq, field="values.hr", old=NUMBER, new=70.0, reason=MARKER
        ),
        "text as a blood pressure": early_round(30, sbp=MARKER),  # type: ignore[arg-type]
        "a blood pressure out of range": early_round(30, sbp=NUMBER),
        "text as yes or no": early_round(30, nausea=MARKER),  # type: ignore[arg-type]
        "text as a scale level": early_round(30, moaas=MARKER),  # type: ignore[arg-type]
        "a number that is no scale level": early_round(30, moaas=NUMBER),
        "text as a number answer": ev.CheckAnswered(item_id="weight_kg", answer=MARKER),
        "a number answer out of range": ev.CheckAnswered(item_id="weight_kg", answer=NUMBER),
        "text as a yes or no answer": ev.CheckAnswered(item_id="consent_on_file", answer=MARKER),
        "a severity off the grading": ev.AdverseEventLogged(
            term_id="nausea_vomiting",
            term=MARKER,
            onset_at=session.clock.now(),
            severity="moderate",
            note=MARKER,
            treatment=MARKER,
        ),
        "another drug and route": ev.DoseGiven(
            kind="booster",
            drug=MARKER,
            route=MARKER,
            dose_mg=DOSE,
            given_by=MARKER,
            lot=MARKER,
        ),
        "a route this protocol does not allow": ev.DoseGiven(
            kind="booster", drug="ketamine", route=MARKER, dose_mg=DOSE, given_by=MARKER
        ),
        "a booster out of range": ev.DoseGiven(
            kind="booster", drug="ketamine", route="IM", dose_mg=DOSE, given_by=MARKER
        ),
        "a scale item that is text": ready_for_discharge().model_copy(
            update={"scores": {"modified_aldrete": {"activity": MARKER}}, "escort_name": MARKER}
        ),
        "a scale item out of range": ready_for_discharge().model_copy(
            update={"scores": {"modified_aldrete": {"activity": NUMBER}}}
        ),
    }
    found = []
    for name, event in attempts.items():
        with pytest.raises(RejectedEntry) as raised:
            session.commit(event)
        found.append((name, raised.value))
    return found


def test_no_rejection_message_quotes_what_was_written(session) -> None:
    rejections = _rejections(session)
    assert len(rejections) >= 19
    for name, rejection in rejections:
        for text in (str(rejection), rejection.message, rejection.field or ""):
            assert MARKER not in text, f"{name}: {text}"
            assert not any(number in text for number in NUMBER_TEXT), f"{name}: {text}"


def test_messages_still_name_the_field_and_seq(session) -> None:
    note = session.commit(ev.NoteAdded(text=MARKER))
    with pytest.raises(RejectedEntry) as raised:
        session.commit(
            ev.Amended(target_seq=note.seq, field="text", old="other", new="x", reason="typo")
        )
    assert str(raised.value) == (
        f"old: is not the current value of text of entry #{note.seq} "
        "(it may have been corrected already)"
    )
    with pytest.raises(RejectedEntry) as raised:
        session.commit(early_round(30, sbp=NUMBER))
    assert str(raised.value) == "sbp: outside 50–260 mmHg"


def test_an_old_record_with_the_old_wording_of_a_rejection_still_verifies() -> None:
    """Records written before this wording quoted values in `rejection`; they stay intact."""
    from kap_console.session.record.verify import _first_difference

    old = {"corrections": [{"seq": 9, "applied": False, "rejection": "old: hr is now 67"}]}
    new = {"corrections": [{"seq": 9, "applied": False, "rejection": "old: is not the current"}]}
    assert _first_difference(old, new, ()) is None
    flipped = {"corrections": [{"seq": 9, "applied": True, "rejection": "old: hr is now 67"}]}
    assert _first_difference(flipped, new, ()) == ("corrections", 0, "applied")
    missing = {"corrections": [{"seq": 9, "applied": False}]}
    assert _first_difference(missing, new, ()) == ("corrections", 0, "rejection")
    assert _first_difference({"notes": [{"text": "a"}]}, {"notes": [{"text": "b"}]}, ()) == (
        "notes",
        0,
        "text",
    )
