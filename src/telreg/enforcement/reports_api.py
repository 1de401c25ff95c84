"""HTTP API of the public's reports: make a report, prove the receiving number, see its state; officers record
phone and paper reports and read every received report with its assessment.

Public routes are limited per address (the shared rate limiter). The one-time code goes to the receiving number;
keying it back answers with the report's access code, once. The status look-up is a POST so that the access code
is in no URL or log.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import FileResponse

from telreg.core import rate_limits
from telreg.core.access import Public
from telreg.core.db import unit_of_work
from telreg.core.i18n import language_from_header
from telreg.deps import DbSession, RuntimeDep
from telreg.enforcement import reports, reports_input, reports_officer
from telreg.enforcement.deps import OFFICER_CHANGE, EnforcementOfficer
from telreg.enforcement.report_schemas import (
    AccessCodeIn,
    CodeIn,
    OfficerReportOut,
    ProofOut,
    ReportDetailOut,
    ReportListOut,
    ReportStatusOut,
    SubmissionOut,
)

__all__ = ["REPORTS_PER_HOUR", "router"]

router = APIRouter(tags=["enforcement"])
REPORTS_PER_HOUR = 10  # reports one address may make in an hour
CODES_PER_HOUR = 30  # codes (and status look-ups) one address may key in an hour


def _limit(request: Request, session: Any, runtime: Any, scope: str, limit: int) -> None:
    rate_limits.hit(session, clock=runtime.clock, scope=scope, key=rate_limits.client_address(request),
                    limit=limit, window_seconds=3600)


def _lang(request: Request) -> str:
    return language_from_header(request.headers.get("accept-language", ""))


def receive_uploads(runtime: Any, uploads: list[UploadFile]) -> list[Any]:
    """Stream the attachments to pending files (checked); a refusal discards those already received."""
    reports_input.check_count(runtime.settings, len([u for u in uploads if u.filename]))
    received: list[Any] = []
    try:
        for upload in uploads:
            if not upload.filename:
                continue  # an empty file input of a form
            received.append(reports_input.receive_attachment(runtime.settings, stream=upload,
                                                             filename=upload.filename))
    except BaseException:
        from telreg.core.files import discard

        for pending in received:
            discard(pending)
        raise
    return received


@router.post("/api/v1/reports", response_model=SubmissionOut, status_code=202, dependencies=[Public],
             responses={422: {"description": "enforcement_report_invalid"}, 429: {"description": "rate_limited"}})
def submit_report(
    request: Request, session: DbSession, runtime: RuntimeDep,
    receiving_number: Annotated[str, Form(description="The Hong Kong number that received the message")],
    register_: Annotated[str, Form(alias="register", description="fax | sms | prerecorded | unsure")],
    arrived_at: Annotated[str, Form(description="When it arrived: 2026-12-01 14:30 (Hong Kong time unless an "
                                                "offset is given)")],
    sender_identification: Annotated[str, Form(description="The sender's number or name as shown")],
    message_text: Annotated[str, Form(description="The message's text (needed unless something is attached)")] = "",
    contact_kind: Annotated[str, Form(description="email | sms | none")] = "none",
    contact: Annotated[str, Form(description="The e-mail address or mobile number for the acknowledgement")] = "",
    attachments: Annotated[list[UploadFile], File(description="Screenshot, fax image or recording")] = [],  # noqa: B006
) -> Any:
    """Report a message sent to a listed number. The report waits for proof: a 6-digit code is sent to the
    receiving number (SMS for a mobile, a call for a fixed line); key it at ``/reports/{reference}/proof``.
    The same report made again within the window answers with the first (``duplicate``: true)."""
    _limit(request, session, runtime, "enforcement-report", REPORTS_PER_HOUR)
    pending = receive_uploads(runtime, attachments)
    result = reports.submit(session, runtime=runtime, receiving_number=receiving_number, register=register_,
                            arrived_at=arrived_at, sender_identification=sender_identification,
                            message_text=message_text, contact_kind=contact_kind, contact=contact,
                            language=_lang(request), attachments=pending)
    return {"reference": result.report.reference, "state": result.report.state,
            "code_sent_to": result.code_sent_to, "duplicate": result.duplicate}


@router.post("/api/v1/reports/{reference}/proof", response_model=ProofOut, dependencies=[Public],
             responses={422: {"description": "enforcement_code_refused"},
                        404: {"description": "enforcement_report_not_found"}, 429: {"description": "rate_limited"}})
def prove_report(reference: str, body: CodeIn, request: Request, runtime: RuntimeDep) -> Any:
    """Key the code sent to the receiving number: the report is received and its access code shown, once.
    A wrong code is counted (the report lapses after ``report_code_attempts``)."""
    with unit_of_work(runtime.session_factory) as session:  # the count of wrong codes is kept, then refused
        _limit(request, session, runtime, "enforcement-report-code", CODES_PER_HOUR)
        proof = reports.prove(session, runtime=runtime, reference=reference, code=body.code)
        answer = None if proof.report is None else {"reference": proof.report.reference,
                                                    "state": proof.report.state, "access_code": proof.access_code}
    if proof.refused is not None:
        raise proof.refused
    return answer


@router.post("/api/v1/reports/{reference}/code", response_model=SubmissionOut, status_code=202,
             dependencies=[Public], responses={422: {"description": "enforcement_code_refused"},
                                               429: {"description": "rate_limited"}})
def resend_code(reference: str, request: Request, session: DbSession, runtime: RuntimeDep) -> Any:
    """Send a new code to the receiving number (at most 3 codes per report); the earlier one stops working."""
    _limit(request, session, runtime, "enforcement-report-code", CODES_PER_HOUR)
    report = reports.resend_code(session, runtime=runtime, reference=reference)
    from telreg.core.masking import mask_number

    return {"reference": report.reference, "state": report.state,
            "code_sent_to": mask_number(report.receiving_number), "duplicate": False}


@router.post("/api/v1/reports/{reference}/status", response_model=ReportStatusOut, dependencies=[Public],
             responses={404: {"description": "enforcement_report_not_found"}, 429: {"description": "rate_limited"}})
def report_status(reference: str, body: AccessCodeIn, request: Request, session: DbSession,
                  runtime: RuntimeDep) -> Any:
    """The state of a report, for whoever holds its reference and access code (a wrong code and an unknown
    reference answer the same)."""
    _limit(request, session, runtime, "enforcement-report-status", CODES_PER_HOUR)
    return reports.reporter_status(session, reference=reference, access_code=body.access_code,
                                   lang=_lang(request))


# ---- officers ------------------------------------------------------------------------------------------------

@router.post("/api/v1/enforcement/reports", response_model=OfficerReportOut, status_code=201,
             dependencies=OFFICER_CHANGE, responses={422: {"description": "enforcement_report_invalid"}})
def record_report(
    session: DbSession, runtime: RuntimeDep, officer: EnforcementOfficer,
    source: Annotated[str, Form(description="phone | paper | operator-feed")],
    receiving_number: Annotated[str, Form()],
    register_: Annotated[str, Form(alias="register")],
    arrived_at: Annotated[str, Form()],
    sender_identification: Annotated[str, Form()],
    message_text: Annotated[str, Form()] = "",
    contact_kind: Annotated[str, Form()] = "none",
    contact: Annotated[str, Form()] = "",
    language: Annotated[str, Form(description="en | zh-Hant | zh-Hans: the reporter's")] = "en",
    attachments: Annotated[list[UploadFile], File()] = [],  # noqa: B006
) -> Any:
    """Record a report taken on the phone or on paper: received at once (assessed, filed, acknowledged).
    The answer carries the access code to give the reporter."""
    pending = receive_uploads(runtime, attachments)
    report, access_code = reports.record_report(
        session, runtime=runtime, officer_username=officer.username, source=source,
        receiving_number=receiving_number, register=register_, arrived_at=arrived_at,
        sender_identification=sender_identification, message_text=message_text, contact_kind=contact_kind,
        contact=contact, language=language, attachments=pending)
    return {**reports_officer.report_summary(report), "access_code": access_code}


@router.get("/api/v1/enforcement/reports", response_model=ReportListOut)
def list_reports(session: DbSession, officer: EnforcementOfficer, state: str | None = None,
                 verdict: str | None = None, register: str | None = None, source: str | None = None,
                 month: Annotated[str | None, Query(description="YYYY-MM (Hong Kong time)")] = None,
                 page: Annotated[int, Query(ge=1)] = 1,
                 per_page: Annotated[int, Query(ge=1, le=200)] = 50) -> Any:
    """Received reports, newest first (none awaiting proof), filtered by state, verdict, register, source or
    month."""
    found = reports_officer.list_reports(session, state=state, verdict=verdict, register=register, source=source,
                                         month=month, page=page, per_page=per_page)
    return {"items": found.items, "total": found.total, "page": found.page, "per_page": found.per_page}


@router.get("/api/v1/enforcement/reports/{reference}", response_model=ReportDetailOut,
            responses={404: {"description": "enforcement_report_not_found"}})
def report_detail(reference: str, session: DbSession, runtime: RuntimeDep, officer: EnforcementOfficer) -> Any:
    """Everything about one report: the assessment line by line, attachments, the reporter's contact (the read
    is audited)."""
    return reports_officer.report_detail(session, runtime=runtime, reference=reference, officer=officer.username)


@router.get("/api/v1/enforcement/reports/{reference}/attachments/{attachment_id}", response_class=FileResponse,
            responses={404: {"description": "enforcement_report_not_found"}})
def report_attachment(reference: str, attachment_id: int, session: DbSession, runtime: RuntimeDep,
                      officer: EnforcementOfficer) -> Any:
    """One attachment's file, as it was received."""
    attachment, path = reports_officer.open_attachment(session, runtime=runtime, reference=reference,
                                                       attachment_id=attachment_id)
    return FileResponse(path, media_type=attachment.content_type, filename=attachment.filename,
                        headers={"Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"})


@router.post("/api/v1/enforcement/reports/{reference}/reassess", dependencies=OFFICER_CHANGE,
             responses={404: {"description": "enforcement_report_not_found"}})
def reassess(reference: str, session: DbSession, runtime: RuntimeDep, officer: EnforcementOfficer) -> Any:
    """Recompute the report's assessment from the records as they stand now; returns it."""
    return reports_officer.reassess(session, runtime=runtime, reference=reference, officer=officer.username)
