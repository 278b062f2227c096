"""What every protocol model is made of: the base model, ids, text, minutes and ranges.

See models.py for the protocol itself.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

Identifier = Annotated[
    str,
    Field(
        pattern=r"^[a-z][a-z0-9_-]*$",
        min_length=1,
        max_length=64,
        description="Lower-case id: letters, digits, '_' and '-', starting with a letter.",
    ),
]
Text = Annotated[str, Field(min_length=1, max_length=2000)]
Minutes = Annotated[int, Field(ge=0, le=24 * 60, description="Minutes since T0 (first dose).")]


class Model(BaseModel):
    """Base for every protocol model: unknown keys are errors, loaded protocols are immutable.

    TOML can spell `inf` and `nan`; neither is a usable dose, range or threshold (a `nan`
    threshold never trips), so numbers must be finite."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True, allow_inf_nan=False)


class Range(Model):
    """An inclusive numeric range."""

    min: float
    max: float

    @model_validator(mode="after")
    def _ordered(self) -> Range:
        if self.min > self.max:
            raise ValueError(f"min ({self.min:g}) is greater than max ({self.max:g})")
        return self

    def contains(self, value: float) -> bool:
        return self.min <= value <= self.max
