"""Issuing under every profile: pkilint and OpenSSL accept the result; bad keys and names are refused with a
sentence and nothing half-issued; the intent is recorded before the CA signs."""

from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from sqlalchemy import func, select

from telreg.core.audit import AuditEvent
from telreg.core.clock import FixedClock
from telreg.core.db import unit_of_work
from telreg.ecert.errors import BadRequestData
from telreg.ecert.issuance import BACKDATE, IssueRequest, issue_certificate, issue_certificates
from telreg.ecert.keys import Authority, Hierarchy
from telreg.ecert.models import Certificate
from telreg.ecert.serials import new_serial, parse_serial, serial_hex
from telreg.runtime import Runtime

from .conftest import PUBLIC_URL
from .helpers import default_subject, issue_test_certificate, make_key
from .pkilint_checks import lint_certificate

ISSUABLE = ("personal", "smart-id", "organisational", "server", "client-automation")


def _pem(path: Path, cert: x509.Certificate) -> Path:
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return path


def _openssl_verify(tmp_path: Path, hierarchy: Hierarchy, cert: x509.Certificate) -> subprocess.CompletedProcess:
    root = _pem(tmp_path / "root.pem", hierarchy.root)
    issuing = _pem(tmp_path / "issuing.pem", hierarchy.issuing.certificate)
    leaf = _pem(tmp_path / "leaf.pem", cert)
    at = str(int(cert.not_valid_before_utc.timestamp()) + 600)  # at issuance time, not the machine's
    return subprocess.run(["openssl", "verify", "-attime", at, "-CAfile", str(root), "-untrusted", str(issuing), str(leaf)],
                          capture_output=True, text=True, check=False)


def _count(runtime: Runtime, **where: object) -> int:
    with unit_of_work(runtime.session_factory) as session:
        stmt = select(func.count()).select_from(Certificate).filter_by(**where)
        return session.scalar(stmt) or 0


@pytest.mark.parametrize("profile", ISSUABLE)
def test_every_profile_passes_pkilint_and_openssl(runtime: Runtime, hierarchy: Hierarchy, tmp_path: Path,
                                                  profile: str) -> None:
    row, cert, key = issue_test_certificate(runtime, hierarchy, profile=profile)
    der = cert.public_bytes(serialization.Encoding.DER)
    assert lint_certificate(der) == []
    done = _openssl_verify(tmp_path, hierarchy, cert)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.strip().endswith(": OK")
    assert (row.state, row.der, row.profile) == ("good", der, profile)
    assert row.serial == serial_hex(cert.serial_number)
    assert cert.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo) \
        == key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    aia = cert.extensions.get_extension_for_class(x509.AuthorityInformationAccess).value
    assert {d.access_location.value for d in aia} == {f"{PUBLIC_URL}/ecert/ocsp", f"{PUBLIC_URL}/ecert/ca/issuing.crt"}
    crl_dp = cert.extensions.get_extension_for_class(x509.CRLDistributionPoints).value
    assert crl_dp[0].full_name[0].value == f"{PUBLIC_URL}/ecert/crl/issuing.crl"
    policies = cert.extensions.get_extension_for_class(x509.CertificatePolicies).value
    assert policies[0].policy_identifier.dotted_string.startswith("1.3.6.1.4.1.32473.15.1.")


def test_personal_certificate_contents(runtime: Runtime, hierarchy: Hierarchy, clock: FixedClock) -> None:
    row, cert, _ = issue_test_certificate(runtime, hierarchy, profile="personal")
    ku = cert.extensions.get_extension_for_class(x509.KeyUsage)
    assert ku.critical and ku.value.digital_signature and ku.value.content_commitment
    assert not ku.value.key_encipherment
    eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert set(eku) == {ExtendedKeyUsageOID.CLIENT_AUTH, ExtendedKeyUsageOID.EMAIL_PROTECTION}
    assert isinstance(cert.public_key(), ec.EllipticCurvePublicKey)
    start = (clock.now() - BACKDATE).astimezone(dt.UTC).replace(microsecond=0)
    assert cert.not_valid_before_utc == start == row.not_before
    assert cert.not_valid_after_utc == start + dt.timedelta(days=1095) == row.not_after
    with pytest.raises(x509.ExtensionNotFound):
        cert.extensions.get_extension_for_class(x509.BasicConstraints)


def test_smart_id_is_rsa_2048_and_organisational_names_the_br_number(runtime: Runtime,
                                                                      hierarchy: Hierarchy) -> None:
    _, smart, _ = issue_test_certificate(runtime, hierarchy, profile="smart-id")
    assert isinstance(smart.public_key(), rsa.RSAPublicKey) and smart.public_key().key_size == 2048
    _, org, _ = issue_test_certificate(runtime, hierarchy, profile="organisational")
    assert org.subject.get_attributes_for_oid(NameOID.ORGANIZATION_IDENTIFIER)[0].value == "NTRHK-12345678"


