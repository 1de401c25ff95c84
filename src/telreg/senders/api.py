"""HTTP API of senders' subscription accounts.

Public: apply (multipart: the form fields, and optionally documents with a ``document_types`` entry each) and the
fee table. Sender (signed-in sender session, see senders.deps): profile (an API key too), document upload,
renewal orders.
Officer (staff session with the ``dnc-officer`` role; changes need the CSRF token): applications, document
review, payments, fee revisions.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, UploadFile

from telreg.core.errors import InvalidInput
from telreg.core.i18n import N_
from telreg.core.security import CsrfChecked, DncOfficer
from telreg.deps import DbSession, ReadSession, RuntimeDep
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


def _uploads(files: list[UploadFile], types: list[str], max_bytes: int) -> list[DocumentUpload]:
    # Handlers that take uploads are plain ``def`` on purpose: FastAPI runs them in its thread pool. Database
    # work inside an ``async def`` would block the event loop, and a request waiting there for a lock would stop
    # the request holding it from ever finishing.
    if len(files) != len(types):
        raise InvalidInput(N_("Give one document_types entry per document (%(documents)s documents, "
                              "%(types)s types)."), documents=len(files), types=len(types))
    # Read one byte past the limit: enough to say "too large" without holding a huge upload in memory.
    return [DocumentUpload(t, f.filename or "document", f.file.read(max_bytes + 1)) for f, t in zip(files, types)]


@router.post("/applications", response_model=ApplicationOut, status_code=201)
def apply(
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
) -> Any:
    """Apply for a subscription account; the email that follows lists the documents and payment needed."""
    uploads = _uploads(documents_, document_types, runtime.settings.max_upload_bytes)
    account = applications.apply(
        session, clock=runtime.clock, settings=runtime.settings, capacity=capacity, name=name,
        contact_email=contact_email, plans=parse_plans(plans), username=username, password=password,
        security_question=security_question, security_answer=security_answer, documents=uploads,
    )
    return applications.application_view(session, account)


@router.get("/fees", response_model=FeeTableOut)
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
    [upload] = _uploads([document], [doc_type], runtime.settings.max_upload_bytes)
    return documents.upload_document(session, clock=runtime.clock, settings=runtime.settings,
                                     account_id=sender.account_id, upload=upload, actor=f"sender:{sender.account_id}")


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


@router.post("/accounts/{account_id}/documents/accept", response_model=ApplicationOut, dependencies=[CsrfChecked])
def accept_documents(account_id: int, session: DbSession, runtime: RuntimeDep, officer: DncOfficer) -> Any:
    """Accept an application's documents (all required types must be there); activates it if paid."""
    account = documents.accept_documents(session, clock=runtime.clock, settings=runtime.settings,
                                         account_id=account_id, officer_name=officer.username)
    return applications.application_view(session, account)


@router.post("/documents/{document_id}/reject", response_model=DocumentOut, dependencies=[CsrfChecked])
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
