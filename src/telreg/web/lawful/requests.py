"""The agency officers' pages (le-officer, le-supervisor): their agency's requests, a new request, one request
with its documents and tasks, attaching a warrant, cancelling, and the single-use download of a result.

Filing, attaching and cancelling build an HI-1 message (compose.py) and go through ``service.handle_message``,
exactly as the API does; a refused action is shown on the form in the page's language, with what was typed
kept (not the file: a browser cannot be given back the file it chose).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile

from telreg.core.errors import DomainError, InvalidInput
from telreg.core.exports import attachment
from telreg.core.i18n import N_
from telreg.core.models import User
from telreg.deps import DbSession, RuntimeDep
from telreg.lawful import service
from telreg.lawful.deps import LE_CHANGE, LeMember
from telreg.lawful.hi1 import dictionaries as d
from telreg.lawful.hi1.model import RequestMessage
from telreg.realname.policy import get_policy
from telreg.runtime import Runtime
from telreg.web import i18n
from telreg.web.confirm import confirm_page, confirmed
from telreg.web.lawful import compose
from telreg.web.lawful.common import Form, FormFields, explain, failure_of, refusal, sender_of, text, words
from telreg.web.render import flash, redirect, render

__all__ = ["router"]

router = APIRouter(prefix="/staff/lawful/requests")
PAGE = "/staff/lawful/requests"
OPEN = (d.AWAITING_APPROVAL, d.ACTIVE)  # what may still be cancelled or backed


def _detail_url(object_id: str) -> str:
    return f"{PAGE}/{object_id}"


def _submit(request: Request, session: Session, runtime: Runtime, user: User,
            message: RequestMessage) -> dict[str, Any] | None:
    """Send the message as the officer; the refusal's context when an action was refused, else None."""
    lang = i18n.choose_language(request)
    answer = service.handle_message(session, runtime=runtime, user=user, message=message, lang=lang)
    failed = failure_of(answer, lang)
    return refusal(failed) if failed is not None else None


def _warrant(form: FormFields, runtime: Runtime) -> compose.Warrant | None:
    upload = form.get("warrant")
    if not isinstance(upload, UploadFile):
        return None
    # One byte past the cap is enough for the service to say "too large" without reading a huge file whole.
    content = upload.file.read(runtime.settings.lawful_document_max_bytes + 1)
    return compose.Warrant(filename=upload.filename or "warrant.pdf", content=content)


# --- the agency's requests ---------------------------------------------------------------------------------

@router.get("", response_class=HTMLResponse)
def requests_page(request: Request, session: DbSession, runtime: RuntimeDep, user: LeMember) -> HTMLResponse:
    """The agency's requests, newest first, with their statuses as the agency sees them (``?status=``)."""
    status = request.query_params.get("status")
    status = status if status in d.AUTHORISATION_STATUSES else None
    rows = service.requests_of(session, user=user, status=status, vault=runtime.vault)
    lang = i18n.choose_language(request)
    return render(request, "lawful/requests.html", {"rows": rows, "status": status,
                                                    "statuses": d.AUTHORISATION_STATUSES, "w": words(lang)})


# --- a new request -----------------------------------------------------------------------------------------

def _new_page(request: Request, runtime: Runtime, *, form: FormFields | None = None,
              extra: dict[str, Any] | None = None, status_code: int = 200) -> HTMLResponse:
    policy = get_policy(runtime.settings)
    lang = i18n.choose_language(request)
    context = {"form": form or {}, "legal_types": d.LEGAL_TYPES, "request_types": d.REQUEST_TYPES,
               "formats": d.TARGET_FORMATS, "doc_types": policy.documents.person + policy.documents.organisation,
               "rows": range(1, compose.TARGET_ROWS + 1), "w": words(lang),
               "max_bytes": runtime.settings.lawful_document_max_bytes, **(extra or {})}
    return render(request, "lawful/new_request.html", context, status_code=status_code)


