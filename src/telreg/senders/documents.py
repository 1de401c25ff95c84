"""Documentary proof: uploads checked by content and size, stored outside the database, reviewed by officers.

Each capacity needs its own documents (``REQUIRED_DOCUMENTS``). Uploading a type again replaces a submitted one
(the older row becomes ``superseded``). An officer accepts the documents as a whole — which requires the latest
upload of every required type — or rejects one document with a reason that is emailed to the sender, who then
uploads a replacement.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import partial

from sqlalchemy.orm import Session

from telreg.config import Settings
from telreg.core import audit
from telreg.core.clock import Clock
from telreg.core.errors import InvalidInput
from telreg.core.files import PendingFile, keep_on_commit, receive_document
from telreg.core.i18n import N_, translate
from telreg.core.users import officer
from telreg.senders import emails, lifecycle, repository
from telreg.senders.errors import (
    AccountCancelled,
    AccountNotFound,
    DocumentNotFound,
    MissingDocuments,
    WrongDocumentType,
    WrongState,
)
from telreg.senders.models import SenderAccount, SenderDocument
from telreg.senders.vocabulary import PENDING_STATES, REQUIRED_DOCUMENTS, AccountState, Capacity, DocumentType

__all__ = ["DocumentUpload", "accept_documents", "document_summary", "reject_document", "upload_document"]


@dataclass(frozen=True)
class DocumentUpload:
    """One document as sent: a file a request has already streamed to disk (core/uploads.py), or bytes (demos)."""

    doc_type: str
    filename: str
    content: bytes | PendingFile


def _required(account: SenderAccount) -> tuple[DocumentType, ...]:
    return REQUIRED_DOCUMENTS[Capacity(account.capacity)]


def _listing(documents: tuple[DocumentType, ...], lang: str) -> str:
    """The documents as a refusal lists them: each type's code and its name in LANG."""
    return "; ".join(f"{d.value} ({translate(lang, d.label)})" for d in documents)


def _parse_type(account: SenderAccount, value: str) -> DocumentType:
    required = _required(account)
    listing = {"listing": partial(_listing, required)}
    try:
        doc_type = DocumentType(value.strip().lower())
    except ValueError:
        raise WrongDocumentType(N_("%(value)s is not a document type. For this application upload: "
                                   "%(listing)s."), parts=listing, doc_type=value,
                                required=[d.value for d in required], value=repr(value)) from None
    if doc_type not in required:
        raise WrongDocumentType(N_("A %(label)s is not needed when applying as %(applying_as)s. Upload: "
                                   "%(listing)s."), parts=listing, doc_type=doc_type.value,
                                required=[d.value for d in required], label=doc_type.label,
                                applying_as=Capacity(account.capacity).value)
    return doc_type


def _locked(session: Session, account_id: int) -> SenderAccount:
    account = repository.lock_account(session, account_id)
    if account is None:
        raise AccountNotFound(N_("There is no sender account %(account_id)s."), account_id=account_id)
    if account.state == AccountState.cancelled.value:
        raise AccountCancelled(N_("This account is cancelled; apply again as a new applicant."),
                               account_id=account_id)
    return account


def add_document(session: Session, *, clock: Clock, settings: Settings, account: SenderAccount,
                 upload: DocumentUpload, actor: str) -> SenderDocument:
    """Store one upload for an account the caller has locked (used by apply and upload_document)."""
    if account.documents_accepted_at is not None or AccountState(account.state) not in PENDING_STATES:
        raise WrongState(N_("The documents of this account were already accepted; nothing more is needed."),
                         account_id=account.id)
    doc_type = _parse_type(account, upload.doc_type)
    pending = upload.content if isinstance(upload.content, PendingFile) else receive_document(
        settings.data_dir, filename=upload.filename, stream=io.BytesIO(upload.content),
        max_bytes=settings.max_upload_bytes, area="senders")
    stored = keep_on_commit(session, pending)  # kept only if this application or upload is committed
    for older in repository.documents(session, account.id):
        if older.doc_type == doc_type.value and older.status == "submitted":
            older.status = "superseded"
    document = SenderDocument(account_id=account.id, doc_type=doc_type.value, filename=stored.filename,
                              path=stored.path, sha256=stored.sha256, size=stored.size,
                              content_type=stored.content_type, status="submitted", uploaded_at=clock.now())
    repository.add(session, document)
    audit.record(session, clock=clock, actor=actor, action="sender-document-uploaded", subject_type="sender",
                 subject_key=str(account.id),
                 details={"document": document.id, "doc_type": doc_type.value, "sha256": stored.sha256})
    return document


