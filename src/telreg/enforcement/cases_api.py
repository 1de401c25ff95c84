"""HTTP API of enforcement cases, notices, documents and the fine scale (the regulator; an administrator passes).
Changes send ``X-CSRF-Token``.

- ``GET /api/v1/enforcement/cases`` (``?state=&origin=&register=&limit=&offset=``); ``GET .../cases/{reference}``
  the case with its reports, events, documents and notices.
- ``POST .../cases/{reference}/investigation`` ``{"investigator"}``; ``/information-requests``
  ``{"questions", "reply_days"}`` (201, the letter's document); ``/replies`` and ``/evidence`` (multipart);
  ``/decision`` ``{"decision", "reason"}``; ``/link-account`` ``{"account_id"}``; ``/close`` ``{"note"}``;
  ``/notices`` ``{"contravention", "steps", "deadline"}`` (201).
- ``POST /api/v1/enforcement/notices/{reference}/service`` ``{"method", "served_at"}``; ``/compliance-check``;
  ``/referral`` ``{"prior_convictions", "reason"}``.
- ``GET /api/v1/enforcement/documents/{reference}`` the file (its SHA-256 verified first);
  ``POST .../documents/{reference}/service`` records an information request's service.
- ``GET /api/v1/enforcement/fines`` the scale (``?on=`` a date: the rows in force then); ``POST`` a revision.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Form, Query, Response, UploadFile
from pydantic import BaseModel, Field

from telreg.core.clock import today
from telreg.core.exports import attachment
from telreg.core.uploads import UploadBatch
from telreg.deps import DbSession, RuntimeDep
from telreg.enforcement import cases, documents, fines, notices
from telreg.enforcement.case_common import get_case, get_notice
from telreg.enforcement.case_views import case_detail, case_summary, document_view
from telreg.enforcement.deps import OFFICER_CHANGE, EnforcementOfficer
from telreg.enforcement.vocabulary import (
    CASE_DECISIONS,
    CASE_ORIGINS,
    CASE_STATES,
    OFFENCES,
    REGISTERS,
    SERVICE_METHODS,
)
from telreg.web.input_guard import ROW_ID_MAX

__all__ = ["router"]

router = APIRouter(prefix="/api/v1/enforcement", tags=["enforcement cases"])
CaseState = Literal[CASE_STATES]  # type: ignore[valid-type]
Origin = Literal[CASE_ORIGINS]  # type: ignore[valid-type]
RegisterName = Literal[REGISTERS]  # type: ignore[valid-type]


class InvestigationIn(BaseModel):
    investigator: str | None = Field(None, max_length=100, description="Default: the officer calling")


class InformationRequestIn(BaseModel):
    questions: list[Annotated[str, Field(max_length=2000)]] = Field(min_length=1, max_length=30)
    reply_days: int | None = Field(None, ge=1, le=366, description="Default: TELREG_INFORMATION_REPLY_DAYS")


class DecisionIn(BaseModel):
    decision: Literal[CASE_DECISIONS]  # type: ignore[valid-type]
    reason: str = Field(min_length=1, max_length=2000)


class LinkAccountIn(BaseModel):
    account_id: int = Field(ge=1, le=ROW_ID_MAX)


class CloseIn(BaseModel):
    note: str = Field(min_length=1, max_length=2000)


class NoticeIn(BaseModel):
    contravention: str | None = Field(None, max_length=5000, description="Default: from the case's reports")
    steps: list[Annotated[str, Field(max_length=1000)]] | None = Field(None, max_length=20)
    deadline: dt.date | None = Field(None, description="Default: today + TELREG_NOTICE_COMPLIANCE_DAYS")


class ServiceIn(BaseModel):
    method: Literal[SERVICE_METHODS]  # type: ignore[valid-type]
    served_at: dt.datetime | None = Field(None, description="Default: now; Hong Kong time unless an offset is given")


class ReferralIn(BaseModel):
    prior_convictions: int = Field(ge=0, le=100)
    reason: str = Field(min_length=1, max_length=2000)


class FineRateIn(BaseModel):
    offence: Literal[OFFENCES]  # type: ignore[valid-type]
    amount_cents: int = Field(gt=0, le=2_147_483_647, description="HK cents")
    effective_from: dt.date
    legal_reference: str = Field(min_length=1, max_length=200)
    level: int | None = Field(None, ge=1, le=6)
    imprisonment_years: int | None = Field(None, ge=0, le=50)


def _detail(session: Any, reference: str) -> dict[str, Any]:
    return case_detail(session, get_case(session, reference))


# ---- cases ------------------------------------------------------------------------------------------------

@router.get("/cases")
def list_cases(session: DbSession, user: EnforcementOfficer, state: CaseState | None = None,
               origin: Origin | None = None, register: RegisterName | None = None,
               limit: Annotated[int, Query(ge=1, le=500)] = 50,
               offset: Annotated[int, Query(ge=0, le=ROW_ID_MAX)] = 0) -> dict[str, Any]:
    """Cases, most recently changed first: state, origin, sender, counts of reports by verdict, the latest
    notice's deadline."""
    rows = cases.list_cases(session, state=state, origin=origin, register=register, limit=limit, offset=offset)
    return {"total": cases.count_cases(session, state=state, origin=origin, register=register),
            "limit": limit, "offset": offset, "cases": [case_summary(session, row) for row in rows]}


