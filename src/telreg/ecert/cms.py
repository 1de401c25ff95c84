"""Detached CMS signatures (RFC 5652 SignedData) over what the platform publishes, and their verification.

    sign_detached(data, signer, signed_at=…)   -> DER ContentInfo(SignedData), the content left out (detached)
    verify_detached(data, der, trusted_roots=…, at=…) -> VerifiedSignature, or BadSignature saying why
    verify_publication(zip, sha256=…, ca_root=…, at=…) -> what `telreg scrub` puts in its receipt: the signed
                                                  manifest beside a downloaded zip verified, and the zip listed in it

Both are built on ``asn1crypto`` (pure Python) rather than ``cryptography``'s PKCS7SignatureBuilder: that builder
stamps the signing time from the system clock, and telreg takes time only from its injected clock; and
``cryptography`` cannot verify CMS at all. ``telreg scrub`` verifies publications offline on a sender's machine,
where no ``openssl`` binary can be counted on, so verification is done here too. OpenSSL (``openssl cms -verify
-binary``) is the independent judge in the tests.

What a signature holds: one SignerInfo (issuerAndSerialNumber, SHA-256) with the signed attributes contentType,
signingTime and messageDigest, signed with the document signer's key (ECDSA P-256 → ecdsa-with-SHA256; RSA →
PKCS#1 v1.5); the certificates are the signer's and the issuing CA's, never the root's (a verifier must bring the
root it trusts, or the signature would vouch for itself).

Verification checks, in this order, and stops at the first failure with a sentence that says which:
the DER parses as a detached SignedData with one signer; its messageDigest equals SHA-256 of the data (else the
data was altered, or is another document); the signature over the signed attributes (their DER as a SET OF, the
[0] IMPLICIT tag replaced, RFC 5652 §5.4) verifies with the signer certificate's key; the signer certificate is a
document-signing one (key usage digitalSignature or nonRepudiation, extended key usage documentSigning or
emailProtection); the chain signer → issuing CA → one of the trusted roots verifies link by link
(``verify_directly_issued_by``), each issuer a CA allowed to sign certificates, every certificate valid at ``at``.
Revocation is not checked here (offline): the CRL and OCSP services say that.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from asn1crypto import algos as asn1_algos
from asn1crypto import cms as asn1_cms
from asn1crypto import core as asn1_core
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID

from telreg.core.errors import InvalidInput
from telreg.core.i18n import N_
from telreg.ecert.keys import DelegatedSigner

__all__ = ["DOCUMENT_SIGNING_EKUS", "BadSignature", "VerifiedSignature", "load_root", "sign_detached",
           "verify_detached", "verify_publication"]

# The document-signing profile's EKU is emailProtection: `openssl cms -verify` checks the signer for the S/MIME
# signing purpose, which refuses any other EKU unless told `-purpose any` (profiles/files/hong-kong.toml says why).
# RFC 9336 id-kp-documentSigning names the use exactly, so a deployment's own profile may choose it instead.
DOCUMENT_SIGNING = x509.ObjectIdentifier("1.3.6.1.5.5.7.3.36")
DOCUMENT_SIGNING_EKUS = frozenset({DOCUMENT_SIGNING, ExtendedKeyUsageOID.EMAIL_PROTECTION})
_DIGESTS = {"sha256": hashes.SHA256, "sha384": hashes.SHA384, "sha512": hashes.SHA512}
_MAX_CHAIN = 4  # signer, issuing CA, perhaps one more intermediate, root


class BadSignature(InvalidInput):
    """A signature that does not verify, or cannot be read; the sentence says which check failed."""

    code = "bad_signature"


@dataclass(frozen=True)
class VerifiedSignature:
    """Who signed, and when they said they did (the signingTime attribute; None when absent)."""

    signer: str  # RFC 4514 subject of the signer certificate
    serial: str  # the signer certificate's serial, lower-case hex
    signed_at: dt.datetime | None
    root: str  # RFC 4514 subject of the trusted root the chain ends at

    def as_dict(self) -> dict[str, str | bool | None]:
        return {"verified": True, "signer": self.signer, "serial": self.serial, "root": self.root,
                "signed_at": self.signed_at.isoformat() if self.signed_at else None}


# ---- signing ---------------------------------------------------------------------------------------------------

def sign_detached(data: bytes, signer: DelegatedSigner, *, signed_at: dt.datetime) -> bytes:
    """A detached CMS SignedData over ``data``, by ``signer``, stamped ``signed_at`` (the injected clock's now)."""
    certificate = asn1_x509.Certificate.load(signer.certificate.public_bytes(serialization.Encoding.DER))
    chain = [asn1_x509.Certificate.load(c.public_bytes(serialization.Encoding.DER))
             for c in signer.chain if not _self_issued(c)]  # the root stays out: the verifier brings it
    when = signed_at.astimezone(dt.UTC).replace(microsecond=0)
    attributes = asn1_cms.CMSAttributes([
        asn1_cms.CMSAttribute({"type": "content_type", "values": ["data"]}),
        # RFC 5652 §11.3: UTCTime until 2049, GeneralizedTime from 2050.
        asn1_cms.CMSAttribute({"type": "signing_time", "values": [
            asn1_cms.Time({"utc_time" if when.year < 2050 else "general_time": when})]}),
        asn1_cms.CMSAttribute({"type": "message_digest", "values": [hashlib.sha256(data).digest()]}),
    ])
    to_sign = attributes.dump(force=True)  # a SET OF in DER (asn1crypto sorts its members), tag 0x31
    key = signer.private_key
    if isinstance(key, ec.EllipticCurvePrivateKey):
        signature, algorithm = key.sign(to_sign, ec.ECDSA(hashes.SHA256())), "sha256_ecdsa"
    else:
        signature, algorithm = key.sign(to_sign, padding.PKCS1v15(), hashes.SHA256()), "rsassa_pkcs1v15"
    signer_info = asn1_cms.SignerInfo({
        "version": "v1",
        "sid": asn1_cms.SignerIdentifier({"issuer_and_serial_number": asn1_cms.IssuerAndSerialNumber({
            "issuer": certificate.issuer, "serial_number": certificate.serial_number})}),
        "digest_algorithm": asn1_algos.DigestAlgorithm({"algorithm": "sha256"}),
        "signed_attrs": attributes,
        "signature_algorithm": asn1_algos.SignedDigestAlgorithm({"algorithm": algorithm}),
        "signature": signature,
    })
    signed_data = asn1_cms.SignedData({
        "version": "v1",
        "digest_algorithms": [asn1_algos.DigestAlgorithm({"algorithm": "sha256"})],
        "encap_content_info": {"content_type": "data"},  # no content: detached
        "certificates": [certificate, *chain],
        "signer_infos": [signer_info],
    })
    return bytes(asn1_cms.ContentInfo({"content_type": "signed_data", "content": signed_data}).dump(force=True))


def _self_issued(certificate: x509.Certificate) -> bool:
    return certificate.issuer == certificate.subject


# ---- verification ----------------------------------------------------------------------------------------------

def verify_detached(data: bytes, signature_der: bytes, *, trusted_roots: Sequence[x509.Certificate],
                    at: dt.datetime) -> VerifiedSignature:
    """Verify a detached CMS signature over ``data`` against ``trusted_roots`` as at ``at``; say who signed."""
    signer_info, bag = _parse(signature_der)
    signed_attrs = signer_info["signed_attrs"]
    if not isinstance(signed_attrs, asn1_cms.CMSAttributes) or len(signed_attrs) == 0:
        raise BadSignature(N_("The signature has no signed attributes, so it does not say what it signs; telreg "
                              "signatures always have them."))
    attributes = {a["type"].native: a["values"] for a in signed_attrs}
    digest_name = signer_info["digest_algorithm"]["algorithm"].native
    if digest_name not in _DIGESTS:
        raise BadSignature(N_("The signature uses the digest %(digest)s; telreg accepts SHA-256, SHA-384 and "
                              "SHA-512."), digest=str(digest_name))
    if "message_digest" not in attributes or attributes.get("content_type") is None:
        raise BadSignature(N_("The signature lacks its messageDigest or contentType attribute."))
    if attributes["content_type"][0].native != "data":
        raise BadSignature(N_("The signature is not over plain data (content type %(type)s)."),
                           type=str(attributes["content_type"][0].native))
    signed_digest = bytes(attributes["message_digest"][0].native)
    digest = hashes.Hash(_DIGESTS[digest_name]())
    digest.update(data)
    actual = digest.finalize()
    if signed_digest != actual:
        raise BadSignature(N_("The data does not match the signature: it was signed with digest %(signed)s but "
                              "its %(digest)s is %(actual)s. The file was altered, or the signature belongs to "
                              "another file."), signed=signed_digest.hex(), actual=actual.hex(),
                           digest=digest_name.upper())
    signer = _signer_certificate(signer_info, bag)
    _check_signature(signer_info, signer, signed_attrs)
    _check_document_signer(signer)
    root = _check_chain(signer, bag, trusted_roots, at)
    signed_at = None
    if "signing_time" in attributes:
        signed_at = attributes["signing_time"][0].native
    return VerifiedSignature(signer=signer.subject.rfc4514_string(), serial=format(signer.serial_number, "x"),
                             signed_at=signed_at, root=root.subject.rfc4514_string())


def _parse(signature_der: bytes) -> tuple[asn1_cms.SignerInfo, list[x509.Certificate]]:
    """The one SignerInfo and the certificates of a detached SignedData, or BadSignature("malformed")."""
    try:
        info = asn1_cms.ContentInfo.load(bytes(signature_der), strict=True)
        if info["content_type"].native != "signed_data":
            raise ValueError(f"a {info['content_type'].native} message, not signed data")
        signed = info["content"]
        if signed["encap_content_info"]["content"].native is not None:
            raise ValueError("the content is inside the message: it is not a detached signature")
        signer_infos = list(signed["signer_infos"])
        if len(signer_infos) != 1:
            raise ValueError(f"{len(signer_infos)} signers instead of one")
        bag = [x509.load_der_x509_certificate(c.chosen.dump()) for c in signed["certificates"]
               if c.name == "certificate"] if signed["certificates"].native is not None else []
        signer_info = signer_infos[0]
        signer_info.native  # noqa: B018 - parses every field now, so a broken one is "malformed", not a crash later
    except BadSignature:
        raise
    except (ValueError, TypeError, KeyError, IndexError, OverflowError) as exc:
        raise BadSignature(N_("The signature is not a detached CMS signature in DER (%(reason)s)."),
                           reason=str(exc)[:200]) from None
    return signer_info, bag


def _signer_certificate(signer_info: asn1_cms.SignerInfo, bag: Iterable[x509.Certificate]) -> x509.Certificate:
    sid = signer_info["sid"]
    for certificate in bag:
        if sid.name == "issuer_and_serial_number":
            wanted = sid.chosen
            if (certificate.serial_number == wanted["serial_number"].native
                    and certificate.issuer.public_bytes() == wanted["issuer"].dump()):
                return certificate
        else:  # subjectKeyIdentifier
            try:
                ski = certificate.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value.digest
            except x509.ExtensionNotFound:
                continue
            if ski == sid.chosen.native:
                return certificate
    raise BadSignature(N_("The signature does not carry its signer's certificate, so it cannot be checked."))


def _check_signature(signer_info: asn1_cms.SignerInfo, signer: x509.Certificate,
                     signed_attrs: asn1_cms.CMSAttributes) -> None:
    # RFC 5652 §5.4: the signature is over the DER of the attributes as a SET OF (tag 0x31), not with the [0]
    # IMPLICIT tag they carry in the message. The bytes as received first; then re-encoded in DER (sorted), for a
    # signer that sent them unsorted (OpenSSL re-encodes the same way).
    received = signed_attrs.contents
    candidates = [asn1_core.SetOf.load(b"\x31" + _der_length(len(received)) + received).dump()]
    resorted = asn1_cms.CMSAttributes.load(candidates[0]).dump(force=True)
    if resorted != candidates[0]:
        candidates.append(resorted)
    digest_name = signer_info["digest_algorithm"]["algorithm"].native
    algorithm = _DIGESTS[digest_name]()
    signature = bytes(signer_info["signature"].native)
    key = signer.public_key()
    for message in candidates:
        try:
            if isinstance(key, ec.EllipticCurvePublicKey):
                key.verify(signature, message, ec.ECDSA(algorithm))
            elif isinstance(key, rsa.RSAPublicKey):
                key.verify(signature, message, padding.PKCS1v15(), algorithm)
            else:
                raise BadSignature(N_("The signer certificate has a key telreg does not verify with (only ECDSA "
                                      "and RSA)."))
            return
        except InvalidSignature:
            continue
    raise BadSignature(N_("The signature does not verify with the key of its signer certificate %(subject)s: the "
                          "signature was altered, or made with another key."),
                       subject=signer.subject.rfc4514_string())


def _der_length(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    body = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(body)]) + body


