"""Before a session is open: unfinished sessions to offer, the protocol to load (in a
worker, after the first frame), the start form, and starting or resuming the session.

Mixed into `KapApp`; split out because it is one story on its own. Problems (a protocol
that does not validate, a session that cannot be resumed) become readable screens.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual import work
from textual.screen import Screen

from kap_console import themes
from kap_console.tui.console import ConsoleApp

if TYPE_CHECKING:
    from kap_console.protocol.loader import LoadedProtocol
    from kap_console.session import Session


def catch_up_with_journal(clock: Any, session_dir: Path) -> None:
    """A practice clock restarts at real time; a session resumed on it must not see time run
    backwards, so move the simulated clock to the journal's last entry when it is behind."""
    from datetime import datetime

    from kap_console.session import SimulatedClock, read_journal

    if not isinstance(clock, SimulatedClock):
        return
    entries = read_journal(session_dir).entries
    stamps = [entry.payload.get("recorded_at") for entry in entries[-1:]]
    if stamps and stamps[0]:
        last = datetime.fromisoformat(stamps[0])
        if last > clock.now():
            clock.set(last)


class StartUp(ConsoleApp):
    """The start-up steps of `KapApp` (which provides the attributes used here)."""

    data_dir: Path
    protocol_path: Path | None
    loaded: LoadedProtocol | None
    start_values: dict[str, Any]
    practice_speed: float | None
    requested_theme: str
    console_themes: list[str]
    user_themes_dir: Path | None
    _settings_problems: list[str]
    training: bool
    _preview: Any
    _load_result: tuple[LoadedProtocol | None, str | None] | None
    _offer_open: bool

    def first_screen(self, path: Path) -> Screen:
        """The first frame for `run PROTOCOL`: the start form itself, drawn from the
        protocol's preview (tomllib alone, no pydantic) while the protocol is validated
        behind it; the Loading frame only when the form cannot be shown before validation
        (no preview, start values given on the command line, --speed on a file that does
        not say it is a training protocol)."""
        from kap_console.protocol.preview import read_preview
        from kap_console.tui.screens.start import LoadingScreen, StartFormScreen

        self._preview = read_preview(path)
        if self._form_from_preview():
            return StartFormScreen(self._preview, self.start_values)
        return LoadingScreen(path)

    def _form_from_preview(self) -> bool:
        preview = self._preview
        given = all(value is not None for value in self.start_values.values())
        return (
            preview is not None and not given and (self.practice_speed is None or preview.training)
        )

    @work(thread=True, exclusive=True, group="prepare")
    def _prepare(self) -> None:
        """Off the UI thread, after the first frame: find unfinished sessions (offered over
        whatever is shown), then validate the protocol and the themes behind the screen a
        facilitator can act on (StartFormScreen waits for the protocol if its form is
        submitted first)."""
        from kap_console.session import unfinished_sessions

        try:
            unfinished = unfinished_sessions(self.data_dir)
        except OSError as failure:
            unfinished = []
            self.call_from_thread(
                self.notify,
                f"Could not look for unfinished sessions in {self.data_dir}: {failure.strerror}",
                severity="warning",
            )
        drawn = self.call_from_thread(self._prepared, unfinished)
        # The imports below (pydantic, the models) hold the GIL for a few hundred ms: let
        # the screen just shown be drawn first.
        drawn.wait(timeout=2.0)
        path = self.protocol_path
        if path is not None:
            loaded, error = self._load(path)
            if loaded is not None:
                from kap_console.session import Session  # noqa: F401  (submitting the form needs it)
            self.call_from_thread(self._loaded, path, loaded, error)
        found, problems = themes.load_themes(user=self.user_themes_dir)
        self.call_from_thread(self._themes_ready, found, problems + self._settings_problems)

    @staticmethod
    def _load(path: Path) -> tuple[LoadedProtocol | None, str | None]:
        from kap_console.protocol.loader import load_protocol
        from kap_console.protocol.problems import ProtocolError

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

    def _prepared(self, unfinished: list[Any]) -> threading.Event:
        """Offer the unfinished sessions, if any, over the first screen. Returns what the
        worker waits for before its heavy imports: the screen now shown, drawn."""
        from kap_console.tui.screens.resume_offer import ResumeOfferScreen

        drawn = threading.Event()
        self._offer_open = bool(unfinished)
        if unfinished:
            # The offer is read first, and the protocol loads meanwhile, once it is drawn.
            self.push_screen(ResumeOfferScreen(unfinished), self._after_offer)
        else:
            self._show_start()
        self.call_after_refresh(drawn.set)
        return drawn

    def _after_offer(self, choice: Any) -> None:
        self._offer_open = False
        if choice is not None:
            self.resume_session(choice.path)
        else:
            self._show_start()

    def _show_start(self) -> None:
        """The start form as soon as it can be shown: validated, or from the preview (the
        first screen already, when it could be drawn before validation)."""
        if self._load_result is not None:
            self._loaded(self.protocol_path, *self._load_result)
        # Otherwise the form from the preview is up (kept as typed in, under any offer), or
        # the Loading frame stays until the protocol is validated.

    def _loaded(self, path: Path | None, loaded: LoadedProtocol | None, error: str | None) -> None:
        """The protocol named at start-up, validated (or refused) in the worker."""
        from kap_console.tui.screens.start import StartFormScreen

        if path != self.protocol_path:
            return  # another protocol was chosen meanwhile
        self._load_result = (loaded, error)
        if self._offer_open:
            return  # _after_offer goes on from here
        if self.session is not None:
            return  # a session was resumed from the offer meanwhile: no start form over it
        screen = self.screen
        waiting = isinstance(screen, StartFormScreen) and screen.waiting_for_protocol
        if error is not None:
            self._show_protocol_error(path, error)
        elif loaded is not None and waiting and self._speed_allows(loaded):
            self.loaded = loaded
            screen.protocol_validated()  # type: ignore[attr-defined]  # the start form, waiting
        elif loaded is not None:
            self._protocol_ready(loaded)

    def _speed_allows(self, loaded: LoadedProtocol) -> bool:
        return self.practice_speed is None or loaded.protocol.training

    def choose_protocol(self, path: Path) -> None:
        """Load the protocol picked from the list (in a worker), then show the start form."""
        self.protocol_path = path
        self._load_chosen(path)

    @work(thread=True, exclusive=True, group="protocol")
    def _load_chosen(self, path: Path) -> None:
        loaded, error = self._load(path)
        if error is not None:
            self.call_from_thread(self._show_protocol_error, path, error)
        elif loaded is not None:
            self.call_from_thread(self._protocol_ready, loaded)

    def _show_protocol_error(self, path: Path | None, error: str) -> None:
        from kap_console.tui.screens.protocol_error import ProtocolErrorScreen

        self.switch_screen(ProtocolErrorScreen(path, error))

    def _protocol_ready(self, loaded: LoadedProtocol) -> None:
        from kap_console.tui.screens.start import StartFormScreen, start_values_problems

        if not self._speed_allows(loaded):
            from kap_console.tui.screens.protocol_error import ProtocolErrorScreen

            # The file is fine: the command line asked for something it cannot do with it.
            self.switch_screen(
                ProtocolErrorScreen(
                    loaded.path,
                    "--speed runs a simulated clock, for practice with training protocols "
                    "only (training = true); this protocol is for real sessions.",
                    title="--speed works only with a training protocol",
                    advice="The file is fine: the --speed flag is the problem. esc chooses "
                    "a training protocol; or quit (ctrl+q) and run this one without --speed.",
                )
            )
            return
        self.loaded = loaded
        values = self.start_values
        given = all(value is not None for value in values.values())
        # A draft or uncommitted protocol is confirmed on the form first, never skipped.
        if given and not start_values_problems(values) and not self.start_cautions():
            from kap_console.session import RejectedEntry, SaveError

            try:
                self.start_session(**values)
                return
            except (RejectedEntry, SaveError, OSError):
                pass  # the form below says what was wrong
        # The form explains any problem at its field; values from the command line are
        # submitted again there, so the facilitator sees exactly why they were refused.
        self.switch_screen(StartFormScreen(loaded.protocol, values, submit_on_mount=given))

    def start_cautions(self) -> list[Any]:
        """What the facilitator confirms before a real session on the loaded protocol."""
        from kap_console.protocol.approval import start_cautions

        assert self.loaded is not None, "a protocol is loaded before a session starts"
        return start_cautions(self.loaded.protocol, self.loaded.identity, training=self.training)

    def start_session(
        self,
        client_code: str,
        facilitator: str,
        session_number: int,
        confirmed: tuple[str, ...] = (),
    ) -> Session:
        """Start a new session with the loaded protocol. Raises RejectedEntry (bad field).
        `confirmed`: the cautions (start_cautions) the facilitator went ahead with."""
        from kap_console.session import Session

        assert self.loaded is not None, "a protocol is loaded before a session starts"
        session = Session.start(
            self.loaded,
            data_dir=self.data_dir,
            client_code=client_code,
            facilitator=facilitator,
            session_number=session_number,
            clock=self.clock,
            training=self.training or self.loaded.protocol.training,
            protocol_confirmed=confirmed,
            practice=getattr(self, "practice_identity", None),
        )
        self.open_session(session)
        from kap_console.tui.widgets.last_session import offer_last_session

        offer_last_session(self, session)
        return session

    def resume_session(self, session_dir: Path) -> Session | None:
        """Reopen an unfinished session; its journal's replay restores where it was."""
        from kap_console.session import Session

        try:
            catch_up_with_journal(self.clock, session_dir)
            session = Session.resume(session_dir, clock=self.clock)
        except Exception as error:  # shown, not raised: the facilitator can start anew
            from kap_console.tui.screens.protocol_error import ProtocolErrorScreen

            reason = getattr(error, "message", None) or str(error) or type(error).__name__
            self.switch_screen(
                ProtocolErrorScreen(session_dir, reason, title="This session cannot be resumed")
            )
            return None
        self.open_session(session)
        return session
