"""The review screen: one closed session, as the integration therapist reads it.

Verification first, in words, at the top (an altered record is flagged on every pane). Then
five panes, one key each: the session (intentions, timeline with ★ on what was tagged for
integration), the vitals chart, events (adverse events open first, alerts and their answers),
discharge (summary, reflections, follow-up plan) and the integration notes the therapist
writes here. `c` opens the client's course. Keyboard only; the record is only read.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import ContentSwitcher, Footer, OptionList, Static
from textual.widgets.option_list import Option

from kap_console.integration.notes import (
    IntegrationNotes,
    NotesError,
    NotesState,
    read_notes,
)
from kap_console.integration.review import MARK, Line, Review, build_review
from kap_console.tui.screens.review_lines import SectionLines, item_label
from kap_console.tui.widgets.vitals_chart import VitalsChart, dose_footnote, vitals_panels

PANES = (
    ("session", "Session"),
    ("vitals", "Vitals"),
    ("events", "Events"),
    ("discharge", "Discharge"),
    ("notes", "Notes"),
)

REVIEW_CSS = """
ReviewScreen #verification { height: auto; padding: 0 1; background: $success 20%; }
ReviewScreen #verification.-journal_missing { background: $warning 25%; }
ReviewScreen #verification.-altered {
    background: $error; color: $text; text-style: bold;
}
ReviewScreen #review-title { height: 1; padding: 0 1; color: $foreground-muted; }
ReviewScreen #panes-bar { height: 1; padding: 0 1; background: $panel; }
ReviewScreen ContentSwitcher { height: 1fr; }
ReviewScreen .pane { height: 1fr; padding: 0 1; }
ReviewScreen .pane:focus { background: $surface; }
ReviewScreen .section { text-style: bold; color: $primary; margin: 1 0 0 0; }
ReviewScreen #notes-list { height: 1fr; border: none; }
ReviewScreen #notes-hint { height: auto; color: $foreground-muted; }
"""


class ReviewScreen(Screen):
    """One record, verified first; notes written here go to their own journal."""

    DEFAULT_CSS = REVIEW_CSS
    BINDINGS = [
        Binding("1", "pane('session')", "Session", show=False),
        Binding("2", "pane('vitals')", "Vitals", show=False),
        Binding("3", "pane('events')", "Events", show=False),
        Binding("4", "pane('discharge')", "Discharge", show=False),
        Binding("5", "pane('notes')", "Notes", show=False),
        Binding("c", "course", "Course"),
        Binding("escape", "back", "Back", show=False),
        Binding("n", "add('note')", "Note"),
        Binding("t", "add('theme')", "Theme", show=False),
        Binding("f", "add('follow_up')", "Follow-up", show=False),
        Binding("m", "amend", "Amend", show=False),
        Binding("v", "void", "Void", show=False),
    ]

    def __init__(
        self,
        opened: Any,
        *,
        data_dir: Path | None = None,
        by: str = "",
        clock: Any = None,
    ) -> None:
        super().__init__()
        self.opened = opened
        self.record = opened.record
        self.data_dir = data_dir
        self.by = by
        self.clock = clock
        self.review: Review = build_review(self.record)
        self.notes_dir = opened.session_dir or opened.record_path.parent
        self.writer: IntegrationNotes | None = None
        self.notes_problem: str | None = None
        self.notes = self._read_notes()
        self.current = "session"

    # -- layout -----------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        verification = self.opened.verification
        banner = Static(self.verification_text(), id="verification")
        banner.add_class(f"-{verification.status}")
        yield banner
        yield Static(self.review.title, id="review-title")
        yield Static(self.panes_text(), id="panes-bar")
        with ContentSwitcher(initial="session"):
            with VerticalScroll(id="session", classes="pane"):
                yield Static("Intentions (the client's own words)", classes="section")
                yield SectionLines(self.review.intentions, "No intentions recorded.")
                yield Static(
                    f"Timeline  ({MARK} tagged for integration · T+min since the first dose)",
                    classes="section",
                )
                yield SectionLines(self.review.timeline, "Nothing recorded.", id="timeline")
            with VerticalScroll(id="vitals", classes="pane"):
                yield self.vitals_chart()
            with VerticalScroll(id="events", classes="pane"):
                yield Static("Adverse events (open first)", classes="section")
                yield SectionLines(self.review.adverse_events, "No adverse events.")
                yield Static("Alerts and how they were answered", classes="section")
                yield SectionLines(self.review.alerts, "No alerts.")
            with VerticalScroll(id="discharge", classes="pane"):
                yield Static("Discharge", classes="section")
                yield SectionLines(self.review.discharge, "Not assessed.")
                yield Static("Facilitator's reflections", classes="section")
                yield SectionLines(self.review.reflections, "No reflections recorded.")
                yield Static("Follow-up plan", classes="section")
                yield SectionLines(self.follow_up_lines(), "No follow-up planned.", id="follow-up")
            with VerticalScroll(id="notes", classes="pane"):
                yield Static(self.notes_hint(), id="notes-hint")
                yield OptionList(*self.note_options(), id="notes-list")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#session").focus()

    def verification_text(self) -> Text:
        verification = self.opened.verification
        if verification.status == "altered":
            return Text(f"⚠ RECORD ALTERED: do not rely on it. {verification.words}", style="bold")
        if verification.status == "journal_missing":
            return Text(f"! {verification.words}")
        return Text(f"✓ {verification.words}")

    def panes_text(self) -> Text:
        text = Text()
        for index, (pane, label) in enumerate(PANES, start=1):
            if index > 1:
                text.append("  ")
            if pane == self.current:
                text.append(f"▸{index} {label}", style="bold reverse")
            else:
                text.append(f" {index} {label}")
        text.append("   c Course", style="dim")
        return text

    def vitals_chart(self) -> VitalsChart | Static:
        from kap_console.integration.vitals import vitals_series

        try:
            series = vitals_series(self.record, self.opened.session_dir)
        except Exception:  # a chart must never stop the review of the record
            return Static("The vitals could not be charted from this record.")
        panels = vitals_panels(series)
        note = dose_footnote(series)
        if not series.thresholds_from_protocol:
            note += "\nThresholds: the protocol copy is not in the session folder."
        return VitalsChart(panels, footnote=note, id="vitals-chart")

    def follow_up_lines(self) -> list[Line]:
        lines = list(self.review.follow_up)
        for item in self.notes.live("follow_up"):
            due = f" ({item.due})" if item.due else ""
            lines.append(Line(f"{item.text}{due} [integration]"))
        return lines

    def notes_hint(self) -> str:
        if self.notes_problem:
            return self.notes_problem
        if not self.can_write():
            return "This record is altered: integration notes are shown, not added to."
        return "n note · t theme · f follow-up · m amend · v entered in error (↑↓ to choose)"

    def note_options(self) -> list[Option]:
        if not self.notes.items:
            return [Option("No integration notes yet.", disabled=True)]
        return [Option(item_label(item), id=str(item.seq)) for item in self.notes.items]

    # -- panes ------------------------------------------------------------------------------

    def action_pane(self, pane: str) -> None:
        self.current = pane
        self.query_one(ContentSwitcher).current = pane
        self.query_one("#panes-bar", Static).update(self.panes_text())
        target = self.query_one("#notes-list") if pane == "notes" else self.query_one(f"#{pane}")
        target.focus()

    def action_back(self) -> None:
        """Back to the course it was opened from (the first review stays)."""
        if len(self.app.screen_stack) > 2:
            self.dismiss()

    def action_course(self) -> None:
        from kap_console.tui.screens.review_messages import OpenCourse

        if self.data_dir is None:
            self.notify("No data folder to look for the client's other sessions.")
            return
        self.app.post_message(OpenCourse(self.data_dir, self.record.session.client_code))

    # -- integration notes -------------------------------------------------------------------

    def _read_notes(self) -> NotesState:
        try:
            return read_notes(self.notes_dir)
        except NotesError as error:
            self.notes_problem = f"The integration notes cannot be read: {error}"
            return NotesState()

    def can_write(self) -> bool:
        return self.opened.verification.status != "altered" and self.notes_problem is None

    def _writer(self, by: str) -> IntegrationNotes:
        if self.writer is None:
            session = self.record.session
            self.writer = IntegrationNotes.open_for(
                self.notes_dir,
                record_sha256=self.opened.sha256,
                session_id=session.id,
                client_code=session.client_code,
                by=by,
                clock=self.clock,
            )
        return self.writer

    def _save(self, write: Any) -> Any:
        """Run `write(values)` as a form's save: None when saved, else the message to show."""

        def save(values: dict[str, Any]) -> str | None:
            by = values["by"]
            try:
                write(self._writer(by), values, by)
            except NotesError as error:
                if self.writer is not None and self.writer.broken:
                    self.writer = None  # the next save opens the notes again
                return str(error)
            except ValueError:
                return "Not saved: a field is empty or too long."
            except OSError as error:
                return f"Not saved: {error.strerror or error}. Your text is still here."
            self.by = by
            self.refresh_notes()
            return None

        return save

    def refresh_notes(self) -> None:
        if self.writer is not None:
            self.notes = self.writer.state
        listing = self.query_one("#notes-list", OptionList)
        listing.clear_options()
        listing.add_options(self.note_options())
        self.query_one("#follow-up", SectionLines).show(self.follow_up_lines())

    def _check_writable(self) -> bool:
        if not self.can_write():
            self.notify(self.notes_hint(), severity="warning")
            return False
        return True

    def action_add(self, kind: str) -> None:
        from kap_console.tui.screens.review_notes import add_form

        if not self._check_writable():
            return
        self.action_pane("notes")

        def write(notes: IntegrationNotes, values: dict[str, Any], by: str) -> None:
            notes.add(kind, values["text"], by=by, due=values.get("due") or "")  # type: ignore[arg-type]

        self.app.push_screen(add_form(kind, self.by, self._save(write)), self._saved)

    def highlighted_item(self) -> Any:
        listing = self.query_one("#notes-list", OptionList)
        if self.current != "notes" or listing.highlighted is None:
            return None
        option = listing.get_option_at_index(listing.highlighted)
        return self.notes.item(int(option.id)) if option.id else None

    def _target(self) -> Any:
        if not self._check_writable():
            return None
        item = self.highlighted_item()
        if item is None:
            self.notify("Choose a note in the Notes pane (5) first.")
            return None
        if item.voided:
            self.notify("That one is already marked as entered in error.", severity="warning")
            return None
        return item

    def action_amend(self) -> None:
        from kap_console.tui.screens.review_notes import amend_form

        item = self._target()
        if item is None:
            return

        def write(notes: IntegrationNotes, values: dict[str, Any], by: str) -> None:
            notes.amend(item.seq, values["text"], reason=values["reason"], by=by)

        self.app.push_screen(amend_form(item, self.by, self._save(write)), self._saved)

    def action_void(self) -> None:
        from kap_console.tui.screens.review_notes import void_form

        item = self._target()
        if item is None:
            return

        def write(notes: IntegrationNotes, values: dict[str, Any], by: str) -> None:
            notes.void(item.seq, reason=values["reason"], by=by)

        self.app.push_screen(void_form(item, self.by, self._save(write)), self._saved)

    def _saved(self, values: dict[str, Any] | None) -> None:
        if values is not None:
            self.notify("Saved to the integration notes", timeout=3)
        self.query_one("#notes-list").focus()

    def on_unmount(self) -> None:
        if self.writer is not None:
            self.writer.close()