def _check_document_signer(signer: x509.Certificate) -> None:
    """The signer must be certified for signing documents: a certificate of another profile (a server's, a
    person's e-Cert for authentication) signing a publication is the wrong signer."""
    try:
        usage = signer.extensions.get_extension_for_class(x509.KeyUsage).value
        purposes = set(signer.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value)
    except x509.ExtensionNotFound:
        usage, purposes = None, set()
    try:
        basic = signer.extensions.get_extension_for_class(x509.BasicConstraints).value
        is_ca = basic.ca
    except x509.ExtensionNotFound:
        is_ca = False
    if (usage is None or not (usage.digital_signature or usage.content_commitment) or is_ca
            or not purposes & DOCUMENT_SIGNING_EKUS):
        raise BadSignature(N_("The signer certificate %(subject)s is not a document-signing certificate (its key "
                              "usage or extended key usage does not allow signing documents)."),
                           subject=signer.subject.rfc4514_string())


def _check_validity(certificate: x509.Certificate, at: dt.datetime) -> None:
    if not certificate.not_valid_before_utc <= at <= certificate.not_valid_after_utc:
        raise BadSignature(N_("The certificate %(subject)s is not valid on %(at)s: it is valid from %(not_before)s "
                              "to %(not_after)s."), subject=certificate.subject.rfc4514_string(),
                           at=at.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
                           not_before=certificate.not_valid_before_utc.strftime("%Y-%m-%d %H:%M UTC"),
                           not_after=certificate.not_valid_after_utc.strftime("%Y-%m-%d %H:%M UTC"))


