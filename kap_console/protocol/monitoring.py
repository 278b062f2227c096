"""Monitoring in a protocol: when observation rounds fall due, and what a reading trips.

A measure (models.py) carries its thresholds; the schedule lists its rounds. The rules that
read them during a session are in kap_console/session/rules (schedule.py, alerts.py).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from .base import Identifier, Minutes, Model, Text

AlertLevel = Literal["notice", "warning", "urgent"]
ALERT_LEVELS: tuple[str, ...] = ("notice", "warning", "urgent")


class Threshold(Model):
    """When a value trips an alert. Exactly one comparison is set.

    `scope` says when it applies: to baseline (pre-dose) readings, to monitoring readings,
    or both. A baseline threshold with `blocks_dosing = true` holds the dose until the
    decider overrides it with a reason.
    """

    level: AlertLevel
    above: float | None = None
    at_least: float | None = None
    below: float | None = None
    at_most: float | None = None
    message: Text
    response: list[Text] = Field(default_factory=list, description="Steps to take, in order.")
    scope: Literal["any", "baseline", "monitoring"] = "any"
    blocks_dosing: bool = False
    recheck_minutes: int | None = Field(
        default=None,
        ge=1,
        le=240,
        description=(
            "Once the alert is acknowledged while the value is still out of range: "
            "re-measure within this many minutes (the header counts it down)."
        ),
    )

    @model_validator(mode="after")
    def _one_comparison(self) -> Threshold:
        set_ = [
            k for k in ("above", "at_least", "below", "at_most") if getattr(self, k) is not None
        ]
        if len(set_) != 1:
            raise ValueError(
                "set exactly one of above, at_least, below, at_most"
                + (f" (found {', '.join(set_)})" if set_ else "")
            )
        if self.blocks_dosing and self.scope == "monitoring":
            raise ValueError('blocks_dosing needs scope = "baseline" or "any"')
        return self

    @property
    def comparison(self) -> tuple[str, float]:
        for key, symbol in (("above", ">"), ("at_least", "≥"), ("below", "<"), ("at_most", "≤")):
            value = getattr(self, key)
            if value is not None:
                return symbol, value
        raise AssertionError("validated threshold has a comparison")

    def trips(self, value: float) -> bool:
        symbol, limit = self.comparison
        return {
            ">": value > limit,
            "≥": value >= limit,
            "<": value < limit,
            "≤": value <= limit,
        }[symbol]


class ObservationRound(Model):
    """A kind of observation round and when it falls due, in minutes since T0.

    Rounds fall due at each of `at_minutes`, and every `every_minutes` from `from_minutes`
    up to and including `until_minutes`. `at_discharge` adds one round before discharge.
    A round is late once `grace_minutes` have passed, and missed once the next round of
    the same kind is due (or `missed_after_minutes`, if set).
    """

    id: Identifier
    label: Text
    measures: list[Identifier] = Field(min_length=1)
    at_minutes: list[Minutes] = Field(default_factory=list)
    every_minutes: int | None = Field(default=None, ge=1, le=240)
    from_minutes: Minutes | None = None
    until_minutes: Minutes | None = None
    at_discharge: bool = False
    required: bool = Field(
        default=False,
        description="Every slot of this round must be recorded before discharge (e.g. BP at 40 min).",
    )
    grace_minutes: int = Field(default=5, ge=0, le=60)
    missed_after_minutes: int | None = Field(default=None, ge=1, le=240)

    @model_validator(mode="after")
    def _has_times(self) -> ObservationRound:
        if not self.at_minutes and self.every_minutes is None and not self.at_discharge:
            raise ValueError("a round needs at_minutes, every_minutes or at_discharge")
        if self.every_minutes is not None and (
            self.from_minutes is None or self.until_minutes is None
        ):
            raise ValueError("every_minutes needs from_minutes and until_minutes")
        if self.every_minutes is None and (
            self.from_minutes is not None or self.until_minutes is not None
        ):
            raise ValueError("from_minutes/until_minutes apply only with every_minutes")
        if (
            self.from_minutes is not None
            and self.until_minutes is not None
            and self.from_minutes > self.until_minutes
        ):
            raise ValueError("from_minutes is after until_minutes")
        if len(set(self.at_minutes)) != len(self.at_minutes):
            raise ValueError("at_minutes lists the same minute twice")
        return self

    def offsets(self) -> list[int]:
        """Every scheduled offset in minutes since T0, sorted, without duplicates."""
        times = set(self.at_minutes)
        if self.every_minutes is not None:
            assert self.from_minutes is not None and self.until_minutes is not None
            times.update(range(self.from_minutes, self.until_minutes + 1, self.every_minutes))
        return sorted(times)
