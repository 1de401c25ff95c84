"""What the pages and the API show of lawful-access objects: plain values, never personal data of a holder.

A target is shown masked (core/masking.py) to everyone but the agency that filed it; matched records are shown
only as counts until the result is downloaded by the requesting officer.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class DocumentView:
    object_id: str
    name: str
    document_type: str
    content_type: str
    size: int
    sha256: str
    added_by: str
    added_at: dt.datetime


@dataclass(frozen=True)
class TaskView:
    object_id: str
    authorisation_object_id: str
    reference: str  # the LDID
    request_type: str
    target_format: str
    target: str  # in full for the filing agency, masked for everyone else
    window_start: dt.datetime
    window_end: dt.datetime
    operator_code: str | None  # None: routed nowhere (no records); hidden from the agency, like the reason
    status: str  # for the agency: requester_task_status() (a refusal reads "DisclosureNotAvailable")
    reason: str | None  # the rejection's reason: operator and regulator only
    approved_by: str | None
    approved_at: dt.datetime | None
    approval_expires_at: dt.datetime | None
    released_by: str | None
    released_at: dt.datetime | None
    result_state: str | None  # available | downloaded | expired | destroyed; None: no result
    result_expires_at: dt.datetime | None


@dataclass(frozen=True)
class AuthorisationView:
    object_id: str
    agency_code: str
    reference: str
    legal_type: str  # Warrant | Emergency
    issuing_authority: str
    grounds: str | None
    timespan_start: dt.datetime
    timespan_end: dt.datetime
    status: str
    filed_by: str
    filed_at: dt.datetime
    endorsed_by: str | None
    endorsed_at: dt.datetime | None
    backing_due_at: dt.datetime | None
    backed_at: dt.datetime | None
    emergency_outcome: str | None
    escalated_at: dt.datetime | None
    documents: tuple[DocumentView, ...]
    tasks: tuple[TaskView, ...]


@dataclass(frozen=True)
class MatchPreview:
    """What a compliance officer sees before approving: how much, whose, when — no name, no document."""

    task_object_id: str
    operator_code: str | None
    match_outcome: str  # single | none | ambiguous (an ambiguous match cannot be approved)
    record_count: int  # registration records in the window
    holder_count: int  # distinct holders among them (1 for a single match)
    window_start: dt.datetime
    window_end: dt.datetime
    request_type: str
    legal_type: str
    has_warrant_document: bool


@dataclass(frozen=True)
class ResultDownload:
    """The single-use download: a zip of the records (JSON, TS 103 705 shape), its CMS signature when the CA
    exists, and the receipt (the release's audit event with its inclusion proof and the signed checkpoint)."""

    filename: str
    content: bytes
    media_type: str = "application/zip"
