"""The regulator's report pages: /staff/enforcement/reports (the queue of received reports, filtered and paged),
/staff/enforcement/reports/new (a report taken by phone or on paper) and /staff/enforcement/reports/{reference}
(the message, its attachments, the reporter's contact on request, the assessment line by line with the rule behind
each, the verdict and the case).

Who: a regulator (an administrator passes). Each change calls one service function of enforcement/reports.py; a
refusal shows the page again with the service's sentence, next to the field it concerns, input kept.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from telreg.core import files as files_core
from telreg.core.errors import DomainError
from telreg.deps import DbSession, RuntimeDep
from telreg.enforcement import assessment as assessing
from telreg.enforcement import reports as service
from telreg.enforcement import reports_input, reports_officer
from telreg.enforcement.deps import OFFICER_CHANGE, EnforcementOfficer
from telreg.enforcement.models import Case, Report, ReportAttachment
from telreg.enforcement.vocabulary import REGISTER_CLAIMS, REPORT_SOURCES, REPORT_STATES, VERDICTS
from telreg.runtime import Runtime
from telreg.web import i18n, paging
from telreg.web.enforcement import officer_messages  # noqa: F401 - registers the keyed words
from telreg.web.enforcement.officer_common import PAGE, Form, Uploads, actor, explain, text
from telreg.web.render import flash, redirect, render

__all__ = ["router"]

router = APIRouter(prefix=f"{PAGE}/reports")
QUEUE = f"{PAGE}/reports"
FILTERS = {"state": REPORT_STATES, "verdict": VERDICTS, "register": REGISTER_CLAIMS, "source": REPORT_SOURCES}
RECORD_FIELDS = ("source", "receiving_number", "register", "arrived_at", "sender_identification", "message_text",
                 "contact_kind", "contact", "language")
OFFICER_SOURCES = ("phone", "paper")


def _where(reference: str) -> str:
    return f"{QUEUE}/{reference}"


def _find(session: Session, reference: str) -> Report:

    return reports_officer.get_report(session, reference)


@router.get("", response_class=HTMLResponse)
def reports_page(request: Request, session: DbSession, user: EnforcementOfficer) -> HTMLResponse:
    """The received reports, newest first, filtered by state, verdict, register and source."""
    chosen = {name: request.query_params.get(name, "") for name in FILTERS}
    chosen = {name: value if value in FILTERS[name] else "" for name, value in chosen.items()}
    if chosen["state"] == "awaiting-proof":
        chosen["state"] = ""
    asked = {name: value or None for name, value in chosen.items()}
    total = reports_officer.list_reports(session, **asked, page=1, per_page=1).total
    paged = paging.paginate(request, total=total)
    rows = reports_officer.list_reports(session, **asked, page=paged.number, per_page=paged.size).items
    return render(request, "enforcement/officer_reports.html", {
        "rows": rows, "paged": paged, "chosen": chosen,
        "filters": FILTERS})


def _new_page(request: Request, *, form: dict[str, str] | None = None, extra: dict[str, Any] | None = None,
              status_code: int = 200) -> HTMLResponse:
    return render(request, "enforcement/officer_report_new.html", {
        "form": form or {"source": "phone", "register": "sms", "contact_kind": "none",
                         "language": i18n.choose_language(request)},
        "sources": OFFICER_SOURCES, "registers": REGISTER_CLAIMS, "contact_kinds": ("none", "email", "sms"),
        "languages": i18n.LANGUAGES, **(extra or {})}, status_code=status_code)


@router.get("/new", response_class=HTMLResponse)
def new_report_page(request: Request, user: EnforcementOfficer) -> HTMLResponse:
    """The form for a report taken by phone or on paper."""
    return _new_page(request)


@router.post("/new", response_class=HTMLResponse, dependencies=OFFICER_CHANGE)
def record_report(request: Request, session: DbSession, runtime: RuntimeDep, user: EnforcementOfficer, form: Form,
                  files: Uploads) -> Response:
    """Record a report taken by phone or on paper: assessed at once and filed in its sender's case."""
    fields = {name: text(form, name) for name in RECORD_FIELDS}
    pending: list[Any] = []
    try:
        reports_input.check_count(runtime.settings, len(files))
        for upload in files:
            pending.append(reports_input.receive_attachment(runtime.settings, stream=upload.file,
                                                            filename=upload.filename or "attachment"))
        row, access_code = service.record_report(
            session, runtime=runtime, officer_username=actor(user), source=fields["source"],
            receiving_number=fields["receiving_number"], register=fields["register"],
            arrived_at=fields["arrived_at"], sender_identification=fields["sender_identification"],
            message_text=fields["message_text"], contact_kind=fields["contact_kind"],
            contact=fields["contact"] or None,
            language=fields["language"] if fields["language"] in i18n.LANGUAGES else i18n.EN, attachments=pending)
    except DomainError as exc:
        session.rollback()
        for item in pending:
            files_core.discard(item)
        return _new_page(request, form=fields, extra={
            **explain(request, exc), "files_not_kept": [{"label": "", "filename": u.filename} for u in files]},
            status_code=exc.status_code)
    # The access code is shown once, here (it is kept only hashed): the officer gives it to the reporter, who sees
    # the report's state with it. The page is rendered, not redirected to, so the code never sits in a cookie.
    t = i18n.translator(i18n.choose_language(request))
    return _report_page(request, session, runtime, reference=row.reference, status_code=201,
                        extra={"access_code": access_code, "recorded": t("enfo_flash_recorded",
                                                                          reference=row.reference)})


