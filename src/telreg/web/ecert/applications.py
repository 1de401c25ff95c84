"""The counter's applications page: record an application for a verified identity, list the applications, reject
or withdraw one (after a confirmation step), and issue it.

Issuing a certificate whose key the CA generates answers with a page that offers the PKCS#12 file once: the file
is in that page only (a download link holding the bundle itself, the page marked no-store), so the platform keeps
no copy of the subscriber's key, not even encrypted. Its password is the one the officer typed with the
subscriber, or one generated and shown on that page once. A certificate for the subscriber's own CSR is simply
issued, and the officer lands on its page.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile

from telreg.core.errors import DomainError
from telreg.core.i18n import N_
from telreg.deps import DbSession, RuntimeDep
from telreg.ecert import applications, lifecycle, repository, views
from telreg.ecert.deps import CA_CHANGE, CaOfficer
from telreg.ecert.errors import BadRequestData
from telreg.ecert.requests import MAX_CSR_BYTES
from telreg.ecert.subjects import KeyedDocument
from telreg.realname.policy import get_policy
from telreg.runtime import Runtime
from telreg.web import i18n
from telreg.web.confirm import confirm_page, confirmed
from telreg.web.ecert.common import LIST_SIZE, Form, FormFields, actor, explain, pager, text
from telreg.web.ecert.pkcs12_page import issued_page
from telreg.web.render import flash, redirect, render

__all__ = ["router"]

router = APIRouter(prefix="/staff/ecert")
PAGE = "/staff/ecert/applications"
STATES = ("submitted", "issued", "rejected", "withdrawn")


def _page(request: Request, session: Session, runtime: Runtime, *, form: FormFields | None = None,
          extra: dict[str, Any] | None = None, status_code: int = 200) -> HTMLResponse:
    policy = get_policy(runtime.settings)
    state = request.query_params.get("state")
    state = state if state in STATES else None
    offset = _offset(request)
    found = repository.applications(session, state=state, limit=LIST_SIZE + 1, offset=offset)
    context: dict[str, Any] = {
        "form": form or {},
        "profiles": applications.SUBSCRIBER_PROFILES,
        "person_docs": policy.documents.person,
        "organisation_docs": policy.documents.organisation,
        "states": STATES,
        "state": state,
        "rows": [views.application_view(session, vault=runtime.vault, row=row) for row in found[:LIST_SIZE]],
        "more": pager(PAGE, offset=offset, size=LIST_SIZE, more=len(found) > LIST_SIZE, keep={"state": state}),
        **(extra or {}),
    }
    return render(request, "ecert/applications.html", context, status_code=status_code)


def _offset(request: Request) -> int:
    asked = request.query_params.get("offset", "")
    return int(asked) if request.method == "GET" and asked.isdigit() and len(asked) < 9 else 0


def _keyed(form: FormFields, prefix: str) -> KeyedDocument | None:
    number = text(form, f"{prefix}doc_number")
    if not number and prefix:
        return None  # no authorised person keyed: a person's application
    return KeyedDocument(doc_type=text(form, f"{prefix}doc_type"), number=number, name=text(form, f"{prefix}name"))


def _csr(form: FormFields) -> bytes | str | None:
    upload = form.get("csr_file")
    if isinstance(upload, UploadFile):
        return upload.file.read(MAX_CSR_BYTES + 1)
    return text(form, "csr") or None


@router.get("/applications", response_class=HTMLResponse)
def applications_page(request: Request, session: DbSession, runtime: RuntimeDep, officer: CaOfficer) -> HTMLResponse:
    """Show the new-application form and the applications, newest first (``?state=`` narrows them)."""
    return _page(request, session, runtime)


@router.post("/applications", response_class=HTMLResponse, dependencies=CA_CHANGE)
def submit_application(request: Request, session: DbSession, runtime: RuntimeDep, officer: CaOfficer,
                       form: Form) -> Response:
    """Record an application; a refusal keeps what was typed (not the file chosen)."""
    try:
        row = applications.submit(
            session, vault=runtime.vault, clock=runtime.clock, settings=runtime.settings,
            profile=text(form, "profile"), document=_keyed(form, ""),  # type: ignore[arg-type]
            authorised_person=_keyed(form, "ap_"), key_origin=text(form, "key_origin"), csr=_csr(form),
            email=text(form, "email"), value_added_consent=text(form, "value_added_consent") == "yes",
            counter=text(form, "counter"), actor=actor(officer))
    except DomainError as exc:
        session.rollback()
        kept = {k: v for k, v in form.items() if isinstance(v, str)}
        files = [{"label": None, "filename": form["csr_file"].filename}] if "csr_file" in form else []
        return _page(request, session, runtime, form=kept, extra={**explain(request, exc), "files": files},
                     status_code=exc.status_code)
    flash(request, "ec_flash_applied", reference=row.reference)
    return redirect(f"{PAGE}#application-{row.reference}")


def _ask_first(request: Request, *, reference: str, what: str, form: FormFields) -> Response | None:
    """The confirmation step before rejecting or withdrawing (WHAT), or None when the form comes from it."""
    if confirmed(text(form, "confirm")):
        return None
    t = i18n.translator(i18n.choose_language(request))
    reason = text(form, "reason")
    return confirm_page(request, title=t(f"ec_confirm_{what}_title"),
                        question=t(f"ec_confirm_{what}", reference=reference),
                        details=[(t("ec_confirm_reason"), reason)] if reason else [],
                        action=f"{PAGE}/{reference}/{what}", fields={"reason": reason},
                        button=t(f"ec_confirm_{what}_button"), back=PAGE)


@router.post("/applications/{reference}/reject", response_class=HTMLResponse, dependencies=CA_CHANGE)
def reject_application(reference: str, request: Request, session: DbSession, runtime: RuntimeDep,
                       officer: CaOfficer, form: Form) -> Response:
    """Reject an application with the reason typed beside it (after a confirmation step)."""
    try:
        if not text(form, "reason"):
            raise BadRequestData(N_("Give the reason for rejecting the application."))
        if (asked := _ask_first(request, reference=reference, what="reject", form=form)) is not None:
            return asked
        row = applications.reject(session, clock=runtime.clock, reference=reference, reason=text(form, "reason"),
                                  actor=actor(officer))
    except DomainError as exc:
        session.rollback()
        return _page(request, session, runtime, extra={**explain(request, exc), "error_row": reference},
                     status_code=exc.status_code)
    flash(request, "ec_flash_rejected", reference=row.reference)
    return redirect(PAGE)


@router.post("/applications/{reference}/withdraw", response_class=HTMLResponse, dependencies=CA_CHANGE)
def withdraw_application(reference: str, request: Request, session: DbSession, runtime: RuntimeDep,
                         officer: CaOfficer, form: Form) -> Response:
    """Withdraw an application at the applicant's request (after a confirmation step)."""
    if (asked := _ask_first(request, reference=reference, what="withdraw", form=form)) is not None:
        return asked
    try:
        row = applications.withdraw(session, clock=runtime.clock, reference=reference, actor=actor(officer))
    except DomainError as exc:
        session.rollback()
        return _page(request, session, runtime, extra={**explain(request, exc), "error_row": reference},
                     status_code=exc.status_code)
    flash(request, "ec_flash_withdrawn", reference=row.reference)
    return redirect(PAGE)


@router.post("/applications/{reference}/issue", response_class=HTMLResponse, dependencies=CA_CHANGE)
def issue_application(reference: str, request: Request, session: DbSession, runtime: RuntimeDep,
                      officer: CaOfficer, form: Form) -> Response:
    """Issue the certificate; for a key the CA generates, answer with the PKCS#12 file offered once."""
    generate = text(form, "password_choice") != "typed"
    try:
        if not generate and not text(form, "password"):
            raise BadRequestData(N_("Type the password of the PKCS#12 file, or choose to generate one."))
        issued = lifecycle.issue_application(
            session, runtime=runtime, reference=reference,
            actor=actor(officer), pkcs12_password=None if generate else text(form, "password"))
    except DomainError as exc:
        session.rollback()
        return _page(request, session, runtime, extra={**explain(request, exc), "error_row": reference},
                     status_code=exc.status_code)
    return issued_page(request, issued)
