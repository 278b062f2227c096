"""The practice clock's commands: pause/resume, jump to what comes next, faster, slower.

Built like the app-wide commands (one class each, keys and palette entry from one place);
each has a function key too, so it works while a field has focus and over forms.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial
from typing import Any

from textual.binding import Binding
from textual.command import DiscoveryHit, Hit, Hits, Provider

from kap_console.tui.commands import Command

SPEEDS = (1.0, 2.0, 5.0, 10.0, 20.0, 30.0, 60.0)


class TogglePause(Command):
    TITLE = "Practice: pause or resume the clock"
    HELP = "Stop the simulated clock (and the client) until you resume it."
    KEY = "p"
    TYPING_KEY = "f9"
    FOOTER = "Pause"


class JumpAhead(Command):
    TITLE = "Practice: jump to the next due round"
    HELP = "Move the simulated clock to the next round due (or the next incident, if sooner)."
    KEY = "j"
    TYPING_KEY = "f10"
    FOOTER = "Jump"


def _shown(key: str) -> str:
    return {"greater_than_sign": ">", "less_than_sign": "<"}.get(key, key.upper())


class Faster(Command):
    TITLE = "Practice: faster"
    HELP = "Run the simulated clock faster (up to 60x)."
    KEY = "greater_than_sign"
    TYPING_KEY = "f11"
    FOOTER = "Faster"

    @classmethod
    def key_display(cls) -> str:
        return f"{_shown(cls.KEY)} {_shown(cls.TYPING_KEY or '')}".strip()


class Slower(Command):
    TITLE = "Practice: slower"
    HELP = "Run the simulated clock slower (down to real time)."
    KEY = "less_than_sign"
    TYPING_KEY = "f12"
    FOOTER = "Slower"

    @classmethod
    def key_display(cls) -> str:
        return f"{_shown(cls.KEY)} {_shown(cls.TYPING_KEY or '')}".strip()


PRACTICE_COMMANDS: tuple[type[Command], ...] = (TogglePause, JumpAhead, Faster, Slower)


def practice_bindings() -> list[Binding]:
    """Shown in the footer (show=True): a trainee must find them without reading a manual."""
    bindings = []
    for command in PRACTICE_COMMANDS:
        bindings.append(
            Binding(
                command.KEY,
                command.ACTION,
                command.FOOTER or command.TITLE,
                key_display=command.key_display(),
                tooltip=command.HELP,
            )
        )
        if command.TYPING_KEY:
            bindings.append(
                Binding(
                    command.TYPING_KEY, command.ACTION, command.TITLE, show=False, priority=True
                )
            )
    return bindings


def next_speed(speed: float, step: int) -> float:
    """The next speed up (`step` 1) or down (-1) in SPEEDS, staying inside it."""
    below = [s for s in SPEEDS if s < speed]
    above = [s for s in SPEEDS if s > speed]
    if step > 0:
        return above[0] if above else SPEEDS[-1]
    return below[-1] if below else SPEEDS[0]


class PracticeCommands(Provider):
    """The palette's view of the practice commands."""

    def _entries(self) -> Iterator[tuple[str, str, Callable[[], Any]]]:
        for command in PRACTICE_COMMANDS:
            yield (
                command.TITLE,
                f"{command.HELP} ({command.key_display()})",
                partial(self.app.run_action, command.ACTION),
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
