"""Load a protocol file: read, decode, parse, validate, cross-check, and pin its identity.

Whatever bytes a file holds, the only exception that leaves this module is `ProtocolError`,
carrying every problem found with its line and column. Positions are worked out only when
there is something to report, so loading a good protocol costs a parse and a validation.
"""

from __future__ import annotations

import ast
import os
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kap_console.file_reading import FileTooLarge, NotAFile, read_regular_file

from .crosscheck import cross_check
from .identity import ProtocolIdentity, protocol_identity, work_tree_path
from .locate import SourceMap, scan
from .models import Protocol
from .problems import Problem, ProtocolError, describe_error, format_key
from .toml_files import MAX_KEY_PARTS, TOO_DEEP, long_dotted_key, syntax_position, too_deep_position

__all__ = [
    "MAX_PROTOCOL_BYTES",
    "LoadedProtocol",
    "find_protocol_files",
    "load_protocol",
    "load_protocol_bytes",
]

# A real protocol is a few kB; anything past this is not one, and reading it all could stall.
MAX_PROTOCOL_BYTES = 1024 * 1024

# Far beyond any real protocol: past it, reporting every problem would take long.
MAX_PROBLEMS = 100

_TOO_DEEP = f"{TOO_DEEP} (a protocol needs only a few levels)"
_TOO_LARGE = (
    f"the file is larger than {MAX_PROTOCOL_BYTES // 1024} KiB; a protocol is a small "
    "text file, so this is probably the wrong file"
)


@dataclass(frozen=True)
class LoadedProtocol:
    """A validated protocol, the identity a session pins, where it came from, and the
    SHA-256 of the exact bytes read."""

    protocol: Protocol
    identity: ProtocolIdentity
    path: Path
    sha256: str


def load_protocol(path: str | os.PathLike[str], *, git: bool = True) -> LoadedProtocol:
    """Load and validate the protocol at `path`.

    The identity names the file by its path inside its git work tree (with `git`, when it
    is in one), else by its file name: never by an absolute path, which names a folder on
    the facilitator's machine and means nothing on another. With `git`, it also records the
    HEAD commit of the work tree holding the file and whether the file has uncommitted
    changes (None when there is no git or no repo).
    Raises ProtocolError, and nothing else, when the file cannot be used.
    """
    name = os.fspath(path)
    try:
        file = Path(name)
        data = read_regular_file(file, limit=MAX_PROTOCOL_BYTES)
    except IsADirectoryError:
        raise _file_error(name, "is a folder, not a protocol file") from None
    except FileNotFoundError:
        raise _file_error(name, "no such file") from None
    except NotAFile as error:
        raise _file_error(
            name,
            f"is {(error.strerror or '').removeprefix('not a regular file but ')}, not a protocol file",
        ) from None
    except FileTooLarge:
        raise _file_error(name, _TOO_LARGE) from None
    except (OSError, ValueError) as error:
        reason = getattr(error, "strerror", None) or str(error) or type(error).__name__
        raise _file_error(name, f"cannot read the file ({reason.lower()})") from None
    loaded = load_protocol_bytes(data, name)
    try:
        pinned: Path = file.resolve()
    except (OSError, RuntimeError):
        pinned = file.absolute()
    try:
        name = (work_tree_path(pinned) if git else None) or pinned.name
        identity = protocol_identity(
            loaded.protocol.id,
            loaded.protocol.version,
            loaded.protocol.title,
            data,
            pinned,
            git=git,
            name=name,
        )
    except Exception:  # the identity without git is still exact: the hash pins the bytes
        return loaded
    return LoadedProtocol(loaded.protocol, identity, file, loaded.sha256)


def load_protocol_bytes(data: bytes, path: str) -> LoadedProtocol:
    """Validate protocol file contents; `path` is only used to name the file in problems.
    Raises ProtocolError, and nothing else, when the contents cannot be used."""
    try:
        protocol = _validate(data, path)
    except ProtocolError:
        raise
    except RecursionError:
        raise _file_error(path, _TOO_DEEP) from None
    except Exception as error:  # a last guard: a defect here must not show a traceback
        raise _file_error(
            path, f"could not read this file ({type(error).__name__}); please report this as a bug"
        ) from None
    identity = protocol_identity(
        protocol.id, protocol.version, protocol.title, data, path, git=False
    )
    return LoadedProtocol(protocol, identity, Path(path), identity.sha256)


