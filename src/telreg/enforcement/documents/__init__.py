"""A case's documents: generated letters and notices (PDF), replies and evidence an officer files.

Every file is stored by its SHA-256 under ``data_dir/uploads/enforcement`` and verified whenever it is opened: a
file altered on disk is reported (DocumentAltered, logged) and never served. **Documents are immutable once
served**: a served document's row refuses any change or deletion (the mapper events below, whatever code tries),
and the steps that regenerate a document refuse a served one.
"""

from __future__ import annotations

import hashlib
import io
import logging
from pathlib import Path
from typing import Any

from sqlalchemy import event, func, inspect, select
from sqlalchemy.orm import Session

from telreg.config import Settings
from telreg.core.clock import Clock, today
from telreg.core.files import PendingFile, keep_on_commit, receive_document, store_document
from telreg.core.i18n import N_
from telreg.enforcement.documents import pdf, templates
from telreg.enforcement.errors import CaseNotFound, DocumentAltered, StepRefused
from telreg.enforcement.models import Case, CaseDocument

__all__ = ["AREA", "create_document", "document_by_reference", "documents_of", "ensure_unserved", "open_document",
           "render_pdf"]

AREA = "enforcement"
GENERATED_MAX_BYTES = 20 * 1024 * 1024
log = logging.getLogger("telreg.enforcement.documents")

_RENDERERS = {"information-request": (templates.information_request, templates.INFORMATION_REQUEST_TITLE),
              "enforcement-notice": (templates.enforcement_notice, templates.NOTICE_TITLE),
              "reply": (templates.reply_record, templates.REPLY_TITLE)}


def render_pdf(kind: str, params: dict[str, Any]) -> bytes:
    """The PDF of a generated document of KIND filled with PARAMS (the same params give the same bytes)."""
    build, (title_en, title_zh) = _RENDERERS[kind]
    return pdf.render(build(params), title=f"{title_en} {title_zh} {params['reference']}")


def documents_of(session: Session, case: Case) -> list[CaseDocument]:
    return list(session.scalars(select(CaseDocument).where(CaseDocument.case_id == case.id)
                                .order_by(CaseDocument.created_at, CaseDocument.id)))


def document_by_reference(session: Session, reference: str) -> CaseDocument:
    row = session.scalar(select(CaseDocument).where(CaseDocument.reference == reference.strip().upper()))
    if row is None:
        raise CaseNotFound(N_("There is no case document %(reference)s."), reference=reference)
    return row


def next_document_reference(session: Session, case: Case) -> str:
    count = session.scalar(select(func.count()).select_from(CaseDocument).where(CaseDocument.case_id == case.id))
    return f"{case.reference}-D{(count or 0) + 1:02d}"


def create_document(session: Session, *, clock: Clock, settings: Settings, case: Case, kind: str, title: str,
                    filename: str, params: dict[str, Any], officer: str, content: bytes | PendingFile | None = None,
                    reference: str | None = None, reply_due: Any = None) -> CaseDocument:
    """Store a document of the case. Without CONTENT the PDF is rendered from PARAMS (kind information-request,
    enforcement-notice or reply) and placed at once (content-addressed: an orphan is swept later); an upload
    (PendingFile, or bytes type-checked like every upload: PDF, PNG or JPEG) is kept only if the transaction
    commits."""
    reference = reference or next_document_reference(session, case)
    if content is None:
        rendered = render_pdf(kind, {**params, "reference": params.get("reference", reference)})
        stored = store_document(settings.data_dir, filename=filename, content=rendered,
                                max_bytes=GENERATED_MAX_BYTES, area=AREA)
    else:
        pending = content if isinstance(content, PendingFile) else receive_document(
            settings.data_dir, filename=filename, stream=io.BytesIO(content), max_bytes=settings.max_upload_bytes,
            area=AREA)
        stored = keep_on_commit(session, pending)
    row = CaseDocument(case_id=case.id, kind=kind, reference=reference, title=title[:200],
                       filename=stored.filename, content_type=stored.content_type, sha256=stored.sha256,
                       size=stored.size, path=stored.path, params=params, dated=today(clock), reply_due=reply_due,
                       created_by=officer, created_at=clock.now())
    session.add(row)
    session.flush()
    return row


def open_document(session: Session, *, reference: str) -> tuple[CaseDocument, bytes]:
    """The document REFERENCE and its file's bytes, verified against the SHA-256 recorded for it."""
    row = document_by_reference(session, reference)
    try:
        content = Path(row.path).read_bytes()
    except OSError:
        content = None
    if content is None or hashlib.sha256(content).hexdigest() != row.sha256:
        log.error("enforcement document %s: the stored file is %s", row.reference,
                  "missing" if content is None else "altered (its SHA-256 differs)",
                  extra={"event": "enforcement.document-altered", "document": row.reference, "sha256": row.sha256})
        raise DocumentAltered(N_("The file of document %(reference)s is missing or was altered after it was "
                                 "stored; it is not served. Tell the platform's administrators."),
                              reference=row.reference, sha256=row.sha256)
    return row, content


def ensure_unserved(document: CaseDocument) -> None:
    """Refuse a change to a served document."""
    if document.served_at is not None:
        raise StepRefused(N_("Document %(reference)s was served on %(served_on)s; a served document cannot be "
                             "changed, generated again or deleted."), reference=document.reference,
                          served_on=document.served_at.date().isoformat())


@event.listens_for(CaseDocument, "before_update")
def _refuse_changing_a_served_document(mapper: Any, connection: Any, target: CaseDocument) -> None:
    served = inspect(target).attrs.served_at.history
    was_served = [value for value in (*served.deleted, *served.unchanged) if value is not None]
    if was_served:
        raise StepRefused(N_("Document %(reference)s was served on %(served_on)s; a served document cannot be "
                             "changed, generated again or deleted."), reference=target.reference,
                          served_on=was_served[0].date().isoformat())


@event.listens_for(CaseDocument, "before_delete")
def _refuse_deleting_a_served_document(mapper: Any, connection: Any, target: CaseDocument) -> None:
    ensure_unserved(target)
