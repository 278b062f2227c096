"""What the review and course screens ask of their app: to open the other one.

Each screen posts one of these instead of importing the other screen (the course lists
sessions to review, a review opens the client's course: importing each other would make
a cycle); `ReviewApp` pushes the screen asked for.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from textual.message import Message

if TYPE_CHECKING:
    from kap_console.integration.reading import OpenedRecord


class OpenCourse(Message):
    """Show every session of `client_code` in `data_dir`."""

    def __init__(self, data_dir: Path, client_code: str) -> None:
        super().__init__()
        self.data_dir = data_dir
        self.client_code = client_code


class OpenReview(Message):
    """Review one session's record, opened and verified."""

    def __init__(self, opened: OpenedRecord, data_dir: Path | None) -> None:
        super().__init__()
        self.opened = opened
        self.data_dir = data_dir
