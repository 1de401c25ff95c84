"""Request and response models of the do-not-call API."""

from __future__ import annotations

from pydantic import BaseModel, Field


class RegisterStatus(BaseModel):
    listed: bool
    registered_on: str | None = Field(None, description="ISO date the number was listed")
    protected_from: str | None = Field(None, description="ISO date protection starts (10th working day after)")

    model_config = {"json_schema_extra": {"examples": [{"listed": True, "registered_on": "2026-03-02",
                                                         "protected_from": "2026-03-13"}]}}


class NumberStatus(BaseModel):
    number: str = Field(description="8-digit national number")
    registers: dict[str, RegisterStatus]
