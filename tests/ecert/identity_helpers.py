"""Verified real-name identities for the lifecycle tests, made through a real registration.

``registered_person`` / ``registered_organisation`` register a number for the holder (committed) with the
registration service and return what an officer keys at the counter (``KeyedDocument``). ``unregistered_person``
puts an identity on record without any registration (as a party that never held a number), for the "not
verified" checks. Numbers are valid by the published check-digit algorithms (tests/realname/...).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import NameOID

from telreg.core.db import unit_of_work
from telreg.ecert.subjects import KeyedDocument
from telreg.realname import identities
from telreg.realname.documents import check_document
from telreg.realname.models import Operator
from telreg.realname.parties import CheckedParty
from telreg.runtime import Runtime
from tests.realname.registration.helpers import hkid, make_operator, organisation, person, request, submit

__all__ = ["csr_pem", "ensure_operator", "registered_organisation", "registered_person", "unregistered_person"]

_NUMBERS = iter(range(51000001, 51999999))


def ensure_operator(runtime: Runtime, code: str = "op1") -> None:
    with unit_of_work(runtime.session_factory) as session:
        exists = session.query(Operator).filter_by(code=code).first() is not None
    if not exists:
        make_operator(runtime, code)


def registered_person(runtime: Runtime, *, name: str = "CHAN Tai Man", digits: str = "123456",
                      prefix: str = "A") -> KeyedDocument:
    """A person registered as the holder of a number: a verified identity."""
    ensure_operator(runtime)
    number = hkid(prefix, digits)
    outcome = submit(runtime, request(str(next(_NUMBERS)), person(name, number=number)))
    assert outcome["status"] == "registered", outcome
    return KeyedDocument(doc_type="hkid", number=number, name=name)


def registered_organisation(runtime: Runtime, *, name: str = "ACME Trading Limited", br: str = "12345678",
                            handler_name: str = "WONG Siu Ming", handler_digits: str = "654321",
                            ) -> tuple[KeyedDocument, KeyedDocument]:
    """An organisation registered with its handler (who acts as its authorised person): (organisation, person)."""
    ensure_operator(runtime)
    handler = person(handler_name, "1980-05-05", number=hkid("B", handler_digits))
    body: dict[str, Any] = request(str(next(_NUMBERS)), organisation(name, br=br, handler=handler),
                                   service="postpaid")
    outcome = submit(runtime, body)
    assert outcome["status"] == "registered", outcome
    return (KeyedDocument(doc_type="hk-br", number=br, name=name),
            KeyedDocument(doc_type="hkid", number=handler["document"]["number"], name=handler_name))


def unregistered_person(runtime: Runtime, *, name: str = "LEE Ka Yan", digits: str = "777777") -> KeyedDocument:
    """An identity on record that never held a number (no registration checked it)."""
    number = hkid("C", digits)
    normalised = check_document("hkid", number).normalised
    assert normalised is not None
    with unit_of_work(runtime.session_factory) as session:
        identities.find_or_create(session, vault=runtime.vault, clock=runtime.clock, party=CheckedParty(
            role="agent", kind="person", name=name, date_of_birth=dt.date(1985, 1, 1), address=None,
            doc_type="hkid", normalised=normalised, capture="manual"))
    return KeyedDocument(doc_type="hkid", number=number, name=name)


def csr_pem(*, name: str | None = None, key: Any = None, curve: ec.EllipticCurve | None = None,
            rsa_bits: int | None = None, signer: Any = None) -> tuple[bytes, Any]:
    """A PEM CSR (and its key): EC P-256 by default, another curve or RSA on request; SIGNER (any true value)
    spoils the signature; NAME puts a CN in the subject."""
    if key is None:
        key = (rsa.generate_private_key(public_exponent=65537, key_size=rsa_bits) if rsa_bits
               else ec.generate_private_key(curve or ec.SECP256R1()))
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)] if name else [])
    builder = x509.CertificateSigningRequestBuilder().subject_name(subject)
    csr = builder.sign(key, hashes.SHA256())
    if signer is not None:
        csr = _resigned(csr, key, signer)
    return csr.public_bytes(Encoding.PEM), key


def _resigned(csr: x509.CertificateSigningRequest, key: Any, signer: Any) -> x509.CertificateSigningRequest:
    """The CSR with its signature spoiled: the last byte of the DER is the end of the signature's s value, so
    the request still parses but cannot verify with its own key (no proof of possession)."""
    der = bytearray(csr.public_bytes(Encoding.DER))
    der[-1] ^= 0x01
    return x509.load_der_x509_csr(bytes(der))
