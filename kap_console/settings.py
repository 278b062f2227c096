"""The console's own settings: a small TOML file in the config folder.

    theme = "night"            # the theme last chosen
    bell = false               # ring the terminal bell for urgent alerts left open
    bell_after_seconds = 60    # ... once they have been open this long

Read with tomllib before the first paint (it is cheap); written atomically, mode 0600.
A bad value never stops the console: it is reported and the default used instead.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, NamedTuple

from kap_console import paths
from kap_console.protocol.toml_files import TomlProblem, read_toml_file

# A settings file holds a handful of lines; anything larger is not one.
MAX_SETTINGS_BYTES = 64 * 1024

SETTINGS_FILE = "settings.toml"


class Settings(NamedTuple):
    # A NamedTuple, not a frozen dataclass: read before the first frame, where building a
    # dataclass costs ~0.4 ms and a NamedTuple ~0.05 ms.
    theme: str = "night"
    bell: bool = False
    bell_after_seconds: int = 60

    def updated(self, **changes: Any) -> Settings:
        return self._replace(**changes)


def settings_path() -> Path:
    return paths.config_dir() / SETTINGS_FILE


def _checked(name: str, value: object) -> str | None:
    """Why `value` is not acceptable for setting `name`, or None when it is."""
    if name == "theme":
        if not isinstance(value, str) or not value.strip():
            return "must be a theme name in quotes"
    elif name == "bell":
        if not isinstance(value, bool):
            return "must be true or false"
    elif name == "bell_after_seconds":
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 3600:
            return "must be a whole number of seconds from 0 to 3600"
    return None


def load_settings(path: Path | None = None) -> tuple[Settings, list[str]]:
    """The settings in `path` (default: the config folder's), and any problems found.

    A missing file gives the defaults with no problem; an unreadable file or a bad value
    gives the default for what could not be used, and a line saying what and where.
    """
    path = path or settings_path()
    try:
        data = read_toml_file(path, limit=MAX_SETTINGS_BYTES)
    except FileNotFoundError:
        return Settings(), []
    except TomlProblem as problem:
        return Settings(), [f"{path}:{problem}; using the defaults"]
    except OSError as error:
        reason = error.strerror or type(error).__name__
        return Settings(), [f"{path}: cannot read the file ({reason}); using the defaults"]
    known = set(Settings._fields)
    values: dict[str, Any] = {}
    problems: list[str] = []
    for name, value in data.items():
        if name not in known:
            problems.append(f"{path}: unknown setting {name!r} (known: {', '.join(sorted(known))})")
            continue
        why = _checked(name, value)
        if why:
            problems.append(f"{path}: {name} {why}; using the default")
            continue
        values[name] = value
    return Settings(**values), problems


def _toml(settings: Settings) -> str:
    import tomli_w

    return tomli_w.dumps(settings._asdict())


def save_settings(settings: Settings, path: Path | None = None) -> Path:
    """Write `settings` atomically and durably, 0600 (storage.write_private_atomic: a temp
    file beside it, fsync, rename, fsync of the folder)."""
    # Not needed to read them, so not imported before the first frame.
    from kap_console.session.storage import ensure_private_dir, write_private_atomic

    path = path or settings_path()
    ensure_private_dir(path.parent)
    write_private_atomic(path, _toml(settings).encode("utf-8"))
    return path