def _issued_by(child: x509.Certificate, issuer: x509.Certificate) -> bool:
    if child.issuer != issuer.subject:
        return False
    try:
        child.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def _may_issue(issuer: x509.Certificate) -> bool:
    try:
        basic = issuer.extensions.get_extension_for_class(x509.BasicConstraints).value
        usage = issuer.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        return False
    return basic.ca and usage.key_cert_sign


def _check_chain(signer: x509.Certificate, bag: Sequence[x509.Certificate], trusted_roots: Sequence[x509.Certificate],
                 at: dt.datetime) -> x509.Certificate:
    """Walk signer → intermediates from the message → a trusted root; return the root."""
    if at.tzinfo is None:
        raise ValueError("at must be an aware datetime")
    current = signer
    _check_validity(current, at)
    for _ in range(_MAX_CHAIN):
        root = next((r for r in trusted_roots if _issued_by(current, r)), None)
        if root is not None:
            if not _may_issue(root):
                break
            _check_validity(root, at)
            return root
        issuer = next((c for c in bag if c is not current and c != current and not _self_issued(c)
                       and _issued_by(current, c)), None)
        if issuer is None or not _may_issue(issuer):
            break
        _check_validity(issuer, at)
        current = issuer
    names = "; ".join(r.subject.rfc4514_string() for r in trusted_roots) or "none"
    raise BadSignature(N_("The signer certificate %(subject)s does not chain to a trusted root certificate "
                          "(trusted: %(roots)s). The signature was made under another CA, or the wrong root "
                          "certificate was given."), subject=signer.subject.rfc4514_string(), roots=names)


