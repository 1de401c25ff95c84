"""HTTP API of client certificates for senders' automation (do-not-call officers; changes send ``X-CSRF-Token``).

- ``GET /api/v1/senders/accounts/{id}/client-certificates``: the account's bindings, ended ones included.
- ``POST`` the same address binds a certificate, either ``{"serial": "…"}`` (a ``client-automation``
  certificate the CA issued already) or ``{"csr": "-----BEGIN CERTIFICATE REQUEST-----…"}`` (issue one now from
  the sender's CSR and bind it; the answer carries the certificate and the issuing CA in PEM). The account must
  have API access (``PUT /api/v1/senders/accounts/{id}/api-access``).
- ``DELETE …/client-certificates/{binding_id}`` ends a binding: the certificate no longer signs the account in.

The certificate is then used on the mutual-TLS listener (``telreg serve --mtls-port``, telreg.ecert.mtls).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from cryptography.hazmat.primitives import serialization
from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field, model_validator

from telreg.core.security import CsrfChecked, DncOfficer, dnc_officer
from telreg.deps import DbSession, RuntimeDep
from telreg.ecert import client_auth

__all__ = ["router"]

router = APIRouter(prefix="/api/v1/senders/accounts/{account_id}/client-certificates",
                   tags=["senders: client certificates (mutual TLS)"])
OFFICER_CHANGE = [Depends(dnc_officer), CsrfChecked]  # the role before CSRF: not signed in hears 401


class ClientCertificateBind(BaseModel):
    """Exactly one of ``serial`` and ``csr``."""

    model_config = ConfigDict(extra="forbid")

    serial: str | None = Field(None, max_length=64, description="Serial (hex) of an issued client-automation "
                               "certificate")
    csr: str | None = Field(None, max_length=16 * 1024, description="The sender's PKCS#10 CSR in PEM")

    @model_validator(mode="after")
    def _one(self) -> ClientCertificateBind:
        if (self.serial is None) == (self.csr is None):
            raise ValueError("give either serial or csr")
        return self


class ClientCertificateOut(BaseModel):
    id: int
    account_id: int
    serial: str
    fingerprint_sha256: str | None
    subject: str
    state: str
    not_before: dt.datetime
    not_after: dt.datetime
    bound_at: dt.datetime
    bound_by: str
    unbound_at: dt.datetime | None
    unbound_by: str | None
    active: bool

    @classmethod
    def of(cls, view: client_auth.BindingView) -> ClientCertificateOut:
        return cls(**vars(view), active=view.active)


class ClientCertificateBoundOut(BaseModel):
    binding: ClientCertificateOut
    certificate_pem: str | None = Field(None, description="The certificate issued now from the CSR")
    chain_pem: str | None = Field(None, description="The issuing CA's certificate, to send after it")


@router.get("", response_model=list[ClientCertificateOut])
def list_client_certificates(account_id: int, session: DbSession, officer: DncOfficer) -> Any:
    """The account's client certificates, newest binding first."""
    return [ClientCertificateOut.of(v) for v in client_auth.list_bindings(session, account_id=account_id)]


@router.post("", response_model=ClientCertificateBoundOut, status_code=201, dependencies=OFFICER_CHANGE)
def bind_client_certificate(account_id: int, body: ClientCertificateBind, session: DbSession, runtime: RuntimeDep,
                            officer: DncOfficer) -> Any:
    """Bind an issued client-automation certificate (``serial``), or issue one from the sender's ``csr`` and bind
    it. The account needs API access; audited."""
    if body.serial is not None:
        view = client_auth.bind_existing(session, clock=runtime.clock, account_id=account_id, serial=body.serial,
                                         officer=officer.username)
        return ClientCertificateBoundOut(binding=ClientCertificateOut.of(view))
    from telreg.ecert.hierarchy import load_hierarchy

    hierarchy = load_hierarchy(runtime.settings)
    assert body.csr is not None
    view, certificate = client_auth.issue_and_bind(session, runtime=runtime, hierarchy=hierarchy,
                                                   account_id=account_id, csr=body.csr, officer=officer.username)
    pem = serialization.Encoding.PEM
    return ClientCertificateBoundOut(
        binding=ClientCertificateOut.of(view), certificate_pem=certificate.public_bytes(pem).decode(),
        chain_pem=hierarchy.issuing.certificate.public_bytes(pem).decode())


@router.delete("/{binding_id}", response_model=ClientCertificateOut, dependencies=OFFICER_CHANGE)
def unbind_client_certificate(account_id: int, binding_id: int, session: DbSession, runtime: RuntimeDep,
                              officer: DncOfficer) -> Any:
    """End a binding: the certificate no longer signs the account's scripts in (revoke it with the CA to end
    the certificate itself)."""
    view = client_auth.unbind(session, clock=runtime.clock, account_id=account_id, binding_id=binding_id,
                              officer=officer.username)
    return ClientCertificateOut.of(view)
