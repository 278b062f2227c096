"""The protocol a session is pinned to: the exact bytes it started with (by SHA-256), kept as a
copy in the session folder so the session can be resumed and its record verified even if the
practice's protocol file later changes or moves."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import TYPE_CHECKING

from kap_console.session.storage import write_private_atomic

if TYPE_CHECKING:
    from kap_console.protocol.identity import ProtocolIdentity
    from kap_console.protocol.loader import LoadedProtocol

# The exact protocol bytes a session ran, kept in its folder (see engine.Session.start).
PROTOCOL_COPY = "protocol.toml"


class ProtocolUnavailable(Exception):
    """The protocol a session pinned cannot be found with the same SHA-256."""


def pinned_protocol(session_dir: Path, pinned: ProtocolIdentity) -> LoadedProtocol:
    """The protocol a session ran, found by its pinned SHA-256: the copy in the session
    folder, else the file at the pinned path. Refuses a file whose bytes have changed."""
    from kap_console.protocol.loader import load_protocol_bytes

    changed = []
    for candidate in (session_dir / PROTOCOL_COPY, Path(pinned.path)):
        try:
            data = candidate.read_bytes()
        except OSError:
            continue
        if hashlib.sha256(data).hexdigest() == pinned.sha256:
            return load_protocol_bytes(data, str(candidate))
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
        data = loaded.path.read_bytes()
        if hashlib.sha256(data).hexdigest() == loaded.identity.sha256:
            write_private_atomic(session_dir / PROTOCOL_COPY, data)
    except OSError:
        pass  # a convenience: resume and verify fall back to the pinned path


def carry_protocol_copy(old_dir: Path, new_dir: Path) -> None:
    """Take the copy along when a session moves to another folder (best effort, as above)."""
    try:
        write_private_atomic(new_dir / PROTOCOL_COPY, (old_dir / PROTOCOL_COPY).read_bytes())
    except OSError:
        pass