def _targets(form: FormFields) -> list[compose.Target]:
    """The target rows that were filled in (an empty row is no target)."""
    targets = []
    for row in range(1, compose.TARGET_ROWS + 1):
        value = text(form, f"target_{row}")
        if not value:
            continue
        target_format = text(form, f"format_{row}")
        if target_format == d.IDENTITY_DOCUMENT:
            value = f"{text(form, f'doc_type_{row}')}:{value}"
        targets.append(compose.Target(
            target_format=target_format, value=value, request_type=text(form, f"request_type_{row}"),
            window_start=compose.parse_day(text(form, f"from_{row}"), what=N_("Records from")),
            window_end=compose.parse_day(text(form, f"to_{row}"), what=N_("Records to"), end=True)))
    if not targets:
        raise InvalidInput(N_("Give at least one target: a phone number, a SIM card number or an identity "
                              "document."))
    return targets


@router.get("/new", response_class=HTMLResponse)
def new_request_page(request: Request, runtime: RuntimeDep, user: LeMember) -> HTMLResponse:
    """The form of a new request: its legal basis (a court's warrant with its PDF, or an emergency with its
    grounds), reference, issuing authority, timespan, and one or more targets."""
    return _new_page(request, runtime)


@router.post("/new", response_class=HTMLResponse, dependencies=LE_CHANGE)
def file_request(request: Request, session: DbSession, runtime: RuntimeDep, user: LeMember, form: Form) -> Response:
    """File the request through the same path as the HI-1 API; a refusal keeps what was typed."""
    reference = text(form, "reference")
    try:
        authorisation_id, message = compose.new_request(
            sender=sender_of(session, user), settings=runtime.settings, clock=runtime.clock,
            legal_type=text(form, "legal_type"), reference=reference,
            issuing_authority=text(form, "issuing_authority"), grounds=text(form, "grounds"),
            timespan_start=compose.parse_day(text(form, "timespan_from"), what=N_("Covers records from")),
            timespan_end=compose.parse_day(text(form, "timespan_to"), what=N_("Covers records to"), end=True),
            warrant=_warrant(form, runtime), targets=_targets(form))
        refused = _submit(request, session, runtime, user, message)
    except DomainError as exc:
        session.rollback()
        refused = explain(request, exc)
    if refused is not None:
        kept = {key: value for key, value in form.items() if isinstance(value, str)}
        files = [{"label": None, "filename": form["warrant"].filename}] if "warrant" in form else []
        return _new_page(request, runtime, form=kept, extra={**refused, "files": files},
                         status_code=refused["error_status"])
    flash(request, "la_flash_filed", reference=reference)
    return redirect(_detail_url(authorisation_id))


# --- one request -------------------------------------------------------------------------------------------

def _detail_page(request: Request, session: Session, runtime: Runtime, user: User, object_id: str, *,
                 extra: dict[str, Any] | None = None, status_code: int = 200) -> HTMLResponse:
    view = service.authorisation_detail(session, user=user, object_id=object_id, vault=runtime.vault)
    lang = i18n.choose_language(request)
    return render(request, "lawful/request.html", {"a": view, "open": view.status in OPEN, "w": words(lang),
                                                   **(extra or {})}, status_code=status_code)


@router.get("/{object_id}", response_class=HTMLResponse)
def request_page(object_id: str, request: Request, session: DbSession, runtime: RuntimeDep,
                 user: LeMember) -> HTMLResponse:
    """One request: its authorisation, documents and tasks; a released result's single-use download."""
    return _detail_page(request, session, runtime, user, object_id)


def _warrant_page(request: Request, session: Session, runtime: Runtime, user: User, object_id: str, *,
                  extra: dict[str, Any] | None = None, status_code: int = 200) -> HTMLResponse:
    view = service.authorisation_detail(session, user=user, object_id=object_id, vault=runtime.vault)
    return render(request, "lawful/attach_warrant.html",
                  {"a": view, "w": words(i18n.choose_language(request)),
                   "max_bytes": runtime.settings.lawful_document_max_bytes, **(extra or {})}, status_code=status_code)


