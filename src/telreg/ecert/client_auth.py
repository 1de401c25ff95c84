"""Client certificates for senders' automation: bind a certificate to an account, and turn a presented one into
the caller it stands for (issue 15 §4).

A sender approved for automation (``SenderAccount.api_access``, turned on by a do-not-call officer) may use a
``client-automation`` certificate instead of an API key, on the mutual-TLS listener (telreg.ecert.mtls). The same
officer binds the certificate to the account, either

- an existing one the CA issued with that profile, found by its serial, or
- a new one issued now from the sender's CSR (proof of possession checked; the CA never holds the private key).
  Its subject is built here, never copied from the CSR: C=HK, O and CN the account's name as registered.

and may unbind it (final: a certificate is bound once, ever — ``ecert_client_certificates.certificate_id`` is
unique — so an unbound certificate cannot quietly come back).

:func:`authenticate` runs on every request of the listener, inside the request's transaction. The TLS handshake
proved that the client holds the key of a certificate under our CA; everything that can change later is read from
the database each time — the binding, the certificate's state (``good``: not on hold, not revoked), its dates by
the injected clock, the account's API access and whether it may be used at all — so a revocation or a switched-off
account takes effect on the very next request, even on a kept-alive or resumed TLS session.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass
from typing import Any

from cryptography import x509
from cryptography.x509.oid import NameOID
from sqlalchemy import select
from sqlalchemy.orm import Session

from telreg.config import Settings
from telreg.core import audit
from telreg.core.clock import Clock, to_hk
from telreg.core.db import add_unless_duplicate
from telreg.core.errors import NotAuthenticated, NotFound
from telreg.core.i18n import N_
from telreg.core.users import officer as staff_officer
from telreg.ecert.errors import BadRequestData, CertificateNotFound, StatusConflict
from telreg.ecert.models import Certificate
from telreg.ecert.mtls_models import ClientCertificate
from telreg.realname.identities import same_name
from telreg.senders import lifecycle
from telreg.senders import repository as senders_repository
from telreg.senders.deps import SenderCaller
from telreg.senders.errors import AccountNotFound, ApiAccessDisabled
from telreg.senders.models import SenderAccount

__all__ = [
    "CLIENT_PROFILE",
    "BindingNotFound",
    "ClientCertificateRejected",
    "authenticate",
    "bind_existing",
    "binding_view",
    "fingerprint",
    "issue_and_bind",
    "list_bindings",
    "unbind",
]

CLIENT_PROFILE = "client-automation"
NAME_MAX_CHARS = 64  # X.520 ub-organization-name
_SERIAL = re.compile(r"^[0-9a-f]{1,40}$")
# Capacities whose name is an organisation's: the profile names an organisation (O), never a private person.
_ORGANISATIONS = ("hk-company", "overseas-company", "other-organisation")


class ClientCertificateRejected(NotAuthenticated):
    """The certificate presented on the mutual-TLS listener does not (or no longer) sign anyone in."""

    code = "client_certificate_rejected"


class BindingNotFound(NotFound):
    code = "unknown_client_certificate"


@dataclass(frozen=True)
class BindingView:
    """A binding as an officer sees it: the certificate's serial, dates and state, never its key."""

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

    @property
    def active(self) -> bool:
        return self.unbound_at is None


def fingerprint(der: bytes) -> str:
    """SHA-256 of a certificate's DER, lower-case hex: how the CA's table finds a presented certificate."""
    return hashlib.sha256(der).hexdigest()


def binding_view(binding: ClientCertificate, certificate: Certificate) -> BindingView:
    return BindingView(id=binding.id, account_id=binding.account_id, serial=certificate.serial,
                       fingerprint_sha256=certificate.fingerprint_sha256, subject=certificate.subject,
                       state=certificate.state, not_before=certificate.not_before, not_after=certificate.not_after,
                       bound_at=binding.bound_at, bound_by=binding.bound_by, unbound_at=binding.unbound_at,
                       unbound_by=binding.unbound_by)


# ---- officers ---------------------------------------------------------------------------------------------------