def test_validity_is_capped_at_the_issuing_ca(runtime: Runtime, hierarchy: Hierarchy, clock: FixedClock) -> None:
    end = hierarchy.issuing.certificate.not_valid_after_utc
    clock.set(end - dt.timedelta(days=100))
    row, cert, _ = issue_test_certificate(runtime, hierarchy)
    assert cert.not_valid_after_utc == end == row.not_after


def test_issuance_is_audited_without_personal_data(runtime: Runtime, hierarchy: Hierarchy) -> None:
    row, _, _ = issue_test_certificate(runtime, hierarchy)
    with unit_of_work(runtime.session_factory) as session:
        events = list(session.scalars(select(AuditEvent).where(AuditEvent.action == "ecert.issue")))
    assert [(e.subject_key, e.details["profile"]) for e in events] == [(row.serial, "personal")]
    assert "CHAN" not in str(events[0].details)


def test_serials_are_random_positive_and_unique(runtime: Runtime, hierarchy: Hierarchy) -> None:
    serials = [issue_test_certificate(runtime, hierarchy)[1].serial_number for _ in range(40)]
    assert len(set(serials)) == len(serials)
    assert all(1 << 63 <= s < 1 << 127 for s in serials)
    drawn = [new_serial() for _ in range(20_000)]
    assert len(set(drawn)) == len(drawn)
    assert all(64 <= s.bit_length() <= 127 for s in drawn)
    assert max(s.bit_length() for s in drawn) == 127  # the full width is used
    assert parse_serial(serial_hex(drawn[0]).upper()) == drawn[0]
    assert parse_serial("zz") is None


@pytest.mark.parametrize(("make", "named"), [
    (lambda: rsa.generate_private_key(public_exponent=65537, key_size=1024), "rsa-1024"),
    (lambda: ec.generate_private_key(ec.SECP521R1()), "ec-secp521r1"),
    (lambda: ec.generate_private_key(ec.SECP256K1()), "ec-secp256k1"),
    (ed25519.Ed25519PrivateKey.generate, "ed25519"),
])
def test_weak_or_unsupported_keys_are_refused(runtime: Runtime, hierarchy: Hierarchy, make, named: str) -> None:
    with pytest.raises(BadRequestData) as caught:
        issue_test_certificate(runtime, hierarchy, key=make())
    assert caught.value.message == (f"A {named} key cannot be certified under the personal profile: use one of "
                                    "ec-p256, ec-p384, rsa-2048, rsa-3072.")
    assert _count(runtime, subject_kind="person") == 0


def test_profile_decides_the_key_algorithm(runtime: Runtime, hierarchy: Hierarchy) -> None:
    with pytest.raises(BadRequestData, match="ec-p256 key cannot be certified under the smart-id profile"):
        issue_test_certificate(runtime, hierarchy, profile="smart-id", key=make_key("ec-p256"))


@pytest.mark.parametrize(("profile", "subject", "san", "message"), [
    ("server", None, [],
     "A certificate under the server profile needs at least one subject alternative name (dns, ip)."),
    ("server", None, [x509.RFC822Name("a@example.com")],
     "A certificate under the server profile cannot name a@example.com"),
    ("personal", x509.Name([]), [],
     "The subject of a certificate under the personal profile needs a commonName."),
    ("organisational", x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "WONG"),
                                  x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Example Ltd")]), [],
     "The subject of a certificate under the organisational profile needs a organizationIdentifier."),
    ("server", None, [x509.DNSName("bad host.example.com")], "subjectAltName dNSName 'bad host.example.com'"),
    ("root-ca", None, [], "There is no certificate profile 'root-ca' to issue under"),
])
def test_bad_names_are_refused_and_nothing_recorded(runtime: Runtime, hierarchy: Hierarchy, profile: str,
                                                    subject: x509.Name | None, san: list, message: str) -> None:
    if subject is None:
        subject = default_subject(profile)[0] if profile != "root-ca" else default_subject("personal")[0]
    with pytest.raises(BadRequestData) as caught:
        issue_test_certificate(runtime, hierarchy, profile=profile if profile != "root-ca" else "personal",
                               subject=subject, san=san) if profile != "root-ca" else _issue_under(
            runtime, hierarchy, "root-ca", subject)
    assert message in caught.value.message
    assert _count(runtime) == 4  # the hierarchy's own certificates only


