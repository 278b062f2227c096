"""The app behind `kap-console integrate` and `kap-console client`: read-only screens over
closed records (and the integration notes), in the console's themes.

Thin: it registers the themes, shows one screen, and on an internal error prints where in
the code it happened, never a traceback with local values (they would hold session text).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.binding import Binding

from kap_console import themes
from kap_console.tui.crash import code_location
from kap_console.tui.screens.review_messages import OpenCourse, OpenReview
from kap_console.tui.textual_patches import QuietCrashes


class ReviewApp(QuietCrashes):
    """Shows `first_screen()`; ctrl+t cycles the themes, ctrl+q leaves."""

    TITLE = "kap-console integration"
    BINDINGS = [
        Binding("ctrl+q", "quit", "Quit", key_display="^q", priority=True),
        Binding("ctrl+t", "cycle_theme", "Theme", key_display="^t"),
    ]

    def __init__(
        self,
        first_screen: Any,
        *,
        theme: str | None = None,
        user_themes_dir: Path | None = None,
    ) -> None:
        super().__init__()
        self._first_screen = first_screen
        self.console_themes: list[str] = []
        self.theme_problems: list[str] = []
        self._crash_text: str | None = None
        found, problems = themes.load_themes(user=user_themes_dir)
        for item in found:
            self.register_theme(item)
        self.console_themes = [item.name for item in found]
        wanted = theme or themes.DEFAULT_THEME
        if wanted not in self.console_themes:
            problems.append(f"theme {wanted!r} not found; using {themes.DEFAULT_THEME}")
            wanted = themes.DEFAULT_THEME
        self.theme_problems = problems
        if wanted in self.console_themes:
            self.theme = wanted

    def on_mount(self) -> None:
        self.push_screen(self._first_screen())
        if self.theme_problems:
            self.notify("\n".join(self.theme_problems), severity="warning")

    def on_open_course(self, message: OpenCourse) -> None:
        from kap_console.tui.screens.course import CourseScreen

        self.push_screen(CourseScreen(message.data_dir, message.client_code))

    def on_open_review(self, message: OpenReview) -> None:
        from kap_console.tui.screens.review import ReviewScreen

        self.push_screen(ReviewScreen(message.opened, data_dir=message.data_dir))

    def action_cycle_theme(self) -> None:
        self.theme = themes.next_theme(self.console_themes, self.theme)
        self.notify(f"Theme: {self.theme}", timeout=2)

    def crash_text(self, error: Exception) -> str:
        """What a crash prints once the terminal is restored (textual_patches.QuietCrashes)."""
        return (
            "kap-console stopped because of an internal error.\n"
            f"  Where: {code_location(error)}\n"
            "  The record was only read; nothing in it changed. Integration notes shown "
            "as saved are on disk."
        )
