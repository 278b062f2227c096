"""Starting a session on a draft protocol, an approved one, or a protocol file with
uncommitted changes: a real session asks first and the record says the facilitator went
ahead; a training session does not ask."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from harness import make_app, ready
from textual.widgets import Input, Static

from kap_console.session.journal.read import read_journal
from kap_console.session.record.build import build_record
from kap_console.tui.screens.start import StartFormScreen
from kap_console.tui.screens.start_confirm import ConfirmStartScreen

ROOT = Path(__file__).resolve().parents[2]
IM_PROTOCOL = ROOT / "protocols" / "im-ketamine-120.toml"


def protocol_file(folder: Path, *, status: str) -> Path:
    text = IM_PROTOCOL.read_text(encoding="utf-8")
    approval = {
        "draft": 'status = "draft"',
        "approved": 'status = "approved"\napproved_by = "Dr A. Lead"\napproved_on = 2026-11-30',
    }[status]
    text = text.replace('version = "1.0.0"', f'version = "1.1.0"\n{approval}', 1)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"im-{status}.toml"
    path.write_text(text, encoding="utf-8")
    return path


async def form_ready(pilot) -> None:
    """Start-up done and the start form up (loading with git can outlast `ready` under load)."""
    await ready(pilot)
    for _ in range(400):
        if isinstance(pilot.app.screen, StartFormScreen | ConfirmStartScreen):
            return
        await pilot.pause(0.05)


async def fill_and_submit(pilot) -> None:
    screen = pilot.app.screen
    screen.query_one("#client_code", Input).value = "KAP-0042"
    screen.query_one("#facilitator", Input).value = "R. Rivera"
    screen.query_one("#session_number", Input).value = "3"
    screen.query_one("#client_code", Input).focus()
    await pilot.press("enter")
    await pilot.pause()


def record_of(session):
    return build_record(session.protocol, read_journal(session.session_dir).entries)


def text_of(screen, selector: str) -> str:
    return str(screen.query_one(selector, Static).render())


async def test_a_real_session_on_a_draft_asks_first_and_the_record_says_so(tmp_path):
    app = make_app(tmp_path, protocol_file(tmp_path / "protocols", status="draft"))
    async with app.run_test(size=(90, 30)) as pilot:
        await form_ready(pilot)
        assert "is a draft: not approved" in text_of(app.screen, "#start-approval")
        await fill_and_submit(pilot)
        assert isinstance(app.screen, ConfirmStartScreen)
        assert app.session is None
        lines = [str(line.render()) for line in app.screen.query(".caution-line")]
        assert len(lines) == 1 and "is a draft" in lines[0]
        await pilot.press("y")
        await pilot.pause()
        assert app.session is not None
        record = record_of(app.session)
    assert record.protocol.status == "draft"
    assert record.protocol.confirmed == ["draft"]


async def test_going_back_from_the_question_starts_nothing_and_keeps_the_form(tmp_path):
    app = make_app(tmp_path, protocol_file(tmp_path / "protocols", status="draft"))
    async with app.run_test(size=(90, 30)) as pilot:
        await form_ready(pilot)
        await fill_and_submit(pilot)
        await pilot.press("escape")
        await pilot.pause()
        assert app.session is None
        assert isinstance(app.screen, StartFormScreen)
        assert app.screen.query_one("#client_code", Input).value == "KAP-0042"
        assert "needs your confirmation" in text_of(app.screen, "#form-problem")


async def test_training_on_a_draft_does_not_ask(tmp_path):
    app = make_app(tmp_path, protocol_file(tmp_path / "protocols", status="draft"), training=True)
    async with app.run_test(size=(90, 30)) as pilot:
        await form_ready(pilot)
        await fill_and_submit(pilot)
        assert not isinstance(app.screen, ConfirmStartScreen)
        assert app.session is not None
        record = record_of(app.session)
    assert record.session.training is True
    assert record.protocol.confirmed is None


async def test_an_approved_version_says_who_approved_it_and_starts_straight_away(tmp_path):
    app = make_app(tmp_path, protocol_file(tmp_path / "protocols", status="approved"))
    async with app.run_test(size=(90, 30)) as pilot:
        await form_ready(pilot)
        approval = text_of(app.screen, "#start-approval")
        assert approval == "Version 1.1.0 approved by Dr A. Lead on 2026-11-30"
        await fill_and_submit(pilot)
        assert app.session is not None
        record = record_of(app.session)
    assert (record.protocol.status, record.protocol.approved_by) == ("approved", "Dr A. Lead")
    assert str(record.protocol.approved_on) == "2026-11-30"
    assert record.protocol.confirmed is None


async def test_start_values_from_the_command_line_still_ask_on_a_draft(tmp_path):
    app = make_app(
        tmp_path,
        protocol_file(tmp_path / "protocols", status="draft"),
        client_code="KAP-0042",
        facilitator="R. Rivera",
        session_number=3,
    )
    async with app.run_test(size=(90, 30)) as pilot:
        await form_ready(pilot)
        await pilot.pause()
        assert isinstance(app.screen, ConfirmStartScreen)
        assert app.session is None


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
async def test_uncommitted_changes_are_confirmed_before_the_first_entry(tmp_path):
    repo = tmp_path / "practice"
    path = protocol_file(repo / "protocols", status="approved")
    env = dict(
        os.environ,
        GIT_AUTHOR_NAME="Lead",
        GIT_AUTHOR_EMAIL="lead@example.org",
        GIT_COMMITTER_NAME="Lead",
        GIT_COMMITTER_EMAIL="lead@example.org",
        GIT_CONFIG_GLOBAL=os.devnull,
    )
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "Approved"]):
        subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True)
    path.write_text(path.read_text().replace("at_least = 180", "at_least = 175"))

    app = make_app(tmp_path, path)
    async with app.run_test(size=(90, 30)) as pilot:
        await form_ready(pilot)
        await fill_and_submit(pilot)
        assert isinstance(app.screen, ConfirmStartScreen)
        lines = [str(line.render()) for line in app.screen.query(".caution-line")]
        assert len(lines) == 1 and "changes not committed to git" in lines[0]
        assert app.session is None
        await pilot.click("#go-ahead")
        await pilot.pause()
        assert app.session is not None
        record = record_of(app.session)
    assert record.protocol.git_dirty is True
    assert record.protocol.confirmed == ["uncommitted_changes"]
