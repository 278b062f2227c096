"""What a rule says when it refuses an entry: a `Rejection` naming the field it is about (None
when the refusal is about the entry as a whole) and what is wrong, in words a facilitator can
act on. Rules return one or None; the engine raises it as `RejectedEntry`. Nothing parses the
words again."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Rejection:
    field: str | None
    message: str

    def __str__(self) -> str:
        """The verdict as one line: "field: message" (or the message alone)."""
        return f"{self.field}: {self.message}" if self.field else self.message
