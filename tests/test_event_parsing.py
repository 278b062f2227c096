"""Events parsed from the journal share pydantic's set of the fields they were given, safely;
the union's validator is built only once a journal line is parsed."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime

from kap_console.session import events as ev

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _note(text: str) -> dict:
    return ev.event_to_dict(ev.stamped(ev.NoteAdded(text=text), now=NOW, by="Alex Rivera"))


def test_events_parsed_with_the_same_fields_share_one_set_and_stay_equal_to_themselves():
    first, second = ev.event_from_dict(_note("a")), ev.event_from_dict(_note("b"))
    assert first.__pydantic_fields_set__ is second.__pydantic_fields_set__
    assert first.model_fields_set == set(_note("a"))
    assert ev.event_from_dict(ev.event_to_dict(first)) == first
    reading = ev.event_from_dict(
        ev.event_to_dict(
            ev.stamped(ev.ObservationRecorded(round_id="early", values={"hr": 70}), now=NOW, by="x")
        )
    )
    assert reading.__pydantic_fields_set__ is not first.__pydantic_fields_set__


def test_a_copy_with_changes_does_not_change_the_shared_set():
    first = ev.event_from_dict({"type": "note_added", "text": "a"})
    second = ev.event_from_dict({"type": "note_added", "text": "b"})
    assert first.__pydantic_fields_set__ is second.__pydantic_fields_set__
    stamped = ev.stamped(first, now=NOW, by="Alex Rivera")  # model_copy(update=...)
    assert {"recorded_at", "observed_at", "recorded_by"} <= stamped.model_fields_set
    assert second.model_fields_set == {"type", "text"}
    assert first.model_fields_set == {"type", "text"}


def test_the_union_validator_is_built_only_when_a_journal_line_is_parsed() -> None:
    code = (
        "from kap_console.session import events as ev\n"
        "before = ev.event_adapter.cache_info().currsize\n"
        "ev.NoteAdded(text='made in the room')\n"
        "made = ev.event_adapter.cache_info().currsize\n"
        "ev.event_from_dict({'type': 'note_added', 'text': 'read back'})\n"
        "print(before, made, ev.event_adapter.cache_info().currsize)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.split() == ["0", "0", "1"]
