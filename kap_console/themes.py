"""Themes: TOML files parsed into a validated model, then into Textual `Theme` objects.

A theme file (bundled in themes/, or the user's in `paths.user_themes_dir()`):

    name = "night"
    dark = true
    luminosity_spread = 0.10     # optional
    text_alpha = 0.90            # optional
    [colors]                     # primary is required; the rest fall back to Textual's
    primary = "#93662c"          # background surface panel foreground secondary accent
    ...                          # warning error success boost
    [variables]                  # optional Textual design variables, e.g.
    footer-key-foreground = "#c08d4a"

The first paint must not wait for pydantic, so the console paints with the remembered
bundled theme built straight from its TOML (`quick_theme`; bundled files are checked by
the tests) and validates every file with the pydantic model in a worker (`load_themes`).
The model is therefore built on first use, not at import.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual.theme import Theme

from kap_console import paths
from kap_console.protocol.toml_files import TomlProblem, read_toml_file

# A theme file is a few dozen lines; anything larger is not one.
MAX_THEME_BYTES = 64 * 1024

if TYPE_CHECKING:
    from pydantic import BaseModel

DEFAULT_THEME = "night"
BUNDLED_ORDER = ("night", "daylight", "high-contrast")
COLOR_NAMES = (
    "primary",
    "secondary",
    "accent",
    "warning",
    "error",
    "success",
    "foreground",
    "background",
    "surface",
    "panel",
    "boost",
)


def theme_from_data(data: Mapping[str, Any]) -> Theme:
    """A Textual Theme from the (already checked) contents of a theme file."""
    colors = dict(data["colors"])
    # Colours the file leaves out stay None (Textual derives them).
    colour_values: dict[str, Any] = {name: colors.get(name) for name in COLOR_NAMES}
    return Theme(
        name=data["name"],
        dark=data.get("dark", True),
        luminosity_spread=data.get("luminosity_spread", 0.15),
        text_alpha=data.get("text_alpha", 0.95),
        variables=dict(data.get("variables", {})),
        **colour_values,
    )


def quick_theme(name: str) -> Theme | None:
    """The bundled theme `name`, built without validation (None when there is no such file
    or it cannot be read). Only for the first paint; `load_themes` validates afterwards."""
    path = paths.bundled_themes_dir() / f"{name}.toml"
    try:
        return theme_from_data(read_toml_file(path, limit=MAX_THEME_BYTES))
    except (OSError, ValueError, KeyError, TypeError):
        return None


@functools.cache
def theme_file_model() -> type[BaseModel]:
    """The pydantic model of a theme file (built on first use: see the module docstring)."""
    from typing import Annotated

    from pydantic import AfterValidator, BaseModel, ConfigDict, Field
    from textual.color import Color, ColorParseError

    def colour(value: str) -> str:
        try:
            Color.parse(value)
        except ColorParseError:
            raise ValueError(f"{value!r} is not a colour (use #rrggbb or #rrggbbaa)") from None
        return value

    Colour = Annotated[str, AfterValidator(colour)]

    class ThemeColors(BaseModel):
        model_config = ConfigDict(extra="forbid")

        primary: Colour
        secondary: Colour | None = None
        accent: Colour | None = None
        warning: Colour | None = None
        error: Colour | None = None
        success: Colour | None = None
        foreground: Colour | None = None
        background: Colour | None = None
        surface: Colour | None = None
        panel: Colour | None = None
        boost: Colour | None = None

    def style_or_colour(variables: dict[str, str]) -> dict[str, str]:
        # "...-text-style" variables hold styles (bold, italic); the rest hold colours.
        for key, value in variables.items():
            if not key.endswith("-style"):
                try:
                    colour(value)
                except ValueError as error:
                    raise ValueError(f"{key}: {error}") from None
        return variables

    VariableName = Annotated[str, Field(pattern=r"^[a-z][a-z0-9-]*$")]

    class ThemeFile(BaseModel):
        model_config = ConfigDict(extra="forbid")

        name: Annotated[str, Field(pattern=r"^[a-z][a-z0-9-]{0,39}$")]
        dark: bool = True
        luminosity_spread: Annotated[float, Field(ge=0, le=1)] = 0.15
        text_alpha: Annotated[float, Field(ge=0, le=1)] = 0.95
        colors: ThemeColors
        variables: Annotated[dict[VariableName, str], AfterValidator(style_or_colour)] = {}

    return ThemeFile


def _describe(error: Exception) -> str:
    """One short line per problem: `colors.primary: '#zz' is not a colour`."""
    errors = getattr(error, "errors", None)
    if not callable(errors):
        return str(error)
    parts = []
    for item in errors():
        where = ".".join(str(part) for part in item["loc"])
        message = item["msg"].removeprefix("Value error, ")
        parts.append(f"{where}: {message}" if where else message)
    return "; ".join(parts)


def validate_theme_file(path: Path) -> Theme:
    """The theme in `path`, validated; raises ValueError with a readable reason."""
    try:
        data = read_toml_file(path, limit=MAX_THEME_BYTES)
    except OSError as error:
        raise ValueError(error.strerror or str(error)) from None
    except TomlProblem as problem:
        raise ValueError(f"not valid TOML: {problem}") from None
    try:
        model = theme_file_model().model_validate(data)
    except ValueError as error:
        raise ValueError(_describe(error)) from None
    return theme_from_data(model.model_dump(exclude_none=True))


def _theme_files(folder: Path) -> list[Path]:
    try:
        return sorted(folder.glob("*.toml"))
    except OSError:
        return []


def load_themes(
    bundled: Path | None = None, user: Path | None = None
) -> tuple[list[Theme], list[str]]:
    """Every theme that validates (bundled first, then the user's), and one line per file
    that does not, as `file: problem`. A user theme may not reuse a bundled name."""
    bundled = bundled or paths.bundled_themes_dir()
    user = user or paths.user_themes_dir()
    themes: dict[str, Theme] = {}
    problems: list[str] = []
    for folder in (bundled, user):
        for path in _theme_files(folder):
            try:
                theme = validate_theme_file(path)
            except ValueError as error:
                problems.append(f"{path}: {error}")
                continue
            if theme.name in themes:
                problems.append(f"{path}: the name {theme.name!r} is already taken; rename it")
                continue
            themes[theme.name] = theme
    return sorted(themes.values(), key=_order), problems


def _order(theme: Theme) -> tuple[int, str]:
    if theme.name in BUNDLED_ORDER:
        return BUNDLED_ORDER.index(theme.name), ""
    return len(BUNDLED_ORDER), theme.name


def next_theme(names: Iterable[str], current: str) -> str:
    """The theme after `current` in `names`, wrapping round (the first when not found)."""
    names = list(names)
    if not names:
        return current
    if current not in names:
        return names[0]
    return names[(names.index(current) + 1) % len(names)]
