"""CA-generated keys: delivered once as a PKCS#12 OpenSSL 3 opens without -legacy, kept nowhere."""

from __future__ import annotations

import base64
import subprocess
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
from sqlalchemy import select

from telreg.core.db import Base, unit_of_work
from telreg.core.migrate import import_all_models
from telreg.ecert import applications, lifecycle, pkcs12
from telreg.ecert.errors import BadRequestData
from telreg.ecert.keys import Hierarchy
from telreg.ecert.models import Application, Certificate
from telreg.runtime import Runtime
from tests.ecert.identity_helpers import registered_person
from tests.ecert.pkilint_checks import lint_certificate


def _issue_generated(runtime: Runtime, hierarchy: Hierarchy, *, profile: str = "personal",
                     password: str | None = "counter-pass-1") -> lifecycle.Issued:
    chan = registered_person(runtime)
    with unit_of_work(runtime.session_factory) as session:
        issued = lifecycle.issue_direct(session, runtime=runtime, hierarchy=hierarchy, profile=profile,
                                        document=chan, key_origin="ca", actor="officer:ca.lam",
                                        pkcs12_password=password, counter="GPO")
        session.expunge_all()
        return issued


def _openssl_pkcs12(tmp_path: Path, bundle: bytes, password: str, *extra: str) -> subprocess.CompletedProcess:
    path = tmp_path / "bundle.p12"
    path.write_bytes(bundle)
    return subprocess.run(["openssl", "pkcs12", "-in", str(path), "-passin", f"pass:{password}", *extra],
                          capture_output=True, text=True, check=False)


def test_openssl_opens_the_bundle_with_its_password_and_refuses_a_wrong_one(runtime: Runtime, hierarchy: Hierarchy,
                                                                            tmp_path: Path) -> None:
    issued = _issue_generated(runtime, hierarchy)
    assert issued.pkcs12 is not None and issued.password is None  # the officer's password: nothing to show

    opened = _openssl_pkcs12(tmp_path, issued.pkcs12, "counter-pass-1", "-info", "-nokeys")
    assert opened.returncode == 0, opened.stderr
    assert "AES-256-CBC" in opened.stderr and "hmacWithSHA256" in opened.stderr  # no legacy RC2/3DES
    assert opened.stdout.count("BEGIN CERTIFICATE") == 3  # the certificate, the issuing CA, the root

    wrong = _openssl_pkcs12(tmp_path, issued.pkcs12, "not-the-password", "-info", "-nokeys")
    assert wrong.returncode != 0 and "mac verify error" in wrong.stderr.lower()
    with pytest.raises(BadRequestData, match="cannot be opened"):
        pkcs12.open_bundle(issued.pkcs12, "not-the-password")

    content = pkcs12.open_bundle(issued.pkcs12, "counter-pass-1")
    assert content.key is not None and content.cert is not None
    assert content.cert.certificate == issued.cert
    assert content.key.public_key() == issued.cert.public_key()
    assert isinstance(content.key, ec.EllipticCurvePrivateKey)  # the personal profile's default, P-256
    assert lint_certificate(issued.cert.public_bytes(Encoding.DER)) == []
    assert issued.certificate.key_origin == "ca"


def test_a_generated_password_is_shown_once_and_opens_the_bundle(runtime: Runtime, hierarchy: Hierarchy,
                                                                 tmp_path: Path) -> None:
    issued = _issue_generated(runtime, hierarchy, password=None)
    assert issued.password is not None and len(issued.password) >= 16
    assert issued.pkcs12 is not None
    assert _openssl_pkcs12(tmp_path, issued.pkcs12, issued.password, "-info", "-nokeys").returncode == 0


def test_the_smart_id_profile_generates_rsa_2048(runtime: Runtime, hierarchy: Hierarchy) -> None:
    issued = _issue_generated(runtime, hierarchy, profile="smart-id")
    assert issued.pkcs12 is not None
    key = pkcs12.open_bundle(issued.pkcs12, "counter-pass-1").key
    assert isinstance(key, rsa.RSAPrivateKey) and key.key_size == 2048
    assert issued.certificate.key_algorithm == "rsa-2048"


@pytest.mark.parametrize("password", ["short", "x" * 129])
def test_a_password_too_short_or_too_long_issues_nothing(runtime: Runtime, hierarchy: Hierarchy,
                                                         password: str) -> None:
    with pytest.raises(BadRequestData, match="PKCS#12 password"):
        _issue_generated(runtime, hierarchy, password=password)
    with unit_of_work(runtime.session_factory) as session:
        assert session.scalars(select(Application)).first() is None
        assert session.scalars(select(Certificate).where(Certificate.subject_kind == "person")).first() is None


def test_an_application_with_a_ca_key_is_issued_with_its_bundle(runtime: Runtime, hierarchy: Hierarchy) -> None:
    chan = registered_person(runtime)
    with unit_of_work(runtime.session_factory) as session:
        with pytest.raises(BadRequestData, match="only when the subscriber generates"):
            applications.submit(session, vault=runtime.vault, clock=runtime.clock, settings=runtime.settings,
                                profile="personal", document=chan, key_origin="ca", csr=b"-----BEGIN",
                                actor="officer:ca.lam")
        row = applications.submit(session, vault=runtime.vault, clock=runtime.clock, settings=runtime.settings,
                                  profile="personal", document=chan, key_origin="ca", actor="officer:ca.lam")
        reference = row.reference
    with unit_of_work(runtime.session_factory) as session:
        issued = lifecycle.issue_application(session, runtime=runtime, hierarchy=hierarchy, reference=reference,
                                             actor="officer:ca.lam")
        assert issued.pkcs12 is not None and issued.password is not None


def test_no_table_and_no_file_keeps_the_private_key(runtime: Runtime, hierarchy: Hierarchy) -> None:
    issued = _issue_generated(runtime, hierarchy)
    assert issued.pkcs12 is not None
    key = pkcs12.open_bundle(issued.pkcs12, "counter-pass-1").key
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    scalar = key.private_numbers().private_value.to_bytes(32, "big")
    pkcs8 = key.private_bytes(Encoding.DER, PrivateFormat.PKCS8, NoEncryption())
    needles_bytes = [scalar, pkcs8, issued.pkcs12[:64]]
    needles_text = [scalar.hex(), scalar.hex().upper(), base64.b64encode(scalar).decode(),
                    base64.b64encode(pkcs8).decode()[:40], base64.b64encode(issued.pkcs12).decode()[:40],
                    "counter-pass-1"]

    import_all_models()
    with unit_of_work(runtime.session_factory) as session:
        for table in Base.metadata.sorted_tables:
            for row in session.execute(select(table)):
                for value in row:
                    if isinstance(value, (bytes, bytearray, memoryview)):
                        data = bytes(value)
                        assert not any(n in data for n in needles_bytes), f"{table.name} holds the key"
                    elif value is not None:
                        text = str(value)
                        assert not any(n in text for n in needles_text), f"{table.name} holds the key"
    for path in Path(runtime.settings.data_dir).rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert not any(n in data for n in needles_bytes), f"{path} holds the key"
            assert not any(n.encode() in data for n in needles_text), f"{path} holds the key"