def bind_existing(session: Session, *, clock: Clock, account_id: int, serial: str, officer: str) -> BindingView:
    """Bind a ``client-automation`` certificate the CA issued already (by serial) to an account with API access."""
    clerk = staff_officer(session, officer)
    account = _bindable_account(session, account_id)
    certificate = _certificate_by_serial(session, serial)
    if certificate.profile != CLIENT_PROFILE:
        raise BadRequestData(N_("Certificate %(serial)s was issued with profile %(profile)s; only a %(expected)s "
                                "certificate can sign a sender's scripts in."), serial=certificate.serial,
                             profile=certificate.profile, expected=CLIENT_PROFILE)
    if certificate.state != "good":
        raise StatusConflict(N_("Certificate %(serial)s is %(state)s; only a valid certificate can be bound."),
                             serial=certificate.serial, state=certificate.state)
    if not clock.now() < certificate.not_after:
        raise BadRequestData(N_("Certificate %(serial)s expired on %(expired_on)s; it cannot be bound."),
                             serial=certificate.serial, expired_on=to_hk(certificate.not_after).date().isoformat())
    organisation = _organisation_of(certificate)
    if organisation is None or not same_name(organisation, account.name):
        raise BadRequestData(N_("Certificate %(serial)s names another organisation than account %(account_id)s; "
                                "a client certificate must name the account's company as registered."),
                             serial=certificate.serial, account_id=account.id)
    return _bind(session, clock=clock, account=account, certificate=certificate, officer=clerk.username,
                 issued=False)


def issue_and_bind(session: Session, *, runtime: Any, hierarchy: Any, account_id: int, csr: bytes | str,
                   officer: str) -> tuple[BindingView, x509.Certificate]:
    """Issue a ``client-automation`` certificate from the sender's CSR and bind it to the account.

    The CSR proves possession of its key (its signature is checked) and contributes that key and nothing else;
    it may carry no subject, or the account's name. Nothing is issued unless the account may have one.
    """
    from telreg.ecert import issuance, requests

    clerk = staff_officer(session, officer)
    account = _bindable_account(session, account_id)
    request = requests.parse_csr(csr)
    requests.check_names(request, names=[account.name])
    certificate, signed = issuance.issue_certificate(
        session, runtime=runtime, hierarchy=hierarchy, profile=CLIENT_PROFILE, subject=subject_for(account),
        public_key=request.public_key(), subject_kind="organisation", actor=f"officer:{clerk.username}")
    view = _bind(session, clock=runtime.clock, account=account, certificate=certificate, officer=clerk.username,
                 issued=True)
    return view, signed


def subject_for(account: SenderAccount) -> x509.Name:
    """The subject of an account's client certificate: the company's name as registered with the sender account."""
    name = " ".join(account.name.split())
    if len(name) > NAME_MAX_CHARS:
        raise BadRequestData(N_("The account's name has more than %(limit)s characters, more than a certificate "
                                "can carry."), limit=NAME_MAX_CHARS)
    return x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "HK"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, name),
                      x509.NameAttribute(NameOID.COMMON_NAME, name)])


def unbind(session: Session, *, clock: Clock, account_id: int, binding_id: int, officer: str) -> BindingView:
    """End a binding: the certificate no longer signs the account's scripts in (it stays valid as a
    certificate; revoke it through the CA for that). Unbinding an ended binding changes nothing."""
    clerk = staff_officer(session, officer)
    found = session.execute(
        select(ClientCertificate, Certificate).join(Certificate, Certificate.id == ClientCertificate.certificate_id)
        .where(ClientCertificate.id == binding_id, ClientCertificate.account_id == account_id)
        .with_for_update(of=ClientCertificate)).first()
    if found is None:
        raise BindingNotFound(N_("Account %(account_id)s has no client certificate %(binding_id)s."),
                              account_id=account_id, binding_id=binding_id)
    binding, certificate = found
    if binding.unbound_at is None:
        binding.unbound_at = clock.now()
        binding.unbound_by = clerk.username
        session.flush()
        audit.record(session, clock=clock, actor=f"officer:{clerk.username}", action="ecert.client-certificate-unbound",
                     subject_type="sender", subject_key=str(account_id),
                     details={"binding_id": binding.id, "serial": certificate.serial})
    return binding_view(binding, certificate)


def list_bindings(session: Session, *, account_id: int) -> list[BindingView]:
    """The account's client certificates, newest binding first, ended ones included."""
    if senders_repository.get_account(session, account_id) is None:
        raise AccountNotFound(N_("There is no sender account %(account_id)s."), account_id=account_id)
    rows = session.execute(
        select(ClientCertificate, Certificate).join(Certificate, Certificate.id == ClientCertificate.certificate_id)
        .where(ClientCertificate.account_id == account_id).order_by(ClientCertificate.id.desc()))
    return [binding_view(binding, certificate) for binding, certificate in rows]


def _bindable_account(session: Session, account_id: int) -> SenderAccount:
    account = senders_repository.lock_account(session, account_id)
    if account is None:
        raise AccountNotFound(N_("There is no sender account %(account_id)s."), account_id=account_id)
    if not account.api_access:
        raise ApiAccessDisabled(N_("API access is not enabled for account %(account_id)s; turn it on before "
                                   "binding a client certificate."), account_id=account_id)
    if account.capacity not in _ORGANISATIONS:
        raise BadRequestData(N_("A client certificate names an organisation; account %(account_id)s is an "
                                "individual's, so it uses API keys instead."), account_id=account_id)
    return account


