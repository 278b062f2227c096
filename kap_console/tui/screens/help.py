"""Help: every app-wide key and command (from the one registry), and this screen's keys."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Footer, Static

from kap_console.tui.commands import COMMANDS

INTRO = (
    "Letter keys work when no text field has focus; the F-key beside each works while "
    "typing too. Every command is also in the command palette (ctrl+p)."
)


def command_rows() -> list[tuple[str, str, str]]:
    """(keys, title, help) for every command, then the palette itself."""
    rows = [(command.key_display(), command.TITLE, command.HELP) for command in COMMANDS]
    rows.append(("^p", "Command palette", "Search every command by name, including themes."))
    return rows


def help_text(screen_rows: list[tuple[str, str]]) -> Content:
    """Every key in a column wide enough for the longest ("shift+tab"), then what it does."""
    rows = command_rows()
    width = max(len(keys) for keys, *_ in [*rows, *screen_rows]) + 2
    parts: list[tuple[str, str] | str] = [
        (INTRO, "$foreground-muted"),
        "\n\n",
        ("Anywhere", "bold"),
        "\n",
    ]
    for keys, title, help_line in rows:
        parts += [(f"  {keys:<{width}}", "bold $accent"), (title, "bold"), f" — {help_line}\n"]
    if screen_rows:
        parts += ["\n", ("On the screen you came from", "bold"), "\n"]
        for keys, description in screen_rows:
            parts += [(f"  {keys:<{width}}", "bold $accent"), f"{description}\n"]
    return Content.assemble(*parts)


class HelpScreen(ModalScreen[None]):
    """Keys and commands. Esc, q or F1 closes it."""

    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll {
        width: 90; max-width: 100%; height: auto; max-height: 100%; margin: 1 0 0 0;
        border: round $primary; background: $surface; padding: 0 1;
    }
    HelpScreen #help-title { text-style: bold; color: $primary; }
    """

    BINDINGS = [
        Binding("escape,q,f1,question_mark", "close", "Close", show=True),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.screen_rows: list[tuple[str, str]] = []

    def on_mount(self) -> None:
        # The screen below is what the facilitator was looking at: list its own keys too.
        stack = self.app.screen_stack
        below = stack[-2] if len(stack) > 1 else None
        registry = {key for command in COMMANDS for key in command.keys()}
        registry.add(self.app.COMMAND_PALETTE_BINDING)
        if below is not None:
            seen = set()
            for key, active in below.active_bindings.items():
                binding = active.binding
                if key in registry or not binding.description or binding.action in seen:
                    continue
                seen.add(binding.action)
                words = binding.description
                if binding.tooltip and binding.tooltip != words:
                    words = f"{words} — {binding.tooltip}"
                self.screen_rows.append((self.app.get_key_display(binding), words))
        self.query_one("#help-body", Static).update(help_text(self.screen_rows))

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static("Help: keys and commands", id="help-title")
            yield Static(help_text([]), id="help-body")
        yield Footer()

    def action_close(self) -> None:
        self.dismiss(None)
