"""Applications and certificates as CA officers see them: every personal value masked.

The subscriber's data belongs to the platform's owner (seed 002 Q7): an officer at a counter sees enough to
recognise the person in front of them (``CHAN T** M**``, ``A123***(*)``) and no more. Names and documents are
opened from the vault and masked here; the certificate's own subject (which names the person in clear, as any
certificate does) is not shown, and its pseudonym is no use to an officer. Times are Hong Kong time.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from telreg.core.clock import to_hk
from telreg.core.masking import mask_document, mask_name
from telreg.core.vault import Vault
from telreg.ecert import repository
from telreg.ecert.models import Application, Certificate
from telreg.realname import identities
from telreg.realname import repository as realname_repository

__all__ = ["application_view", "applications", "certificate_view", "count_applications", "mask_email"]


def certificate_view(session: Session, *, vault: Vault, row: Certificate) -> dict[str, Any]:
    """A certificate's state, dates and subject, masked."""
    renewed = session.get(Certificate, row.renewal_of_id) if row.renewal_of_id is not None else None
    application = session.get(Application, row.application_id) if row.application_id is not None else None
    return {
        "serial": row.serial,
        "profile": row.profile,
        "subject_kind": row.subject_kind,
        "subject": _subject(session, vault=vault, identity_id=row.identity_id,
                            authorised_person_id=row.authorised_person_id),
        "state": row.state,
        "revocation_reason": row.revocation_reason,
        "revoked_at": _hk(row.revoked_at),
        "not_before": _hk(row.not_before),
        "not_after": _hk(row.not_after),
        "issued_at": _hk(row.issued_at),
        "issued_by": row.issued_by,
        "key_origin": row.key_origin,
        "key_algorithm": row.key_algorithm,
        "fingerprint_sha256": row.fingerprint_sha256,
        "token_serial": row.token_serial,
        "counter": row.counter,
        "application": application.reference if application else None,
        "renewal_of": renewed.serial if renewed else None,
    }


def application_view(session: Session, *, vault: Vault, row: Application) -> dict[str, Any]:
    """An application with its subject masked and, once issued, its certificate's serial."""
    issued = repository.certificate_of_application(session, row.id) if row.state == "issued" else None
    renewed = session.get(Certificate, row.renewal_of_id) if row.renewal_of_id is not None else None
    return {
        "reference": row.reference,
        "profile": row.profile,
        "state": row.state,
        "key_origin": row.key_origin,
        "subject": _subject(session, vault=vault, identity_id=row.identity_id,
                            authorised_person_id=row.authorised_person_id),
        "email": mask_email(row.email) if row.email else None,
        "counter": row.counter,
        "value_added_consent": row.value_added_consent,
        "consent_recorded_at": _hk(row.consent_recorded_at),
        "renewal_of": renewed.serial if renewed else None,
        "created_at": _hk(row.created_at),
        "created_by": row.created_by,
        "decided_at": _hk(row.decided_at),
        "decided_by": row.decided_by,
        "reason": row.reason,
        "certificate": issued.serial if issued else None,
    }


def mask_email(address: str) -> str:
    """``chan.tai.man@example.com`` → ``c***@example.com``: the domain stays (it says which mailbox provider)."""
    local, _, domain = address.partition("@")
    return f"{local[:1]}***@{domain}" if domain else mask_name(address)


def _subject(session: Session, *, vault: Vault, identity_id: int | None,
             authorised_person_id: int | None) -> dict[str, Any] | None:
    if identity_id is None:
        return None
    subject = _masked(vault, realname_repository.identity(session, identity_id))
    if authorised_person_id is not None:
        subject["authorised_person"] = _masked(vault, realname_repository.identity(session, authorised_person_id))
    return subject


def _masked(vault: Vault, identity: Any) -> dict[str, Any]:
    clear = identities.open_details(vault, identity)
    return {"kind": clear["kind"], "name": mask_name(clear["name"]),
            "document": {"type": clear["doc_type"], "number": mask_document(clear["doc_type"], clear["document"])}}


def _hk(value: dt.datetime | None) -> str | None:
    return to_hk(value).isoformat() if value is not None else None


def count_applications(session: Session, *, state: str | None = None) -> int:
    """How many applications there are (in STATE), for paging."""
    return repository.count_applications(session, state=state)


def applications(session: Session, *, vault: Vault, state: str | None = None, limit: int = 100,
                 offset: int = 0) -> list[dict[str, Any]]:
    """Applications for the officers' page, newest first: the API's view plus the masked applicant's name,
    the certificate's serial and the time received (a datetime, which the page formats)."""
    rows = []
    for row in repository.applications(session, state=state, limit=limit, offset=offset):
        view = application_view(session, vault=vault, row=row)
        subject = view["subject"] or {}
        person = subject.get("authorised_person")
        view["subject_name"] = subject.get("name", "") + (f" ({person['name']})" if person else "")
        view["serial"] = view["certificate"]
        view["created_at"] = row.created_at
        rows.append(view)
    return rows
