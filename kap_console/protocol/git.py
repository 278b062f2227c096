"""Git, as the protocol commands use it: a file's bytes at a revision, a repository's root.

Git runs with its fsmonitor hook off and optional locks off, as `identity.py` runs it:
reading a practice's protocol folder must not start programs that folder names.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

GIT_TIMEOUT_SECONDS = 20.0


class GitError(Exception):
    """Git is missing, failed, or the file is not in a work tree; `message` says which."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def git(folder: Path, *args: str, input: bytes | None = None) -> bytes:
    """Run git in `folder`; its stdout. Raises GitError with git's own reason."""
    env = dict(os.environ, GIT_OPTIONAL_LOCKS="0", LC_ALL="C", GIT_TERMINAL_PROMPT="0")
    try:
        done = subprocess.run(
            ["git", "-c", "core.fsmonitor=false", *args],
            cwd=folder,
            env=env,
            input=input,
            stdin=None if input is not None else subprocess.DEVNULL,
            capture_output=True,
            timeout=GIT_TIMEOUT_SECONDS,
            check=False,
        )
    except FileNotFoundError:
        raise GitError("git is not installed") from None
    except (OSError, subprocess.SubprocessError) as error:
        raise GitError(f"git could not run ({error})") from None
    if done.returncode != 0:
        reason = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise GitError(reason[-1] if reason else f"git {args[0]} failed")
    return done.stdout


def work_tree_root(folder: Path) -> Path | None:
    """The top of the work tree holding `folder`, or None when it is not in one."""
    try:
        out = git(folder, "rev-parse", "--show-toplevel")
    except GitError:
        return None
    return Path(out.decode("utf-8", "replace").strip())


def show_file(revision: str, path: Path) -> bytes:
    """The bytes of `path` (a file in a work tree) as committed at `revision`."""
    if revision.startswith("-"):
        raise GitError(f"{revision!r} is not a revision")
    folder = path.parent if path.parent != Path("") else Path(".")
    if not folder.is_dir():
        raise GitError(f"no such folder: {folder}")
    return git(folder, "show", f"{revision}:./{path.name}")


def has_head(folder: Path) -> bool:
    try:
        git(folder, "rev-parse", "--verify", "--quiet", "HEAD^{commit}")
    except GitError:
        return False
    return True
