"""Certificate signing requests (PKCS#10) from subscribers who generate their own keys.

A CSR is read from PEM or DER, at most ``MAX_CSR_BYTES`` (a real one is under 2 KiB; the cap keeps a
crafted request from costing parsing time), and then checked, each failure a ``BadRequestData`` with a plain
sentence:

- it parses (a parse error from ``cryptography`` is not shown: its words mean nothing at a counter);
- proof of possession: its signature verifies with its own public key, so whoever sent it holds the key;
- the key's algorithm and size are among the profile's (RSA-1024 or an unsupported curve is refused here, before
  anything is recorded; the issuance refuses them too);
- its subject, when it has one, names the identity: a CN or O that is not the identity's name is refused
  ("names that do not match the identity"). The certificate's subject is built from the identity all the same
  (subjects.py), never copied from the request: the CSR contributes its public key and nothing else.
"""

from __future__ import annotations

from collections.abc import Collection

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, rsa
from cryptography.x509.oid import NameOID

from telreg.core.i18n import N_
from telreg.ecert.errors import BadRequestData
from telreg.ecert.keys import PublicKey, key_algorithm
from telreg.realname.identities import same_name

__all__ = ["MAX_CSR_BYTES", "check_key", "check_names", "parse_csr"]

MAX_CSR_BYTES = 16 * 1024
_PEM_MARKER = b"-----BEGIN"


def parse_csr(data: bytes | str) -> x509.CertificateSigningRequest:
    """Read a CSR (PEM or DER) and check its proof of possession."""
    raw = data.encode("utf-8", "replace") if isinstance(data, str) else bytes(data)
    if not raw.strip():
        raise BadRequestData(N_("The certificate request is empty: send the CSR in PEM or DER."))
    if len(raw) > MAX_CSR_BYTES:
        raise BadRequestData(N_("The certificate request has %(size)s bytes; at most %(limit)s are accepted."),
                             size=len(raw), limit=MAX_CSR_BYTES)
    try:
        if raw.lstrip().startswith(_PEM_MARKER):
            csr = x509.load_pem_x509_csr(raw.strip())
        else:
            csr = x509.load_der_x509_csr(raw)
    except ValueError:
        raise BadRequestData(N_("The certificate request cannot be read: it is not a PKCS#10 CSR in PEM or "
                                "DER.")) from None
    try:
        valid = csr.is_signature_valid
    except (UnsupportedAlgorithm, ValueError, TypeError):
        valid = False  # a signature algorithm or key we cannot check proves nothing either
    if not valid:
        raise BadRequestData(N_("The certificate request's signature does not verify with its own key: it "
                                "does not prove possession of the private key."))
    return csr


def check_key(public_key: object, *, allowed: Collection[str], profile: str) -> str:
    """Return the key's algorithm name (``ec-p256``, ``rsa-2048``, …) if the profile takes it; else refuse."""
    if isinstance(public_key, (ed25519.Ed25519PublicKey, ed448.Ed448PublicKey)) or not isinstance(
            public_key, (ec.EllipticCurvePublicKey, rsa.RSAPublicKey)):
        raise BadRequestData(N_("The key is of a kind profile %(profile)s does not take; use one of %(allowed)s."),
                             profile=profile, allowed=", ".join(allowed))
    algorithm = key_algorithm(_typed(public_key))
    if algorithm not in allowed:
        if isinstance(public_key, rsa.RSAPublicKey):
            raise BadRequestData(N_("An RSA key of %(bits)s bits is not accepted by profile %(profile)s; use one "
                                    "of %(allowed)s."), bits=public_key.key_size, profile=profile,
                                 allowed=", ".join(allowed))
        raise BadRequestData(N_("The elliptic curve %(curve)s is not supported by profile %(profile)s; use one "
                                "of %(allowed)s."), curve=public_key.curve.name, profile=profile,
                             allowed=", ".join(allowed))
    return algorithm


def check_names(csr: x509.CertificateSigningRequest, *, names: Collection[str]) -> None:
    """Refuse a CSR whose subject names someone other than the identity (its CN and O must each be one of
    NAMES); an empty subject is fine."""
    for oid, label in ((NameOID.COMMON_NAME, "CN"), (NameOID.ORGANIZATION_NAME, "O")):
        for attribute in csr.subject.get_attributes_for_oid(oid):
            value = attribute.value if isinstance(attribute.value, str) else attribute.value.decode("utf-8",
                                                                                                    "replace")
            if not any(same_name(value, name) for name in names):
                raise BadRequestData(N_("The certificate request carries names that do not match the identity; "
                                        "leave its subject empty or give the name as recorded."),
                                     attribute=label)


def _typed(key: object) -> PublicKey:
    assert isinstance(key, (ec.EllipticCurvePublicKey, rsa.RSAPublicKey))
    return key