def find_protocol_files(paths: Iterable[str | os.PathLike[str]]) -> list[Path]:
    """The protocol files named by `paths`: files as given, folders searched recursively for
    `*.toml` (hidden folders skipped), each file once, in the order given (folders sorted).
    Raises FileNotFoundError for a path that does not exist."""
    found: list[Path] = []
    seen: set[Path] = set()

    def add(file: Path) -> None:
        key = file.resolve()
        if key not in seen:
            seen.add(key)
            found.append(file)

    for entry in paths:
        path = Path(entry)
        if path.is_dir():
            for folder, subfolders, files in os.walk(path):
                subfolders[:] = sorted(d for d in subfolders if not d.startswith("."))
                for name in sorted(files):
                    if name.endswith(".toml") and not name.startswith("."):
                        add(Path(folder) / name)
        elif path.exists():
            add(path)
        else:
            raise FileNotFoundError(os.fspath(entry))
    return found


# -- the stages ----------------------------------------------------------------------------


def _file_error(path: str, message: str) -> ProtocolError:
    return ProtocolError([Problem(path, 1, 1, message)])


def read_document(
    data: bytes,
    path: str,
    *,
    what: str = "protocol",
    needs: str = "id, title, version, window_minutes, [drug], [[measures]], [[schedule]] and [discharge]",
) -> tuple[str, dict[str, Any]]:
    """The text and parsed TOML of a small kap-console file (a protocol, a scenario): size,
    emptiness, encoding and syntax checked, each problem placed. Raises ProtocolError only."""
    if len(data) > MAX_PROTOCOL_BYTES:
        raise _file_error(path, _TOO_LARGE.replace("a protocol", f"a {what}"))
    if not data.strip():
        raise _file_error(path, f"the file is empty; a {what} needs at least {needs}")
    text = _decode(data, path)
    _refuse_long_dotted_keys(text, path)
    return text, _parse(text, path)


def _validate(data: bytes, path: str) -> Protocol:
    text, document = read_document(data, path)
    from pydantic import ValidationError

    try:
        # Strict: TOML has real types, so "120" for a number or 1.0 for a count is a mistake
        # worth reporting, not something to convert quietly.
        protocol = Protocol.model_validate(document, strict=True)
    except ValidationError as error:
        raise ProtocolError(validation_problems(error, text, path, Protocol)) from None
    cross = cross_check(protocol)
    if cross:
        source = scan(text)
        problems = [
            placed(path, source, problem.loc, problem.message) for problem in cross[:MAX_PROBLEMS]
        ]
        raise ProtocolError(capped(sorted_problems(problems), len(cross), path))
    return protocol


def _refuse_long_dotted_keys(text: str, path: str) -> None:
    """tomllib takes time and memory quadratic in the parts of one dotted key (a 1 MiB
    `a.a.a…` exhausts memory), so refuse absurd ones before parsing."""
    position = long_dotted_key(text)
    if position is not None:
        raise ProtocolError(
            [
                Problem(
                    path,
                    *position,
                    f"a dotted key has more than {MAX_KEY_PARTS} parts; a protocol needs only a few",
                )
            ]
        )


