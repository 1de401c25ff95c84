"""Request and response models of the consent API (realname/consent_api.py)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from telreg.core.schema_types import Instant
from telreg.realname.consent_models import CHANNELS, DECISIONS

__all__ = ["ConsentIn", "ConsentOut", "ConsentStateOut"]


class ConsentIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    number: str = Field(min_length=1, max_length=32, description="The holder's number, as typed")
    purpose: str = Field(min_length=1, max_length=48, description="One of the policy's consent purposes")
    decision: str = Field(min_length=1, max_length=12, description=f"One of {', '.join(DECISIONS)}")
    channel: str = Field(min_length=1, max_length=12, description=f"One of {', '.join(CHANNELS)}")
    given_at: dt.datetime = Field(description="When the holder gave it (a time without an offset is Hong Kong "
                                              "time); not in the future, not before the number's registration")
    reference: str | None = Field(None, max_length=100, description="A form's number, a call's ticket…")


class ConsentOut(BaseModel):
    id: int
    number: str = Field(description="Masked")
    purpose: str
    decision: Literal["granted", "withdrawn"]
    channel: str
    given_at: Instant
    recorded_at: Instant
    reference: str | None


class ConsentStateOut(BaseModel):
    allowed: bool = Field(description="True only when the instruction in force is a grant: no record, no use")
    decision: Literal["granted", "withdrawn"] | None
    given_at: Instant | None
    channel: str | None
