"""Finding scenarios and the protocols they fit: the bundled ones and the user's own."""

from __future__ import annotations

from pathlib import Path

from kap_console import paths


def scenario_folders() -> list[Path]:
    return [paths.bundled_scenarios_dir(), paths.config_dir() / "scenarios"]


def scenario_files() -> list[Path]:
    """Every scenario file found, bundled first, each folder sorted."""
    found: list[Path] = []
    for folder in scenario_folders():
        if folder.is_dir():
            found += sorted(p for p in folder.glob("*.toml") if not p.name.startswith("."))
    return found


def find_scenario(name: str) -> Path | None:
    """The scenario called `name`: a path to a file, or a bundled/user scenario's id or stem."""
    given = Path(name)
    if given.suffix == ".toml" or given.exists():
        return given
    for file in scenario_files():
        if file.stem == name:
            return file
    from .loader import ScenarioError, load_scenario

    for file in scenario_files():
        try:
            if load_scenario(file).scenario.id == name:
                return file
        except ScenarioError:
            continue
    return None


def protocol_files() -> list[Path]:
    """Protocols a scenario may name: the bundled training ones, the bundled, the user's."""
    folders = [
        paths.bundled_protocols_dir() / "training",
        paths.bundled_protocols_dir(),
        paths.user_protocols_dir(),
    ]
    found: list[Path] = []
    for folder in folders:
        if folder.is_dir():
            found += sorted(folder.glob("*.toml"))
    return found


def protocols_by_id() -> dict[str, Path]:
    """Protocol id -> file, for the protocols that load (first found wins)."""
    from kap_console.protocol.loader import load_protocol
    from kap_console.protocol.problems import ProtocolError

    found: dict[str, Path] = {}
    for file in protocol_files():
        try:
            loaded = load_protocol(file, git=False)
        except ProtocolError:
            continue
        found.setdefault(loaded.protocol.id, file)
    return found
