"""Version discipline: a protocol whose content changed needs a higher version.

A session record pins a protocol's id, version and SHA-256; two different protocols under
one version would make "which protocol did this session run?" ambiguous to a reader. So the
`check-version` pre-commit hook compares each protocol with its committed version: a
changed protocol needs a higher semantic version, and a version never goes down.

What counts as content is what a session runs: the validated protocol, without its version
and approval (approving a draft as it stands is not a new version). Comments, key order and
layout are not content.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .git import GitError, git, has_head, show_file, work_tree_root
from .models import SEMVER_PATTERN, Protocol

# Not content: what a version is called, and who approved it.
NOT_CONTENT = frozenset({"version", "status", "approved_by", "approved_on"})


def semver_key(version: str) -> tuple[Any, ...]:
    """A sort key with semantic-version precedence: 1.0.0-draft < 1.0.0 < 1.0.1 < 1.1.0;
    build metadata (`+…`) does not count. Raises ValueError for a non-semantic version."""
    if not re.fullmatch(SEMVER_PATTERN, version):
        raise ValueError(f"{version!r} is not a semantic version")
    core, _, _build = version.partition("+")
    numbers, _, prerelease = core.partition("-")
    major, minor, patch = (int(part) for part in numbers.split("."))
    if not prerelease:
        return (major, minor, patch, 1, ())
    identifiers = tuple(
        (0, int(part), "") if part.isdigit() else (1, 0, part) for part in prerelease.split(".")
    )
    return (major, minor, patch, 0, identifiers)


def content(protocol: Protocol) -> dict[str, Any]:
    return protocol.model_dump(mode="json", exclude=set(NOT_CONTENT))


@dataclass(frozen=True)
class VersionCheck:
    path: Path
    ok: bool
    message: str = ""

    @property
    def line(self) -> str:
        return f"{self.path}: {self.message}"


def _version_of(data: bytes) -> str | None:
    try:
        version = tomllib.loads(data.decode("utf-8")).get("version")
    except (UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None
    return version if isinstance(version, str) else None


def _protocol(data: bytes, name: str) -> Protocol | None:
    from .loader import load_protocol_bytes
    from .problems import ProtocolError

    try:
        return load_protocol_bytes(data, name).protocol
    except ProtocolError:
        return None


def check_version(path: Path, *, revision: str = "HEAD") -> VersionCheck:
    """Compare `path` as it is with its version at `revision`."""
    data = path.read_bytes()
    new = _protocol(data, str(path))
    if new is None:  # `protocol validate` reports why; nothing to compare here
        return VersionCheck(path, True)
    try:
        old_data = show_file(revision, path)
    except GitError:
        return VersionCheck(path, True, f"new protocol {new.id}, version {new.version}")
    old_version = _version_of(old_data)
    try:
        old_key = semver_key(old_version or "")
    except ValueError:
        # The committed version was no semantic version: any valid one now is a step up.
        return VersionCheck(path, True, f"version {old_version} → {new.version}")
    new_key = semver_key(new.version)
    if new_key < old_key:
        return VersionCheck(
            path,
            False,
            f"version went down: {old_version} at {revision} → {new.version}; a version "
            "only goes up (records already name the higher one)",
        )
    if new_key > old_key:
        return VersionCheck(path, True, f"version {old_version} → {new.version}")
    old = _protocol(old_data, f"{path} at {revision}")
    if old is not None and content(old) == content(new):
        return VersionCheck(path, True)
    return VersionCheck(
        path,
        False,
        f"the protocol changed since {revision} but its version is still {new.version}: "
        f"raise it (e.g. {_next(new.version)}) so records can tell the two apart",
    )


def _next(version: str) -> str:
    major, minor, patch, *_ = semver_key(version)
    if semver_key(version)[3] == 0:  # a pre-release: its release is the next step
        return f"{major}.{minor}.{patch}"
    return f"{major}.{minor}.{patch + 1} or {major}.{minor + 1}.0"


def check_versions(paths: list[Path], *, revision: str = "HEAD") -> list[VersionCheck]:
    return [check_version(path, revision=revision) for path in paths]


def staged_protocols(folder: Path) -> list[Path]:
    """The `.toml` files staged for the next commit (what the hook checks by default)."""
    root = work_tree_root(folder)
    if root is None or not has_head(root):
        return []
    try:
        out = git(root, "diff", "--cached", "--name-only", "--diff-filter=AM", "-z", "--", "*.toml")
    except GitError:
        return []
    return [root / name for name in out.decode("utf-8", "replace").split("\0") if name]
