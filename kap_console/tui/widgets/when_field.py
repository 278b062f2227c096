"""The field for when something happened ("observed at", "resolved at"), read against the
session clock and shown back as a time of day and how long ago it was."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from textual.widgets import Input

from kap_console.session import local_time
from kap_console.tui.timeparse import TimeParseError, describe_delay, parse_observed_at
from kap_console.tui.widgets.fields_base import InputField


class WhenField(InputField):
    """When something happened: "now", "-3m", "-90s" or "14:05". Shows what it reads as."""

    def __init__(
        self,
        field_id: str,
        label: str,
        now: Callable[[], datetime],
        *,
        value: str = "now",
        not_before: datetime | None = None,
        blank_means_unset: bool = False,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("hint", "")
        super().__init__(
            field_id, label, value, max_length=20, placeholder="now, -3m, 14:05", **kwargs
        )
        self._now = now
        self.not_before = not_before
        # For times that may not have happened yet (e.g. "resolved at"): blank is "not yet".
        self.blank_means_unset = blank_means_unset

    def parse(self, raw: str) -> datetime:
        try:
            return parse_observed_at(raw, self._now(), not_before=self.not_before)
        except TimeParseError as error:
            raise self.problem(str(error)) from None

    def read(self) -> datetime | None:
        # Empty means now: a blank "observed at" is the commonest entry, not a missing one.
        if self.blank_means_unset and not self.raw().strip():
            self.clear_error()
            return None
        return self.parse_shown(self.raw())

    def is_now(self) -> bool:
        raw = self.raw().strip().lower()
        return raw == "now" or (raw == "" and not self.blank_means_unset)

    def on_mount(self) -> None:
        super().on_mount()
        self.refresh_hint()

    def on_input_changed(self, event: Input.Changed) -> None:
        self.refresh_hint()

    def refresh_hint(self) -> None:
        if self.is_now() or not self.raw().strip():
            self.set_hint("")
            return
        now = self._now()
        try:
            when = parse_observed_at(self.raw(), now, not_before=self.not_before)
        except TimeParseError:
            self.set_hint("?")
            return
        self.set_hint(f"{local_time(when, seconds=True)} · {describe_delay(when, now)}")
