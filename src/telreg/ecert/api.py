"""HTTP API of the certificate lifecycle for CA officers (role ``ca-officer``; administrators pass too).

Changes send ``X-CSRF-Token``. Personal data is answered masked (views.py). Routes, under ``/api/v1/ecert``:

- ``POST /applications`` (201) records an application for a verified identity; ``GET /applications[?state=]``,
  ``GET /applications/{reference}``; ``POST /applications/{reference}/reject`` ``{"reason"}``,
  ``.../withdraw``, ``.../issue`` (201).
- ``GET /certificates[?serial=<hex prefix>&state=]``, ``GET /certificates/{serial}``;
  ``POST /certificates/{serial}/revoke`` ``{"reason"}``, ``.../hold``, ``.../release``, ``.../renew`` (201);
  ``PUT /certificates/{serial}/token`` ``{"token_serial"}`` records the smart card holding it,
  ``DELETE /certificates/{serial}/token`` records its removal from the card, which revokes it.

Issue and renew answer JSON (``IssuedOut``). With a CA-generated key the PKCS#12 comes base64 in
``pkcs12_base64`` — JSON rather than an ``application/x-pkcs12`` attachment so that one answer also carries the
serial, the chain and, when it was generated, the password — and the answer is marked ``Cache-Control:
no-store``: it is the only copy there will ever be.
"""

from __future__ import annotations

import base64
import binascii
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response

from telreg.deps import DbSession, RuntimeDep
from telreg.ecert import applications, lifecycle, repository, views
from telreg.ecert.deps import CA_CHANGE, CaOfficer
from telreg.ecert.lifecycle import Issued
from telreg.ecert.schemas import (
    ApplicationIn,
    ApplicationOut,
    CertificateOut,
    IssuedOut,
    IssueIn,
    ReasonIn,
    RenewIn,
    RevokeIn,
    TokenIn,
)
from telreg.ecert.subjects import KeyedDocument

__all__ = ["router"]

router = APIRouter(prefix="/api/v1/ecert", tags=["e-Cert lifecycle"])
_PAGE = Annotated[int, Query(ge=1, le=500)]
ApplicationState = Literal["submitted", "issued", "rejected", "withdrawn"]  # models.APPLICATION_STATES
CertificateState = Literal["intent", "good", "hold", "revoked"]  # models.CERTIFICATE_STATES


def _actor(officer: Any) -> str:
    return f"officer:{officer.username}"


def _keyed(document: Any) -> KeyedDocument | None:
    return KeyedDocument(doc_type=document.doc_type, number=document.number, name=document.name) if document else None


def _csr(text: str | None) -> bytes | str | None:
    """A CSR as sent in JSON: PEM as is, anything else read as base64 DER (and left for the service to refuse
    when it is not)."""
    if not text or text.lstrip().startswith("-----BEGIN"):
        return text
    try:
        return base64.b64decode("".join(text.split()), validate=True)
    except (binascii.Error, ValueError):
        return text


def _issued(session: Any, runtime: Any, issued: Issued, response: Response) -> dict[str, Any]:
    response.headers["Cache-Control"] = "no-store"
    serial = issued.certificate.serial
    return {
        "certificate": views.certificate_view(session, vault=runtime.vault, row=issued.certificate),
        "application": issued.application.reference,
        "certificate_pem": issued.chain_pem(),
        "pkcs12_base64": base64.b64encode(issued.pkcs12).decode("ascii") if issued.pkcs12 else None,
        "pkcs12_password": issued.password,
        "pkcs12_filename": f"ecert-{serial}.p12" if issued.pkcs12 else None,
        "superseded": issued.superseded.serial if issued.superseded else None,
    }


# --- applications -------------------------------------------------------------------------------------------

@router.post("/applications", dependencies=CA_CHANGE, response_model=ApplicationOut, status_code=201)
def submit_application(body: ApplicationIn, session: DbSession, runtime: RuntimeDep, officer: CaOfficer) -> Any:
    """Record an application at the counter for a verified real-name identity (422 identity_not_verified says
    which check failed; a CSR is checked at once)."""
    row = applications.submit(
        session, vault=runtime.vault, clock=runtime.clock, settings=runtime.settings, profile=body.profile,
        document=_keyed(body.document), authorised_person=_keyed(body.authorised_person),  # type: ignore[arg-type]
        key_origin=body.key_origin, csr=_csr(body.csr), email=body.email,
        value_added_consent=body.value_added_consent, counter=body.counter, actor=_actor(officer))
    return views.application_view(session, vault=runtime.vault, row=row)


@router.get("/applications", response_model=list[ApplicationOut])
def list_applications(session: DbSession, runtime: RuntimeDep, officer: CaOfficer,
                      state: ApplicationState | None = None,
                      limit: _PAGE = 100, offset: Annotated[int, Query(ge=0)] = 0) -> Any:
    """List applications, newest first; applicants masked."""
    rows = repository.applications(session, state=state, limit=limit, offset=offset)
    return [views.application_view(session, vault=runtime.vault, row=row) for row in rows]


@router.get("/applications/{reference}", response_model=ApplicationOut)
def get_application(reference: str, session: DbSession, runtime: RuntimeDep, officer: CaOfficer) -> Any:
    """One application, applicant masked."""
    row = applications.get_application(session, reference)
    return views.application_view(session, vault=runtime.vault, row=row)


@router.post("/applications/{reference}/reject", dependencies=CA_CHANGE, response_model=ApplicationOut)
def reject_application(reference: str, body: ReasonIn, session: DbSession, runtime: RuntimeDep,
                       officer: CaOfficer) -> Any:
    """Reject a submitted application with a reason (409 application_closed once decided)."""
    row = applications.reject(session, clock=runtime.clock, reference=reference, reason=body.reason or "",
                              actor=_actor(officer))
    return views.application_view(session, vault=runtime.vault, row=row)


