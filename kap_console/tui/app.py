"""The console app: holds the session, commits events through it, and switches screens.

Thin on purpose. The session engine decides everything clinical; screens own layout. The
app owns: the one `commit()` every form goes through, the stage → screen switch, app-wide
commands (commands.py), themes and settings, the 1 s tick, the optional bell, and what is
printed after the terminal is restored (exit lines, or a crash message without session text).

Module level imports no pydantic and no protocol code: the first frame paints first, then
a worker looks for unfinished sessions, loads the protocol and validates the themes
(startup.py, mixed in).
"""

from __future__ import annotations

import gc
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual.app import App
from textual.screen import ModalScreen, Screen

from kap_console import settings as settings_file
from kap_console import themes
from kap_console.session import Clock, SystemClock
from kap_console.tui import commands
from kap_console.tui.crash import crash_message
from kap_console.tui.free_memory import return_free_memory
from kap_console.tui.messages import ChangeReason, SessionChanged
from kap_console.tui.receipt import Receipt
from kap_console.tui.startup import StartUp
from kap_console.tui.textual_patches import QuietCrashes, as_bottom_screen, set_first_theme

if TYPE_CHECKING:
    from kap_console.protocol.loader import LoadedProtocol
    from kap_console.session import Committed, Session
    from kap_console.session.events import EventBase

QUIT_AGAIN_SECONDS = 3.0
COLLECTOR_HOLD_SECONDS = 0.25


