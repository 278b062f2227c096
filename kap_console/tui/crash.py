"""What the console prints when it stops on an internal error.

Textual's default crash report is a traceback with local variables: in this console those
hold client codes, notes and readings. So a crash prints only what the facilitator needs
(the journal is safe, where, how to resume) and where the error happened in the code: the
exception's type and the file and line of each frame. Never its message (it may quote
session text) and never locals.
"""

from __future__ import annotations

import traceback
from pathlib import Path


def original(error: BaseException) -> BaseException:
    """The error itself, not Textual's wrapper around an error raised in a worker."""
    inner = getattr(error, "error", None)
    return original(inner) if isinstance(inner, BaseException) else error


def code_location(error: BaseException) -> str:
    """`ValueError at kap_console/tui/app.py:123 in commit`: type and innermost frame only."""
    error = original(error)
    frames = traceback.extract_tb(error.__traceback__)
    if not frames:
        return type(error).__name__
    last = frames[-1]
    return f"{type(error).__name__} at {_short(last.filename)}:{last.lineno} in {last.name}"


def code_frames(error: BaseException) -> list[str]:
    """Every frame as `file:line in function`, outermost first (no source text, no values)."""
    error = original(error)
    return [
        f"{_short(frame.filename)}:{frame.lineno} in {frame.name}"
        for frame in traceback.extract_tb(error.__traceback__)
    ]


def _short(filename: str) -> str:
    parts = Path(filename).parts
    for anchor in ("kap_console", "textual"):
        if anchor in parts:
            return "/".join(parts[parts.index(anchor) :])
    return Path(filename).name


def crash_message(error: BaseException, *, session_dir: Path | None, data_dir: Path | None) -> str:
    """The text shown after the terminal is restored."""
    lines = [
        "kap-console stopped because of an internal error.",
        f"  Where: {code_location(error)}",
    ]
    if session_dir is not None:
        lines.append(f"  The session journal is safe at: {session_dir}")
        lines.append("  Every entry confirmed on screen was written there before it was shown.")
    import shlex  # here: imported by the app at start-up, used only after a crash

    resume = "kap-console run"
    if data_dir is not None:
        resume += f" --data-dir {shlex.quote(str(data_dir))}"
    if session_dir is not None:
        lines.append(f"  To carry on, run: {resume}   (it offers to resume the session)")
    else:
        lines.append(f"  No session was open. To start again, run: {resume}")
    lines.append("  Please report the 'Where' line above; it holds no session data.")
    return "\n".join(lines)
