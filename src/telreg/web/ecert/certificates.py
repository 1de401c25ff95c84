"""Certificates at the counter: find one by serial, see it (the subject masked), and change its status — revoke
(with a reason, after a confirmation step), hold and release, renew (a new certificate for the same identity),
record the smart card holding it, and remove it from the card (which revokes it, after a confirmation step).

Each action calls one function of telreg.ecert.lifecycle; a refusal re-renders the certificate's page with the
service's sentence in the page's language. A renewal with a key the CA generates answers with the same
once-only PKCS#12 page as an issue (applications.py).
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
from telreg.ecert import lifecycle, repository, subscriptions, views
from telreg.ecert.deps import CA_CHANGE, CaOfficer
from telreg.ecert.errors import BadRequestData
from telreg.ecert.models import CERTIFICATE_STATES
from telreg.ecert.requests import MAX_CSR_BYTES
from telreg.ecert.revocation import REASONS_FOR_REVOKE
from telreg.runtime import Runtime
from telreg.web import i18n
from telreg.web.confirm import confirm_page, confirmed
from telreg.web.ecert.common import LIST_SIZE, Form, FormFields, actor, explain, pager, text
from telreg.web.ecert.messages import reason_name
from telreg.web.ecert.pkcs12_page import issued_page
from telreg.web.render import flash, redirect, render

__all__ = ["router"]

router = APIRouter(prefix="/staff/ecert")
PAGE = "/staff/ecert/certificates"
STATES = tuple(state for state in CERTIFICATE_STATES if state != "intent")


def _where(serial: str) -> str:
    return f"{PAGE}/{serial}"


def _certificate_page(request: Request, session: Session, runtime: Runtime, *, serial: str,
                      extra: dict[str, Any] | None = None, status_code: int = 200) -> HTMLResponse:
    row = lifecycle.get_certificate(session, serial)
    try:
        subscription: dict[str, Any] | None = subscriptions.subscription_view(
            session, clock=runtime.clock, settings=runtime.settings, serial=row.serial)
    except DomainError:
        subscription = None  # a platform certificate, or one issued before subscriptions: none to show
    return render(request, "ecert/certificate.html", {
        "c": views.certificate_view(session, vault=runtime.vault, row=row), "subscription": subscription,
        "reasons": REASONS_FOR_REVOKE, "form": {},
        "reason_words": reason_name(row.revocation_reason, i18n.choose_language(request)),
        **(extra or {})}, status_code=status_code)


def _refused(request: Request, session: Session, runtime: Runtime, exc: DomainError, *, serial: str,
             form: FormFields | None = None) -> Response:
    session.rollback()
    try:
        return _certificate_page(request, session, runtime, serial=serial, status_code=exc.status_code,
                                 extra={**explain(request, exc),
                                        "form": {k: v for k, v in (form or {}).items() if isinstance(v, str)}})
    except DomainError:
        raise exc from None  # no such certificate: the error page says so


@router.get("/certificates", response_class=HTMLResponse)
def certificates_page(request: Request, session: DbSession, runtime: RuntimeDep, officer: CaOfficer,
                      serial: str | None = None, state: str | None = None) -> Response:
    """Find certificates by the start of their serial number (one found whole opens), newest first."""
    state = state if state in STATES else None
    wanted = (serial or "").strip()
    prefix = lifecycle.normalise_serial(wanted) if wanted else None
    error = None
    if wanted and prefix is None:
        error = i18n.error_message(BadRequestData(N_("%(serial)s is not a serial number: hexadecimal digits, as "
                                                     "the certificate shows them."), serial=wanted),
                                   i18n.choose_language(request))
    asked = request.query_params.get("offset", "")
    offset = int(asked) if asked.isdigit() and len(asked) < 9 else 0
    found = [] if error else repository.certificates(session, serial_prefix=prefix, state=state,
                                                     limit=LIST_SIZE + 1, offset=offset)
    if prefix and len(found) == 1 and found[0].serial == prefix:
        return redirect(_where(prefix))
    return render(request, "ecert/certificates.html", {
        "serial": wanted, "state": state, "states": STATES, "error": error,
        "rows": [views.certificate_view(session, vault=runtime.vault, row=row) for row in found[:LIST_SIZE]],
        "more": pager(PAGE, offset=offset, size=LIST_SIZE, more=len(found) > LIST_SIZE,
                      keep={"serial": wanted, "state": state})}, status_code=422 if error else 200)


@router.get("/certificates/{serial}", response_class=HTMLResponse)
def certificate_page(serial: str, request: Request, session: DbSession, runtime: RuntimeDep,
                     officer: CaOfficer) -> HTMLResponse:
    """Show a certificate (subject masked), its subscription and what can be done with it."""
    return _certificate_page(request, session, runtime, serial=serial)


@router.post("/certificates/{serial}/revoke", response_class=HTMLResponse, dependencies=CA_CHANGE)
def revoke(serial: str, request: Request, session: DbSession, runtime: RuntimeDep, officer: CaOfficer,
           form: Form) -> Response:
    """Revoke for good with the reason chosen (after a confirmation step)."""
    reason = text(form, "reason")
    if reason in REASONS_FOR_REVOKE and not confirmed(text(form, "confirm")):
        t = i18n.translator(i18n.choose_language(request))
        return confirm_page(request, title=t("ec_confirm_revoke_title"),
                            question=t("ec_confirm_revoke", serial=serial),
                            details=[(t("ec_confirm_reason"), t(f"ec_reason_{reason}"))],
                            action=f"{_where(serial)}/revoke", fields={"reason": reason},
                            button=t("ec_confirm_revoke_button"), back=_where(serial))
    try:
        row = lifecycle.revoke(session, runtime=runtime, serial=serial, reason=reason, actor=actor(officer))
    except DomainError as exc:
        return _refused(request, session, runtime, exc, serial=serial)
    flash(request, "ec_flash_revoked", serial=row.serial)
    return redirect(_where(row.serial))


@router.post("/certificates/{serial}/hold", response_class=HTMLResponse, dependencies=CA_CHANGE)
def hold(serial: str, request: Request, session: DbSession, runtime: RuntimeDep, officer: CaOfficer) -> Response:
    """Suspend the certificate (certificateHold) until it is released."""
    try:
        row = lifecycle.hold(session, runtime=runtime, serial=serial, actor=actor(officer))
    except DomainError as exc:
        return _refused(request, session, runtime, exc, serial=serial)
    flash(request, "ec_flash_held", serial=row.serial)
    return redirect(_where(row.serial))


@router.post("/certificates/{serial}/release", response_class=HTMLResponse, dependencies=CA_CHANGE)
def release(serial: str, request: Request, session: DbSession, runtime: RuntimeDep,
            officer: CaOfficer) -> Response:
    """Release the certificate from hold: it is valid again."""
    try:
        row = lifecycle.release(session, runtime=runtime, serial=serial, actor=actor(officer))
    except DomainError as exc:
        return _refused(request, session, runtime, exc, serial=serial)
    flash(request, "ec_flash_released", serial=row.serial)
    return redirect(_where(row.serial))


@router.post("/certificates/{serial}/token", response_class=HTMLResponse, dependencies=CA_CHANGE)
def record_token(serial: str, request: Request, session: DbSession, runtime: RuntimeDep, officer: CaOfficer,
                 form: Form) -> Response:
    """Record the smart card (its serial as printed) that holds the certificate."""
    try:
        row = lifecycle.record_token(session, runtime=runtime, serial=serial, token_serial=text(form, "token_serial"),
                                     actor=actor(officer))
    except DomainError as exc:
        return _refused(request, session, runtime, exc, serial=serial, form=form)
    flash(request, "ec_flash_token", serial=row.serial, token=row.token_serial)
    return redirect(_where(row.serial))


@router.post("/certificates/{serial}/token/remove", response_class=HTMLResponse, dependencies=CA_CHANGE)
def remove_token(serial: str, request: Request, session: DbSession, runtime: RuntimeDep, officer: CaOfficer,
                 form: Form) -> Response:
    """Record that the certificate was removed from its card, which revokes it (after a confirmation step)."""
    if not confirmed(text(form, "confirm")):
        t = i18n.translator(i18n.choose_language(request))
        token = text(form, "token_serial")
        return confirm_page(request, title=t("ec_confirm_remove_title"),
                            question=t("ec_confirm_remove", serial=serial, token=token),
                            action=f"{_where(serial)}/token/remove", fields={"token_serial": token},
                            button=t("ec_confirm_remove_button"), back=_where(serial))
    try:
        row = lifecycle.remove_from_token(session, runtime=runtime, serial=serial, actor=actor(officer))
    except DomainError as exc:
        return _refused(request, session, runtime, exc, serial=serial)
    flash(request, "ec_flash_token_removed", serial=row.serial)
    return redirect(_where(row.serial))


@router.post("/certificates/{serial}/renew", response_class=HTMLResponse, dependencies=CA_CHANGE)
def renew(serial: str, request: Request, session: DbSession, runtime: RuntimeDep, officer: CaOfficer,
          form: Form) -> Response:
    """Issue a new certificate for the same identity (before renewal's expiry the old one is superseded)."""
    generate = text(form, "password_choice") != "typed"
    upload = form.get("csr_file")
    csr = upload.file.read(MAX_CSR_BYTES + 1) if isinstance(upload, UploadFile) else (text(form, "csr") or None)
    try:
        if text(form, "key_origin") == "ca" and not generate and not text(form, "password"):
            raise BadRequestData(N_("Type the password of the PKCS#12 file, or choose to generate one."))
        issued = lifecycle.renew(
            session, runtime=runtime, serial=serial,
            actor=actor(officer), key_origin=text(form, "key_origin"), csr=csr, email=text(form, "email") or None,
            pkcs12_password=None if generate else text(form, "password"))
    except DomainError as exc:
        return _refused(request, session, runtime, exc, serial=serial, form=form)
    return issued_page(request, issued)
