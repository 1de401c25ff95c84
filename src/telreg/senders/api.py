"""HTTP API of senders' subscription accounts.

Public: apply (multipart: the form fields, and optionally documents with a ``document_types`` entry each) and the
fee table. Sender (signed-in sender session, see senders.deps): profile (an API key too), document upload,
renewal orders.
Officer (staff session with the ``dnc-officer`` role; changes need the CSRF token): applications, document
review, payments, fee revisions.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile

from telreg.core import captcha, rate_limits
from telreg.core.access import Public
from telreg.core.db import unit_of_work
from telreg.core.errors import InvalidInput
from telreg.core.i18n import N_
from telreg.core.rate_limits import client_address
from telreg.core.security import CsrfChecked, DncOfficer
from telreg.core.uploads import UploadBatch
from telreg.deps import DbSession, ReadSession, RuntimeDep
from telreg.runtime import Runtime
from telreg.senders import applications, documents, fees, payments, profile, renewals
from telreg.senders.deps import CurrentSender, SenderCallerDep
from telreg.senders.documents import DocumentUpload
from telreg.senders.schemas import (
    ApplicationOut,
    DocumentOut,
    FeeEntryOut,
    FeeRevision,
    FeeTableOut,
    OrderOut,
    PaymentCreate,
    PaymentOutcomeOut,
    ProfileOut,
    RejectRequest,
    RenewalCreate,
)
from telreg.senders.vocabulary import parse_hkd, parse_method, parse_plan, parse_plans

router = APIRouter(prefix="/api/v1/senders", tags=["senders"])


def _uploads(batch: UploadBatch, files: list[UploadFile], types: list[str]) -> list[DocumentUpload]:
    # Handlers that take uploads are plain ``def`` on purpose: FastAPI runs them in its thread pool. Database
    # work inside an ``async def`` would block the event loop, and a request waiting there for a lock would stop
    # the request holding it from ever finishing.
    if len(files) != len(types):
        raise InvalidInput(N_("Give one document_types entry per document (%(documents)s documents, "
                              "%(types)s types)."), documents=len(files), types=len(types))
    batch.check_count(len(files))
    # Streamed to disk in chunks under the batch's limits; each is kept only if the request commits.
    return [DocumentUpload(t, f.filename or "document", batch.receive(f, filename=f.filename or "document"))
            for f, t in zip(files, types)]


def _captcha_passed(runtime: Runtime, *, token: str, answer: str) -> None:
    # Checked in a transaction of its own: the picture is used up even when the answer is wrong and the
    # request fails (one guess per picture).
    with unit_of_work(runtime.session_factory) as session:
        passed = captcha.verify(session, runtime.clock, token=token, answer=answer)
    if not passed:
        raise captcha.CaptchaFailed()


@router.post("/applications", response_model=ApplicationOut, status_code=201, dependencies=[Public])
def apply(
    request: Request,
    session: DbSession,
    runtime: RuntimeDep,
    capacity: Annotated[str, Form(description="individual | hk-company | overseas-company | other-organisation")],
    name: Annotated[str, Form(description="Applicant's or company's name")],
    contact_email: Annotated[str, Form()],
    plans: Annotated[list[str], Form(description="register:plan, repeatable, e.g. fax:12-months")],
    username: Annotated[str, Form()],
    password: Annotated[str, Form()],
    security_question: Annotated[str, Form()],
    security_answer: Annotated[str, Form()],
    documents_: Annotated[list[UploadFile], File(alias="documents", description="PDF, PNG or JPEG")] = [],  # noqa: B006
    document_types: Annotated[list[str], Form(description="One per document, e.g. hkid-copy")] = [],  # noqa: B006
    captcha_token: Annotated[str, Form(description="From GET /api/v1/captcha")] = "",
    captcha_answer: Annotated[str, Form(description="The characters of that CAPTCHA's picture")] = "",
) -> Any:
    """Apply for a subscription account; the email that follows lists the documents and payment needed.

    Needs a CAPTCHA (``GET /api/v1/captcha``). Limits: ``upload_max_files`` documents of at most
    ``max_upload_bytes`` each and ``upload_max_request_bytes`` together (413 beyond), a daily byte budget per
    address (429 ``upload_quota``) and ``applications_per_address_per_hour`` attempts (429 ``rate_limited``)."""
    address = client_address(request)
    rate_limits.hit(session, clock=runtime.clock, scope="sender-application", key=address,
                    limit=runtime.settings.applications_per_address_per_hour, window_seconds=3600)
    _captcha_passed(runtime, token=captcha_token, answer=captcha_answer)
    with UploadBatch.for_request(runtime, area="senders", session=session, address=address) as batch:
        uploads = _uploads(batch, documents_, document_types)
        account = applications.apply(
            session, clock=runtime.clock, settings=runtime.settings, capacity=capacity, name=name,
            contact_email=contact_email, plans=parse_plans(plans), username=username, password=password,
            security_question=security_question, security_answer=security_answer, documents=uploads,
        )
    return applications.application_view(session, account)


@router.get("/fees", response_model=FeeTableOut, dependencies=[Public])
def fee_table(session: ReadSession, runtime: RuntimeDep) -> Any:
    """The fee per register for each plan: every revision, and the fees in force today."""
    return fees.fee_table(session, settings=runtime.settings, clock=runtime.clock)


# ---- the signed-in sender -------------------------------------------------------------------------------------

@router.get("/me", response_model=ProfileOut)
def my_profile(caller: SenderCallerDep, session: DbSession, runtime: RuntimeDep) -> Any:
    """The Account Profile: expiry date of each register and the renewal options with their fees (a signed-in
    sender, or a script with one of the account's API keys)."""
    return profile.profile(session, clock=runtime.clock, settings=runtime.settings,
                           account_id=caller.account_id)


@router.post("/me/documents", response_model=DocumentOut, status_code=201, dependencies=[CsrfChecked])
def upload_document(
    sender: CurrentSender, session: DbSession, runtime: RuntimeDep,
    doc_type: Annotated[str, Form(description="e.g. hkid-copy, certificate-of-incorporation")],
    document: Annotated[UploadFile, File(description="PDF, PNG or JPEG")],
) -> Any:
    """Upload (or replace) a piece of documentary proof for a pending application."""
    with UploadBatch.for_request(runtime, area="senders") as batch:
        [upload] = _uploads(batch, [document], [doc_type])
        return documents.upload_document(session, clock=runtime.clock, settings=runtime.settings,
                                         account_id=sender.account_id, upload=upload,
                                         actor=f"sender:{sender.account_id}")


@router.post("/me/renewals", response_model=OrderOut, status_code=201, dependencies=[CsrfChecked])
def renew(body: RenewalCreate, sender: CurrentSender, session: DbSession, runtime: RuntimeDep) -> Any:
    """Order a renewal at today's fees; it takes effect when the payment is recorded."""
    order = renewals.request_renewal(session, clock=runtime.clock, settings=runtime.settings,
                                     account_id=sender.account_id, plans=parse_plans(body.plans),
                                     actor=f"sender:{sender.account_id}")
    return payments.order_summary(session, order)


@router.delete("/me/renewals/{order_id}", response_model=OrderOut, dependencies=[CsrfChecked])
def cancel_renewal(order_id: int, sender: CurrentSender, session: DbSession, runtime: RuntimeDep) -> Any:
    """Withdraw a renewal order that has not been paid."""
    order = renewals.cancel_renewal(session, clock=runtime.clock, account_id=sender.account_id, order_id=order_id,
                                    actor=f"sender:{sender.account_id}")
    return payments.order_summary(session, order)


# ---- officers ---------------------------------------------------------------------------------------------------

@router.get("/applications", response_model=list[ApplicationOut])
def list_applications(session: DbSession, officer: DncOfficer, state: str | None = None) -> Any:
    """Applications newest first; by default those waiting for documents or payment."""
    return applications.list_applications(session, state=state)


@router.get("/accounts/{account_id}", response_model=ProfileOut)
def account_profile(account_id: int, session: DbSession, runtime: RuntimeDep, officer: DncOfficer) -> Any:
    """Any account's profile, as its sender sees it."""
    return profile.profile(session, clock=runtime.clock, settings=runtime.settings, account_id=account_id)


@router.post("/accounts/{account_id}/documents/accept", response_model=ApplicationOut, dependencies=[CsrfChecked],
             responses={409: {"description": "wrong_state: the documents were decided already"}})
def accept_documents(account_id: int, session: DbSession, runtime: RuntimeDep, officer: DncOfficer) -> Any:
    """Accept an application's documents (all required types must be there); activates it if paid."""
    account = documents.accept_documents(session, clock=runtime.clock, settings=runtime.settings,
                                         account_id=account_id, officer_name=officer.username)
    return applications.application_view(session, account)


@router.post("/documents/{document_id}/reject", response_model=DocumentOut, dependencies=[CsrfChecked],
             responses={409: {"description": "wrong_state: only a submitted document can be rejected"}})
def reject_document(document_id: int, body: RejectRequest, session: DbSession, runtime: RuntimeDep,
                    officer: DncOfficer) -> Any:
    """Reject one document; the sender is emailed the reason and uploads a replacement."""
    return documents.reject_document(session, clock=runtime.clock, document_id=document_id, reason=body.reason,
                                     officer_name=officer.username)


@router.post("/orders/{order_id}/payments", response_model=PaymentOutcomeOut, status_code=201,
             dependencies=[CsrfChecked])
def record_payment(order_id: int, body: PaymentCreate, session: DbSession, runtime: RuntimeDep,
                   officer: DncOfficer) -> Any:
    """Record a payment against an order; paying it in full activates or renews the account."""
    outcome = payments.record_payment(session, clock=runtime.clock, settings=runtime.settings, order_id=order_id,
                                      method=parse_method(body.method), reference=body.reference,
                                      amount_cents=parse_hkd(body.amount), officer_name=officer.username,
                                      received_on=body.received_on)
    return payments.outcome_view(session, outcome)


@router.post("/fees", response_model=FeeEntryOut, status_code=201, dependencies=[CsrfChecked])
def revise_fee(body: FeeRevision, session: DbSession, runtime: RuntimeDep, officer: DncOfficer) -> Any:
    """Publish a revised fee per register for a plan, in force from a date (today or later)."""
    row = fees.revise_fee(session, clock=runtime.clock, plan=parse_plan(body.plan), amount_cents=parse_hkd(body.amount),
                          effective_from=body.effective_from, officer_name=officer.username)
    return fees.FeeEntry(row.plan, row.amount_cents, row.effective_from, "revision", row.created_by).as_dict()
