"""The console app: holds the session, commits events through it, and switches screens.

Thin on purpose. The session engine decides everything clinical; screens own layout. The
app owns: the one `commit()` every form goes through, the stage → screen switch, app-wide
commands (commands.py), themes and settings, the 1 s tick, the optional bell, and what is
printed after the terminal is restored (exit lines, or a crash message without session text).

Module level imports no pydantic and no protocol code: the first frame paints first, then
a worker validates the themes, looks for unfinished sessions and loads the protocol.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual import work
from textual.app import App
from textual.screen import ModalScreen, Screen

from kap_console import settings as settings_file
from kap_console import themes
from kap_console.session.clock import Clock, SystemClock
from kap_console.tui import commands
from kap_console.tui.crash import crash_message
from kap_console.tui.messages import SessionChanged

if TYPE_CHECKING:
    from kap_console.protocol.loader import LoadedProtocol
    from kap_console.session.engine import Committed, Session

QUIT_AGAIN_SECONDS = 3.0


class KapApp(App[None]):
    """kap-console's Textual app."""

    CSS_PATH = Path(__file__).with_name("app.tcss")  # absolute: subclasses live elsewhere
    TITLE = "kap-console"
    BINDINGS = commands.app_bindings()
    COMMANDS = App.COMMANDS | {commands.KapCommands}
    NOTIFICATION_TIMEOUT = 8

    def __init__(
        self,
        protocol_path: str | Path | None = None,
        *,
        data_dir: Path,
        clock: Clock | None = None,
        theme: str | None = None,
        client_code: str | None = None,
        facilitator: str | None = None,
        session_number: int | None = None,
        training: bool = False,
        settings_path: Path | None = None,
        user_themes_dir: Path | None = None,
    ) -> None:
        super().__init__()
        self.protocol_path = Path(protocol_path) if protocol_path else None
        self.data_dir = Path(data_dir)
        self.clock: Clock = clock or SystemClock()
        self.session: Session | None = None
        self.loaded: LoadedProtocol | None = None
        self.start_values = {
            "client_code": client_code,
            "facilitator": facilitator,
            "session_number": session_number,
        }
        self.training = training
        self.settings_path = settings_path
        self.user_themes_dir = user_themes_dir
        self.settings, self._settings_problems = settings_file.load_settings(settings_path)
        self.requested_theme = theme or self.settings.theme
        self.console_themes: list[str] = []
        self._stage: str | None = None
        self._stage_screen: Screen | None = None
        self._last_bell: float | None = None
        self._quit_asked: float | None = None
        self._crash_text: str | None = None
        self._apply_quick_theme()

    # -- start-up -------------------------------------------------------------------------

    def _apply_quick_theme(self) -> None:
        """Paint the first frame in the remembered theme without waiting for validation."""
        for name in (self.requested_theme, themes.DEFAULT_THEME):
            theme = themes.quick_theme(name)
            if theme is not None:
                self.register_theme(theme)
                self.theme = theme.name
                return

    def on_mount(self) -> None:
        from kap_console.tui.screens.start import LoadingScreen, ProtocolPickerScreen

        # Pushed (not the default screen) so later steps can replace it with switch_screen.
        if self.protocol_path is None:
            self.push_screen(ProtocolPickerScreen())
        else:
            self.push_screen(LoadingScreen(self.protocol_path))
        self.set_interval(1.0, self._tick)
        # After the first frame: the worker's imports would otherwise hold the GIL while
        # that frame is being drawn.
        self.call_after_refresh(self._prepare)

    @work(thread=True, exclusive=True, group="prepare")
    def _prepare(self) -> None:
        """Off the UI thread: find unfinished sessions, load the protocol, then validate the
        themes (the facilitator waits for the first two, not for the last)."""
        from kap_console.session.engine import find_unfinished

        try:
            unfinished = find_unfinished(self.data_dir)
        except OSError as error:
            unfinished = []
            self.call_from_thread(
                self.notify,
                f"Could not look for unfinished sessions in {self.data_dir}: {error.strerror}",
                severity="warning",
            )
        loaded, error = (None, None)
        if self.protocol_path is not None:
            loaded, error = self._load(self.protocol_path)
        self.call_from_thread(self._prepared, unfinished, loaded, error)
        found, problems = themes.load_themes(user=self.user_themes_dir)
        self.call_from_thread(self._themes_ready, found, problems + self._settings_problems)

    @staticmethod
    def _load(path: Path) -> tuple[LoadedProtocol | None, str | None]:
        from kap_console.protocol.loader import ProtocolError, load_protocol

        try:
            return load_protocol(path), None
        except ProtocolError as error:
            return None, str(error)

    def _themes_ready(self, found: list[Any], problems: list[str]) -> None:
        for theme in found:
            self.register_theme(theme)
        self.console_themes = [theme.name for theme in found]
        if self.requested_theme in self.console_themes:
            self.theme = self.requested_theme
        elif self.requested_theme:
            problems.append(f"theme {self.requested_theme!r} not found; using {self.theme}")
        if problems:
            self.notify(
                "\n".join(problems),
                title="Some settings or themes were not used",
                severity="warning",
            )

    def _prepared(
        self, unfinished: list[Any], loaded: LoadedProtocol | None, error: str | None
    ) -> None:
        from kap_console.tui.screens.start import ResumeOfferScreen

        resumable = [summary for summary in unfinished if summary.state != "closed"]
        if resumable:
            self.push_screen(
                ResumeOfferScreen(resumable),
                lambda choice: self._after_offer(choice, loaded, error),
            )
        else:
            self._after_offer(None, loaded, error)

    def _after_offer(self, choice: Any, loaded: LoadedProtocol | None, error: str | None) -> None:
        if choice is not None:
            self.resume_session(choice.path)
        elif error is not None:
            self._show_protocol_error(self.protocol_path, error)
        elif loaded is not None:
            self._protocol_ready(loaded)

    def choose_protocol(self, path: Path) -> None:
        """Load the protocol picked from the list (in a worker), then show the start form."""
        self._load_chosen(path)

    @work(thread=True, exclusive=True, group="protocol")
    def _load_chosen(self, path: Path) -> None:
        loaded, error = self._load(path)
        if error is not None:
            self.call_from_thread(self._show_protocol_error, path, error)
        elif loaded is not None:
            self.call_from_thread(self._protocol_ready, loaded)

    def _show_protocol_error(self, path: Path | None, error: str) -> None:
        from kap_console.tui.screens.start import ProtocolErrorScreen

        self.switch_screen(ProtocolErrorScreen(path, error))

    def _protocol_ready(self, loaded: LoadedProtocol) -> None:
        from kap_console.tui.screens.start import StartFormScreen, start_values_problems

        self.loaded = loaded
        values = self.start_values
        given = all(value is not None for value in values.values())
        if given and not start_values_problems(values):
            from kap_console.session.engine import RejectedEntry, SaveError

            try:
                self.start_session(**values)  # type: ignore[arg-type]
                return
            except (RejectedEntry, SaveError, OSError):
                pass  # the form below says what was wrong
        # The form explains any problem at its field; values from the command line are
        # submitted again there, so the facilitator sees exactly why they were refused.
        self.switch_screen(StartFormScreen(loaded, values, submit_on_mount=given))

    # -- the session ------------------------------------------------------------------------

    def start_session(self, client_code: str, facilitator: str, session_number: int) -> Session:
        """Start a new session with the loaded protocol. Raises RejectedEntry (bad field)."""
        from kap_console.session.engine import Session

        assert self.loaded is not None, "a protocol is loaded before a session starts"
        session = Session.start(
            self.loaded,
            data_dir=self.data_dir,
            client_code=client_code,
            facilitator=facilitator,
            session_number=session_number,
            clock=self.clock,
            training=self.training,
        )
        self.open_session(session)
        return session

    def resume_session(self, session_dir: Path) -> Session | None:
        """Reopen an unfinished session; its journal's replay restores where it was."""
        from kap_console.session.engine import Session

        try:
            session = Session.resume(session_dir, clock=self.clock)
        except Exception as error:  # shown, not raised: the facilitator can start anew
            from kap_console.tui.screens.start import ProtocolErrorScreen

            reason = getattr(error, "message", None) or str(error) or type(error).__name__
            self.switch_screen(
                ProtocolErrorScreen(session_dir, reason, title="This session cannot be resumed")
            )
            return None
        self.open_session(session)
        return session

    def open_session(self, session: Session) -> None:
        """Show `session` (started, resumed, or built elsewhere, e.g. for training)."""
        self.session = session
        self._stage = None
        self._stage_screen = None
        self.sync_stage()
        self.session_changed(reason="started")

    def commit(self, event: Any) -> Committed | None:
        """Add one event to the session: durable before this returns.

        Raises RejectedEntry (nothing written) for the form to show at the field. On a save
        error, shows NOT SAVED and the folder choice and returns None: the engine holds the
        entry and writes it once saving works, so the form must not submit it again.
        """
        from kap_console.session.engine import SaveError

        assert self.session is not None, "commit needs an open session"
        try:
            committed = self.session.add(event)
        except SaveError as error:
            self.session_changed(reason="held")
            self.action_choose_save_folder()
            # The entry itself was saved when only an alert it raised was not.
            return error.committed
        self.session_changed(committed)
        return committed

    def session_changed(self, committed: Committed | None = None, *, reason: str = "event") -> None:
        """Tell every screen the session changed, and follow a change of stage."""
        for screen in self.screen_stack:
            screen.post_message(SessionChanged(committed, reason=reason))
        if reason != "event":
            # Which commands are offered changes only with these (a stage change brings
            # its own screen); refreshing bindings recomposes every footer, so not per entry.
            self.refresh_bindings()
        self.sync_stage()

    def sync_stage(self) -> None:
        """Show the screen for the session's stage, if it changed.

        Waits while something is open over the stage screen (a form, the timeline): the
        stage screen calls this again when it is back on top.
        """
        if self.session is None:
            return
        stage = self.session.state.stage
        if stage == self._stage and self._stage_screen is not None:
            return
        if self._stage_screen is not None and self.screen is not self._stage_screen:
            return
        if self._stage_screen is None and isinstance(self.screen, ModalScreen):
            return
        from kap_console.tui.stages import stage_screen

        screen = stage_screen(stage)
        self._stage, self._stage_screen = stage, screen
        self.switch_screen(screen)

    def escalation(self) -> str:
        """How loud to be now ("none", "colour", "banner", "bell"): the core decides."""
        if self.session is None:
            return "none"
        from kap_console.session.alerts import escalation

        after = self.settings.bell_after_seconds if self.settings.bell else None
        return escalation(self.session.state, self.clock.now(), bell_after_seconds=after)

    def _tick(self) -> None:
        """Once a second: redraw clocks and countdowns; ring the bell if it is asked for."""
        if self.session is None:
            return
        for screen in self.screen_stack:
            tick = getattr(screen, "tick", None)
            if tick is not None:
                tick()
        self._maybe_ring()

    def _maybe_ring(self) -> None:
        if not self.settings.bell or self.escalation() != "bell":
            self._last_bell = None
            return
        now = self.clock.monotonic()
        if self._last_bell is None or now - self._last_bell >= self.settings.bell_after_seconds:
            self._last_bell = now
            self.bell()

    def release_session(self) -> None:
        """Give up the session's lock (after the app has stopped)."""
        if self.session is not None:
            self.session.release()

    def exit_lines(self) -> list[str]:
        """What to print once the terminal is restored."""
        session = self.session
        if session is None or self._crash_text is not None:
            return []
        written = session.state.record_written
        if written is not None:
            from kap_console.session.engine import fingerprint

            event = written.event
            return [
                f"Record written: {session.session_dir / event.record_path}",
                f"Fingerprint: {fingerprint(event.record_sha256, event.event_count)}"
                "  (copy it into the chart)",
            ]
        return [
            f"Session not closed. Its journal is safe at {session.session_dir}",
            f"Resume with: kap-console run --data-dir {self.data_dir}",
        ]

    # -- commands -------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        session_actions = {
            commands.LogAdverseEvent.ACTION,
            commands.AddNote.ACTION,
            commands.StartRound.ACTION,
            commands.OpenTimeline.ACTION,
            commands.AcknowledgeAlerts.ACTION,
        }
        if action in session_actions:
            return self.session is not None and self.session.state.stage != "closed"
        if action == commands.ChooseSaveFolder.ACTION:
            return self.session is not None and (
                self.session.save_error is not None or self.session.unsaved > 0
            )
        return True

    def _open_once(self, screen: Screen) -> None:
        """Push `screen` unless one of its kind is already on top."""
        if type(self.screen) is type(screen):
            return
        self.push_screen(screen)

    def action_log_adverse_event(self) -> None:
        from kap_console.tui.screens.adverse_event import AdverseEventScreen

        self._open_once(AdverseEventScreen())

    def action_add_note(self) -> None:
        from kap_console.tui.screens.note import NoteScreen

        self._open_once(NoteScreen())

    def action_start_round(self) -> None:
        from kap_console.tui.screens.round_form import RoundScreen

        self._open_once(RoundScreen(round_id=None, due_minutes=None))

    def action_open_timeline(self) -> None:
        from kap_console.tui.screens.timeline import TimelineScreen

        self._open_once(TimelineScreen())

    def action_acknowledge_alerts(self) -> None:
        from kap_console.tui.screens.alerts import AlertsScreen

        self._open_once(AlertsScreen())

    def action_choose_save_folder(self) -> None:
        from kap_console.tui.screens.save_error import SaveErrorScreen

        if self.session is not None:
            self._open_once(SaveErrorScreen())

    def action_show_help(self) -> None:
        from kap_console.tui.screens.help import HelpScreen

        if isinstance(self.screen, HelpScreen):
            self.screen.dismiss(None)  # F1 again closes it
            return
        self._open_once(HelpScreen())

    def action_cycle_theme(self) -> None:
        names = self.console_themes or [self.theme]
        self.action_set_theme(themes.next_theme(names, self.theme))

    def action_set_theme(self, name: str) -> None:
        """Use theme `name` and remember it for next time."""
        self.theme = name
        self.settings = self.settings.updated(theme=name)
        try:
            settings_file.save_settings(self.settings, self.settings_path)
        except OSError as error:
            self.notify(f"Theme changed, but not remembered: {error}", severity="warning")
        self.notify(f"Theme: {name}", timeout=2)

    async def action_quit(self) -> None:
        """Leave. During an open session, ask for a second ctrl+q (the session stays saved)."""
        session = self.session
        if session is not None and session.state.record_written is None:
            now = time.monotonic()  # real time: a double key press, not session time
            if self._quit_asked is None or now - self._quit_asked > QUIT_AGAIN_SECONDS:
                self._quit_asked = now
                self.notify(
                    "Press ctrl+q again to leave. The session is saved; "
                    "`kap-console run` offers to resume it.",
                    title="Leave the session?",
                    severity="warning",
                    timeout=QUIT_AGAIN_SECONDS,
                )
                return
        self.exit()

    def get_system_commands(self, screen: Screen) -> Any:
        # Themes and Quit come from our own commands (remembered themes, a safe quit).
        for command in super().get_system_commands(screen):
            if command.title not in ("Theme", "Quit"):
                yield command

    # -- crashes --------------------------------------------------------------------------

    def _handle_exception(self, error: Exception) -> None:
        """Stop without Textual's traceback (it prints locals: client codes, notes)."""
        self._return_code = 1
        if self._exception is None:
            self._exception = error
            self._exception_event.set()
        if self._crash_text is None:
            session = self.session
            self._crash_text = crash_message(
                error,
                session_dir=session.session_dir if session is not None else None,
                data_dir=self.data_dir,
            )
        self._close_messages_no_wait()

    def _fatal_error(self) -> None:
        self._close_messages_no_wait()

    def _print_error_renderables(self) -> None:
        # Printed as plain lines (not through Rich) so paths are never wrapped or cropped.
        if self._crash_text is not None:
            self._exit_renderables.clear()
            sys.__stderr__.write(self._crash_text + "\n")
            sys.__stderr__.flush()
            return
        super()._print_error_renderables()