# ---- a downloaded publication, as `telreg scrub` checks it ------------------------------------------------------

MANIFEST, MANIFEST_SIGNATURE = "manifest.json", "manifest.json.p7s"
ROOT_FILES = ("root.crt", "root.pem")  # as served at /ecert/ca/root.crt (DER), or converted to PEM for OpenSSL


def load_root(path: Path) -> x509.Certificate:
    """A root certificate from a PEM or DER file."""
    try:
        content = path.read_bytes()
        if b"-----BEGIN CERTIFICATE-----" in content:
            return x509.load_pem_x509_certificate(content)
        return x509.load_der_x509_certificate(content)
    except (OSError, ValueError) as exc:
        raise BadSignature(N_("%(path)s is not a readable root certificate in PEM or DER (%(reason)s); download "
                              "root.crt from the e-Cert page again."), path=str(path), reason=str(exc)[:200]) from None


def verify_publication(zip_path: Path, *, sha256: Callable[[], str], ca_root: Path | None,
                       at: dt.datetime) -> dict[str, Any]:
    """Check a downloaded register zip against the publication's signed manifest beside it.

    The sender downloads ``manifest.json``, ``manifest.json.p7s`` and ``root.crt`` (the e-Cert root, or any root
    given with ``--ca-root``) into the zip's directory. Without ``manifest.json.p7s`` the publication is unsigned
    (said in the receipt) unless ``--ca-root`` was given: asking for verification and getting none is an error. A
    signature that does not verify, or a manifest that does not list this zip with its SHA-256, is an error:
    a tampered publication is never scrubbed against. ``sha256`` gives the zip's SHA-256 (computed while the
    scrub loads it). Returns the receipt's ``publication_signature``."""
    folder = zip_path.parent
    signature_path, manifest_path = folder / MANIFEST_SIGNATURE, folder / MANIFEST
    if not signature_path.is_file():
        if ca_root is not None:
            raise BadSignature(N_("--ca-root was given, but %(signature)s is not beside %(file)s: download the "
                                  "publication's manifest.json and manifest.json.p7s into the same folder."),
                               signature=MANIFEST_SIGNATURE, file=zip_path.name)
        return {"verified": False, "status": "unsigned",
                "reason": f"no {MANIFEST_SIGNATURE} beside {zip_path.name}"}
    if not manifest_path.is_file():
        raise BadSignature(N_("%(signature)s is beside %(file)s but %(manifest)s is not: download both from the "
                              "same publication."), signature=MANIFEST_SIGNATURE, file=zip_path.name,
                           manifest=MANIFEST)
    root_path = ca_root if ca_root is not None else next(
        (folder / name for name in ROOT_FILES if (folder / name).is_file()), folder / ROOT_FILES[0])
    if ca_root is None and not root_path.is_file():
        raise BadSignature(N_("The publication is signed, but no root certificate was found to check it with: "
                              "download root.crt from the e-Cert page into the folder of %(file)s, or give "
                              "--ca-root FILE."), file=zip_path.name)
    manifest_bytes = manifest_path.read_bytes()
    verified = verify_detached(manifest_bytes, signature_path.read_bytes(), trusted_roots=[load_root(root_path)],
                               at=at)
    try:
        manifest = json.loads(manifest_bytes)
        entries = [entry for register in manifest["registers"].values()
                   for entry in (register["numbers"], register["dated"], register["changes"])]
    except (ValueError, KeyError, TypeError, AttributeError):
        raise BadSignature(N_("%(manifest)s is signed but is not a publication manifest."),
                           manifest=MANIFEST) from None
    actual = sha256()
    named = [e for e in entries if e.get("file") == zip_path.name]
    if not any(e.get("sha256") == actual for e in named or entries):
        raise BadSignature(N_("%(file)s is not the file the signed manifest of %(date)s lists: its SHA-256 is "
                              "%(actual)s. Download the zip and the manifest of the same publication again."),
                           file=zip_path.name, date=str(manifest.get("date")), actual=actual)
    return {**verified.as_dict(), "manifest": {"date": manifest.get("date"),
                                               "sha256": hashlib.sha256(manifest_bytes).hexdigest()}}
