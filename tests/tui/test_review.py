"""The review screen: verification first, intentions, the ★ timeline, the vitals chart, events,
discharge, and integration notes written, reloaded and never touching the record."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from integration.record_sessions import esketamine_session, im_session
from review_helpers import THERAPIST, copy_session, review_app
from textual.widgets import OptionList, Static

from kap_console.integration.notes import read_notes
from kap_console.tui.widgets.vitals_chart import VitalsChart

SIZE = (80, 24)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    data = tmp_path_factory.mktemp("built")
    return {"im": im_session(data), "esketamine": esketamine_session(data)}


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def plain(widget) -> str:
    """What a widget says, as plain text (section lines keep theirs in `plain`)."""
    return getattr(widget, "plain", None) or str(widget.render())


def text_of(screen, selector: str) -> str:
    return plain(screen.query_one(selector, Static))


async def test_verification_intentions_and_tagged_quotes_come_first(built, data_dir):
    session = copy_session(built["im"], data_dir)
    async with review_app(session, data_dir).run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = pilot.app.screen
        assert text_of(screen, "#verification").startswith("✓ Verified against its journal")
        body = "\n".join(plain(s) for s in screen.query("#session Static"))
        assert "“To feel less alone, and to let that be enough” (revised)" in body
        assert "“To feel less alone”" not in body  # replaced by its revision
        timeline = text_of(screen, "#timeline")
        assert "★ Client quote: Said: “I am the ocean”" in timeline
        assert "★ Note: Hands opened" in timeline
        assert "Typed into the wrong session" not in timeline  # voided
        assert "T+46 ALERT urgent" in timeline


async def test_the_vitals_chart_draws_thresholds_doses_and_every_measure(built, data_dir):
    session = copy_session(built["im"], data_dir)
    async with review_app(session, data_dir).run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("2")
        await pilot.pause()
        chart = pilot.app.screen.query_one(VitalsChart)
        assert chart.region.width > 0  # on screen
        drawn = str(chart.render())
        rows = drawn.splitlines()
        assert [r.split("  ")[0] for r in rows if r[:1].isalpha()] == [
            "Blood pressure (mmHg)",
            "Heart rate (bpm)",
            "SpO2 (%)",
        ]
        threshold = next(r for r in rows if r.endswith("S≥180 urgent"))
        assert "┄┄┄" in threshold
        assert any(r.rstrip().endswith("D>90 warning") for r in rows)
        assert any(r.rstrip().endswith("<92 urgent") for r in rows)
        dose_rows = [r for r in rows if "▼" in r and r.rstrip().endswith("▼ dose")]
        assert len(dose_rows) == 3  # one per panel
        column = dose_rows[0].index("▼")
        plot = [r for r in rows[: rows.index(threshold) + 8] if "│" in r or "┤" in r]
        assert any(len(r) > column and r[column] == "┊" for r in plot)  # the dose line
        for mark in ("S", "D", "H", "O"):
            assert any(mark in r[6:-14] for r in rows if "│" in r or "┤" in r)
        assert "▼ doses: initial 40 mg at T+0" in drawn


async def test_adverse_events_open_first_and_unanswered_alerts_say_so(built, data_dir):
    session = copy_session(built["esketamine"], data_dir)
    async with review_app(session, data_dir).run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("3")
        await pilot.pause()
        events = "\n".join(plain(s) for s in pilot.app.screen.query("#events Static"))
        assert "OPEN: Raised blood pressure, grade 3, SERIOUS (important_medical_event)" in events
        assert "NOT ANSWERED" in events
        await pilot.press("4")
        await pilot.pause()
        discharge = "\n".join(plain(s) for s in pilot.app.screen.query("#discharge Static"))
        assert "Ready to leave" in discharge and "Escort present (M. Ito)" in discharge
        assert "Staying with the breath" in discharge


async def test_an_altered_record_is_flagged_and_takes_no_notes(built, data_dir):
    session = copy_session(built["im"], data_dir)
    record = session / "record.toml"
    record.write_bytes(record.read_bytes().replace(b"dose_mg = 40.0", b"dose_mg = 48.0", 1))
    async with review_app(session, data_dir).run_test(size=SIZE) as pilot:
        await pilot.pause()
        banner = pilot.app.screen.query_one("#verification", Static)
        assert banner.has_class("-altered")
        assert str(banner.render()).startswith("⚠ RECORD ALTERED: do not rely on it.")
        await pilot.press("n")
        await pilot.pause()
        assert type(pilot.app.screen).__name__ == "ReviewScreen"  # no form opened
    assert not (session / "integration").exists()


async def test_notes_written_in_the_screen_are_saved_and_shown_again(built, data_dir):
    session = copy_session(built["im"], data_dir)
    record_before = digest(session / "record.toml")
    async with review_app(session, data_dir).run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("n")
        await pilot.pause()
        await pilot.press(*"Ocean image: come back to it", "enter")
        await pilot.pause()
        await pilot.press("t")
        await pilot.pause()
        await pilot.press(*"Belonging", "enter")
        await pilot.pause()
        await pilot.press("f")
        await pilot.pause()
        await pilot.press(*"Call about sleep", "tab", *"in 3 days", "enter")
        await pilot.pause()
        # amend the first, void the theme
        listing = pilot.app.screen.query_one("#notes-list", OptionList)
        listing.highlighted = 0
        await pilot.press("m")
        await pilot.pause()
        await pilot.press(*" in session 4", "tab", *"more precise", "enter")
        await pilot.pause()
        listing.highlighted = 1
        await pilot.press("v")
        await pilot.pause()
        await pilot.press(*"another client", "enter")
        await pilot.pause()
        follow_up = text_of(pilot.app.screen, "#follow-up")
        assert "Call about sleep (in 3 days) [integration]" in follow_up

    state = read_notes(session)
    assert [(i.kind, i.text, i.voided) for i in state.items] == [
        ("note", "Ocean image: come back to it in session 4", False),
        ("theme", "Belonging", True),
        ("follow_up", "Call about sleep", False),
    ]
    assert state.items[0].amendments[0].reason == "more precise"
    assert state.items[0].recorded_by == THERAPIST
    assert state.record_sha256 == record_before

    async with review_app(session, data_dir).run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("5")
        await pilot.pause()
        listing = pilot.app.screen.query_one("#notes-list", OptionList)
        shown = [str(listing.get_option_at_index(i).prompt) for i in range(listing.option_count)]
        assert shown[0].startswith("[Note] Ocean image: come back to it in session 4")
        assert "was: Ocean image: come back to it" in shown[0]
        assert shown[1].startswith("ERROR [Theme] Belonging")
        assert "entered in error: another client" in shown[1]
    assert digest(session / "record.toml") == record_before


async def test_a_note_form_refuses_an_empty_note_and_keeps_the_screen(built, data_dir):
    session = copy_session(built["im"], data_dir)
    async with review_app(session, data_dir).run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("n")
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert type(pilot.app.screen).__name__ == "NoteFormScreen"
        await pilot.press("escape")
        await pilot.pause()
    assert read_notes(session).items == []


@pytest.mark.parametrize("theme", ["night", "daylight", "high-contrast"])
async def test_every_theme_draws_the_review_and_the_altered_banner(built, data_dir, theme):
    session = copy_session(built["im"], data_dir)
    record = session / "record.toml"
    record.write_bytes(record.read_bytes().replace(b"Dr Chen", b"Dr Chan", 1))
    async with review_app(session, data_dir, theme=theme).run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert pilot.app.theme == theme
        banner = pilot.app.screen.query_one("#verification", Static)
        assert banner.styles.background != pilot.app.screen.styles.background
        await pilot.press("2")
        await pilot.pause()
        chart = pilot.app.screen.query_one(VitalsChart)
        threshold = chart.get_component_rich_style("vitals-chart--threshold")
        line = chart.get_component_rich_style("vitals-chart--series-0")
        assert threshold.color is not None and line.color is not None


async def test_a_note_not_saved_keeps_its_form_and_text_and_saves_on_retry(
    built, data_dir, monkeypatch
):
    import errno
    import os

    session = copy_session(built["im"], data_dir)
    async with review_app(session, data_dir).run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("n")
        await pilot.pause()
        # The first save creates the notes' journal: the disk is full by then.
        await pilot.press(*"Keep me")
        real_write = os.write

        def full_disk(fd, data):
            raise OSError(errno.ENOSPC, "No space left on device")

        monkeypatch.setattr(os, "write", full_disk)
        await pilot.press("enter")
        await pilot.pause()
        screen = pilot.app.screen
        assert type(screen).__name__ == "NoteFormScreen"
        assert "Not saved: No space left on device" in text_of(screen, "#form-error")
        assert screen.query_one("#field-text").raw() == "Keep me"
        monkeypatch.setattr(os, "write", real_write)
        await pilot.press("enter")
        await pilot.pause()
        assert type(pilot.app.screen).__name__ == "ReviewScreen"
    assert [i.text for i in read_notes(session).items] == ["Keep me"]


async def test_a_record_without_its_journal_says_so_and_still_charts(built, tmp_path):
    alone = tmp_path / "handed-over"
    alone.mkdir()
    (alone / "record.toml").write_bytes((built["im"] / "record.toml").read_bytes())
    async with review_app(alone / "record.toml", tmp_path / "data").run_test(size=SIZE) as pilot:
        await pilot.pause()
        banner = pilot.app.screen.query_one("#verification", Static)
        assert banner.has_class("-journal_missing")
        assert text_of(pilot.app.screen, "#verification").startswith("! Journal missing")
        await pilot.press("2")
        await pilot.pause()
        drawn = str(pilot.app.screen.query_one(VitalsChart).render())
        assert "S systolic" in drawn
        # The protocol is found by its pinned SHA-256 at the path it ran from.
        assert "S≥180 urgent" in drawn