@router.get("/{object_id}/warrant", response_class=HTMLResponse)
def warrant_page(object_id: str, request: Request, session: DbSession, runtime: RuntimeDep,
                 user: LeMember) -> HTMLResponse:
    """The step before attaching a warrant: what it does (for an emergency, it backs the request), the file."""
    return _warrant_page(request, session, runtime, user, object_id)


@router.post("/{object_id}/warrant", response_class=HTMLResponse, dependencies=LE_CHANGE)
def attach_warrant(object_id: str, request: Request, session: DbSession, runtime: RuntimeDep, user: LeMember,
                   form: Form) -> Response:
    """Attach the warrant (a CREATE DocumentObject through the HI-1 path)."""
    view = service.authorisation_detail(session, user=user, object_id=object_id, vault=runtime.vault)
    try:
        warrant = _warrant(form, runtime)
        if warrant is None:
            raise InvalidInput(N_("Choose the warrant's PDF file."))
        message = compose.attach_warrant(sender=sender_of(session, user), settings=runtime.settings,
                                         clock=runtime.clock, authorisation_id=object_id, warrant=warrant)
        refused = _submit(request, session, runtime, user, message)
    except DomainError as exc:
        session.rollback()
        refused = explain(request, exc)
    if refused is not None:
        return _warrant_page(request, session, runtime, user, object_id, extra=refused,
                             status_code=refused["error_status"])
    flash(request, "la_flash_warrant", reference=view.reference)
    return redirect(_detail_url(object_id))


@router.post("/{object_id}/cancel", response_class=HTMLResponse, dependencies=LE_CHANGE)
def cancel_request(object_id: str, request: Request, session: DbSession, runtime: RuntimeDep, user: LeMember,
                   form: Form) -> Response:
    """Cancel the request (DesiredStatus Cancelled), after a confirmation step."""
    view = service.authorisation_detail(session, user=user, object_id=object_id, vault=runtime.vault)
    if not confirmed(text(form, "confirm")):
        t = i18n.translator(i18n.choose_language(request))
        return confirm_page(request, title=t("la_confirm_cancel_title"),
                            question=t("la_confirm_cancel", reference=view.reference),
                            action=f"{_detail_url(object_id)}/cancel", button=t("la_confirm_cancel_button"),
                            back=_detail_url(object_id))
    try:
        message = compose.cancel(sender=sender_of(session, user), settings=runtime.settings, clock=runtime.clock,
                                 authorisation_id=object_id)
        refused = _submit(request, session, runtime, user, message)
    except DomainError as exc:
        session.rollback()
        refused = explain(request, exc)
    if refused is not None:
        return _detail_page(request, session, runtime, user, object_id, extra=refused,
                            status_code=refused["error_status"])
    flash(request, "la_flash_cancelled", reference=view.reference)
    return redirect(_detail_url(object_id))


@router.post("/{object_id}/tasks/{task_object_id}/download", response_class=HTMLResponse, dependencies=LE_CHANGE)
def download(object_id: str, task_object_id: str, request: Request, session: DbSession, runtime: RuntimeDep,
             user: LeMember) -> Response:
    """The single-use download of a task's result (a zip); a second try says it is no longer available."""
    try:
        result = service.download_result(session, runtime=runtime, user=user, task_object_id=task_object_id)
    except DomainError as exc:
        session.rollback()
        return _detail_page(request, session, runtime, user, object_id, extra={**explain(request, exc),
                                                                      "error_task": task_object_id},
                            status_code=exc.status_code)
    return Response(result.content, media_type=result.media_type,
                    headers={"Content-Disposition": attachment(result.filename), "Cache-Control": "no-store"})
