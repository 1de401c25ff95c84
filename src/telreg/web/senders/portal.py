"""Sender portal, part one: the online application and its confirmation, the Account Profile (expiry dates,
renewal options with fees, outstanding orders) and uploading further documents."""

from __future__ import annotations

import base64
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from telreg.core import captcha, rate_limits
from telreg.core.access import Public
from telreg.core.errors import DomainError, InvalidInput
from telreg.core.i18n import N_
from telreg.core.security import CsrfChecked
from telreg.core.uploads import UploadBatch
from telreg.deps import DbSession, ReadSession, RuntimeDep
from telreg.runtime import Runtime
from telreg.senders import applications, documents, fees, profile, renewals, repository
from telreg.senders.documents import DocumentUpload
from telreg.senders.lifecycle import AccountAccess
from telreg.senders.vocabulary import REQUIRED_DOCUMENTS, Capacity, Plan, Register, parse_plans
from telreg.web import i18n
from telreg.web.confirm import confirm_page, confirmed
from telreg.web.render import flash, redirect, render
from telreg.web.senders.common import MaybeSender, SenderPage, detour, error_field, explain

router = APIRouter(prefix="/senders")
APPLIED_KEY = "sender_applied"  # the account id just applied for, for the confirmation page
REGISTERS = [r.value for r in Register]
PLANS = [p.value for p in Plan]
CAPACITIES = [c.value for c in Capacity]


def _problem(request: Request, exc: DomainError) -> dict[str, Any]:
    message, original = explain(exc, i18n.choose_language(request))
    return {"error": message, "error_original": original, "error_field": error_field(exc)}


@router.get("", response_class=HTMLResponse, dependencies=[Public])
def portal(request: Request, sender: MaybeSender) -> Response:
    """The portal's start: the profile when logged in, else the log-in form (which links to the application)."""
    return redirect("/senders/profile" if sender is not None else "/senders/login")


# ---- the online application ----------------------------------------------------------------------------------

def _capacity(value: str | None) -> Capacity:
    try:
        return Capacity(value or Capacity.individual.value)
    except ValueError:
        return Capacity.individual


def _apply_page(request: Request, session: Session, runtime: Runtime, form: dict[str, Any],
                problem: dict[str, Any] | None = None, status_code: int = 200) -> HTMLResponse:
    capacity = _capacity(form.get("capacity"))
    table = fees.fee_table(session, settings=runtime.settings, clock=runtime.clock)
    context = {
        "form": form,
        "capacity": capacity.value,
        "capacities": CAPACITIES,
        "registers": REGISTERS,
        "plans": PLANS,
        "fees_in_force": table["in_force"],
        "required": [d.value for d in REQUIRED_DOCUMENTS[capacity]],
        "max_upload_mb": runtime.settings.max_upload_bytes // (1024 * 1024),
        **_captcha_fields(session, runtime),  # every showing gets a fresh picture: one guess per picture
        **(problem or {}),
    }
    return render(request, "senders/apply.html", context, status_code=status_code)


def _captcha_fields(session: Session, runtime: Runtime) -> dict[str, str]:
    from telreg.senders.signin_api import audio_url

    token, png = captcha.issue(session, runtime.clock, answers=captcha.answer_source(runtime),
                               audio_key=captcha.audio_key_for(runtime))
    picture = "data:image/png;base64," + base64.b64encode(png).decode("ascii")
    return {"captcha_token": token, "captcha_picture": picture, "captcha_audio": audio_url(token)}


@router.get("/apply", response_class=HTMLResponse, dependencies=[Public])
def apply_form(request: Request, session: DbSession, runtime: RuntimeDep, capacity: str = "") -> HTMLResponse:
    """Show the application form; ``?capacity=`` chooses which documents it asks for."""
    return _apply_page(request, session, runtime, {"capacity": _capacity(capacity).value})