@router.get("/cases/{reference}")
def get_case_detail(reference: str, session: DbSession, user: EnforcementOfficer) -> dict[str, Any]:
    """One case: the sender (account or identification, with candidate accounts when ambiguous), its reports with
    verdicts, the timeline of events, documents and notices."""
    return _detail(session, reference)


@router.post("/cases/{reference}/investigation", dependencies=OFFICER_CHANGE)
def open_investigation(reference: str, body: InvestigationIn, session: DbSession, runtime: RuntimeDep,
                       user: EnforcementOfficer) -> dict[str, Any]:
    """Open the investigation of a collecting case (409 enforcement_step_refused in another state)."""
    case = cases.open_investigation(session, clock=runtime.clock, case=reference, officer=user.username,
                                    investigator=body.investigator)
    return case_detail(session, case)


@router.post("/cases/{reference}/information-requests", status_code=201, dependencies=OFFICER_CHANGE)
def request_information(reference: str, body: InformationRequestIn, session: DbSession, runtime: RuntimeDep,
                        user: EnforcementOfficer) -> dict[str, Any]:
    """Generate a dated letter (PDF) asking the sender the questions, with the reply deadline and legal basis."""
    row = cases.request_information(session, clock=runtime.clock, settings=runtime.settings, case=reference,
                                    officer=user.username, questions=body.questions, reply_days=body.reply_days)
    return document_view(row)


def _upload(runtime: Any, file: UploadFile | None, batch: UploadBatch) -> Any:
    if file is None or not (file.filename or ""):
        return None
    return batch.receive(file, filename=file.filename or "upload")


@router.post("/cases/{reference}/replies", status_code=201, dependencies=OFFICER_CHANGE)
def record_reply(reference: str, session: DbSession, runtime: RuntimeDep, user: EnforcementOfficer,
                 text: Annotated[str, Form(max_length=5000)], received_on: Annotated[dt.date, Form()],
                 file: Annotated[UploadFile | None, File(description="The reply as received: PDF, PNG or JPEG")]
                 = None) -> dict[str, Any]:
    """Record the sender's reply (multipart: text, received_on, optional file)."""
    with UploadBatch.for_request(runtime, area=documents.AREA) as batch:
        row = cases.record_reply(session, clock=runtime.clock, settings=runtime.settings, case=reference,
                                 officer=user.username, text=text, received_on=received_on,
                                 content=_upload(runtime, file, batch), filename=file.filename if file else None)
        return document_view(row)


@router.post("/cases/{reference}/evidence", status_code=201, dependencies=OFFICER_CHANGE)
def add_evidence(reference: str, session: DbSession, runtime: RuntimeDep, user: EnforcementOfficer,
                 description: Annotated[str, Form(max_length=2000)],
                 file: Annotated[UploadFile, File(description="PDF, PNG or JPEG")]) -> dict[str, Any]:
    """File a piece of evidence (multipart: description, file; type-checked by content)."""
    with UploadBatch.for_request(runtime, area=documents.AREA) as batch:
        row = cases.add_evidence(session, clock=runtime.clock, settings=runtime.settings, case=reference,
                                 officer=user.username, description=description,
                                 content=batch.receive(file, filename=file.filename or "evidence"),
                                 filename=file.filename or "evidence")
        return document_view(row)


@router.post("/cases/{reference}/decision", dependencies=OFFICER_CHANGE)
def decide(reference: str, body: DecisionIn, session: DbSession, runtime: RuntimeDep,
           user: EnforcementOfficer) -> dict[str, Any]:
    """Decide an investigation: no-action (closes the case), warning, or enforcement-notice."""
    case = cases.decide(session, clock=runtime.clock, case=reference, officer=user.username,
                        decision=body.decision, reason=body.reason)
    return case_detail(session, case)


@router.post("/cases/{reference}/link-account", dependencies=OFFICER_CHANGE)
def link_account(reference: str, body: LinkAccountIn, session: DbSession, runtime: RuntimeDep,
                 user: EnforcementOfficer) -> dict[str, Any]:
    """Settle who the sender is: the case is keyed to the account (merged into the account's open case if it has
    one; the answer is then that case) and the identification becomes the account's alias."""
    case = cases.link_account(session, clock=runtime.clock, case=reference, account_id=body.account_id,
                              officer=user.username)
    return case_detail(session, case)


@router.post("/cases/{reference}/close", dependencies=OFFICER_CHANGE)
def close_case(reference: str, body: CloseIn, session: DbSession, runtime: RuntimeDep,
               user: EnforcementOfficer) -> dict[str, Any]:
    """Close an open case with a note (refused while a notice awaits its compliance check)."""
    return case_detail(session, cases.close_case(session, clock=runtime.clock, case=reference,
                                                 officer=user.username, note=body.note))


