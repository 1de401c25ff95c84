"""Helpers of the CA tests: issue a certificate in one call, with sensible subjects per profile."""

from __future__ import annotations

from typing import Any

from cryptography import x509
from cryptography.x509.oid import NameOID
from sqlalchemy.orm import Session

from telreg.core.db import unit_of_work
from telreg.ecert.issuance import issue_certificate
from telreg.ecert.keys import Hierarchy, PrivateKey
from telreg.ecert.models import Certificate
from telreg.ecert.profiles import get_profiles
from telreg.ecert.software_keys import generate_private_key
from telreg.runtime import Runtime

__all__ = ["default_subject", "issue_test_certificate", "make_key"]

_RSA_KEYS: dict[str, PrivateKey] = {}  # RSA keys are slow to make: one per size per process is enough here


def make_key(algorithm: str, *, fresh: bool = False) -> PrivateKey:
    """A subscriber key; RSA ones are reused unless ``fresh`` (EC ones are cheap and always new)."""
    if algorithm.startswith("rsa-") and not fresh:
        if algorithm not in _RSA_KEYS:
            _RSA_KEYS[algorithm] = generate_private_key(algorithm)
        return _RSA_KEYS[algorithm]
    return generate_private_key(algorithm)


def default_subject(profile: str) -> tuple[x509.Name, list[x509.GeneralName]]:
    """A plausible subject (and SANs) for a profile."""
    person = [x509.NameAttribute(NameOID.COUNTRY_NAME, "HK"), x509.NameAttribute(NameOID.COMMON_NAME, "CHAN Tai Man")]
    organisation = [
        x509.NameAttribute(NameOID.COUNTRY_NAME, "HK"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Example Trading Limited"),
        x509.NameAttribute(NameOID.ORGANIZATION_IDENTIFIER, "NTRHK-12345678"),
        x509.NameAttribute(NameOID.COMMON_NAME, "WONG Siu Ming"),
    ]
    if profile in ("organisational", "client-automation"):
        return x509.Name(organisation), []
    if profile == "server":
        return (x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Example Trading Limited")]),
                [x509.DNSName("www.example.com.hk")])
    return x509.Name(person), []


def issue_test_certificate(
    runtime: Runtime,
    hierarchy: Hierarchy,
    *,
    profile: str = "personal",
    subject: x509.Name | None = None,
    key: PrivateKey | None = None,
    san: list[x509.GeneralName] | None = None,
    session: Session | None = None,
    actor: str = "test-officer",
    **extra: Any,
) -> tuple[Certificate, x509.Certificate, PrivateKey]:
    """Issue under ``profile`` and commit (``session``'s transaction when given, else one of its own).

    ``extra``: the other keyword arguments of issue_certificate (identity_id, application_id, counter, …).
    """
    chosen = get_profiles(runtime.settings).profiles[profile]
    key = key or make_key(chosen.default_algorithm)
    if subject is None:
        subject, default_san = default_subject(profile)
        san = default_san if san is None else san
    extra.setdefault("subject_kind", chosen.subject_kind)

    def issue(in_session: Session) -> tuple[Certificate, x509.Certificate]:
        return issue_certificate(in_session, runtime=runtime, hierarchy=hierarchy, profile=profile,
                                 subject=subject, public_key=key.public_key(), actor=actor, san=san, **extra)

    if session is not None:
        row, cert = issue(session)
        session.commit()
    else:
        with unit_of_work(runtime.session_factory) as own:
            row, cert = issue(own)
    return row, cert, key
