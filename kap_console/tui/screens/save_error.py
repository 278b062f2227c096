"""Saving failed: entries are held in memory. Try the same folder again, or continue the
session's journal in another folder (a USB drive, another disk).

Shown by the app on a save error and from the "Save" command while entries are held.
The NOT SAVED banner stays until the engine reports that writing works again.
"""

from __future__ import annotations

import getpass
from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.suggester import SuggestFromList
from textual.widgets import Button, Footer, Input, Static


def removable_folders() -> list[str]:
    """Folders where removable drives usually appear, for suggestions while typing."""
    user = getpass.getuser()
    roots = [Path("/media") / user, Path("/run/media") / user, Path("/Volumes"), Path("/mnt")]
    found = []
    for root in roots:
        try:
            found += [str(path) for path in sorted(root.iterdir()) if path.is_dir()]
        except OSError:
            continue
    return found


class SaveErrorScreen(ModalScreen[bool]):
    """Where to keep saving. Dismisses with True once the held entries are written."""

    DEFAULT_CSS = """
    SaveErrorScreen { align: center middle; }
    SaveErrorScreen > Vertical {
        width: 80; max-width: 100%; height: auto; max-height: 100%; margin: 4 0 2 0;
        border: thick $error; background: $surface; padding: 0 1;
    }
    SaveErrorScreen #save-title { text-style: bold; color: $error; }
    SaveErrorScreen #save-problem { color: $error; text-style: bold; }
    SaveErrorScreen Horizontal { height: auto; padding: 1 0 0 0; }
    SaveErrorScreen Button { margin: 0 1 0 0; }
    """

    BINDINGS = [
        Binding("f8", "retry", "Try same folder"),
        Binding("ctrl+o", "other", "Use folder below"),
        Binding("escape", "later", "Later"),
    ]

    def compose(self) -> ComposeResult:
        session = self.app.session  # type: ignore[attr-defined]
        error = session.save_error
        count = max(session.unsaved, 1)
        with Vertical():
            yield Static("NOT SAVED", id="save-title")
            yield Static(
                error.message if error is not None else f"{count} entries are held in memory.",
                markup=False,
            )
            yield Static(
                f"Session folder now: {session.session_dir}", id="folder-now", markup=False
            )
            yield Static("Continue saving in this folder (created if needed):")
            suggestion = self._suggested_folder(session.session_dir)
            yield Input(
                suggestion,
                id="folder",
                suggester=SuggestFromList(removable_folders(), case_sensitive=True),
            )
            yield Static("", id="save-problem", markup=False)
            with Horizontal():
                yield Button(
                    "Use this folder (ctrl+o)", id="other", variant="primary", compact=True
                )
                yield Button("Try the same folder (F8)", id="retry", compact=True)
                yield Button("Later (esc)", id="later", compact=True)
        yield Footer()

    @staticmethod
    def _suggested_folder(session_dir: Path) -> str:
        drives = removable_folders()
        base = Path(drives[0]) if drives else Path.home()
        return str(base / "kap-console-sessions" / session_dir.name)

    def on_mount(self) -> None:
        self.query_one("#folder", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_other()

    @on(Button.Pressed, "#other")
    def other_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_other()

    @on(Button.Pressed, "#retry")
    def retry_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_retry()

    @on(Button.Pressed, "#later")
    def later_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_later()

    def action_retry(self) -> None:
        self._continue(None)

    def action_other(self) -> None:
        value = self.query_one("#folder", Input).value.strip()
        if not value:
            self.query_one("#save-problem", Static).update("Type a folder, or press F8.")
            return
        self._continue(Path(value).expanduser())

    def action_later(self) -> None:
        self.dismiss(False)

    def _continue(self, folder: Path | None) -> None:
        from kap_console.session import SaveError

        app = self.app
        session = app.session  # type: ignore[attr-defined]
        held = session.unsaved
        try:
            session.continue_in(folder)
        except SaveError as error:
            self.query_one("#save-problem", Static).update(f"Still not saved: {error.message}")
            return
        except Exception as error:  # e.g. the folder is another session's: say so, keep going
            reason = getattr(error, "message", None) or str(error) or type(error).__name__
            self.query_one("#save-problem", Static).update(f"Still not saved: {reason}")
            return
        where = folder or session.session_dir
        entries = f"{held} held entr{'y' if held == 1 else 'ies'}"
        app.notify(f"Saved: {entries} written to {where}")  # where: worth a notice of its own
        self.dismiss(True)
        app.session_changed(reason="saved")  # type: ignore[attr-defined]
        app.confirm_saved(f"{entries} saved")  # type: ignore[attr-defined]
