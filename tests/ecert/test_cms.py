"""Detached CMS signatures: what `sign_detached` makes, `openssl cms -verify` accepts, and `verify_detached` agrees
with OpenSSL on every case — good, tampered data, tampered signature, wrong root, expired signer, wrong signer."""

from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path

import pytest
from asn1crypto import cms as asn1_cms
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from telreg.ecert.cms import BadSignature, sign_detached, verify_detached
from telreg.ecert.hierarchy import init_hierarchy
from telreg.ecert.keys import DelegatedSigner, Hierarchy

from .conftest import ROOT_PASSPHRASE

DATA = b'{"date": "2026-03-02", "registers": {"sms": {"count": 2}}}\n'


def pem(certificate: x509.Certificate, path: Path) -> Path:
    path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return path


def openssl_cms_verify(content: Path, signature: Path, root_pem: Path,
                       at: dt.datetime | None = None) -> subprocess.CompletedProcess[str]:
    """The command the sender portal gives (its S/MIME signing purpose, the default), at ``at`` if given."""
    command = ["openssl", "cms", "-verify", "-binary", "-content", str(content), "-inform", "DER", "-in",
               str(signature), "-CAfile", str(root_pem), "-out", "/dev/null"]
    if at is not None:
        command += ["-attime", str(int(at.timestamp()))]
    return subprocess.run(command, capture_output=True, text=True, check=False)


def _ours(data: bytes, signature: bytes, root: x509.Certificate, at: dt.datetime) -> str | None:
    try:
        verify_detached(data, signature, trusted_roots=[root], at=at)
    except BadSignature as exc:
        return exc.message
    return None


def _foreign_root(runtime, tmp_path: Path) -> x509.Certificate:
    """The root of another CA, made the same way in another directory."""
    elsewhere = runtime.settings.model_copy(update={"ecert_dir": tmp_path / "other-ca"})
    return init_hierarchy(elsewhere, clock=runtime.clock, root_passphrase=ROOT_PASSPHRASE).root


def test_a_signature_holds_the_signer_and_issuing_ca_the_clock_time_and_verifies(hierarchy: Hierarchy, runtime,
                                                                                 clock, tmp_path):
    signer = hierarchy.documents
    signature = sign_detached(DATA, signer, signed_at=clock.now())
    parsed = asn1_cms.ContentInfo.load(signature)
    assert parsed["content_type"].native == "signed_data"
    signed = parsed["content"]
    assert signed["encap_content_info"]["content"].native is None  # detached
    carried = [x509.load_der_x509_certificate(c.chosen.dump()) for c in signed["certificates"]]
    assert sorted(c.subject.rfc4514_string() for c in carried) == sorted(  # a SET: in DER order; never the root
        c.subject.rfc4514_string() for c in (signer.certificate, hierarchy.issuing.certificate))
    info = signed["signer_infos"][0]
    assert info["digest_algorithm"]["algorithm"].native == "sha256"
    attributes = {a["type"].native: a["values"][0].native for a in info["signed_attrs"]}
    assert attributes["signing_time"] == clock.now().astimezone(dt.UTC).replace(microsecond=0)

    verified = verify_detached(DATA, signature, trusted_roots=[hierarchy.root], at=clock.now())
    assert verified.signer == signer.certificate.subject.rfc4514_string()
    assert verified.serial == format(signer.certificate.serial_number, "x")
    assert verified.signed_at == attributes["signing_time"] and verified.root == hierarchy.root.subject.rfc4514_string()
    (tmp_path / "signed.json").write_bytes(DATA)
    (tmp_path / "signed.json.p7s").write_bytes(signature)
    judged = openssl_cms_verify(tmp_path / "signed.json", tmp_path / "signed.json.p7s", pem(hierarchy.root, tmp_path / "root.pem"))
    assert judged.returncode == 0 and "Verification successful" in judged.stderr, judged.stderr