def _issue_under(runtime: Runtime, hierarchy: Hierarchy, profile: str, subject: x509.Name) -> None:
    with unit_of_work(runtime.session_factory) as session:
        issue_certificate(session, runtime=runtime, hierarchy=hierarchy, profile=profile, subject=subject,
                          public_key=make_key("ec-p256").public_key(), subject_kind="person", actor="t")


class _BrokenKey:
    """An issuing key whose token fails at the moment of signing (an HSM pulled out, say)."""

    def __init__(self, real: object) -> None:
        self.real = real

    @property
    def algorithm(self) -> str:
        return self.real.algorithm  # type: ignore[attr-defined]

    def public_key(self):  # type: ignore[no-untyped-def]
        return self.real.public_key()  # type: ignore[attr-defined]

    def sign_certificate(self, builder: x509.CertificateBuilder) -> x509.Certificate:
        raise RuntimeError("token removed")


def test_a_failure_at_signing_leaves_the_intent_recorded(runtime: Runtime, hierarchy: Hierarchy) -> None:
    broken = Hierarchy(root=hierarchy.root, issuing=Authority(certificate=hierarchy.issuing.certificate,
                                                              key=_BrokenKey(hierarchy.issuing.key)),  # type: ignore[arg-type]
                       ocsp=hierarchy.ocsp, documents=hierarchy.documents)
    with pytest.raises(RuntimeError, match="token removed"):
        issue_test_certificate(runtime, broken)
    with unit_of_work(runtime.session_factory) as session:
        intent = session.scalars(select(Certificate).where(Certificate.subject_kind == "person")).one()
        issued = session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "ecert.issue"))
    assert (intent.state, intent.der, intent.profile) == ("intent", None, "personal")
    assert len(intent.serial) >= 16 and intent.subject == "CN=CHAN Tai Man,C=HK"
    assert issued == 0


def test_a_caller_rollback_after_signing_leaves_the_intent_recorded(runtime: Runtime, hierarchy: Hierarchy) -> None:
    session = runtime.session_factory()  # untouched: the intent gets its own transaction on every backend
    try:
        subject, _ = default_subject("personal")
        row, cert = issue_certificate(session, runtime=runtime, hierarchy=hierarchy, profile="personal",
                                      subject=subject, public_key=make_key("ec-p256").public_key(),
                                      subject_kind="person", actor="t")
        serial = row.serial
        session.rollback()  # e.g. the final update failed, or the request's transaction did
    finally:
        session.close()
    with unit_of_work(runtime.session_factory) as check:
        kept = check.scalars(select(Certificate).where(Certificate.serial == serial)).one()
    assert kept.state == "intent" and kept.not_after == cert.not_valid_after_utc


def test_issuing_inside_a_busy_transaction(runtime: Runtime, hierarchy: Hierarchy) -> None:
    """The caller has already read and written (an application, say): the intent must not wait for it (SQLite's
    one writer) and the certificate is issued; a rollback of that caller on PostgreSQL still keeps the intent."""
    session = runtime.session_factory()
    try:
        session.scalar(select(func.count()).select_from(Certificate))  # SQLite: this session now holds the writer
        row, cert, _ = issue_test_certificate(runtime, hierarchy, session=session)
        assert row.state == "good" and cert.serial_number == int(row.serial, 16)
    finally:
        session.close()
    assert _count(runtime, state="good", subject_kind="person") == 1


def test_a_batch_is_checked_whole_then_issued(runtime: Runtime, hierarchy: Hierarchy) -> None:
    subject, _ = default_subject("personal")
    good = [IssueRequest(profile="personal", subject=subject, public_key=make_key("ec-p256").public_key(),
                         subject_kind="person") for _ in range(5)]
    weak = IssueRequest(profile="personal", subject=subject, subject_kind="person",
                        public_key=rsa.generate_private_key(public_exponent=65537, key_size=1024).public_key())
    with unit_of_work(runtime.session_factory) as session, pytest.raises(BadRequestData, match="rsa-1024"):
        issue_certificates(session, runtime=runtime, hierarchy=hierarchy, requests=[*good, weak], actor="t")
    assert _count(runtime, subject_kind="person") == 0  # one refusal refuses the batch, nothing recorded
    with unit_of_work(runtime.session_factory) as session:
        issued = issue_certificates(session, runtime=runtime, hierarchy=hierarchy, requests=good, actor="t")
    assert len({row.serial for row, _ in issued}) == 5
    for row, cert in issued:
        cert.verify_directly_issued_by(hierarchy.issuing.certificate)
        assert row.state == "good" and row.der == cert.public_bytes(serialization.Encoding.DER)
    assert _count(runtime, subject_kind="person", state="good") == 5
