"""Warrant documents (DocumentObject): PDF only, size-limited, checksum-checked, kept only if the message commits.

A document is stored under its SHA-256 (core/files.py, area ``lawful``) through ``receive_document`` and
``keep_on_commit``: the file moves into place when the transaction commits, and is removed when the message's
savepoint (one bad action) or the request's transaction rolls back — a refused message leaves no file.

Attaching a warrant to an Emergency authorisation backs it: ``backed_at`` is set and ``emergency_outcome`` becomes
``backed`` when it came in time — before any release (no clock started yet) or before ``backing_due_at``. A warrant
that comes after the due time is kept and dated, but does not save the release: the sweep revokes it.
"""

from __future__ import annotations

import hashlib
import io
import uuid

from sqlalchemy.orm import Session

from telreg.core import audit
from telreg.core.files import keep_on_commit, receive_document, sniff_type
from telreg.core.i18n import N_
from telreg.lawful import repository
from telreg.lawful.errors import RequestInvalid, StepConflict
from telreg.lawful.hi1.dictionaries import ACTIVE, AWAITING_APPROVAL, DOCUMENT_TYPES, EMERGENCY
from telreg.lawful.hi1.model import DocumentObject
from telreg.lawful.models import Authorisation, Document
from telreg.runtime import Runtime

__all__ = ["attach_document"]

PDF = "application/pdf"
SHA256 = "SHA-256"
AUTHORISATION_SUBJECT = "la-authorisation"


def attach_document(session: Session, *, runtime: Runtime, actor: str, authorisation: Authorisation,
                    obj: DocumentObject) -> Document:
    """Check and store a warrant document for AUTHORISATION (tied to the current transaction)."""
    if authorisation.status not in (AWAITING_APPROVAL, ACTIVE):
        raise StepConflict(N_("Authorisation %(reference)s is %(status)s: no document can be added to it."),
                           reference=authorisation.reference, status=authorisation.status)
    if obj.document_type not in DOCUMENT_TYPES:
        raise RequestInvalid(N_("A document's DocumentType must be one of %(known)s (got %(given)s)."),
                             known=", ".join(DOCUMENT_TYPES), given=repr(obj.document_type))
    content = obj.content or b""
    name = (obj.name or "").strip() or f"{obj.object_identifier}.pdf"
    if len(name) > 200:
        raise RequestInvalid(N_("A DocumentName is at most 200 characters."))
    if not content:
        raise RequestInvalid(N_("Document %(name)s has no contents: a warrant is sent as a PDF file."), name=name)
    limit = runtime.settings.lawful_document_max_bytes
    if len(content) > limit:
        raise RequestInvalid(N_("Document %(name)s is %(size)s bytes; a warrant document may be at most "
                                "%(limit)s bytes."), name=name, size=f"{len(content):,}", limit=f"{limit:,}")
    if sniff_type(content) != PDF:
        raise RequestInvalid(N_("Document %(name)s is not a PDF file: a warrant is accepted as PDF only."), name=name)
    digest = hashlib.sha256(content).hexdigest()
    if obj.checksum is not None:
        if (obj.checksum_type or SHA256).upper() != SHA256:
            raise RequestInvalid(N_("A document's ChecksumType must be SHA-256 (got %(given)s)."),
                                 given=repr(obj.checksum_type))
        if obj.checksum.strip().lower() != digest:
            raise RequestInvalid(N_("The checksum of document %(name)s does not match its contents: the SHA-256 of "
                                    "what arrived is %(actual)s, the message says %(given)s."),
                                 name=name, actual=digest, given=obj.checksum.strip())
    pending = receive_document(runtime.settings.data_dir, filename=name, stream=io.BytesIO(content),
                               max_bytes=limit, area="lawful")
    stored = keep_on_commit(session, pending)
    now = runtime.clock.now()
    document = repository.add(session, Document(
        object_id=obj.object_identifier or str(uuid.uuid4()), authorisation_id=authorisation.id,
        reference=(obj.reference or None), name=name, document_type=obj.document_type, content_type=PDF,
        size=stored.size, sha256=stored.sha256, path=stored.path, added_by=actor, added_at=now))
    backed = _back_emergency(authorisation, now)
    session.flush()
    audit.record(session, clock=runtime.clock, actor=actor, action="lawful-document-attached",
                 subject_type=AUTHORISATION_SUBJECT, subject_key=authorisation.object_id,
                 details={"document": document.object_id, "sha256": stored.sha256, "size": stored.size,
                          "backs_emergency": backed})
    return document


def _back_emergency(authorisation: Authorisation, now: object) -> bool:
    if authorisation.legal_type != EMERGENCY or authorisation.backed_at is not None:
        return False
    authorisation.backed_at = now  # type: ignore[assignment]
    in_time = authorisation.backing_due_at is None or now <= authorisation.backing_due_at  # type: ignore[operator]
    if in_time and authorisation.emergency_outcome is None:
        authorisation.emergency_outcome = "backed"
    authorisation.updated_at = now  # type: ignore[assignment]
    return in_time