def _case(name: str, hierarchy: Hierarchy, runtime, clock, tmp_path: Path
          ) -> tuple[bytes, bytes, x509.Certificate, dt.datetime]:
    """(data, signature, root, at) of one case."""
    signature = sign_detached(DATA, hierarchy.documents, signed_at=clock.now())
    at = clock.now() + dt.timedelta(days=1)
    if name == "good":
        return DATA, signature, hierarchy.root, at
    if name == "tampered data":
        return DATA.replace(b"2", b"3", 1), signature, hierarchy.root, at
    if name == "tampered signature":
        # The last byte of the DER is the last byte of the ECDSA signature's s (no unsigned attributes follow).
        return DATA, signature[:-1] + bytes([signature[-1] ^ 0x01]), hierarchy.root, at
    if name == "wrong root":
        return DATA, signature, _foreign_root(runtime, tmp_path), at
    if name == "expired signer":
        return DATA, signature, hierarchy.root, hierarchy.documents.certificate.not_valid_after_utc + dt.timedelta(
            days=1)
    if name == "wrong signer":  # the OCSP responder's certificate is not for signing documents
        return DATA, sign_detached(DATA, hierarchy.ocsp, signed_at=clock.now()), hierarchy.root, at
    raise AssertionError(name)


CASES = {
    "good": None,
    "tampered data": "does not match the signature",
    "tampered signature": "does not verify with the key",
    "wrong root": "does not chain to a trusted root",
    "expired signer": "is not valid on",
    "wrong signer": "is not a document-signing certificate",
}


@pytest.mark.parametrize("name", list(CASES))
def test_verify_detached_agrees_with_openssl(name: str, hierarchy: Hierarchy, runtime, clock, tmp_path):
    data, signature, root, at = _case(name, hierarchy, runtime, clock, tmp_path)
    (tmp_path / "signed.json").write_bytes(data)
    (tmp_path / "signed.json.p7s").write_bytes(signature)
    judged = openssl_cms_verify(tmp_path / "signed.json", tmp_path / "signed.json.p7s", pem(root, tmp_path / "root.pem"), at=at)
    ours = _ours(data, signature, root, at)
    if CASES[name] is None:
        assert judged.returncode == 0, judged.stderr
        assert ours is None
    else:
        assert judged.returncode != 0, f"openssl accepted the {name} case"
        assert ours is not None and CASES[name] in ours, ours


def test_malformed_and_attached_signatures_are_refused_with_a_sentence(hierarchy: Hierarchy, clock):
    at = clock.now()
    for junk in (b"", b"not DER at all", b"\x30\x03\x02\x01\x01"):
        with pytest.raises(BadSignature, match="is not a detached CMS signature in DER"):
            verify_detached(DATA, junk, trusted_roots=[hierarchy.root], at=at)
    good = sign_detached(DATA, hierarchy.documents, signed_at=at)
    with pytest.raises(BadSignature, match="is not a detached CMS signature in DER"):
        verify_detached(DATA, good[:-10], trusted_roots=[hierarchy.root], at=at)  # truncated
    # The same signature with the content put inside: not what telreg publishes.
    parsed = asn1_cms.ContentInfo.load(good)
    parsed["content"]["encap_content_info"] = {"content_type": "data", "content": DATA}
    with pytest.raises(BadSignature, match="not a detached signature"):
        verify_detached(DATA, parsed.dump(force=True), trusted_roots=[hierarchy.root], at=at)


def test_a_signature_by_a_key_that_is_not_the_certificates_is_refused(hierarchy: Hierarchy, clock, tmp_path):
    """The signer's certificate with the OCSP signer's key: the signature does not match the certificate."""
    impostor = DelegatedSigner(certificate=hierarchy.documents.certificate, private_key=hierarchy.ocsp.private_key,
                               chain=hierarchy.documents.chain)
    signature = sign_detached(DATA, impostor, signed_at=clock.now())
    with pytest.raises(BadSignature, match="does not verify with the key"):
        verify_detached(DATA, signature, trusted_roots=[hierarchy.root], at=clock.now())
    (tmp_path / "signed.json").write_bytes(DATA)
    (tmp_path / "signed.json.p7s").write_bytes(signature)
    assert openssl_cms_verify(tmp_path / "signed.json", tmp_path / "signed.json.p7s",
                              pem(hierarchy.root, tmp_path / "root.pem")).returncode != 0
