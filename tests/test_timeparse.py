"""The "observed at" parser for late entries: pure, so every case is exact."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from kap_console.tui.timeparse import TimeParseError, describe_delay, parse_observed_at

NOW = datetime(2026, 3, 14, 14, 20, 30, tzinfo=UTC)
BERLIN = ZoneInfo("Europe/Berlin")  # UTC+1 in March before the switch


@pytest.mark.parametrize("text", ["", "now", "  NOW ", "Now"])
def test_blank_or_now_is_the_current_time(text):
    assert parse_observed_at(text, NOW) == NOW


@pytest.mark.parametrize(
    ("text", "ago"),
    [
        ("-3m", timedelta(minutes=3)),
        ("-3", timedelta(minutes=3)),
        ("-3 min", timedelta(minutes=3)),
        ("- 3 minutes", timedelta(minutes=3)),
        ("3m ago", timedelta(minutes=3)),
        ("-90s", timedelta(seconds=90)),
        ("-90 sec", timedelta(seconds=90)),
        ("-1h", timedelta(hours=1)),
        ("-1h30m", timedelta(minutes=90)),
        ("-1h 30m 15s", timedelta(hours=1, minutes=30, seconds=15)),
        ("-2 hours", timedelta(hours=2)),
    ],
)
def test_a_relative_entry_counts_back_from_now(text, ago):
    assert parse_observed_at(text, NOW) == NOW - ago


def test_a_wall_time_is_read_in_the_local_zone_and_returned_aware():
    # 15:05 in Berlin (UTC+1) is 14:05 UTC, fifteen minutes before NOW.
    observed = parse_observed_at("15:05", NOW, zone=BERLIN)
    assert observed == datetime(2026, 3, 14, 14, 5, tzinfo=UTC)
    assert observed.tzinfo is not None
    assert observed.utcoffset() == timedelta(0)  # in the zone of `now`


def test_a_wall_time_with_seconds():
    observed = parse_observed_at("14:19:45", NOW, zone=UTC)
    assert observed == datetime(2026, 3, 14, 14, 19, 45, tzinfo=UTC)


def test_a_single_digit_hour_is_accepted():
    now = datetime(2026, 3, 14, 9, 30, tzinfo=UTC)
    assert parse_observed_at("9:05", now, zone=UTC) == datetime(2026, 3, 14, 9, 5, tzinfo=UTC)


def test_a_wall_time_later_today_is_refused_as_future():
    with pytest.raises(TimeParseError, match="future"):
        parse_observed_at("14:25", NOW, zone=UTC)


def test_just_after_midnight_a_late_evening_time_means_yesterday():
    now = datetime(2026, 3, 15, 0, 10, tzinfo=UTC)
    assert parse_observed_at("23:55", now, zone=UTC) == datetime(2026, 3, 14, 23, 55, tzinfo=UTC)


def test_the_zone_of_now_is_kept():
    plus_two = timezone(timedelta(hours=2))
    now = NOW.astimezone(plus_two)
    observed = parse_observed_at("-3m", now)
    assert observed.utcoffset() == timedelta(hours=2)
    assert observed == NOW - timedelta(minutes=3)


def test_the_system_zone_is_used_when_none_is_given():
    local_now = NOW.astimezone()
    wall = (local_now - timedelta(minutes=10)).strftime("%H:%M")
    observed = parse_observed_at(wall, NOW)
    assert timedelta(minutes=10) <= NOW - observed < timedelta(minutes=11)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("+3m", "future"),
        ("soon", "not a time"),
        ("-3x", "not a length of time"),
        ("-m", "not a length of time"),
        ("25:00", "not a time of day"),
        ("14:75", "not a time of day"),
        ("14.05", "not a time"),
    ],
)
def test_unreadable_entries_say_what_to_type(text, says):
    with pytest.raises(TimeParseError) as error:
        parse_observed_at(text, NOW, zone=UTC)
    assert says in str(error.value)


def test_every_error_names_the_accepted_forms_or_the_problem():
    with pytest.raises(TimeParseError) as error:
        parse_observed_at("yesterday-ish", NOW)
    assert '"-3m"' in str(error.value) and '"14:05"' in str(error.value)


def test_a_time_before_the_session_started_is_refused():
    started = NOW - timedelta(minutes=30)
    with pytest.raises(TimeParseError, match="before the session started"):
        parse_observed_at("-45m", NOW, not_before=started)
    assert parse_observed_at("-29m", NOW, not_before=started) == NOW - timedelta(minutes=29)


def test_naive_now_is_a_programming_error():
    with pytest.raises(ValueError, match="aware"):
        parse_observed_at("now", datetime(2026, 3, 14, 14, 0))


@pytest.mark.parametrize(
    ("seconds", "words"),
    [
        (0, "now"),
        (45, "45 s ago"),
        (180, "3 min ago"),
        (200, "3 min 20 s ago"),
        (3900, "1 h 5 min ago"),
    ],
)
def test_describe_delay_in_words(seconds, words):
    assert describe_delay(NOW - timedelta(seconds=seconds), NOW) == words
