"""Our own structural checks of a certificate, run on a "linting certificate" before the real one is signed.

Issuance builds the certificate twice from one builder: first signed by a throwaway key of the issuer's
algorithm (the linting certificate: same DER but for the signature, worthless to anyone), checked here, and only
when nothing is found, signed by the CA. So a profile or input mistake never produces a signed certificate —
which could not be taken back, only revoked. (The tests also run pkilint, an independent RFC 5280 linter, over
every profile; these checks are the ones cheap enough for every issuance.)

Each check returns a sentence in English for the operator and the logs; an empty list is a clean certificate.
"""

from __future__ import annotations

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtensionOID

__all__ = ["lint_certificate"]

# RFC 5280 §4.2: extensions that must be critical (True), must not be (False); others are the profile's choice.
_CRITICALITY = {
    ExtensionOID.KEY_USAGE: True,  # "SHOULD mark this extension critical": we always do
    ExtensionOID.SUBJECT_KEY_IDENTIFIER: False,
    ExtensionOID.AUTHORITY_KEY_IDENTIFIER: False,
    ExtensionOID.CRL_DISTRIBUTION_POINTS: False,  # "SHOULD be non-critical"
    ExtensionOID.AUTHORITY_INFORMATION_ACCESS: False,
    ExtensionOID.CERTIFICATE_POLICIES: False,  # ours: a relying party unaware of our OIDs must still use it
    ExtensionOID.EXTENDED_KEY_USAGE: False,
    ExtensionOID.OCSP_NO_CHECK: False,
}
_KNOWN = set(_CRITICALITY) | {ExtensionOID.BASIC_CONSTRAINTS, ExtensionOID.SUBJECT_ALTERNATIVE_NAME}


def lint_certificate(cert: x509.Certificate, *, issuer: x509.Certificate | None) -> list[str]:
    """Findings about ``cert`` signed (or to be signed) under ``issuer`` (None: self-signed)."""
    findings: list[str] = []
    exts = {ext.oid: ext for ext in cert.extensions}
    if cert.version is not x509.Version.v3:
        findings.append("not an X.509 version 3 certificate")
    serial = cert.serial_number
    if serial <= 0:
        findings.append("the serial number is not positive")
    elif (serial.bit_length() + 8) // 8 > 20:  # DER INTEGER octets, with a sign octet when the top bit is set
        findings.append("the serial number takes more than 20 octets")
    elif serial.bit_length() < 64:
        findings.append("the serial number has fewer than 64 bits")
    not_before, not_after = cert.not_valid_before_utc, cert.not_valid_after_utc
    if not_before >= not_after:
        findings.append("notBefore is not before notAfter")
    if issuer is not None:
        if cert.issuer != issuer.subject:
            findings.append("the issuer name is not the issuing CA's subject")
        if not_before < issuer.not_valid_before_utc or not_after > issuer.not_valid_after_utc:
            findings.append("the validity is not inside the issuing CA's")
    elif cert.issuer != cert.subject:
        findings.append("a self-signed certificate must name itself as issuer")
    findings += _extension_findings(cert, exts, issuer)
    return findings


def _extension_findings(cert: x509.Certificate, exts: dict[x509.ObjectIdentifier, x509.Extension[x509.ExtensionType]],
                        issuer: x509.Certificate | None) -> list[str]:
    findings = []
    for oid, ext in exts.items():
        if oid not in _KNOWN:
            findings.append(f"unexpected extension {oid.dotted_string}")
        elif oid in _CRITICALITY and ext.critical != _CRITICALITY[oid]:
            name = getattr(oid, "_name", oid.dotted_string)
            findings.append(f"extension {name} must {'' if _CRITICALITY[oid] else 'not '}be critical")
    bc = exts.get(ExtensionOID.BASIC_CONSTRAINTS)
    is_ca = bool(bc and bc.value.ca)
    if bc is not None and is_ca and not bc.critical:
        findings.append("basicConstraints must be critical in a CA certificate")
    if bc is not None and not is_ca and bc.value.path_length is not None:
        findings.append("pathLenConstraint in a certificate that is not a CA")
    ku_ext = exts.get(ExtensionOID.KEY_USAGE)
    if ku_ext is None:
        findings.append("no keyUsage")
    else:
        ku = ku_ext.value
        if is_ca != ku.key_cert_sign:
            findings.append("keyCertSign must be set exactly when basicConstraints says CA")
        if not is_ca and ku.crl_sign:
            findings.append("cRLSign in a certificate that is not a CA")
        key = cert.public_key()
        if isinstance(key, ec.EllipticCurvePublicKey) and (ku.key_encipherment or ku.data_encipherment):
            findings.append("keyEncipherment or dataEncipherment with an EC key, which cannot encipher")
        if isinstance(key, rsa.RSAPublicKey) and ku.key_agreement:
            findings.append("keyAgreement with an RSA key")
    if not is_ca and ExtensionOID.EXTENDED_KEY_USAGE not in exts:
        findings.append("no extendedKeyUsage in an end-entity certificate")
    ski = exts.get(ExtensionOID.SUBJECT_KEY_IDENTIFIER)
    if ski is None:
        findings.append("no subjectKeyIdentifier")
    aki = exts.get(ExtensionOID.AUTHORITY_KEY_IDENTIFIER)
    if issuer is not None:
        try:
            issuer_ski = issuer.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value.digest
        except x509.ExtensionNotFound:
            issuer_ski = None
        if aki is None or aki.value.key_identifier is None:
            findings.append("no authorityKeyIdentifier keyIdentifier")
        elif aki.value.key_identifier != issuer_ski:
            findings.append("authorityKeyIdentifier does not match the issuing CA's subjectKeyIdentifier")
    san = exts.get(ExtensionOID.SUBJECT_ALTERNATIVE_NAME)
    if len(cert.subject) == 0:
        if san is None:
            findings.append("an empty subject without subjectAltName")
        elif not san.critical:
            findings.append("subjectAltName must be critical when the subject is empty")
    if san is not None:
        if len(san.value) == 0:
            findings.append("an empty subjectAltName")
        for name in san.value.get_values_for_type(x509.DNSName):
            if not _dns_name_ok(name):
                findings.append(f"subjectAltName dNSName {name!r} is not a host name")
        for email in san.value.get_values_for_type(x509.RFC822Name):
            local, at, domain = email.partition("@")
            if not (local and at and _dns_name_ok(domain)):
                findings.append(f"subjectAltName rfc822Name {email!r} is not a mailbox")
    if ExtensionOID.OCSP_NO_CHECK in exts:
        eku = exts.get(ExtensionOID.EXTENDED_KEY_USAGE)
        if eku is None or x509.oid.ExtendedKeyUsageOID.OCSP_SIGNING not in eku.value:
            findings.append("id-pkix-ocsp-nocheck in a certificate that is not an OCSP responder's")
    return findings


def _dns_name_ok(name: str) -> bool:
    """A preferred-syntax host name (RFC 1034 §3.5, as RFC 5280 §4.2.1.6 asks), a leading "*." wildcard allowed."""
    labels = name.removeprefix("*.").split(".")
    if not name.isascii() or len(name) > 253 or len(labels) < 2:
        return False
    return all(0 < len(label) <= 63 and label[0] != "-" and label[-1] != "-"
               and all(c.isalnum() or c == "-" for c in label) for label in labels)
