"""Officer pages for subscription accounts: applications by state; an account (documents, orders and payments,
automation, client certificates for mutual TLS, one-time password, unlock, downloads log); the fee table with its
revision form."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import FileResponse, HTMLResponse, Response
from sqlalchemy.orm import Session

from telreg.core.errors import DomainError, InvalidInput
from telreg.core.i18n import N_, format_message
from telreg.core.security import CsrfChecked, DncOfficer
from telreg.deps import DbSession, RuntimeDep
from telreg.ecert import client_auth
from telreg.ecert import repository as ecert_repository
from telreg.ecert.requests import MAX_CSR_BYTES
from telreg.runtime import Runtime
from telreg.senders import (
    api_keys,
    applications,
    documents,
    downloads,
    fees,
    payments,
    profile,
    repository,
    signin,
)
from telreg.senders.errors import AccountNotFound, DocumentNotFound, OrderNotFound
from telreg.senders.vocabulary import AccountState, PaymentMethod, Plan, format_hkd, parse_hkd, parse_method, parse_plan
from telreg.web import i18n, paging
from telreg.web.confirm import confirm_page, confirmed
from telreg.web.render import flash, redirect, render
from telreg.web.senders.common import error_field, explain

router = APIRouter(prefix="/staff/senders")
STATES = [s.value for s in AccountState]
METHODS = [m.value for m in PaymentMethod]
PLANS = [p.value for p in Plan]


def _problem(request: Request, exc: DomainError, form_id: str) -> dict[str, Any]:
    message, original = explain(exc, i18n.choose_language(request))
    return {"error": message, "error_original": original, "error_field": error_field(exc), "error_form": form_id}


# ---- fees ---------------------------------------------------------------------------------------------------------

def _fees_page(request: Request, session: Session, runtime: Runtime, problem: dict[str, Any] | None = None,
               form: dict[str, Any] | None = None, status_code: int = 200) -> HTMLResponse:
    table = fees.fee_table(session, settings=runtime.settings, clock=runtime.clock)
    return render(request, "staff/senders/fees.html",
                  {"table": table, "plans": PLANS, "form": form or {}, **(problem or {})}, status_code=status_code)


@router.get("/fees", response_class=HTMLResponse)
def fee_table(request: Request, session: DbSession, runtime: RuntimeDep, user: DncOfficer) -> HTMLResponse:
    """The fee per register for each plan: every revision, the fees in force today, and the revision form."""
    return _fees_page(request, session, runtime)


@router.post("/fees", response_class=HTMLResponse, dependencies=[CsrfChecked])
def revise_fee(
    request: Request,
    session: DbSession,
    runtime: RuntimeDep,
    user: DncOfficer,
    plan: Annotated[str, Form()] = "",
    amount: Annotated[str, Form()] = "",
    effective_from: Annotated[str, Form()] = "",
) -> Response:
    """Publish a revised fee per register for a plan, in force from a date (today or later)."""
    form = {"plan": plan, "amount": amount, "effective_from": effective_from}
    try:
        with session.begin_nested():
            row = fees.revise_fee(session, clock=runtime.clock, plan=parse_plan(plan), amount_cents=parse_hkd(amount),
                                  effective_from=_date(effective_from, "effective_from"), officer_name=user.username)
    except DomainError as exc:
        return _fees_page(request, session, runtime, _problem(request, exc, "fee"), form, status_code=exc.status_code)
    flash(request, "flash_fee_revised", plan=row.plan, date=row.effective_from.isoformat())
    return redirect("/staff/senders/fees")


# ---- accounts -----------------------------------------------------------------------------------------------------

@router.get("", response_class=HTMLResponse)
def account_list(request: Request, session: DbSession, user: DncOfficer, state: str = "") -> HTMLResponse:
    """Applications and accounts by state (a page at a time); by default those waiting for documents or
    payment."""
    pages = paging.paginate(request, total=applications.count_applications(session, state=state or None))
    rows = applications.list_applications(session, state=state or None, limit=pages.size, offset=pages.offset)
    return render(request, "staff/senders/list.html",
                  {"rows": rows, "rows_pages": pages, "state": state, "states": STATES})


def controls_context(request: Request, session: Session, runtime: Runtime, account: Any) -> dict[str, Any]:
    """What the account's controls show: sign-in state, API keys and the downloads log (misuse
    investigations), newest first, a page at a time."""
    now = runtime.clock.now()
    pages = paging.paginate(request, total=downloads.count_account_downloads(session, account_id=account.id),
                            param="downloads_page", fragment="downloads-title",
                            **({"path": f"/staff/senders/{account.id}"} if request.method != "GET" else {}))
    return {
        "downloads": downloads.account_downloads(session, account_id=account.id, limit=pages.size,
                                                 offset=pages.offset),
        "downloads_pages": pages,
        "keys": api_keys.list_keys(session, account_id=account.id),
        "client_certificates": client_auth.list_bindings(session, account_id=account.id),
        "locked_until": account.locked_until if account.locked_until and account.locked_until > now else None,
    }


def account_page(request: Request, session: Session, runtime: Runtime, account_id: int,
                 problem: dict[str, Any] | None = None, form: dict[str, Any] | None = None,
                 status_code: int = 200) -> HTMLResponse:
    """Render an account's page (also after a refused action, with the error and what was typed)."""
    account = repository.get_account(session, account_id)
    if account is None:
        raise AccountNotFound(N_("There is no sender account %(account_id)s."), account_id=account_id)
    context: dict[str, Any] = {
        "application": applications.application_view(session, account),
        "profile": profile.profile(session, clock=runtime.clock, settings=runtime.settings, account_id=account_id),
        "account": account,
        "methods": METHODS,
        "form": form or {},
        "today": runtime.clock.now().date().isoformat(),
        **(problem or {}),
    }
    context.update(controls_context(request, session, runtime, account))
    return render(request, "staff/senders/account.html", context, status_code=status_code)


