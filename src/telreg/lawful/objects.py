"""GET and LIST: an agency's own objects as HI-1 objects, with statuses as the requester sees them.

A task refused by an operator reads exactly like one that matched nothing (``requester_task_status``), its
ReasonForStatus is never shown, and nothing says which operator holds the target. Another agency's object, or one
that does not exist, is "not found" alike — never "forbidden", which would confirm that it exists.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from telreg.core.i18n import N_
from telreg.core.vault import Vault
from telreg.lawful import repository
from telreg.lawful.errors import ObjectNotFound, RequestInvalid
from telreg.lawful.hi1.dictionaries import (
    EMERGENCY,
    REQUEST_TYPE_OWNERS,
    TARGET_FORMAT_OWNERS,
    requester_task_status,
)
from telreg.lawful.hi1.model import (
    ApprovalDetails,
    AuthorisationObject,
    DocumentObject,
    HI1Object,
    LDTaskObject,
    TargetIdentifier,
)
from telreg.lawful.models import Agency, Authorisation, Document, Task
from telreg.lawful.targets import SEALED_FIELD

__all__ = ["OBJECT_TYPES", "get_object", "list_objects"]

OBJECT_TYPES = ("Authorisation", "LDTask", "Document")


def get_object(session: Session, *, vault: Vault, agency: Agency, object_id: str | None) -> HI1Object:
    object_id = (object_id or "").strip()
    row = repository.authorisation(session, object_id, agency_id=agency.id)
    if row is not None:
        return authorisation_object(session, agency, row)
    task = repository.task_of_agency(session, object_id, agency.id)
    if task is not None:
        return task_object(session, vault, agency, task)
    document = repository.document_of_agency(session, object_id, agency.id)
    if document is not None:
        return document_object(session, agency, document)
    raise ObjectNotFound(N_("There is no object %(object_id)s of your agency."), object_id=object_id)


def list_objects(session: Session, *, vault: Vault, agency: Agency, object_type: str | None) -> list[HI1Object]:
    if object_type == "Authorisation":
        rows = sorted(repository.authorisations(session, agency_id=agency.id), key=lambda a: a.id)
        return [authorisation_object(session, agency, a) for a in rows]
    if object_type == "LDTask":
        return [task_object(session, vault, agency, t) for t in repository.tasks_of_agency(session, agency.id)]
    if object_type == "Document":
        return [document_object(session, agency, d) for d in repository.documents_of_agency(session, agency.id)]
    raise RequestInvalid(N_("LIST needs an ObjectType: one of %(known)s (got %(given)s)."),
                         known=", ".join(OBJECT_TYPES), given=repr(object_type))


def authorisation_object(session: Session, agency: Agency, row: Authorisation) -> AuthorisationObject:
    details = ApprovalDetails(approver_name=row.issuing_authority or None, description=row.grounds,
                              is_emergency=row.legal_type == EMERGENCY)
    return AuthorisationObject(
        object_identifier=row.object_id, country_code=agency.country_code, owner_identifier=agency.code,
        reference=row.reference, legal_type=row.legal_type, status=row.status, desired_status=row.desired_status,
        timespan_start=row.timespan_start, timespan_end=row.timespan_end, creation_timestamp=row.filed_at,
        approval_details=(details,))


def task_object(session: Session, vault: Vault, agency: Agency, task: Task) -> LDTaskObject:
    authorisation = session.get(Authorisation, task.authorisation_id)
    assert authorisation is not None
    value = vault.open(SEALED_FIELD, task.target_sealed)
    return LDTaskObject(
        object_identifier=task.object_id, country_code=agency.country_code, owner_identifier=agency.code,
        associated_objects=(authorisation.object_id,), reference=task.reference,
        status=requester_task_status(task.status), desired_status=task.desired_status,
        request_type_owner=REQUEST_TYPE_OWNERS[task.request_type], request_type=task.request_type,
        start_time=task.window_start, end_time=task.window_end,
        request_values=(TargetIdentifier(TARGET_FORMAT_OWNERS[task.target_format], task.target_format, value),))


def document_object(session: Session, agency: Agency, document: Document) -> DocumentObject:
    authorisation = session.get(Authorisation, document.authorisation_id)
    assert authorisation is not None
    return DocumentObject(
        object_identifier=document.object_id, country_code=agency.country_code, owner_identifier=agency.code,
        associated_objects=(authorisation.object_id,), reference=document.reference, name=document.name,
        document_type=document.document_type, content_type=document.content_type, checksum=document.sha256,
        checksum_type="SHA-256")