def upload_document(session: Session, *, clock: Clock, settings: Settings, account_id: int, upload: DocumentUpload,
                    actor: str) -> SenderDocument:
    """Add a piece of documentary proof to a pending application (type-checked by content, size-limited)."""
    account = _locked(session, account_id)
    return add_document(session, clock=clock, settings=settings, account=account, upload=upload, actor=actor)


def document_summary(session: Session, account: SenderAccount) -> dict[str, object]:
    """Per required type: the latest upload and its status; and which types are still missing."""
    latest: dict[str, SenderDocument] = {}
    for document in repository.documents(session, account.id):
        if document.status != "superseded":
            latest[document.doc_type] = document
    types = []
    missing = []
    for doc_type in _required(account):
        document = latest.get(doc_type.value)
        status = document.status if document is not None else "missing"
        if status in ("missing", "rejected"):
            missing.append(doc_type.value)
        types.append({"doc_type": doc_type.value, "label": doc_type.label, "status": status,
                      "document_id": document.id if document else None,
                      "filename": document.filename if document else None,
                      "reason": document.reason if document else None})
    return {"accepted": account.documents_accepted_at is not None, "required": types, "missing": missing}


def accept_documents(session: Session, *, clock: Clock, settings: Settings, account_id: int,
                     officer_name: str) -> SenderAccount:
    """Accept the application's documents; the account activates now if its fees are already paid."""
    clerk = officer(session, officer_name)
    account = _locked(session, account_id)
    if account.documents_accepted_at is not None:
        raise WrongState(N_("The documents of account %(account_id)s were already accepted."),
                         account_id=account_id)
    summary = document_summary(session, account)
    if summary["missing"]:
        missing = [DocumentType(t) for t in summary["missing"]]  # type: ignore[attr-defined]
        raise MissingDocuments(
            N_("These documents are missing or were rejected: %(labels)s. Nothing was accepted."),
            parts={"labels": lambda lang: ", ".join(translate(lang, d.label) for d in missing)},
            missing=[d.value for d in missing], account_id=account_id)
    now = clock.now()
    accepted = []
    for entry in summary["required"]:  # type: ignore[attr-defined]
        document = repository.get_document(session, entry["document_id"])
        assert document is not None
        document.status, document.reviewed_by, document.reviewed_at = "accepted", clerk.username, now
        accepted.append(document.id)
    account.documents_accepted_at = now
    session.flush()
    actor = f"officer:{clerk.username}"
    audit.record(session, clock=clock, actor=actor, action="sender-documents-accepted", subject_type="sender",
                 subject_key=str(account.id), details={"documents": accepted})
    lifecycle.activate_if_ready(session, clock=clock, settings=settings, account=account, actor=actor)
    return account


def reject_document(session: Session, *, clock: Clock, document_id: int, reason: str,
                    officer_name: str) -> SenderDocument:
    """Reject one submitted document with the reason the sender is emailed."""
    clerk = officer(session, officer_name)
    if not reason.strip():
        raise InvalidInput(N_("Say why the document is rejected; the sender is told the reason."))
    document = repository.get_document(session, document_id)
    if document is None:
        raise DocumentNotFound(N_("There is no document %(document_id)s."), document_id=document_id)
    account = _locked(session, document.account_id)
    session.refresh(document)
    if document.status != "submitted":
        raise WrongState(N_("Document %(document_id)s is %(status)s; only a submitted document can be "
                            "rejected."), document_id=document_id, status=document.status)
    document.status, document.reviewed_by, document.reviewed_at = "rejected", clerk.username, clock.now()
    document.reason = reason.strip()[:500]
    session.flush()
    audit.record(session, clock=clock, actor=f"officer:{clerk.username}", action="sender-document-rejected",
                 subject_type="sender", subject_key=str(account.id),
                 details={"document": document.id, "reason": document.reason})
    emails.document_rejected(session, clock=clock, account=account, document=document)
    return document
