"""A protocol's identity: which exact file a session ran, pinned in the record."""

from __future__ import annotations

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