def _certificate_by_serial(session: Session, serial: str) -> Certificate:
    wanted = serial.strip().lower().replace(":", "")
    certificate = (session.scalar(select(Certificate).where(Certificate.serial == wanted))
                   if _SERIAL.match(wanted) else None)
    if certificate is None:
        raise CertificateNotFound(N_("The CA issued no certificate with serial %(serial)s."), serial=serial[:64])
    return certificate


def _organisation_of(certificate: Certificate) -> str | None:
    if certificate.der is None:
        return None
    names = x509.load_der_x509_certificate(certificate.der).subject.get_attributes_for_oid(
        NameOID.ORGANIZATION_NAME)
    value = names[0].value if names else None
    return value if isinstance(value, str) else None


def _bind(session: Session, *, clock: Clock, account: SenderAccount, certificate: Certificate, officer: str,
          issued: bool) -> BindingView:
    binding = ClientCertificate(certificate_id=certificate.id, account_id=account.id, bound_at=clock.now(),
                                bound_by=officer)
    # The unique constraint decides between two officers binding the same certificate at once.
    if not add_unless_duplicate(session, binding):
        raise StatusConflict(N_("Certificate %(serial)s is bound to a sender account already (a certificate is "
                                "bound once: issue a new one for another binding)."), serial=certificate.serial)
    audit.record(session, clock=clock, actor=f"officer:{officer}", action="ecert.client-certificate-bound",
                 subject_type="sender", subject_key=str(account.id),
                 details={"binding_id": binding.id, "serial": certificate.serial, "issued_now": issued})
    return binding_view(binding, certificate)


# ---- scripts presenting a certificate ---------------------------------------------------------------------------

def authenticate(session: Session, *, clock: Clock, settings: Settings, der: bytes) -> SenderCaller:
    """Turn the certificate a client presented (DER, already verified up to our CA by the TLS handshake) into the
    caller it stands for, or raise ClientCertificateRejected saying why."""
    found = session.execute(
        select(Certificate, ClientCertificate)
        .outerjoin(ClientCertificate, (ClientCertificate.certificate_id == Certificate.id)
                   & ClientCertificate.unbound_at.is_(None))
        .where(Certificate.fingerprint_sha256 == fingerprint(der))).first()
    if found is None:
        raise ClientCertificateRejected(N_("This client certificate is not one telreg's CA has on record."))
    certificate, binding = found
    if binding is None:
        raise ClientCertificateRejected(N_("Client certificate %(serial)s is not bound to a sender account; ask "
                                           "OFCA (dnc-admin@ofca.gov.hk) to bind it to yours."),
                                        serial=certificate.serial)
    _refuse_unusable(certificate, now=clock.now())
    account = senders_repository.get_account(session, binding.account_id)
    if account is None or not account.api_access:
        raise ClientCertificateRejected(N_("API access is not enabled for this account; ask OFCA "
                                           "(dnc-admin@ofca.gov.hk)."))
    access = lifecycle.access(session, clock=clock, settings=settings, account_id=binding.account_id)
    if not access.can_log_in:
        raise ClientCertificateRejected(access.reason_template, **access.reason_params)
    return SenderCaller(access=access)


def _refuse_unusable(certificate: Certificate, *, now: dt.datetime) -> None:
    serial = certificate.serial
    if certificate.state == "revoked":
        raise ClientCertificateRejected(N_("Client certificate %(serial)s was revoked on %(revoked_on)s."),
                                        serial=serial, revoked_on=_day(certificate.revoked_at))
    if certificate.state == "hold":
        raise ClientCertificateRejected(N_("Client certificate %(serial)s is suspended (on hold) since "
                                           "%(held_on)s; it works again once released."),
                                        serial=serial, held_on=_day(certificate.revoked_at))
    if certificate.state != "good":
        raise ClientCertificateRejected(N_("Client certificate %(serial)s was never completely issued."),
                                        serial=serial)
    if now < certificate.not_before:
        raise ClientCertificateRejected(N_("Client certificate %(serial)s is not valid before %(valid_from)s."),
                                        serial=serial, valid_from=_day(certificate.not_before))
    if now >= certificate.not_after:
        raise ClientCertificateRejected(N_("Client certificate %(serial)s expired on %(expired_on)s."),
                                        serial=serial, expired_on=_day(certificate.not_after))


def _day(moment: dt.datetime | None) -> str:
    return to_hk(moment).date().isoformat() if moment is not None else ""
