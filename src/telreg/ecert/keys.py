"""Where the CA's keys live and how they sign: the one interface the rest of the CA signs through.

A ``CaKey`` signs certificates and CRLs. ``SoftwareKey`` wraps a ``cryptography`` private key (read from an
encrypted PKCS#8 file, hierarchy.py); ``telreg.ecert.hsm.HsmKey`` signs inside a PKCS#11 token, so the key never
leaves it. The OCSP responder and the document signer are delegated certificates with software keys of their own
(``DelegatedSigner``): ``cryptography`` signs OCSP responses and CMS messages only with a key object.

Signature algorithms: ECDSA with SHA-256 on P-256 (the default), SHA-384 on P-384; RSA PKCS#1 v1.5 with SHA-256
(the smart-ID profile's RSA 2048, RSA 3072).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.types import CertificateIssuerPrivateKeyTypes

__all__ = ["Authority", "CaKey", "DelegatedSigner", "Hierarchy", "KeyStore", "SoftwareKey", "key_algorithm",
           "signing_hash"]

PrivateKey = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey
PublicKey = ec.EllipticCurvePublicKey | rsa.RSAPublicKey


class CaKey(Protocol):
    """A CA's signing key, wherever it is kept."""

    @property
    def algorithm(self) -> str:
        """``ec-p256``, ``ec-p384``, ``rsa-2048`` or ``rsa-3072``."""
        ...

    def public_key(self) -> PublicKey: ...

    def sign_certificate(self, builder: x509.CertificateBuilder) -> x509.Certificate: ...

    def sign_crl(self, builder: x509.CertificateRevocationListBuilder) -> x509.CertificateRevocationList: ...


class KeyStore(Protocol):
    """Where CA keys are generated and found again by label: encrypted PKCS#8 files (hierarchy.py) or a PKCS#11
    token (hsm.py)."""

    def generate(self, label: str, algorithm: str) -> CaKey: ...

    def load(self, label: str) -> CaKey: ...


def key_algorithm(key: PublicKey | PrivateKey) -> str:
    """Name a key's algorithm the way profiles and the database do."""
    if isinstance(key, (ec.EllipticCurvePublicKey, ec.EllipticCurvePrivateKey)):
        return {"secp256r1": "ec-p256", "secp384r1": "ec-p384"}.get(key.curve.name, f"ec-{key.curve.name}")
    return f"rsa-{key.key_size}"


def signing_hash(algorithm: str) -> hashes.HashAlgorithm:
    """The digest a key of this algorithm signs with (ECDSA's matches the curve's strength)."""
    return hashes.SHA384() if algorithm == "ec-p384" else hashes.SHA256()


@dataclass(frozen=True)
class SoftwareKey:
    """A CA key held in this process's memory (read from an encrypted PKCS#8 file)."""

    private_key: CertificateIssuerPrivateKeyTypes

    @property
    def algorithm(self) -> str:
        return key_algorithm(self.private_key)  # type: ignore[arg-type]

    def public_key(self) -> PublicKey:
        return self.private_key.public_key()  # type: ignore[return-value]

    def sign_certificate(self, builder: x509.CertificateBuilder) -> x509.Certificate:
        return builder.sign(self.private_key, signing_hash(self.algorithm))

    def sign_crl(self, builder: x509.CertificateRevocationListBuilder) -> x509.CertificateRevocationList:
        return builder.sign(self.private_key, signing_hash(self.algorithm))


@dataclass(frozen=True)
class Authority:
    """A CA certificate and the key that signs under it."""

    certificate: x509.Certificate
    key: CaKey


@dataclass(frozen=True)
class DelegatedSigner:
    """An end-entity signer the issuing CA certified (OCSP responses, CMS signatures), with its chain up to the
    root: ``chain`` is (issuing CA, root)."""

    certificate: x509.Certificate
    private_key: PrivateKey
    chain: tuple[x509.Certificate, ...]


@dataclass(frozen=True)
class Hierarchy:
    """What a running platform needs of the CA: the root's certificate (never its key: the root is offline), the
    issuing CA, and the two delegated signers."""

    root: x509.Certificate
    issuing: Authority
    ocsp: DelegatedSigner
    documents: DelegatedSigner
