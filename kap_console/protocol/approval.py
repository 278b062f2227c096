"""Whether a protocol version is approved, and what a facilitator confirms before a real
session on one that is not (or whose file has changes no commit holds).

Training sessions run on drafts freely: nothing here applies to them. For a real session
each caution is asked once, before the first entry, and the codes confirmed are written
into `session_started` (and so into the record).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal, NamedTuple

if TYPE_CHECKING:  # approval_line also reads a ProtocolPreview: no models at start-up
    from .identity import ProtocolIdentity
    from .models import Protocol
    from .preview import ProtocolPreview

CautionCode = Literal["draft", "uncommitted_changes"]
CAUTION_CODES: tuple[CautionCode, ...] = ("draft", "uncommitted_changes")


class StartCaution(NamedTuple):
    # A NamedTuple, not a frozen dataclass: this module is imported for the start form's
    # first frame, where building a dataclass costs ~0.4 ms and a NamedTuple ~0.05 ms.
    code: CautionCode
    message: str


def approval_line(protocol: Protocol | ProtocolPreview) -> str:
    """Who approved this version, in one line ("" for an example or training protocol that
    says nothing about approval)."""
    if protocol.status == "approved":
        return f"Version {protocol.version} approved by {protocol.approved_by} on {protocol.approved_on}"
    if protocol.status == "draft":
        return f"Version {protocol.version} is a draft: not approved"
    if protocol.example or protocol.training:
        return ""
    return f"Version {protocol.version}: no approval recorded (status is not set)"


def start_cautions(
    protocol: Protocol, identity: ProtocolIdentity, *, training: bool
) -> list[StartCaution]:
    """What a facilitator must confirm before a real session on this protocol."""
    if training or protocol.training:
        return []
    cautions = []
    if protocol.status == "draft":
        cautions.append(
            StartCaution(
                "draft",
                f"This protocol ({protocol.id} {protocol.version}) is a draft: it has not been "
                "approved for sessions.",
            )
        )
    if identity.git_dirty:
        cautions.append(
            StartCaution(
                "uncommitted_changes",
                "The protocol file has changes not committed to git: the record pins its exact "
                "contents (SHA-256), but no commit of the practice's repository holds them.",
            )
        )
    return cautions