@router.get("/{account_id}", response_class=HTMLResponse)
def account(request: Request, session: DbSession, runtime: RuntimeDep, user: DncOfficer,
            account_id: int) -> HTMLResponse:
    """An account: applicant, documents to review, orders with the payment form, and its controls."""
    return account_page(request, session, runtime, account_id)


@router.post("/{account_id}/documents/accept", response_class=HTMLResponse, dependencies=[CsrfChecked])
def accept_documents(request: Request, session: DbSession, runtime: RuntimeDep, user: DncOfficer,
                     account_id: int) -> Response:
    """Accept the application's documents; the account activates now if its fees are paid."""
    try:
        with session.begin_nested():
            accepted = documents.accept_documents(session, clock=runtime.clock, settings=runtime.settings,
                                                  account_id=account_id, officer_name=user.username)
    except DomainError as exc:
        return account_page(request, session, runtime, account_id, _problem(request, exc, "accept"),
                            status_code=exc.status_code)
    flash(request, "flash_documents_accepted", id=account_id, state=accepted.state)
    return redirect(f"/staff/senders/{account_id}")


@router.post("/documents/{document_id}/reject", response_class=HTMLResponse, dependencies=[CsrfChecked])
def reject_document(request: Request, session: DbSession, runtime: RuntimeDep, user: DncOfficer, document_id: int,
                    reason: Annotated[str, Form()] = "") -> Response:
    """Reject one document with the reason the sender is emailed."""
    document = repository.get_document(session, document_id)
    if document is None:
        raise DocumentNotFound(N_("There is no document %(document_id)s."), document_id=document_id)
    try:
        with session.begin_nested():
            documents.reject_document(session, clock=runtime.clock, document_id=document_id, reason=reason,
                                      officer_name=user.username)
    except DomainError as exc:
        return account_page(request, session, runtime, document.account_id,
                            _problem(request, exc, f"reject-{document_id}"), form={"reason": reason},
                            status_code=exc.status_code)
    flash(request, "flash_document_rejected", id=document_id)
    return redirect(f"/staff/senders/{document.account_id}")


@router.get("/documents/{document_id}")
def view_document(session: DbSession, user: DncOfficer, document_id: int) -> Response:
    """Show an uploaded document (inline; its type was checked by content when it was stored)."""
    document = repository.get_document(session, document_id)
    if document is None:
        raise DocumentNotFound(N_("There is no document %(document_id)s."), document_id=document_id)
    return FileResponse(document.path, media_type=document.content_type, filename=document.filename,
                        content_disposition_type="inline",
                        headers={"X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"})


@router.post("/orders/{order_id}/payments", response_class=HTMLResponse, dependencies=[CsrfChecked])
def record_payment(
    request: Request,
    session: DbSession,
    runtime: RuntimeDep,
    user: DncOfficer,
    order_id: int,
    method: Annotated[str, Form()] = "",
    reference: Annotated[str, Form()] = "",
    amount: Annotated[str, Form()] = "",
    received_on: Annotated[str, Form()] = "",
) -> Response:
    """Record money received against an order; paying it in full activates or renews the account."""
    order = repository.get_order(session, order_id)
    if order is None:
        raise OrderNotFound(N_("There is no order %(order_id)s."), order_id=order_id)
    form = {"order_id": order_id, "method": method, "reference": reference, "amount": amount,
            "received_on": received_on}
    try:
        day = _date(received_on, "received_on") if received_on.strip() else None
        with session.begin_nested():
            outcome = payments.record_payment(
                session, clock=runtime.clock, settings=runtime.settings, order_id=order_id,
                method=parse_method(method), reference=reference, amount_cents=parse_hkd(amount),
                officer_name=user.username, received_on=day)
    except DomainError as exc:
        return account_page(request, session, runtime, order.account_id, _problem(request, exc, f"pay-{order_id}"),
                            form=form, status_code=exc.status_code)
    account = repository.get_account(session, order.account_id)
    if outcome.outstanding_cents:
        flash(request, "flash_payment_partial", id=order_id, outstanding=format_hkd(outcome.outstanding_cents))
    elif account is not None and account.state == AccountState.active.value:
        flash(request, "flash_payment_settled_active", id=order_id)
    else:
        flash(request, "flash_payment_settled", id=order_id)
    return redirect(f"/staff/senders/{order.account_id}")