def _decode(data: bytes, path: str) -> str:
    nul = data.find(b"\x00")
    if nul >= 0:
        line, col = _byte_position(data, nul)
        raise ProtocolError(
            [
                Problem(
                    path,
                    line,
                    col,
                    f"the file looks binary (a NUL byte at byte offset {nul}); a protocol is a "
                    "UTF-8 text file",
                )
            ]
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line, col = _byte_position(data, error.start)
        byte = data[error.start]
        raise ProtocolError(
            [
                Problem(
                    path,
                    line,
                    col,
                    f"the file is not valid UTF-8: byte 0x{byte:02x} at byte offset {error.start} "
                    "cannot be read; save the file as UTF-8",
                )
            ]
        ) from None
    # Some editors start UTF-8 files with a byte-order mark; it carries no meaning here.
    return text.removeprefix("\ufeff")


def _byte_position(data: bytes, offset: int) -> tuple[int, int]:
    line_start = data.rfind(b"\n", 0, offset) + 1
    line = data.count(b"\n", 0, offset) + 1
    col = len(data[line_start:offset].decode("utf-8", "replace")) + 1
    return line, col


def _parse(text: str, path: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ProtocolError([_syntax_problem(error, text, path)]) from None
    except RecursionError:
        raise ProtocolError([Problem(path, *too_deep_position(text), _TOO_DEEP)]) from None


_UNCLOSED_HINTS = {
    "array": "an array is never closed (a ']' is missing)",
    "inline table": "an inline table is never closed (a '}' is missing)",
    "string": "a string is never closed (the closing quote is missing)",
}
_UNCLOSED_MESSAGES = (
    "Invalid value",
    "Expected ',' or ']' after an array element",
    "Unclosed array",
    "Unclosed inline table",
    "Unterminated string",
    'Expected "\'"',
    "Illegal character '\\n'",
)


def _syntax_problem(error: tomllib.TOMLDecodeError, text: str, path: str) -> Problem:
    line, col, message = syntax_position(error, text)
    better = _better_syntax_problem(message, line, text, path)
    if better is not None:
        return better
    declared = re.fullmatch(r"Cannot declare (\(.*\)) twice", message)
    if declared:
        try:
            message = f"table [{format_key(ast.literal_eval(declared.group(1)))}] is declared twice"
        except (ValueError, SyntaxError, TypeError):
            pass
    return Problem(path, max(1, line), max(1, col), f"TOML syntax error: {message}")


def _better_syntax_problem(message: str, line: int, text: str, path: str) -> Problem | None:
    """Where tomllib notices a problem late (a duplicate key at the end of its value, an
    unclosed array at the next line or the end of the file), point at where it begins."""
    overwrite = message.startswith("Cannot overwrite a value")
    unclosed = message.startswith(_UNCLOSED_MESSAGES)
    if not (overwrite or unclosed):
        return None
    # Scan only as far as the line tomllib stopped at: a huge file stays quick.
    end = -1
    for _ in range(line):
        end = text.find("\n", end + 1)
        if end < 0:
            break
    source = scan(text, until=end if end >= 0 else None)
    if overwrite:
        for loc, at, first in source.duplicates:
            at_line, at_col = source.line_col(at)
            if at_line == line:
                key = format_key(loc)
                first_line = source.line_col(first)[0]
                return Problem(
                    path,
                    at_line,
                    at_col,
                    f"TOML syntax error: {key}: key is set twice (first at line {first_line})",
                    key,
                )
        return None
    for kind, at in source.unclosed:
        at_line, at_col = source.line_col(at)
        if at_line <= line:
            return Problem(path, at_line, at_col, f"TOML syntax error: {_UNCLOSED_HINTS[kind]}")
    return None


def validation_problems(error: Any, text: str, path: str, root: type) -> list[Problem]:
    """pydantic's errors for the model `root` as problems placed in `text`, in file order."""
    source = scan(text)
    problems = []
    errors = error.errors(include_url=False)
    for item in errors[:MAX_PROBLEMS]:
        described = describe_error(item, root)
        line, col = source.position(described.loc, key=described.on_key)
        label = format_key(described.label)
        message = f"{label}: {described.message}" if label else described.message
        problems.append(Problem(path, line, col, message, format_key(described.loc)))
    return capped(sorted_problems(problems), len(errors), path)


def placed(path: str, source: SourceMap, loc: tuple[Any, ...], message: str) -> Problem:
    line, col = source.position(loc)
    key = format_key(loc)
    return Problem(path, line, col, f"{key}: {message}" if key else message, key)


def capped(problems: list[Problem], found: int, path: str) -> list[Problem]:
    """Past MAX_PROBLEMS, say how many more there are instead of listing them all."""
    if found <= MAX_PROBLEMS:
        return problems
    last = problems[-1] if problems else Problem(path, 1, 1, "")
    more = found - MAX_PROBLEMS
    return [
        *problems,
        Problem(path, last.line, last.col, f"… and {more} more problems; fix these first"),
    ]


def sorted_problems(problems: list[Problem]) -> list[Problem]:
    unique = dict.fromkeys(problems)
    return sorted(unique, key=lambda p: (p.line, p.col))