@router.post("/cases/{reference}/notices", status_code=201, dependencies=OFFICER_CHANGE)
def issue_notice(reference: str, body: NoticeIn, session: DbSession, runtime: RuntimeDep,
                 user: EnforcementOfficer) -> dict[str, Any]:
    """Issue an enforcement notice (bilingual PDF) in a case decided enforcement-notice."""
    notice = notices.issue_notice(session, clock=runtime.clock, settings=runtime.settings, case=reference,
                                  officer=user.username, contravention=body.contravention, steps=body.steps,
                                  deadline=body.deadline)
    return notices.notice_view(session, notice)


# ---- notices ----------------------------------------------------------------------------------------------

@router.get("/notices/{reference}")
def get_notice_detail(reference: str, session: DbSession, user: EnforcementOfficer) -> dict[str, Any]:
    """One notice: contravention, steps, deadline, service, compliance result, referral."""
    return notices.notice_view(session, get_notice(session, reference))


@router.post("/notices/{reference}/service", dependencies=OFFICER_CHANGE)
def serve_notice(reference: str, body: ServiceIn, session: DbSession, runtime: RuntimeDep,
                 user: EnforcementOfficer) -> dict[str, Any]:
    """Record the notice's service (method, date): its document can no longer change. 409 when served already."""
    notice = notices.serve_notice(session, clock=runtime.clock, notice=reference, officer=user.username,
                                  method=body.method, served_at=body.served_at)
    return notices.notice_view(session, notice)


@router.post("/notices/{reference}/compliance-check", dependencies=OFFICER_CHANGE)
def check_compliance(reference: str, session: DbSession, runtime: RuntimeDep,
                     user: EnforcementOfficer) -> dict[str, Any]:
    """Check compliance after the deadline (409 before it): reports after the deadline with adverse verdicts are
    flagged → breached; none → complied."""
    notice = notices.check_compliance(session, clock=runtime.clock, notice=reference, officer=user.username)
    return notices.notice_view(session, notice)


@router.post("/notices/{reference}/referral", dependencies=OFFICER_CHANGE)
def refer(reference: str, body: ReferralIn, session: DbSession, runtime: RuntimeDep,
          user: EnforcementOfficer) -> dict[str, Any]:
    """Refer a breached notice for prosecution with the fine scale as it stands today (amounts in HK cents)."""
    notice = notices.refer(session, clock=runtime.clock, notice=reference, officer=user.username,
                           prior_convictions=body.prior_convictions, reason=body.reason)
    return notices.notice_view(session, notice)


# ---- documents --------------------------------------------------------------------------------------------

@router.get("/documents/{reference}", response_class=Response, responses={
    200: {"description": "The document's file", "content": {"application/pdf": {}, "image/png": {}, "image/jpeg": {}}},
    409: {"description": "enforcement_document_altered: the stored file does not match its SHA-256"}})
def get_document(reference: str, session: DbSession, user: EnforcementOfficer) -> Response:
    """A case document's file, verified against its recorded SHA-256 first (an altered file is never served)."""
    row, content = documents.open_document(session, reference=reference)
    return Response(content, media_type=row.content_type, headers={
        "Content-Disposition": attachment(row.filename), "Cache-Control": "no-store",
        "X-Content-SHA256": row.sha256})


@router.post("/documents/{reference}/service", dependencies=OFFICER_CHANGE)
def serve_document(reference: str, body: ServiceIn, session: DbSession, runtime: RuntimeDep,
                   user: EnforcementOfficer) -> dict[str, Any]:
    """Record a letter's service (method, date): it can no longer change. 409 when served already."""
    row = cases.serve_document(session, clock=runtime.clock, document=reference, officer=user.username,
                               method=body.method, served_at=body.served_at)
    return document_view(row)


# ---- the fine scale ---------------------------------------------------------------------------------------

@router.get("/fines")
def fine_scale(session: DbSession, runtime: RuntimeDep, user: EnforcementOfficer,
               on: dt.date | None = None) -> dict[str, Any]:
    """The fine scale: every row (current and past), and the rows in force on ``on`` (default today)."""
    day = on or today(runtime.clock)
    return {"on": day.isoformat(),
            "in_force": {k: fines.rate_view(v) for k, v in fines.scale_on(session, day).items()},
            "rows": [fines.rate_view(row) for row in fines.list_rates(session)]}


@router.post("/fines", status_code=201, dependencies=OFFICER_CHANGE)
def add_fine_rate(body: FineRateIn, session: DbSession, runtime: RuntimeDep,
                  user: EnforcementOfficer) -> dict[str, Any]:
    """Add a revision of an offence's penalty from a date (today or later); rows are never edited."""
    row = fines.add_rate(session, clock=runtime.clock, offence=body.offence, amount_cents=body.amount_cents,
                         effective_from=body.effective_from, legal_reference=body.legal_reference,
                         officer=user.username, level=body.level, imprisonment_years=body.imprisonment_years)
    return fines.rate_view(row)