def _date(value: str, field: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise InvalidInput(N_("%(value)s is not a date such as 2026-03-02."),
                           **{field: value, "value": repr(value)}) from None


# ---- account controls: automation, one-time password, unlock ---------------------------------------------------

@router.post("/{account_id}/automation", response_class=HTMLResponse, dependencies=[CsrfChecked])
def set_automation(request: Request, session: DbSession, runtime: RuntimeDep, user: DncOfficer, account_id: int,
                   enabled: Annotated[str, Form()] = "") -> Response:
    """Enable or disable API access (automation by arrangement); disabling stops every key at once."""
    turn_on = enabled == "on"
    try:
        with session.begin_nested():
            api_keys.set_api_access(session, clock=runtime.clock, settings=runtime.settings, account_id=account_id,
                                    enabled=turn_on, officer=user.username)
    except DomainError as exc:
        return account_page(request, session, runtime, account_id, _problem(request, exc, "automation"),
                            status_code=exc.status_code)
    flash(request, "flash_automation_on" if turn_on else "flash_automation_off", id=account_id)
    return redirect(f"/staff/senders/{account_id}")


@router.post("/{account_id}/one-time-password", response_class=HTMLResponse, dependencies=[CsrfChecked])
def issue_one_time_password(request: Request, session: DbSession, runtime: RuntimeDep, user: DncOfficer,
                            account_id: int) -> Response:
    """Issue a one-time password and show it once (it is not stored in clear, so it cannot be shown again)."""
    try:
        with session.begin_nested():
            password = signin.issue_one_time_password(session, clock=runtime.clock, settings=runtime.settings,
                                                      account_id=account_id, officer=user.username)
    except DomainError as exc:
        return account_page(request, session, runtime, account_id, _problem(request, exc, "otp"),
                            status_code=exc.status_code)
    response = account_page(request, session, runtime, account_id, {"issued_password": password})
    response.headers["Cache-Control"] = "no-store"
    return response


@router.post("/{account_id}/unlock", response_class=HTMLResponse, dependencies=[CsrfChecked])
def unlock(request: Request, session: DbSession, runtime: RuntimeDep, user: DncOfficer, account_id: int) -> Response:
    """Clear the failed log-ins and any lock (after identifying the sender)."""
    try:
        with session.begin_nested():
            signin.unlock(session, clock=runtime.clock, settings=runtime.settings, account_id=account_id,
                          officer=user.username)
    except DomainError as exc:
        return account_page(request, session, runtime, account_id, _problem(request, exc, "unlock"),
                            status_code=exc.status_code)
    flash(request, "flash_unlocked", id=account_id)
    return redirect(f"/staff/senders/{account_id}")


# ---- account controls: client certificates for the mutual-TLS listener (issue 15 §4) ---------------------------
# The same services as /api/v1/senders/accounts/{id}/client-certificates (ecert/client_auth.py), one per action.

# Keyed words of these routes (flash messages), added to the pages' keyed words as web/ecert/messages.py does.
CLIENT_CERT_MESSAGES = {
    "flash_client_cert_bound": N_("Client certificate %(serial)s is bound to account %(id)s."),
    "flash_client_cert_unbound": N_("Client certificate %(serial)s no longer signs account %(id)s in."),
}
for _key, _message in CLIENT_CERT_MESSAGES.items():
    i18n.MESSAGES.setdefault(_key, _message)


def _client_certs(account_id: int) -> str:
    return f"/staff/senders/{account_id}#client-certificates-title"


@router.post("/{account_id}/client-certificates", response_class=HTMLResponse, dependencies=[CsrfChecked])
def bind_client_certificate(
    request: Request,
    session: DbSession,
    runtime: RuntimeDep,
    user: DncOfficer,
    account_id: int,
    serial: Annotated[str, Form()] = "",
    csr: Annotated[str, Form()] = "",
    csr_file: Annotated[UploadFile | None, File()] = None,
) -> Response:
    """Bind an issued client-automation certificate by serial, or issue one from the sender's CSR (pasted or
    uploaded) and bind it; the certificate issued now is shown with its chain to copy or download."""
    uploaded = csr_file.file.read(MAX_CSR_BYTES + 1) if csr_file is not None and csr_file.filename else b""
    request_csr: bytes | str = uploaded or csr.strip()
    form = {"serial": serial[:64], "csr": csr[:MAX_CSR_BYTES]}  # what was typed, kept for the form again
    try:
        if bool(serial.strip()) == bool(request_csr):
            raise InvalidInput(N_("Give either the serial of an issued client certificate or the sender's CSR, "
                                  "not both."))
        with session.begin_nested():
            if serial.strip():
                view = client_auth.bind_existing(session, clock=runtime.clock, account_id=account_id,
                                                 serial=serial, officer=user.username)
            else:
                from telreg.ecert.hierarchy import load_hierarchy

                hierarchy = load_hierarchy(runtime.settings)
                view, certificate = client_auth.issue_and_bind(session, runtime=runtime, hierarchy=hierarchy,
                                                               account_id=account_id, csr=request_csr,
                                                               officer=user.username)
    except DomainError as exc:
        return account_page(request, session, runtime, account_id, _problem(request, exc, "client-cert"),
                            form=form, status_code=exc.status_code)
    if serial.strip():
        flash(request, "flash_client_cert_bound", serial=view.serial, id=account_id)
        return redirect(_client_certs(account_id))
    issued = {"serial": view.serial, "binding_id": view.id, "pem": _pem(certificate),
              "chain_pem": _pem(hierarchy.issuing.certificate)}
    response = account_page(request, session, runtime, account_id, {"issued_client_certificate": issued})
    response.headers["Cache-Control"] = "no-store"
    return response


@router.get("/{account_id}/client-certificates/{binding_id}/certificate.pem")
def client_certificate_file(session: DbSession, runtime: RuntimeDep, user: DncOfficer, account_id: int,
                            binding_id: int) -> Response:
    """The bound certificate and the issuing CA's certificate after it (PEM), to hand to the sender."""
    view = _binding(session, account_id=account_id, binding_id=binding_id)
    row = ecert_repository.certificate_by_serial(session, view.serial)
    from telreg.ecert.hierarchy import load_hierarchy

    chain = _pem(load_hierarchy(runtime.settings).issuing.certificate)
    body = (_pem(x509.load_der_x509_certificate(row.der)) if row is not None and row.der else "") + chain
    return Response(body, media_type="application/x-pem-file",
                    headers={"Content-Disposition": f'attachment; filename="client-{view.serial}.pem"',
                             "X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"})


@router.post("/{account_id}/client-certificates/{binding_id}/unbind", response_class=HTMLResponse,
             dependencies=[CsrfChecked])
def unbind_client_certificate(request: Request, session: DbSession, runtime: RuntimeDep, user: DncOfficer,
                              account_id: int, binding_id: int,
                              confirm: Annotated[str, Form()] = "") -> Response:
    """End a binding (after a confirmation step): the certificate no longer signs the sender's scripts in."""
    if not confirmed(confirm):
        view = _binding(session, account_id=account_id, binding_id=binding_id)
        lang = i18n.choose_language(request)
        return confirm_page(
            request, title=format_message(lang, N_("Unbind client certificate %(serial)s?"), {"serial": view.serial}),
            question=format_message(lang, N_("Certificate %(serial)s will no longer sign account %(id)s in on the "
                                              "mutual-TLS listener. It stays valid as a certificate (revoke it with "
                                              "the CA to end it), and it cannot be bound again."),
                                    {"serial": view.serial, "id": account_id}),
            details=[(format_message(lang, N_("Bound by")), view.bound_by)],
            action=f"/staff/senders/{account_id}/client-certificates/{binding_id}/unbind",
            button=format_message(lang, N_("Unbind the certificate")), back=_client_certs(account_id))
    try:
        with session.begin_nested():
            view = client_auth.unbind(session, clock=runtime.clock, account_id=account_id, binding_id=binding_id,
                                      officer=user.username)
    except DomainError as exc:
        return account_page(request, session, runtime, account_id, _problem(request, exc, "client-cert"),
                            status_code=exc.status_code)
    flash(request, "flash_client_cert_unbound", serial=view.serial, id=account_id)
    return redirect(_client_certs(account_id))


def _binding(session: Session, *, account_id: int, binding_id: int) -> client_auth.BindingView:
    for view in client_auth.list_bindings(session, account_id=account_id):
        if view.id == binding_id:
            return view
    raise client_auth.BindingNotFound(N_("Account %(account_id)s has no client certificate %(binding_id)s."),
                                      account_id=account_id, binding_id=binding_id)


def _pem(certificate: x509.Certificate) -> str:
    return certificate.public_bytes(serialization.Encoding.PEM).decode()
