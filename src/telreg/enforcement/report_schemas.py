"""Request and response documents of the report API (reports_api.py)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, Field

__all__ = ["AccessCodeIn", "CodeIn", "OfficerReportOut", "ProofOut", "ReportDetailOut", "ReportListOut",
           "ReportStatusOut", "ReportSummaryOut", "SubmissionOut"]


class SubmissionOut(BaseModel):
    reference: str
    state: str
    code_sent_to: str | None = Field(None, description="The receiving number, masked, when a code was sent to it")
    duplicate: bool = Field(description="The same report was made within the window: this is the first one")


class CodeIn(BaseModel):
    code: str = Field(min_length=1, max_length=20, description="The 6-digit code sent to the receiving number")


class AccessCodeIn(BaseModel):
    access_code: str = Field(min_length=1, max_length=64)


class ProofOut(BaseModel):
    reference: str
    state: str
    access_code: str = Field(description="Shown once: with the reference it shows the report's state")


class ReportStatusOut(BaseModel):
    reference: str
    state: str
    stage: str = Field(description="being-assessed | investigation | action-taken | closed | awaiting-proof | "
                                   "lapsed | withdrawn")
    stage_text: str
    received_at: dt.datetime
    arrived_at: dt.datetime
    # "register" would shadow BaseModel.register, so the field carries the name as its alias.
    register_: str = Field(alias="register")
    receiving_number: str


class ReportSummaryOut(BaseModel):
    reference: str
    source: str
    state: str
    receiving_number: str
    register_: str = Field(alias="register")
    arrived_at: dt.datetime
    sender_identification: str
    sender_number: str | None = None
    verdict: str | None = None
    case: str | None = None
    recorded_by: str | None = None
    created_at: dt.datetime
    proved_at: dt.datetime | None = None


class OfficerReportOut(ReportSummaryOut):
    access_code: str = Field(description="Give it to the reporter: it is not shown again")


class ReportListOut(BaseModel):
    items: list[ReportSummaryOut]
    total: int
    page: int
    per_page: int


class AttachmentOut(BaseModel):
    id: int
    kind: str
    filename: str
    content_type: str
    sha256: str
    size: int


class ReportDetailOut(ReportSummaryOut):
    message_text: str
    language: str
    proof: str | None = None
    contact_kind: str
    contact: str | None = None
    assessment: dict[str, Any] | None = None
    assessed_at: dt.datetime | None = None
    seed_assignment_id: int | None = None
    stage: str
    case_state: str | None = None
    attachments: list[AttachmentOut]
