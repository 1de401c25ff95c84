"""Request and response models of the incidents API (api.py)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

__all__ = ["AffectedOut", "CloseIn", "IncidentIn", "IncidentOut", "IncidentSummaryOut", "StepDoneIn", "StepIn",
           "StepOut", "UnfreezeIn"]

Category = Literal["leak", "damage", "loss", "wrong-person-disclosure", "other"]  # models.CATEGORIES


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class IncidentIn(_Strict):
    title: str = Field(min_length=1, max_length=200)
    category: Category
    description: str = Field("", max_length=10_000)
    window_start: AwareDatetime = Field(description="When the incident may have started (with its time zone)")
    window_end: AwareDatetime = Field(description="When it ended or was found; not in the future")
    operator: str | None = Field(None, max_length=32, description="The operator concerned; empty: platform-wide")
    accounts: list[str] = Field(default_factory=list, max_length=100, description="Staff usernames to freeze")
    api_keys: list[str] = Field(default_factory=list, max_length=100, description="Sender API key numbers to "
                                                                                  "revoke (cannot be undone)")
    certificates: list[str] = Field(default_factory=list, max_length=100, description="e-Cert serials to hold")
    two_factor: list[str] = Field(default_factory=list, max_length=100,
                                  description="Staff usernames whose authenticator to remove (enrol again)")


class StepIn(_Strict):
    text: str = Field(min_length=1, max_length=500)
    due_at: AwareDatetime
    owner: str | None = Field(None, max_length=64, description="A staff username; default: you")


class StepDoneIn(_Strict):
    note: str | None = Field(None, max_length=2000)


class CloseIn(_Strict):
    summary: str = Field(min_length=1, max_length=10_000)


class UnfreezeIn(_Strict):
    kind: Literal["account", "certificate", "api-key", "two-factor"]
    identifier: str = Field(min_length=1, max_length=100)


class ScopeOut(BaseModel):
    kind: str
    identifier: str
    frozen_at: dt.datetime | None
    frozen_by: str | None
    outcome: str
    unfrozen_at: dt.datetime | None
    unfrozen_by: str | None


class StepOut(BaseModel):
    id: int
    position: int
    text: str
    owner: str
    due_at: dt.datetime
    done_at: dt.datetime | None
    done_by: str | None
    note: str | None


class IncidentSummaryOut(BaseModel):
    reference: str
    title: str
    category: str
    state: str
    operator: str | None
    window_start: dt.datetime
    window_end: dt.datetime
    opened_by: str
    opened_at: dt.datetime


class IncidentOut(IncidentSummaryOut):
    description: str
    contained_at: dt.datetime | None
    contained_by: str | None
    closed_at: dt.datetime | None
    closed_by: str | None
    closing_summary: str | None
    scope: list[ScopeOut]
    steps: list[StepOut]


class AffectedEventOut(BaseModel):
    at: dt.datetime
    action: str


class AffectedHolderOut(BaseModel):
    name: str = Field(description="Masked")
    document_type: str
    document_number: str = Field(description="Masked")
    numbers: list[str] = Field(description="Masked")
    operators: list[str]
    events: list[AffectedEventOut]


class AffectedOut(BaseModel):
    reference: str
    holders: list[AffectedHolderOut]
    numbers_without_holder: dict[str, list[str]] = Field(description="Operator code -> masked numbers")
    operators: list[str]
    events: int
