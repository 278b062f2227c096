"""The protocol a session is pinned to: the exact bytes it started with (by SHA-256), kept as a
copy in the session folder so the session can be resumed and its record verified even if the
practice's protocol file later changes or moves."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import TYPE_CHECKING

from kap_console.file_reading import read_regular_file
from kap_console.session.storage import write_private_atomic

# The loader's limit (kap_console.protocol.loader imports pydantic; this module must not).
MAX_PROTOCOL_BYTES = 1024 * 1024

if TYPE_CHECKING:
    from kap_console.protocol.identity import ProtocolIdentity
    from kap_console.protocol.loader import LoadedProtocol

# The exact protocol bytes a session ran, kept in its folder (see engine.Session.start).
PROTOCOL_COPY = "protocol.toml"


class ProtocolUnavailable(Exception):
    """The protocol a session pinned cannot be found with the same SHA-256."""


def pinned_protocol(session_dir: Path, pinned: ProtocolIdentity) -> LoadedProtocol:
    """The protocol a session ran, found by its pinned SHA-256: the copy in the session
    folder, else the file at the pinned path (absolute in journals of earlier versions; now a
    path inside its work tree or a file name, looked for from the current folder), else a file
    of that name among the bundled and the user's protocols. Refuses a file whose bytes have
    changed."""
    from kap_console import paths
    from kap_console.protocol.loader import load_protocol_bytes

    pinned_path = Path(pinned.path)
    candidates = [(session_dir / PROTOCOL_COPY, False, True), (pinned_path, True, True)]
    if not pinned_path.is_absolute():
        for folder in (paths.user_protocols_dir(), paths.bundled_protocols_dir()):
            for name in dict.fromkeys([pinned.path, pinned_path.name]):
                candidates.append((folder / name, True, False))
                candidates.append((folder / "training" / pinned_path.name, True, False))
    changed = []
    for candidate, follow, telling in candidates:
        try:
            # The copy is the session folder's own (no link followed); the pinned path is the
            # practice's file wherever it is. Either way only a regular file, never waited on.
            data = read_regular_file(candidate, limit=MAX_PROTOCOL_BYTES, follow_links=follow)
        except OSError:
            continue
        if hashlib.sha256(data).hexdigest() == pinned.sha256:
            return load_protocol_bytes(data, str(candidate))
        if telling:
            changed.append(str(candidate))
    where = (
        f"{pinned.path} has changed since the session started"
        if changed
        else (f"{pinned.path} is not there any more")
    )
    raise ProtocolUnavailable(
        f"The session ran protocol {pinned.id} {pinned.version} (SHA-256 {pinned.sha256[:12]}…), "
        f"but {where}. Put back that exact file, or pass the protocol explicitly."
    )


def keep_protocol_copy(loaded: LoadedProtocol, session_dir: Path) -> None:
    """Keep the exact protocol bytes beside the journal, if the file still has them."""
    try:
        data = read_regular_file(loaded.path, limit=MAX_PROTOCOL_BYTES)
        if hashlib.sha256(data).hexdigest() == loaded.identity.sha256:
            write_private_atomic(session_dir / PROTOCOL_COPY, data)
    except OSError:
        pass  # a convenience: resume and verify fall back to the pinned path


def carry_protocol_copy(old_dir: Path, new_dir: Path) -> None:
    """Take the copy along when a session moves to another folder (best effort, as above)."""
    try:
        data = read_regular_file(
            old_dir / PROTOCOL_COPY, limit=MAX_PROTOCOL_BYTES, follow_links=False
        )
        write_private_atomic(new_dir / PROTOCOL_COPY, data)
    except OSError:
        pass
