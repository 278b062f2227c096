"""Where kap-console keeps things: data (sessions), config, user protocols and themes.

The data folder comes from platformdirs unless `--data-dir` or KAP_CONSOLE_DATA_DIR says
otherwise; KAP_CONSOLE_CONFIG_DIR does the same for config. Folders are created 0700.
"""

from __future__ import annotations

import os
from pathlib import Path

APP_NAME = "kap-console"
DATA_ENV = "KAP_CONSOLE_DATA_DIR"
CONFIG_ENV = "KAP_CONSOLE_CONFIG_DIR"

# The repository (or source tree) this package runs from; bundled protocols and themes sit
# beside the package.
PROJECT_ROOT = Path(__file__).resolve().parent.parent


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


def bundled_protocols_dir() -> Path:
    return PROJECT_ROOT / "protocols"


def bundled_themes_dir() -> Path:
    return PROJECT_ROOT / "themes"