@router.post("/applications/{reference}/withdraw", dependencies=CA_CHANGE, response_model=ApplicationOut)
def withdraw_application(reference: str, body: ReasonIn, session: DbSession, runtime: RuntimeDep,
                         officer: CaOfficer) -> Any:
    """Withdraw a submitted application at the applicant's request."""
    row = applications.withdraw(session, clock=runtime.clock, reference=reference, actor=_actor(officer),
                                reason=body.reason)
    return views.application_view(session, vault=runtime.vault, row=row)


@router.post("/applications/{reference}/issue", dependencies=CA_CHANGE, response_model=IssuedOut,
             status_code=201)
def issue_application(reference: str, body: IssueIn, response: Response, session: DbSession,
                      runtime: RuntimeDep, officer: CaOfficer) -> Any:
    """Issue the application's certificate; with a CA-generated key the answer carries the PKCS#12 once."""
    issued = lifecycle.issue_application(session, runtime=runtime, reference=reference, actor=_actor(officer),
                                         pkcs12_password=body.pkcs12_password)
    return _issued(session, runtime, issued, response)


# --- certificates -------------------------------------------------------------------------------------------

@router.get("/certificates", response_model=list[CertificateOut])
def list_certificates(session: DbSession, runtime: RuntimeDep, officer: CaOfficer,
                      serial: Annotated[str | None, Query(max_length=40, description="Hex prefix")] = None,
                      state: CertificateState | None = None,
                      limit: _PAGE = 100, offset: Annotated[int, Query(ge=0)] = 0) -> Any:
    """Subscribers' certificates, newest first, found by serial prefix and state; subjects masked."""
    prefix = lifecycle.normalise_serial(serial) if serial else None
    if serial and prefix is None:
        return []
    rows = repository.certificates(session, serial_prefix=prefix, state=state, limit=limit, offset=offset)
    return [views.certificate_view(session, vault=runtime.vault, row=row) for row in rows]


@router.get("/certificates/{serial}", response_model=CertificateOut)
def get_certificate(serial: str, session: DbSession, runtime: RuntimeDep, officer: CaOfficer) -> Any:
    """One certificate: state, reason, dates; subject masked."""
    return views.certificate_view(session, vault=runtime.vault, row=lifecycle.get_certificate(session, serial))


@router.post("/certificates/{serial}/revoke", dependencies=CA_CHANGE, response_model=CertificateOut)
def revoke_certificate(serial: str, body: RevokeIn, session: DbSession, runtime: RuntimeDep,
                       officer: CaOfficer) -> Any:
    """Revoke for good with an RFC 5280 reason (409 status_conflict when revoked already)."""
    row = lifecycle.revoke(session, runtime=runtime, serial=serial, reason=body.reason, actor=_actor(officer))
    return views.certificate_view(session, vault=runtime.vault, row=row)


@router.post("/certificates/{serial}/hold", dependencies=CA_CHANGE, response_model=CertificateOut)
def hold_certificate(serial: str, session: DbSession, runtime: RuntimeDep, officer: CaOfficer) -> Any:
    """Suspend a valid certificate (certificateHold)."""
    row = lifecycle.hold(session, runtime=runtime, serial=serial, actor=_actor(officer))
    return views.certificate_view(session, vault=runtime.vault, row=row)


@router.post("/certificates/{serial}/release", dependencies=CA_CHANGE, response_model=CertificateOut)
def release_certificate(serial: str, session: DbSession, runtime: RuntimeDep, officer: CaOfficer) -> Any:
    """Release a certificate from hold (409 status_conflict when it is not on hold)."""
    row = lifecycle.release(session, runtime=runtime, serial=serial, actor=_actor(officer))
    return views.certificate_view(session, vault=runtime.vault, row=row)


@router.post("/certificates/{serial}/renew", dependencies=CA_CHANGE, response_model=IssuedOut, status_code=201)
def renew_certificate(serial: str, body: RenewIn, response: Response, session: DbSession, runtime: RuntimeDep,
                      officer: CaOfficer) -> Any:
    """Issue a new certificate for the same identity; a still-valid old one is revoked as superseded."""
    issued = lifecycle.renew(
        session, runtime=runtime, serial=serial, actor=_actor(officer), key_origin=body.key_origin,
        csr=_csr(body.csr), email=body.email, value_added_consent=body.value_added_consent,
        counter=body.counter, profile=body.profile, pkcs12_password=body.pkcs12_password)
    return _issued(session, runtime, issued, response)


@router.put("/certificates/{serial}/token", dependencies=CA_CHANGE, response_model=CertificateOut)
def record_token(serial: str, body: TokenIn, session: DbSession, runtime: RuntimeDep, officer: CaOfficer) -> Any:
    """Record the smart card that holds the certificate."""
    row = lifecycle.record_token(session, runtime=runtime, serial=serial, token_serial=body.token_serial,
                                 actor=_actor(officer))
    return views.certificate_view(session, vault=runtime.vault, row=row)


@router.delete("/certificates/{serial}/token", dependencies=CA_CHANGE, response_model=CertificateOut)
def remove_token(serial: str, session: DbSession, runtime: RuntimeDep, officer: CaOfficer) -> Any:
    """Record the certificate's removal from its card: it is revoked (cessationOfOperation)."""
    row = lifecycle.remove_from_token(session, runtime=runtime, serial=serial, actor=_actor(officer))
    return views.certificate_view(session, vault=runtime.vault, row=row)