class KapApp(QuietCrashes, StartUp):
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
        practice_speed: float | None = None,
        settings_path: Path | None = None,
        user_themes_dir: Path | None = None,
    ) -> None:
        super().__init__()
        self.protocol_path = Path(protocol_path) if protocol_path else None
        self.data_dir = Path(data_dir)
        self.clock: Clock = clock or SystemClock()
        self.session: Session | None = None
        self.receipt: Receipt | None = None
        self.loaded: LoadedProtocol | None = None
        self.start_values = {
            "client_code": client_code,
            "facilitator": facilitator,
            "session_number": session_number,
        }
        self.training = training
        # A simulated clock faster than real time is for practice with training protocols only.
        self.practice_speed = practice_speed
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
        self._preview: Any = None  # the protocol's preview, once read (startup.py)
        self._load_result: tuple[LoadedProtocol | None, str | None] | None = None
        self._offer_open = False
        # Started with the collector off (commands/run.py): on again after the first frame.
        self._collector_held_at_start = not gc.isenabled()
        self._apply_quick_theme()

    # -- start-up -------------------------------------------------------------------------

    def _apply_quick_theme(self) -> None:
        """Paint the first frame in the remembered theme without waiting for validation."""
        for name in (self.requested_theme, themes.DEFAULT_THEME):
            theme = themes.quick_theme(name)
            if theme is not None:
                self.register_theme(theme)
                set_first_theme(self, theme.name)
                return

    def get_default_screen(self) -> Screen:
        """The first screen is the bottom of the stack itself (later steps replace it with
        switch_screen). Pushed over Textual's empty default screen, it cost that screen's
        compose, layout and a first paint too, before the first frame a facilitator sees."""
        if self.protocol_path is None:
            from kap_console.tui.screens.protocol_picker import ProtocolPickerScreen

            return as_bottom_screen(ProtocolPickerScreen())
        return as_bottom_screen(self.first_screen(self.protocol_path))

    def on_mount(self) -> None:
        self.set_interval(1.0, self._tick)
        # After the first frame, which the worker would otherwise slow down; the worker then
        # waits again for the first screen a facilitator can act on (startup.py).
        self.call_after_refresh(self._prepare)
        if self._collector_held_at_start:
            self.call_after_refresh(gc.enable)

    # -- the session ------------------------------------------------------------------------

    def open_session(self, session: Session) -> None:
        """Show `session` (started, resumed, or built elsewhere, e.g. for training)."""
        self.session = session
        self.receipt = None
        self._stage = None
        self._stage_screen = None
        self.sync_stage()
        self.session_changed(reason="started")
        self.set_timer(2.0, _freeze_long_lived_objects)

    def commit(self, event: EventBase) -> Committed | None:
        """Add one event to the session: durable before this returns.

        Raises RejectedEntry (nothing written) for the form to show at the field. On a save
        error, shows NOT SAVED and the folder choice and returns None: the engine holds the
        entry and writes it once saving works, so the form must not submit it again.
        """
        from kap_console.session import SaveError

        assert self.session is not None, "commit needs an open session"
        self._hold_collector_until_drawn()
        try:
            committed = self.session.commit(event)
        except SaveError as error:
            self.session_changed(reason="unsaved")
            self.action_choose_save_folder()
            # The entry itself was saved when only an alert it raised was not.
            return error.committed
        self.session_changed(committed)
        return committed

    def confirm_saved(self, words: str) -> None:
        """Say that what the facilitator just entered is saved ("Note saved"): call it as
        soon as `commit` has returned it, so it is on disk. The header of every session
        screen says it in place (receipt.py), not a toast: drawing a line is a fraction of
        mounting a notice, and nothing pops up over the screen. The headers draw it as they
        redraw for the SessionChanged that commit posted. Without a session, a notice."""
        session = self.session
        if session is None:
            self.notify(words, timeout=3)
            return
        self.receipt = Receipt(words, session.clock.now(), time.monotonic())

    def _hold_collector_until_drawn(self) -> None:
        """Keep the cyclic garbage collector off from an entry's commit until the frame
        that confirms it has been drawn (at most COLLECTOR_HOLD_SECONDS). A collection in
        between, 1-7 ms for a middle one and ~30 ms for a full one, delayed the
        confirmation; just after it, it delays nothing. Reference counting frees what it
        always frees meanwhile; the entry is fsynced either way."""
        if not gc.isenabled():
            return  # already held, or paused by whoever paused it
        gc.disable()
        release = _collector_release()
        self.set_timer(COLLECTOR_HOLD_SECONDS, release)

        # Once the form that committed has closed, the screen then on top draws the
        # confirmation: release after its next refresh.
        def after_its_frame() -> None:
            if self.screen_stack:
                self.screen.call_after_refresh(release)

        self.call_later(after_its_frame)

    def session_changed(
        self, committed: Committed | None = None, *, reason: ChangeReason = "event"
    ) -> None:
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
        from kap_console.session import escalation

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
            from kap_console.session import fingerprint

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
        command = commands.BY_ACTION.get(action)
        return command.available(self.session) if command is not None else True

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

    def action_toggle_bell(self) -> None:
        """Switch the bell for urgent alerts on or off, and remember it."""
        self.settings = self.settings.updated(bell=not self.settings.bell)
        self._last_bell = None
        try:
            settings_file.save_settings(self.settings, self.settings_path)
        except OSError as error:
            self.notify(f"Not remembered for next time: {error}", severity="warning")
        after = self.settings.bell_after_seconds
        self.notify(
            f"Bell on: it rings when an urgent alert is open for more than {after} s"
            if self.settings.bell
            else "Bell off: alerts show on screen only"
        )

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
        # Screenshot is left out: it saved nowhere a facilitator could find (and a picture
        # of a session screen is session data outside the data folder's protection).
        for command in super().get_system_commands(screen):
            if command.title not in ("Theme", "Quit", "Screenshot"):
                yield command

    # -- crashes --------------------------------------------------------------------------

    def crash_text(self, error: Exception) -> str:
        """What a crash prints once the terminal is restored: no session text, but where
        the session's folder is (textual_patches.QuietCrashes calls this)."""
        session = self.session
        return crash_message(
            error,
            session_dir=session.session_dir if session is not None else None,
            data_dir=self.data_dir,
        )


def _collector_release() -> Any:
    """A callback that turns the collector back on, once (a later hold is its own)."""
    released = False

    def release() -> None:
        nonlocal released
        if not released:
            released = True
            gc.enable()

    return release


def _freeze_long_lived_objects() -> None:
    """Once the session screen is up, exempt what start-up built (modules, styles, the
    protocol) from the garbage collector's full passes. Those passes otherwise rescan it
    all every few entries: up to 250 ms stalls after 200 notes, 35-120 ms with this
    (benchmarks/bench_tui.py). Then give back the memory start-up freed (free_memory.py)."""
    gc.collect()
    gc.freeze()
    return_free_memory()
