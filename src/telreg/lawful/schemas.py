"""Request and response models of lawful access's JSON API (api.py).

The HI-1 endpoint itself speaks ETSI TS 103 120 (XML or JSON, hi1/codec.py), not these models: they are for the
steps outside HI-1 — a supervisor's endorsement, an operator's decisions, the match preview and the queue.
"""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["EndorseIn", "MatchPreviewOut", "ReasonIn", "RefuseIn", "TaskOut"]

REASON_CHARS = 2000  # the service refuses a longer reason with its own sentence; this only bounds the body


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class EndorseIn(_Strict):
    note: str | None = Field(None, max_length=REASON_CHARS, description="Optional note kept with the endorsement")


class RefuseIn(_Strict):
    reason: str = Field(max_length=REASON_CHARS, description="Why the emergency request is not endorsed")


class ReasonIn(_Strict):
    reason: str = Field(max_length=REASON_CHARS, description="The reason recorded with the decision (required)")


class TaskOut(BaseModel):
    """An LDTask as the operator's compliance officer sees it: the target masked, the reason of a rejection."""

    object_id: str
    authorisation_object_id: str
    reference: str = Field(description="The LDID")
    request_type: str = Field(description="SubscriberData | RegistrationHistory")
    target_format: str = Field(description="InternationalE164 | ICCID | IdentityDocument")
    target: str = Field(description="Masked")
    window_start: dt.datetime
    window_end: dt.datetime
    operator_code: str | None
    status: str = Field(description="LDTaskStatus (ETSI TS 103 120)")
    reason: str | None
    approved_by: str | None
    approved_at: dt.datetime | None
    approval_expires_at: dt.datetime | None
    released_by: str | None
    released_at: dt.datetime | None
    result_state: str | None = Field(description="available | downloaded | expired | destroyed; null: no result")
    result_expires_at: dt.datetime | None


class MatchPreviewOut(BaseModel):
    """What a compliance officer sees before approving: how many records, whose operator, which window."""

    task_object_id: str
    operator_code: str | None
    match_outcome: str = Field(description="single | none | ambiguous (an ambiguous match cannot be approved)")
    record_count: int
    holder_count: int
    window_start: dt.datetime
    window_end: dt.datetime
    request_type: str
    legal_type: str = Field(description="Warrant | Emergency")
    has_warrant_document: bool
