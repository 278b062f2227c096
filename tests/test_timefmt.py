"""Times are shown on the room's wall clock: one helper, local time, checked away from UTC."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

from kap_console.session.timefmt import local_date_time, local_time

AT = datetime(2026, 3, 2, 9, 29, 5, tzinfo=UTC)


@pytest.fixture
def tokyo(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("TZ", "Asia/Tokyo")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_a_utc_time_is_shown_as_the_wall_clock_in_tokyo(tokyo):
    assert local_time(AT) == "18:29"
    assert local_time(AT, seconds=True) == "18:29:05"
    assert local_date_time(AT) == "2026-03-02 18:29 JST"


def test_no_time_says_so_in_the_words_asked_for(tokyo):
    assert local_time(None) == "?"
    assert local_time(None, missing="an earlier time") == "an earlier time"


def test_a_message_built_in_the_core_uses_local_time(tokyo):
    from kap_console.session.state.timeline import _clock

    assert _clock(AT) == "18:29"