@router.get("/apply/documents", response_class=HTMLResponse, dependencies=[Public])
def apply_documents(request: Request, runtime: RuntimeDep, capacity: str = "") -> HTMLResponse:
    """The document fields for a capacity (htmx swaps them in when the capacity changes)."""
    chosen = _capacity(capacity)
    return render(request, "senders/_apply_documents.html",
                  {"required": [d.value for d in REQUIRED_DOCUMENTS[chosen]], "form": {},
                   "max_upload_mb": runtime.settings.max_upload_bytes // (1024 * 1024)})


@router.post("/apply", response_class=HTMLResponse, dependencies=[Public, CsrfChecked])
def apply(
    request: Request,
    session: DbSession,
    runtime: RuntimeDep,
    capacity: Annotated[str, Form()] = "",
    name: Annotated[str, Form()] = "",
    contact_email: Annotated[str, Form()] = "",
    plan_fax: Annotated[str, Form()] = "",
    plan_sms: Annotated[str, Form()] = "",
    plan_prerecorded: Annotated[str, Form()] = "",
    username: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    password_again: Annotated[str, Form()] = "",
    security_question: Annotated[str, Form()] = "",
    security_answer: Annotated[str, Form()] = "",
    # A file field left empty arrives as a part without a file name, which the form parser hands over as "".
    documents_: Annotated[list[UploadFile | str], File(alias="documents")] = [],  # noqa: B006
    document_types: Annotated[list[str], Form()] = [],  # noqa: B006
    captcha_token: Annotated[str, Form()] = "",
    captcha_answer: Annotated[str, Form()] = "",
) -> Response:
    """Open the account; a refusal is shown on the form with what was typed kept (never the passwords)."""
    # Counted first, in the limiter's own transaction, before this request's session holds any lock.
    address = rate_limits.client_address(request)
    rate_limits.hit(session, clock=runtime.clock, scope="sender-application", key=address,
                    limit=runtime.settings.applications_per_address_per_hour, window_seconds=3600)
    chosen = {"fax": plan_fax, "sms": plan_sms, "prerecorded": plan_prerecorded}
    form = {"capacity": capacity, "name": name, "contact_email": contact_email, "plans": chosen,
            "username": username, "security_question": security_question}
    t = i18n.translator(i18n.choose_language(request))
    # The browser cannot be handed the chosen files back: the re-shown form names them, to be chosen again.
    form["files_chosen"] = [{"label": t(f"doc_{doc_type}"), "filename": f.filename}
                            for f, doc_type in zip(documents_, document_types, strict=False)
                            if not isinstance(f, str) and f.filename]
    if not any(chosen.values()):  # every register left "Not wanted" applies for nothing, not for everything
        problem = {"error": t("no_plan_chosen"), "error_field": "plans"}
        return _apply_page(request, session, runtime, form, problem, status_code=422)
    # The picture is used up whatever the answer (the re-shown form commits that, with a new picture).
    if not captcha.verify(session, runtime.clock, token=captcha_token, answer=captcha_answer):
        problem = {"error": t("captcha_wrong"), "error_field": "captcha_answer"}
        return _apply_page(request, session, runtime, form, problem, status_code=422)
    try:
        if password != password_again:
            raise InvalidInput(N_("The two passwords are not the same; type the password again in both "
                                  "fields."), password_again="")
        chosen_files = [(f, doc_type) for f, doc_type in zip(documents_, document_types, strict=False)
                        if not isinstance(f, str) and f.filename]
        # Streamed to disk under the per-file, per-request and per-address limits; kept only if the application
        # below is committed (a refusal shown on the form keeps none of them).
        with UploadBatch.for_request(runtime, area="senders", session=session, address=address) as batch:
            batch.check_count(len(chosen_files))
            uploads = [DocumentUpload(doc_type, f.filename, batch.receive(f, filename=f.filename))
                       for f, doc_type in chosen_files]
            plans = parse_plans([f"{r}:{p}" for r, p in chosen.items() if p]) if any(chosen.values()) else {}
            # A savepoint: catching the error to show it on the form must not commit half an application.
            with session.begin_nested():
                account = applications.apply(
                    session, clock=runtime.clock, settings=runtime.settings, capacity=capacity, name=name,
                    contact_email=contact_email, plans=plans, username=username, password=password,
                    security_question=security_question, security_answer=security_answer, documents=uploads)
    except DomainError as exc:
        problem = _problem(request, exc)
        if "password_again" in exc.extra:
            problem["error_field"] = "password_again"
        return _apply_page(request, session, runtime, form, problem, status_code=exc.status_code)
    request.session[APPLIED_KEY] = account.id
    return redirect("/senders/apply/done")


@router.get("/apply/done", response_class=HTMLResponse, dependencies=[Public])
def applied(request: Request, session: ReadSession) -> Response:
    """Confirm the application: what was ordered, the documents still needed and how to pay."""
    account_id = request.session.get(APPLIED_KEY)
    account = repository.get_account(session, int(account_id)) if account_id else None
    if account is None:
        return redirect("/senders/apply")
    return render(request, "senders/applied.html", {"application": applications.application_view(session, account)})


# ---- the Account Profile ---------------------------------------------------------------------------------------

def _profile_page(request: Request, session: Session, runtime: Runtime, account_id: int,
                  problem: dict[str, Any] | None = None, status_code: int = 200) -> HTMLResponse:
    data = profile.profile(session, clock=runtime.clock, settings=runtime.settings, account_id=account_id)
    return render(request, "senders/profile.html",
                  {"profile": data, "plans": PLANS,
                   "max_upload_mb": runtime.settings.max_upload_bytes // (1024 * 1024), **(problem or {})},
                  status_code=status_code)


@router.get("/profile", response_class=HTMLResponse, dependencies=[SenderPage])
def profile_page(request: Request, session: DbSession, runtime: RuntimeDep, sender: MaybeSender) -> Response:
    """The Account Profile: state, each register's expiry date, renewal options with fees, open orders."""
    if (elsewhere := detour(request, sender)) is not None:
        return elsewhere
    assert sender is not None
    return _profile_page(request, session, runtime, sender.account_id)


@router.post("/documents", response_class=HTMLResponse, dependencies=[SenderPage, CsrfChecked])
def upload_document(
    request: Request,
    session: DbSession,
    runtime: RuntimeDep,
    sender: MaybeSender,
    doc_type: Annotated[str, Form()] = "",
    document: Annotated[UploadFile | str | None, File()] = None,
) -> Response:
    """Add (or replace) a piece of documentary proof for a pending application."""
    if (elsewhere := detour(request, sender)) is not None:
        return elsewhere
    assert sender is not None
    try:
        if document is None or isinstance(document, str) or not document.filename:
            raise InvalidInput(N_("Choose the file to upload (PDF, PNG or JPEG)."), doc_type=doc_type)
        with UploadBatch.for_request(runtime, area="senders") as batch:  # streamed; kept only if committed
            upload = DocumentUpload(doc_type, document.filename, batch.receive(document, filename=document.filename))
            with session.begin_nested():
                stored = documents.upload_document(session, clock=runtime.clock, settings=runtime.settings,
                                                   account_id=sender.account_id, upload=upload,
                                                   actor=f"sender:{sender.account_id}")
    except DomainError as exc:
        t = i18n.translator(i18n.choose_language(request))
        # A chosen file cannot be handed back to the browser: the page names it, to be chosen again.
        chosen = [] if document is None or isinstance(document, str) or not document.filename else \
            [{"label": t(f"doc_{doc_type}"), "filename": document.filename}]
        problem = {**_problem(request, exc), "error_form": f"upload-{doc_type}", "files_chosen": chosen}
        return _profile_page(request, session, runtime, sender.account_id, problem, status_code=exc.status_code)
    flash(request, "flash_document_uploaded", filename=stored.filename)
    return redirect("/senders/profile")


@router.post("/renewals", response_class=HTMLResponse, dependencies=[SenderPage, CsrfChecked])
async def order_renewal(request: Request, session: DbSession, runtime: RuntimeDep, sender: MaybeSender) -> Response:
    """Order a renewal of the chosen registers (``renew_<register>`` = plan) at today's fees."""
    if (elsewhere := detour(request, sender)) is not None:
        return elsewhere
    assert sender is not None
    submitted = await request.form()
    chosen = {r: str(submitted.get(f"renew_{r}") or "") for r in REGISTERS}
    # The form is read; the database work goes to the thread pool, off the event loop (see senders/api.py).
    return await run_in_threadpool(_order_renewal, request, session, runtime, sender, chosen)


def _order_renewal(request: Request, session: Session, runtime: Runtime, sender: AccountAccess,
                   chosen: dict[str, str]) -> Response:
    try:
        plans = parse_plans([f"{r}:{p}" for r, p in chosen.items() if p]) if any(chosen.values()) else {}
        with session.begin_nested():
            order = renewals.request_renewal(session, clock=runtime.clock, settings=runtime.settings,
                                             account_id=sender.account_id, plans=plans,
                                             actor=f"sender:{sender.account_id}")
    except DomainError as exc:
        problem = {**_problem(request, exc), "error_form": "renewal", "renew_form": chosen}
        return _profile_page(request, session, runtime, sender.account_id, problem, status_code=exc.status_code)
    flash(request, "flash_renewal_ordered", id=order.id)
    return redirect("/senders/profile")


@router.post("/renewals/{order_id}/cancel", dependencies=[SenderPage, CsrfChecked])
def cancel_renewal(order_id: int, request: Request, session: DbSession, runtime: RuntimeDep,
                   sender: MaybeSender, confirm: Annotated[str, Form()] = "") -> Response:
    """Withdraw a renewal order that has not been paid (after a confirmation step)."""
    if (elsewhere := detour(request, sender)) is not None:
        return elsewhere
    assert sender is not None
    if not confirmed(confirm):
        t = i18n.translator(i18n.choose_language(request))
        return confirm_page(request, title=t("confirm_withdraw_renewal_title"),
                            question=t("confirm_withdraw_renewal", id=order_id),
                            action=f"/senders/renewals/{order_id}/cancel",
                            button=t("confirm_withdraw_renewal_button"), back="/senders/profile")
    renewals.cancel_renewal(session, clock=runtime.clock, account_id=sender.account_id, order_id=order_id,
                            actor=f"sender:{sender.account_id}")
    flash(request, "flash_renewal_cancelled", id=order_id)
    return redirect("/senders/profile")

