"""Where kap-console keeps things: data (sessions), config, user protocols and themes, and
the protocols and themes that ship with it.

The data folder comes from platformdirs unless `--data-dir` or KAP_CONSOLE_DATA_DIR says
otherwise; KAP_CONSOLE_CONFIG_DIR does the same for config. Folders are created 0700.

The bundled protocols, themes and practice scenarios are package data, found with
importlib.resources under `kap_console/_bundled/`. In the source tree `_bundled/protocols`,
`_bundled/themes` and `_bundled/scenarios` are symbolic links to the top-level `protocols/`,
`themes/` and `scenarios/` (what a practice reads and
copies); the build copies the files behind them into the wheel, so an editable install and
an installed wheel find them in the same place of the package.
"""

from __future__ import annotations

import os
from pathlib import Path

APP_NAME = "kap-console"
DATA_ENV = "KAP_CONSOLE_DATA_DIR"
CONFIG_ENV = "KAP_CONSOLE_CONFIG_DIR"

BUNDLED_FOLDERS = ("protocols", "themes", "scenarios")


def data_dir(override: str | os.PathLike[str] | None = None) -> Path:
    if override:
        return Path(override).expanduser()
    env = os.environ.get(DATA_ENV)
    if env:
        return Path(env).expanduser()
    from platformdirs import user_data_path

    return user_data_path(APP_NAME, appauthor=False)


def config_dir() -> Path:
    env = os.environ.get(CONFIG_ENV)
    if env:
        return Path(env).expanduser()
    from platformdirs import user_config_path

    return user_config_path(APP_NAME, appauthor=False)


def sessions_dir(data: Path) -> Path:
    return data / "sessions"


def user_protocols_dir() -> Path:
    return config_dir() / "protocols"


def user_themes_dir() -> Path:
    return config_dir() / "themes"


def _bundled(folder: str) -> Path:
    import kap_console

    origin = getattr(kap_console, "__file__", None)
    if origin and Path(origin).is_file():
        # A package on disk: where importlib.resources finds it too, without importing it
        # (and zipfile) before the first frame.
        return Path(origin).parent / "_bundled" / folder
    from importlib.resources import files

    resource = files("kap_console").joinpath("_bundled", folder)
    # An install on disk (every supported one) gives a Path; anything else cannot be globbed
    # and is reported as missing by `missing_bundled`.
    return resource if isinstance(resource, Path) else Path(str(resource))


def bundled_protocols_dir() -> Path:
    return _bundled("protocols")


def bundled_scenarios_dir() -> Path:
    """Practice scenarios shipped beside the protocols (the simulated clients)."""
    return _bundled("scenarios")


def practice_dir(data: Path) -> Path:
    """Where practice sessions are kept: apart from real ones, never listed among them."""
    return data / "practice"


def bundled_themes_dir() -> Path:
    return _bundled("themes")


def missing_bundled(*folders: str) -> list[Path]:
    """Those of the bundled `folders` ("protocols", "themes", "scenarios") that hold no .toml file in this
    install: a broken build or a damaged install, never a user's choice."""
    missing = []
    for folder in folders:
        if folder not in BUNDLED_FOLDERS:
            raise ValueError(f"no bundled folder {folder!r}")
        path = _bundled(folder)
        try:
            found = any(path.rglob("*.toml"))
        except OSError:
            found = False
        if not found:
            missing.append(path)
    return missing


def missing_bundled_message(missing: list[Path]) -> str:
    """What to tell the user when `missing_bundled` found something missing."""
    places = ", ".join(str(path) for path in missing)
    return (
        f"this installation of kap-console is incomplete: no bundled files in {places}; "
        "reinstall it (for example `pip install --force-reinstall kap-console`)"
    )