def describe_lines(assessment: dict[str, Any] | None, lang: str) -> list[dict[str, Any]]:
    """The assessment's lines in the reader's language: each line's finding and the rule behind it."""
    return assessing.describe(assessment, lang) if assessment else []


def _report_page(request: Request, session: Session, runtime: Runtime, *, reference: str,
                 contact: str | None = None, extra: dict[str, Any] | None = None,
                 status_code: int = 200) -> HTMLResponse:
    row = _find(session, reference)
    lang = i18n.choose_language(request)
    attachments = session.scalars(select(ReportAttachment).where(ReportAttachment.report_id == row.id)
                                  .order_by(ReportAttachment.id)).all()
    case = session.get(Case, row.case_id) if row.case_id else None
    return render(request, "enforcement/officer_report.html", {
        "r": row, "attachments": attachments, "case": case, "lines": describe_lines(row.assessment, lang),
        "contact": contact, **(extra or {})}, status_code=status_code)


@router.get("/{reference}", response_class=HTMLResponse)
def report_page(reference: str, request: Request, session: DbSession, runtime: RuntimeDep,
                user: EnforcementOfficer) -> HTMLResponse:
    """One report: the message, the attachments, the assessment line by line with its rules, the verdict, the
    case; the reporter's contact only on request."""
    return _report_page(request, session, runtime, reference=reference)


@router.post("/{reference}/contact", response_class=HTMLResponse, dependencies=OFFICER_CHANGE)
def reveal_contact(reference: str, request: Request, session: DbSession, runtime: RuntimeDep,
                   user: EnforcementOfficer) -> HTMLResponse:
    """Show the reporter's contact (personal data, opened from the vault; the reading is audited)."""
    detail = reports_officer.report_detail(session, runtime=runtime, reference=reference, officer=actor(user))
    contact = detail["contact"] or ""
    return _report_page(request, session, runtime, reference=reference, contact=contact)


@router.post("/{reference}/reassess", response_class=HTMLResponse, dependencies=OFFICER_CHANGE)
def reassess(reference: str, request: Request, session: DbSession, runtime: RuntimeDep,
             user: EnforcementOfficer) -> Response:
    """Compute the assessment again from the records as they are now."""
    try:
        reports_officer.reassess(session, runtime=runtime, reference=reference, officer=actor(user))
    except DomainError as exc:
        session.rollback()
        return _report_page(request, session, runtime, reference=reference, extra=explain(request, exc),
                            status_code=exc.status_code)
    row = _find(session, reference)
    flash(request, "enfo_flash_reassessed", reference=row.reference)
    return redirect(_where(row.reference))


@router.get("/{reference}/attachments/{attachment_id}", response_class=Response)
def attachment(reference: str, attachment_id: int, session: DbSession, runtime: RuntimeDep,
               user: EnforcementOfficer) -> Response:
    """One attachment of the report (the stored file, its checksum verified by the service)."""
    item, path = reports_officer.open_attachment(session, runtime=runtime, reference=reference,
                                                 attachment_id=attachment_id)
    return Response(path.read_bytes(), media_type=item.content_type, headers={
        "Content-Disposition": f'attachment; filename="{item.filename}"', "Cache-Control": "no-store"})
