"""Officer pages for written applications: list pending ones, record one with its bill, approve, reject."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import FileResponse, HTMLResponse, Response
from sqlalchemy.orm import Session

from telreg.core.errors import DomainError, InvalidInput, InvalidNumber
from telreg.core.files import sniff_type
from telreg.core.i18n import N_
from telreg.core.security import CsrfChecked, DncOfficer
from telreg.core.uploads import UploadBatch
from telreg.deps import DbSession, RuntimeDep
from telreg.dnc import paper
from telreg.dnc.errors import PaperApplicationNotFound
from telreg.dnc.repository import get_paper_application
from telreg.dnc.vocabulary import Register, parse_registers
from telreg.web import i18n, paging
from telreg.web.confirm import confirm_page, confirmed
from telreg.web.render import flash, redirect, render

router = APIRouter(prefix="/staff/paper")
BILL_AREA = "paper-bills"
LIST_PATH = "/staff/paper"


def _list_page(request: Request, session: Session, *, extra: dict[str, Any] | None = None,
               status_code: int = 200) -> HTMLResponse:
    # Re-shown after a refused POST, the lists page from their own address (the POST's accepts no GET).
    own = {"path": LIST_PATH} if request.method != "GET" else {}
    pending = paging.paginate(request, total=paper.count_applications(session, status="pending"),
                              fragment="pending-title", **own)
    decided = paging.paginate(request, total=paper.count_applications(session, decided=True),
                              param="decided_page", fragment="decided-title", **own)
    context = {
        "pending": paper.list_applications(session, status="pending", limit=pending.size,
                                           offset=pending.offset),
        "pending_pages": pending,
        "decided": paper.list_applications(session, decided=True, limit=decided.size,
                                           offset=decided.offset),
        "decided_pages": decided,
        **(extra or {}),
    }
    return render(request, "staff/paper_list.html", context, status_code=status_code)


@router.get("", response_class=HTMLResponse)
def applications(request: Request, session: DbSession, user: DncOfficer) -> HTMLResponse:
    """List the applications waiting for a decision and those decided, newest first, a page of each at a
    time."""
    return _list_page(request, session)


def _explain(request: Request, exc: DomainError) -> dict[str, Any]:
    lang = i18n.choose_language(request)
    if isinstance(exc, InvalidNumber):
        return {"error": i18n.number_error(exc, lang), "error_original": None}
    message = i18n.error_message(exc, lang)
    # The English beside the explanation only for an error not yet in the catalogs; a marked one reads whole.
    original = exc.message if exc.template is None and message != exc.message else None
    return {"error": message, "error_original": original}


def _form_page(
    request: Request, form: dict[str, object], problem: dict[str, Any] | None = None, status_code: int = 200
) -> HTMLResponse:
    return render(
        request,
        "staff/paper_new.html",
        {"form": form, "registers": [r.value for r in Register], **(problem or {})},
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
    if bill is not None and bill.filename:  # a browser cannot be handed the file back: name it, to choose it
        form["files_chosen"] = [{"label": i18n.translator(i18n.choose_language(request))("bill"),
                                 "filename": bill.filename}]
    if not registers:  # every box unticked is a slip, not "every register"
        problem = {"error": i18n.translator(i18n.choose_language(request))("no_register_chosen"),
                   "error_field": "registers"}
        return _form_page(request, form, problem, status_code=422)
    try:
        # A savepoint, so that catching the error here (to show it on the form) cannot commit half a change.
        with session.begin_nested():
            chosen = parse_registers(registers)
            if bill is None or not bill.filename:
                raise InvalidInput(N_("Attach the applicant's recent phone bill (PDF, PNG or JPEG)."))
            # Streamed to disk in chunks; kept only if this savepoint and the request commit.
            with UploadBatch.for_request(runtime, area=BILL_AREA) as batch:
                stored = batch.receive(bill, filename=bill.filename)
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
        return _form_page(request, form, _explain(request, exc), status_code=exc.status_code)
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
    confirm: Annotated[str, Form()] = "",
) -> Response:
    """Reject an application with the reason the applicant will be told, after a confirmation step."""
    application = get_paper_application(session, application_id)
    if application is None:
        raise PaperApplicationNotFound(N_("There is no paper application %(id)s."), id=application_id)
    t = i18n.translator(i18n.choose_language(request))
    if not reason.strip():  # said on the list, with the reason field marked, before anything is asked again
        problem = {"error": t("paper_reason_needed"), "error_application": application_id}
        return _list_page(request, session, extra=problem, status_code=422)
    if not confirmed(confirm) and application.status == "pending":
        return confirm_page(request, title=t("confirm_reject_paper_title"),
                            question=t("confirm_reject_paper", id=application_id, number=application.number),
                            details=[(t("confirm_reason"), reason.strip())],
                            action=f"/staff/paper/{application_id}/reject", fields={"reason": reason},
                            button=t("confirm_reject_paper_button"), back=LIST_PATH)
    try:
        with session.begin_nested():
            paper.reject(session, clock=runtime.clock, application_id=application_id,
                         officer_name=user.username, reason=reason)
    except DomainError as exc:
        problem = {**_explain(request, exc), "error_application": application_id}
        return _list_page(request, session, extra=problem, status_code=exc.status_code)
    flash(request, "flash_rejected", id=application_id)
    return redirect("/staff/paper")


@router.get("/{application_id}/bill")
def bill(session: DbSession, user: DncOfficer, application_id: int) -> Response:
    """Show the phone bill attached to an application."""
    application = get_paper_application(session, application_id)
    if application is None:
        raise PaperApplicationNotFound(N_("There is no paper application %(id)s."), id=application_id)
    with open(application.bill_path, "rb") as handle:
        head = handle.read(16)
    return FileResponse(
        application.bill_path,
        media_type=sniff_type(head) or "application/octet-stream",
        filename=application.bill_filename,
        content_disposition_type="inline",
        headers={"X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"},
    )
