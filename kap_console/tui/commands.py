"""Every app-wide command, once: its keys, footer label, palette title and action.

The app's BINDINGS, the command palette and the help screen are all built from
`COMMANDS`, so a key and its palette entry never disagree.

Each command has a quick key (a letter) and a key that also works while typing: a
focused Input takes printable keys first, so a letter only reaches the app when no text
field has focus, while function and ctrl keys always do.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from functools import partial
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from textual.binding import Binding, BindingType
from textual.command import DiscoveryHit, Hit, Hits, Provider

if TYPE_CHECKING:
    from kap_console.session import Session


Availability = Literal["always", "in_session", "while_unsaved"]


class Command:
    """One thing the facilitator can do from anywhere in a session.

    Its App action is named after the class (`StartRound` runs `action_start_round`) and when
    it is offered follows from `AVAILABLE`, so neither is kept by hand anywhere else.
    """

    TITLE: ClassVar[str]
    """Palette title and help line, a whole phrase."""
    HELP: ClassVar[str]
    """One sentence for the palette and the help screen."""
    ACTION: ClassVar[str]
    """The App action it runs (without `action_`): the class name in snake_case, set below."""
    AVAILABLE: ClassVar[Availability] = "always"
    """When it is offered: always, while a session is open (and not closed), or only while
    entries are unsaved after a save error."""
    KEY: ClassVar[str]
    """The quick key ("" for a command offered only in the palette)."""
    TYPING_KEY: ClassVar[str | None] = None
    """A key that works while a text field has focus, when KEY is a letter."""
    FOOTER: ClassVar[str | None] = None
    """Short label for the key strip above the footer; None keeps it out of the strip."""
    PRIORITY: ClassVar[bool] = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.ACTION = re.sub(r"(?<!^)(?=[A-Z])", "_", cls.__name__).lower()

    @classmethod
    def available(cls, session: Session | None) -> bool:
        """Whether the command is offered now (keys, palette and help all follow this)."""
        if cls.AVAILABLE == "in_session":
            return session is not None and session.state.stage != "closed"
        if cls.AVAILABLE == "while_unsaved":
            return session is not None and (session.save_error is not None or session.unsaved > 0)
        return True

    @classmethod
    def keys(cls) -> tuple[str, ...]:
        return tuple(key for key in (cls.KEY, cls.TYPING_KEY) if key)

    @classmethod
    def key_display(cls) -> str:
        return " ".join(_display(key) for key in cls.keys()) or "palette"

    @classmethod
    def bindings(cls) -> list[Binding]:
        """The App's bindings for this command.

        The typing key is a priority binding: it reaches the app before the focused widget
        and over modal screens (which otherwise stop app bindings). The quick key is not, so
        a text field keeps its letters. None shows in Textual's footer: the session frame's
        key strip shows them on a row of their own, leaving the footer to the screen's keys.
        """
        if not cls.KEY:
            return []
        description = cls.FOOTER or cls.TITLE
        result = [
            Binding(
                cls.KEY,
                cls.ACTION,
                description,
                show=False,
                key_display=cls.key_display(),
                priority=cls.PRIORITY,
                tooltip=cls.HELP,
            )
        ]
        if cls.TYPING_KEY:
            result.append(
                Binding(cls.TYPING_KEY, cls.ACTION, description, show=False, priority=True)
            )
        return result

    @classmethod
    def modal_binding(cls) -> Binding:
        """The quick key again, for modal screens (Textual stops app bindings there)."""
        return Binding(cls.KEY, f"app.{cls.ACTION}", cls.FOOTER or cls.TITLE, show=False)


def _display(key: str) -> str:
    return {"question_mark": "?", "ctrl+q": "^q", "ctrl+t": "^t", "ctrl+p": "^p"}.get(
        key, key.upper() if key.startswith("f") and key[1:].isdigit() else key
    )


class LogAdverseEvent(Command):
    AVAILABLE = "in_session"
    TITLE = "Log an adverse event"
    HELP = "Open the adverse-event form (any time in the session)."
    KEY = "a"
    TYPING_KEY = "f2"
    FOOTER = "AE"


class AddNote(Command):
    AVAILABLE = "in_session"
    TITLE = "Add a note"
    HELP = "Write a timestamped note or client quote."
    KEY = "n"
    TYPING_KEY = "f3"
    FOOTER = "Note"


class StartRound(Command):
    AVAILABLE = "in_session"
    TITLE = "Start the due observation round"
    HELP = "Open the observation round that is due now (or the next one)."
    KEY = "o"
    TYPING_KEY = "f4"
    FOOTER = "Round"


class OpenTimeline(Command):
    AVAILABLE = "in_session"
    TITLE = "Open the timeline"
    HELP = "Everything recorded so far, in time order."
    KEY = "t"
    TYPING_KEY = "f5"
    FOOTER = "Timeline"


class AcknowledgeAlerts(Command):
    AVAILABLE = "in_session"
    TITLE = "Acknowledge alerts"
    HELP = "See open alerts with their response steps, and acknowledge them."
    KEY = "k"
    TYPING_KEY = "f6"
    FOOTER = "Alerts"


class ChooseSaveFolder(Command):
    AVAILABLE = "while_unsaved"
    TITLE = "Choose where to save (after a save error)"
    HELP = "Entries are held in memory: continue the journal in the same or another folder."
    KEY = "s"
    TYPING_KEY = "f7"


class ShowHelp(Command):
    TITLE = "Help: keys and commands"
    HELP = "List every key and command."
    KEY = "question_mark"
    TYPING_KEY = "f1"
    FOOTER = "Help"


class CycleTheme(Command):
    TITLE = "Next theme"
    HELP = "Switch to the next theme (night, daylight, high contrast, yours); remembered."
    KEY = "ctrl+t"
    PRIORITY = True


class ToggleBell(Command):
    TITLE = "Bell for urgent alerts: on/off"
    HELP = "Ring the terminal bell when an urgent alert stays unacknowledged (off by default)."
    KEY = ""


class Quit(Command):
    TITLE = "Quit"
    HELP = "Leave the console. An open session stays saved and can be resumed."
    KEY = "ctrl+q"
    PRIORITY = True


COMMANDS: tuple[type[Command], ...] = (
    LogAdverseEvent,
    AddNote,
    StartRound,
    OpenTimeline,
    AcknowledgeAlerts,
    ChooseSaveFolder,
    ShowHelp,
    CycleTheme,
    ToggleBell,
    Quit,
)

# Each command by the App action it runs.
BY_ACTION: dict[str, type[Command]] = {command.ACTION: command for command in COMMANDS}

THEME_TITLE = "Theme: {name}"


def app_bindings() -> list[BindingType]:
    return [binding for command in COMMANDS for binding in command.bindings()]


def modal_bindings() -> list[Binding]:
    """Quick keys for modal screens (their typing keys and ctrl keys already reach the app)."""
    return [command.modal_binding() for command in COMMANDS if command.KEY and not command.PRIORITY]


def strip_commands() -> list[type[Command]]:
    """The commands on the key strip, in order."""
    return [command for command in COMMANDS if command.FOOTER]


def screen_actions(screen: object) -> Iterator[tuple[str, str, Callable[[], Any]]]:
    """The open screen's own actions (save, baseline, go/no-go, recovery…), built from its
    bindings so that each key and its palette entry never disagree. App-wide commands and
    the focus keys are left out: they have entries of their own."""
    seen: set[str] = set()
    for cls in type(screen).__mro__:
        for binding in getattr(cls, "__dict__", {}).get("BINDINGS", ()):
            if not isinstance(binding, Binding) or not binding.description:
                continue
            action = binding.action
            if action.startswith("app.") or action in seen:
                continue
            seen.add(action)
            if screen.check_action(action, ()) is False:  # type: ignore[attr-defined]
                continue
            key = binding.key_display or _display(binding.key.split(",")[0])
            yield (
                binding.description,
                f"On this screen ({key})",
                partial(screen.run_action, action),  # type: ignore[attr-defined]
            )


class KapCommands(Provider):
    """The command palette's view of `COMMANDS` (those available now) and the themes."""

    def _entries(self) -> Iterator[tuple[str, str, Callable[[], Any]]]:
        app = self.app
        for command in COMMANDS:
            if app.check_action(command.ACTION, ()):
                yield (
                    command.TITLE,
                    f"{command.HELP} ({command.key_display()})",
                    partial(app.run_action, command.ACTION),
                )
        yield from screen_actions(self.screen)
        for name in getattr(app, "console_themes", ()):
            yield (
                THEME_TITLE.format(name=name),
                "Use this theme (remembered)",
                partial(app.run_action, f"set_theme({name!r})"),
            )

    async def discover(self) -> Hits:
        for title, help_text, callback in self._entries():
            yield DiscoveryHit(title, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help_text, callback in self._entries():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), callback, text=title, help=help_text)
