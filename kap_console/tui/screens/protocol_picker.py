"""Choosing the protocol for a new session (`run` given none), before pydantic is imported:
protocol files are listed with a glob and their titles read with tomllib; validation happens
once one is chosen.

Its own module so that the start form's first frame imports none of it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Footer, OptionList, Static
from textual.widgets.option_list import Option

from kap_console import paths
from kap_console.protocol.toml_files import read_toml_file

# The loader's MAX_PROTOCOL_BYTES (not imported: the loader brings pydantic in).
_PROTOCOL_BYTES = 1024 * 1024


@dataclass(frozen=True)
class ProtocolFile:
    path: Path
    title: str
    version: str
    group: str


def _describe(path: Path, group: str) -> ProtocolFile:
    """Title and version read cheaply (no validation: that happens once it is chosen)."""
    try:
        data = read_toml_file(path, limit=_PROTOCOL_BYTES)
        title, version = str(data.get("title", path.stem)), str(data.get("version", "?"))
    except (OSError, ValueError):  # TomlProblem is a ValueError
        title, version = path.stem, "unreadable"
    return ProtocolFile(path, title, version, group)


def protocol_files() -> list[ProtocolFile]:
    """Bundled examples, bundled training mocks, then the user's own protocols."""
    bundled = paths.bundled_protocols_dir()
    groups = [
        ("Example protocols (not clinical guidance)", bundled),
        ("Training (mock protocols)", bundled / "training"),
        ("Your protocols", paths.user_protocols_dir()),
    ]
    found = []
    for group, folder in groups:
        try:
            files = sorted(folder.glob("*.toml"))
        except OSError:
            files = []
        found += [_describe(path, group) for path in files]
    return found


class ProtocolPickerScreen(Screen):
    """Choose the protocol for a new session (when `run` was given none)."""

    BINDINGS = [Binding("enter", "choose", "Use this protocol", show=True)]

    def compose(self) -> ComposeResult:
        self.files = protocol_files()
        with Vertical(classes="start-card"):
            yield Static("Choose a protocol", classes="start-title")
            yield OptionList(*self._options(), id="protocols")
            yield Static(
                f"Your own protocols go in {paths.user_protocols_dir()}",
                classes="start-hint",
                markup=False,
            )
        yield Footer()

    def _options(self) -> list[Option | None]:
        options: list[Option | None] = []
        group = None
        for index, item in enumerate(self.files):
            if item.group != group:
                if group is not None:
                    options.append(None)
                group = item.group
                options.append(Option(group, disabled=True))
            options.append(
                Option(f"  {item.title}  {item.version}\n    {item.path.name}", id=str(index))
            )
        if group != "Your protocols":
            options += [None, Option("Your protocols: none yet", disabled=True)]
        return options

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        options.focus()
        options.action_first()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self._choose(event.option.id)

    def action_choose(self) -> None:
        options = self.query_one(OptionList)
        if options.highlighted is not None:
            self._choose(options.get_option_at_index(options.highlighted).id)

    def _choose(self, option_id: str | None) -> None:
        if option_id is None:
            return
        item = self.files[int(option_id)]
        self.query_one(".start-hint", Static).update(f"Loading {item.path} …")
        self.app.choose_protocol(item.path)  # type: ignore[attr-defined]
