"""Officer pages for written applications: list pending ones, record one with its bill, approve, reject."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import FileResponse, HTMLResponse, Response

from telreg.core.errors import DomainError, InvalidInput, InvalidNumber
from telreg.core.files import sniff_type, store_document
from telreg.core.security import CsrfChecked, DncOfficer
from telreg.deps import DbSession, RuntimeDep
from telreg.dnc import paper
from telreg.dnc.errors import PaperApplicationNotFound
from telreg.dnc.repository import get_paper_application
from telreg.dnc.vocabulary import Register, parse_registers
from telreg.web import i18n
from telreg.web.render import flash, redirect, render

router = APIRouter(prefix="/staff/paper")
RECENT_DECIDED = 20
BILL_AREA = "paper-bills"


@router.get("", response_class=HTMLResponse)
def applications(request: Request, session: DbSession, user: DncOfficer) -> HTMLResponse:
    """List the applications waiting for a decision, and the most recent decisions."""
    every = paper.list_applications(session)
    return render(
        request,
        "staff/paper_list.html",
        {
            "pending": [a for a in every if a.status == "pending"],
            "decided": [a for a in every if a.status != "pending"][:RECENT_DECIDED],
        },
    )


def _form_page(
    request: Request, form: dict[str, object], error: str | None = None, status_code: int = 200
) -> HTMLResponse:
    return render(
        request,
        "staff/paper_new.html",
        {"form": form, "error": error, "registers": [r.value for r in Register]},
        status_code=status_code,
    )


@router.get("/new", response_class=HTMLResponse)
def new_application(request: Request, user: DncOfficer) -> HTMLResponse:
    """Show the form for recording a written application."""
    return _form_page(request, {"registers": [r.value for r in Register], "action": "register"})


@router.post("/new", response_class=HTMLResponse, dependencies=[CsrfChecked])
def record_application(
    request: Request,
    session: DbSession,
    runtime: RuntimeDep,
    user: DncOfficer,
    number: Annotated[str, Form()] = "",
    applicant_name: Annotated[str, Form()] = "",
    action: Annotated[str, Form()] = "register",
    registers: Annotated[list[str], Form()] = [],  # noqa: B006 - FastAPI copies defaults per request
    bill: Annotated[UploadFile | None, File()] = None,
) -> Response:
    """Store the phone bill and record the application; a refusal is shown on the form, with nothing kept."""
    form: dict[str, object] = {
        "number": number,
        "applicant_name": applicant_name,
        "action": action,
        "registers": registers,
    }
    settings = runtime.settings
    try:
        # A savepoint, so that catching the error here (to show it on the form) cannot commit half a change.
        with session.begin_nested():
            chosen = parse_registers(registers)
            if bill is None or not bill.filename:
                raise InvalidInput("Attach the applicant's recent phone bill (PDF, PNG or JPEG).")
            content = bill.file.read(settings.max_upload_bytes + 1)
            stored = store_document(
                settings.data_dir,
                filename=bill.filename,
                content=content,
                max_bytes=settings.max_upload_bytes,
                area=BILL_AREA,
            )
            application = paper.record_application(
                session,
                clock=runtime.clock,
                number=number,
                registers=chosen,
                action=action,
                applicant_name=applicant_name,
                bill=stored,
                officer_name=user.username,
            )
    except DomainError as exc:
        lang = i18n.choose_language(request)
        message = i18n.number_error(exc, lang) if isinstance(exc, InvalidNumber) else exc.message
        return _form_page(request, form, message, status_code=exc.status_code)
    flash(request, "flash_recorded", id=application.id, number=application.number)
    return redirect("/staff/paper")


@router.post("/{application_id}/approve", dependencies=[CsrfChecked])
def approve(
    request: Request, session: DbSession, runtime: RuntimeDep, user: DncOfficer, application_id: int
) -> Response:
    """Approve an application: the number is listed (or delisted) through the register service."""
    outcomes = paper.approve(
        session,
        clock=runtime.clock,
        settings=runtime.settings,
        application_id=application_id,
        officer_name=user.username,
    )
    flash(request, "flash_approved", id=application_id, number=outcomes[0].number if outcomes else "")
    return redirect("/staff/paper")


@router.post("/{application_id}/reject", dependencies=[CsrfChecked])
def reject(
    request: Request,
    session: DbSession,
    runtime: RuntimeDep,
    user: DncOfficer,
    application_id: int,
    reason: Annotated[str, Form()] = "",
) -> Response:
    """Reject an application with the reason the applicant will be told."""
    paper.reject(
        session, clock=runtime.clock, application_id=application_id, officer_name=user.username, reason=reason
    )
    flash(request, "flash_rejected", id=application_id)
    return redirect("/staff/paper")


@router.get("/{application_id}/bill")
def bill(session: DbSession, user: DncOfficer, application_id: int) -> Response:
    """Show the phone bill attached to an application."""
    application = get_paper_application(session, application_id)
    if application is None:
        raise PaperApplicationNotFound(f"There is no paper application {application_id}.", id=application_id)
    with open(application.bill_path, "rb") as handle:
        head = handle.read(16)
    return FileResponse(
        application.bill_path,
        media_type=sniff_type(head) or "application/octet-stream",
        filename=application.bill_filename,
        content_disposition_type="inline",
        headers={"X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"},
    )
