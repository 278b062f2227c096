"""A protocol's identity: which exact file a session ran, pinned in the record."""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
from pathlib import Path

from pydantic import BaseModel, ConfigDict


class ProtocolIdentity(BaseModel):
    """Pins exactly which protocol a session ran: id, version, SHA-256 of the file bytes,
    and the git commit + dirty flag when the file lives in a work tree."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    version: str
    title: str
    sha256: str
    path: str
    git_commit: str | None = None
    git_dirty: bool | None = None


def sha256_hex(data: bytes) -> str:
    """SHA-256 of a protocol file's bytes, as lower-case hex."""
    return hashlib.sha256(data).hexdigest()


# Long enough for a slow disk, short enough that a hung git never delays a session.
GIT_TIMEOUT_SECONDS = 3.0


def _git(folder: Path, *args: str, timeout: float) -> str | None:
    """Run git in `folder`; its stdout, or None if git is missing, fails or takes too long."""
    env = dict(os.environ, GIT_OPTIONAL_LOCKS="0", LC_ALL="C", GIT_TERMINAL_PROMPT="0")
    try:
        done = subprocess.run(
            # No fsmonitor hook: reading a protocol folder must not run programs it names.
            ["git", "-c", "core.fsmonitor=false", *args],
            cwd=folder,
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=timeout,
            check=False,
        )
    except (OSError, subprocess.SubprocessError, ValueError):
        return None
    if done.returncode != 0:
        return None
    return done.stdout.decode("utf-8", "replace")


def git_state(
    path: str | os.PathLike[str], *, timeout: float = GIT_TIMEOUT_SECONDS
) -> tuple[str | None, bool | None]:
    """The HEAD commit of the git work tree holding `path`, and whether the file differs
    from it (changed, staged, untracked or ignored all count as uncommitted).

    Returns (None, None) when git is not installed, the folder is not in a work tree, the
    repository has no commit yet, or git does not answer within `timeout` seconds.
    Never raises: a protocol loads the same with or without git.
    """
    try:
        file = Path(path).resolve()
        folder = file.parent
        if not folder.is_dir():
            return None, None
    except (OSError, RuntimeError, ValueError):
        return None, None
    head = _git(folder, "rev-parse", "--verify", "--quiet", "HEAD^{commit}", timeout=timeout)
    commit = head.strip() if head else ""
    if not re.fullmatch(r"[0-9a-f]{40}([0-9a-f]{24})?", commit):
        return None, None
    status = _git(
        folder,
        "status",
        "--porcelain",
        "--ignored",
        "--untracked-files=all",
        "--",
        file.name,
        timeout=timeout,
    )
    if status is None:
        return commit, None
    return commit, bool(status.strip())


def work_tree_path(file: Path, *, timeout: float = GIT_TIMEOUT_SECONDS) -> str | None:
    """`file` (absolute) as a path inside the git work tree holding it, like
    `protocols/im-ketamine-120.toml`; None when it is in none (or git does not answer)."""
    top = _git(file.parent, "rev-parse", "--show-toplevel", timeout=timeout)
    if not top or not top.strip():
        return None
    try:
        return file.relative_to(Path(top.strip()).resolve()).as_posix()
    except (ValueError, OSError, RuntimeError):
        return None


def protocol_identity(
    protocol_id: str,
    version: str,
    title: str,
    data: bytes,
    path: str | os.PathLike[str],
    *,
    git: bool = True,
    name: str | None = None,
) -> ProtocolIdentity:
    """The identity a session pins: the protocol's id, version and title, the SHA-256 of
    the exact bytes loaded, and (with `git`) the commit and dirty flag of its work tree.
    `name` is how the identity names the file (default: `path` as given)."""
    commit, dirty = git_state(path) if git else (None, None)
    return ProtocolIdentity(
        id=protocol_id,
        version=version,
        title=title,
        sha256=sha256_hex(data),
        path=name if name is not None else str(path),
        git_commit=commit,
        git_dirty=dirty,
    )
