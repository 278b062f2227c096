"""The course view: every session of one client, in order, and a chart of dose and peak BP.

Two panes: `1` the sessions (enter opens a session's review), `2` the chart. Reached from the
review screen with `c` (escape goes back) or on its own with `kap-console client CODE`.
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

from kap_console.integration.course import Course, CourseSession, client_course
from kap_console.integration.review import MARK
from kap_console.tui.widgets.vitals_chart import ChartPanel, ChartSeries, VitalsChart

COURSE_CSS = """
CourseScreen #course-title { height: 1; padding: 0 1; text-style: bold; color: $primary; }
CourseScreen #course-bar { height: 1; padding: 0 1; background: $panel; }
CourseScreen ContentSwitcher { height: 1fr; }
CourseScreen #course-sessions { height: 1fr; border: none; }
CourseScreen #course-chart-pane { height: 1fr; padding: 0 1; }
CourseScreen #course-problems { height: auto; color: $warning; padding: 0 1; }
"""


def _value(value: float | None) -> str:
    return "-" if value is None else f"{value:g}"


def session_label(session: CourseSession) -> Text:
    """A session of the course in a few lines, for the list."""
    s = session
    text = Text()
    text.append(f"#{s.session_number} {s.started_at:%Y-%m-%d}  {s.protocol}", style="bold")
    if s.outcome != "completed":
        text.append(f"  ({s.outcome.replace('_', ' ')})", style="bold")
    doses = "; ".join(d.text for d in s.doses) or "no dose"
    boosters = f", {s.boosters} booster{'s' if s.boosters != 1 else ''}" if s.boosters else ""
    text.append(f"\n  {doses}{boosters}")
    bp = f"{_value(s.peak_sbp)}/{_value(s.peak_dbp)}"
    ready = f"{s.minutes_to_ready} min" if s.minutes_to_ready is not None else "-"
    text.append(
        f"\n  peak BP {bp}  HR {_value(s.peak_hr)}  lowest SpO2 {_value(s.lowest_spo2)}"
        f"  ready to leave {ready}"
    )
    if s.adverse_events:
        open_words = f", {s.open_adverse_events} OPEN" if s.open_adverse_events else ""
        text.append(
            f"\n  adverse events {s.adverse_events} (highest {s.highest_severity}{open_words})",
            style="bold" if s.open_adverse_events else "",
        )
    else:
        text.append("\n  no adverse events")
    for intention in s.intentions:
        text.append(f"\n  intention “{intention}”")
    for quote in s.quotes:
        text.append(f"\n  {MARK} {quote}", style="bold")
    for item in s.follow_up:
        text.append(f"\n  follow-up {item}")
    return text


def course_panels(course: Course) -> list[ChartPanel]:
    """Dose (total mg) and peak BP per session, one column per session in order."""
    sessions = course.sessions
    ticks = tuple((float(i), f"#{s.session_number}") for i, s in enumerate(sessions, start=1))
    x_range = (0.5, len(sessions) + 0.5)
    dose = ChartSeries(
        "total mg", "M", tuple((float(i), s.total_mg) for i, s in enumerate(sessions, 1) if s.doses)
    )
    systolic = ChartSeries(
        "peak systolic",
        "S",
        tuple((float(i), s.peak_sbp) for i, s in enumerate(sessions, 1) if s.peak_sbp is not None),
    )
    diastolic = ChartSeries(
        "its diastolic",
        "D",
        tuple((float(i), s.peak_dbp) for i, s in enumerate(sessions, 1) if s.peak_dbp is not None),
    )
    common: dict[str, Any] = {"x_label": "session", "x_ticks": ticks, "x_range": x_range}
    return [
        ChartPanel("Dose per session (mg)", (dose,), height=5, y_include=(0.0,), **common),
        ChartPanel("Peak BP per session (mmHg)", (systolic, diastolic), height=7, **common),
    ]


class CourseScreen(Screen):
    """A client's course. `root`: the first screen of the app (escape does not leave it)."""

    DEFAULT_CSS = COURSE_CSS
    BINDINGS = [
        Binding("escape", "back", "Back"),
        Binding("1", "pane('course-sessions')", "Sessions"),
        Binding("2", "pane('course-chart-pane')", "Chart"),
    ]

    def __init__(
        self,
        data_dir: Path,
        client_code: str,
        *,
        course: Course | None = None,
        root: bool = False,
    ) -> None:
        super().__init__()
        self.data_dir = Path(data_dir)
        self.client_code = client_code
        self.course = course or client_course(self.data_dir, client_code)
        self.root = root
        self.current = "course-sessions"

    def compose(self) -> ComposeResult:
        count = len(self.course.sessions)
        yield Static(
            f"Course of {self.client_code}: {count} session{'s' if count != 1 else ''}"
            " (training sessions not included)",
            id="course-title",
        )
        yield Static(self.bar_text(), id="course-bar")
        if self.course.problems:
            yield Static(
                "\n".join(f"! {problem}" for problem in self.course.problems),
                id="course-problems",
            )
        with ContentSwitcher(initial="course-sessions"):
            options = [
                Option(session_label(s), id=str(index))
                for index, s in enumerate(self.course.sessions)
            ] or [Option("No closed sessions of this client.", disabled=True)]
            yield OptionList(*options, id="course-sessions")
            with VerticalScroll(id="course-chart-pane"):
                yield VitalsChart(course_panels(self.course), id="course-chart")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#course-sessions").focus()

    def bar_text(self) -> Text:
        text = Text()
        for index, (pane, label) in enumerate(
            (("course-sessions", "Sessions (enter: review)"), ("course-chart-pane", "Chart")),
            start=1,
        ):
            if index > 1:
                text.append("  ")
            if pane == self.current:
                text.append(f"▸{index} {label}", style="bold reverse")
            else:
                text.append(f" {index} {label}")
        return text

    def action_pane(self, pane: str) -> None:
        self.current = pane
        self.query_one(ContentSwitcher).current = pane
        self.query_one("#course-bar", Static).update(self.bar_text())
        self.query_one(f"#{pane}").focus()

    def action_back(self) -> None:
        if not self.root:
            self.dismiss()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        from kap_console.integration.reading import RecordUnreadable, open_record
        from kap_console.tui.screens.review_messages import OpenReview

        if event.option.id is None:
            return
        session = self.course.sessions[int(event.option.id)]
        try:
            opened = open_record(session.session_dir)
        except RecordUnreadable as error:
            self.notify(error.line, severity="error")
            return
        self.post_message(OpenReview(opened, self.data_dir))
