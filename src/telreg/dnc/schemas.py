"""Request and response models of the do-not-call API."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from telreg.core.schema_types import Instant


class RegisterStatus(BaseModel):
    listed: bool
    registered_on: str | None = Field(None, description="ISO date the number was listed")
    protected_from: str | None = Field(None, description="ISO date protection starts (10th working day after)")


class NumberStatus(BaseModel):
    """The stable status document; `telreg dnc status NUMBER --json` prints the same."""

    number: str = Field(description="8-digit national number")
    registers: dict[str, RegisterStatus]

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "number": "21234567",
        "registers": {"fax": {"listed": True, "registered_on": "2026-03-02", "protected_from": "2026-03-13"},
                      "sms": {"listed": False}, "prerecorded": {"listed": False}},
    }]})


class ListingEventOut(BaseModel):
    at: str
    event: str
    # "register" would shadow BaseModel.register, so the field carries the name as its alias.
    register_: str | None = Field(alias="register")
    actor: str
    details: dict[str, Any]


class ChangeOutcomeOut(BaseModel):
    number: str
    register_: str = Field(alias="register")
    result: str = Field(description="registered | already-listed | deregistered | not-listed")
    registered_on: str | None = None
    protected_from: str | None = None


class PaperApplicationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    number: str
    registers: list[str]
    action: str
    applicant_name: str
    bill_filename: str
    bill_sha256: str
    status: str
    submitted_by: str
    submitted_at: Instant
    decided_by: str | None
    decided_at: Instant | None
    decision_reason: str | None


class RejectRequest(BaseModel):
    reason: str = Field(min_length=1, max_length=500)


class FeedRunOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    operator: str
    filename: str
    sha256: str
    status: str
    lines: int
    numbers: int
    removed: int
    errors: list[dict[str, Any]]
    started_at: Instant
    finished_at: Instant
    imported_by: str
