"""`telreg ecert init`: a chain OpenSSL accepts, keys encrypted and private, never overwritten, recorded."""

from __future__ import annotations

import json
import stat
import subprocess
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from sqlalchemy import select

from telreg.config import Environment
from telreg.core.audit import AuditEvent
from telreg.core.clock import FixedClock
from telreg.core.db import unit_of_work
from telreg.ecert.errors import CaNotReady
from telreg.ecert.hierarchy import (
    CERT_FILES,
    ca_dir,
    forget_hierarchy,
    init_hierarchy,
    issuing_passphrase,
    load_hierarchy,
    root_crl_der,
    root_sign_crl,
)
from telreg.ecert.keys import Hierarchy
from telreg.ecert.models import Certificate
from telreg.runtime import Runtime

from .conftest import ROOT_PASSPHRASE
from .helpers import issue_test_certificate
from .pkilint_checks import lint_certificate, lint_crl


def _openssl(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(["openssl", *args], capture_output=True, text=True, check=False, input=stdin)


def test_the_chain_verifies_with_openssl(runtime: Runtime, hierarchy: Hierarchy, clock: FixedClock,
                                         tmp_path: Path) -> None:
    directory = ca_dir(runtime.settings)
    at = str(int(clock.now().timestamp()))  # OpenSSL judges validity at the test clock's time, not the machine's
    _, cert, _ = issue_test_certificate(runtime, hierarchy)
    leaf = tmp_path / "leaf.pem"
    leaf.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    for target in (leaf, directory / "ocsp.pem", directory / "documents.pem"):
        done = _openssl("verify", "-attime", at, "-CAfile", str(directory / "root.pem"), "-untrusted",
                        str(directory / "issuing.pem"), str(target))
        assert done.returncode == 0 and done.stdout.strip() == f"{target}: OK", done.stdout + done.stderr
    wrong = _openssl("verify", "-attime", at, "-CAfile", str(directory / "issuing.pem"), str(directory / "root.pem"))
    assert wrong.returncode != 0  # the root is not vouched for by anything but itself


def test_the_hierarchy_certificates(runtime: Runtime, hierarchy: Hierarchy) -> None:
    root, issuing = hierarchy.root, hierarchy.issuing.certificate
    assert root.issuer == root.subject and issuing.issuer == root.subject
    assert root.extensions.get_extension_for_class(x509.BasicConstraints).value.path_length == 1
    assert issuing.extensions.get_extension_for_class(x509.BasicConstraints).value.path_length == 0
    ocsp = hierarchy.ocsp.certificate
    assert ocsp.extensions.get_extension_for_class(x509.OCSPNoCheck)
    assert list(ocsp.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value) == [
        x509.oid.ExtendedKeyUsageOID.OCSP_SIGNING]
    assert hierarchy.ocsp.chain == (issuing, root) == hierarchy.documents.chain
    for cert in (root, issuing, ocsp, hierarchy.documents.certificate):
        assert lint_certificate(cert.public_bytes(serialization.Encoding.DER)) == []


def test_the_root_key_file_is_encrypted_and_private(runtime: Runtime, hierarchy: Hierarchy) -> None:
    directory = ca_dir(runtime.settings)
    key_file = directory / "telreg-root.key.pem"
    assert "BEGIN ENCRYPTED PRIVATE KEY" in key_file.read_text()
    assert _openssl("pkey", "-in", str(key_file), "-passin", "pass:", "-noout").returncode != 0
    assert _openssl("pkey", "-in", str(key_file), "-passin", "pass:not the passphrase", "-noout").returncode != 0
    opened = _openssl("pkey", "-in", str(key_file), "-passin", f"pass:{ROOT_PASSPHRASE.decode()}", "-pubout")
    assert opened.returncode == 0
    root_spki = hierarchy.root.public_key().public_bytes(serialization.Encoding.PEM,
                                                         serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    assert opened.stdout == root_spki
    # the issuing CA's key is under the other passphrase, not the root's
    issuing_file = directory / "telreg-issuing.key.pem"
    assert _openssl("pkey", "-in", str(issuing_file), "-passin", f"pass:{ROOT_PASSPHRASE.decode()}",
                    "-noout").returncode != 0
    passphrase = issuing_passphrase(runtime.settings).decode()
    assert _openssl("pkey", "-in", str(issuing_file), "-passin", f"pass:{passphrase}", "-noout").returncode == 0
    assert stat.S_IMODE(directory.stat().st_mode) == 0o700
    for key in directory.glob("*.key.pem"):
        assert stat.S_IMODE(key.stat().st_mode) == 0o600, key


def test_init_twice_is_refused_and_changes_nothing(runtime: Runtime, hierarchy: Hierarchy) -> None:
    directory = ca_dir(runtime.settings)
    before = {p.name: p.read_bytes() for p in directory.iterdir()}
    with pytest.raises(CaNotReady, match="exists already"):
        init_hierarchy(runtime.settings, clock=runtime.clock, root_passphrase=b"another passphrase")
    assert {p.name: p.read_bytes() for p in directory.iterdir()} == before


def test_the_hierarchy_is_recorded_and_audited(runtime: Runtime, hierarchy: Hierarchy) -> None:
    with unit_of_work(runtime.session_factory) as session:
        rows = list(session.scalars(select(Certificate).order_by(Certificate.not_after.desc())))
        events = list(session.scalars(select(AuditEvent).where(AuditEvent.action == "ecert.init")))
    assert {r.profile for r in rows} == {"root-ca", "issuing-ca", "ocsp-signing", "document-signing"}
    assert {(r.subject_kind, r.state, r.key_origin) for r in rows} == {("platform", "good", "ca")}
    assert {r.serial for r in rows} == {format(c.serial_number, "x") for c in (
        hierarchy.root, hierarchy.issuing.certificate, hierarchy.ocsp.certificate, hierarchy.documents.certificate)}
    assert len(events) == 1 and events[0].details["keys"] == "software"


def test_load_reads_what_init_wrote(runtime: Runtime, hierarchy: Hierarchy) -> None:
    forget_hierarchy(runtime.settings)
    loaded = load_hierarchy(runtime.settings)
    assert loaded.root == hierarchy.root and loaded.issuing.certificate == hierarchy.issuing.certificate
    assert loaded.ocsp.certificate == hierarchy.ocsp.certificate
    assert loaded is load_hierarchy(runtime.settings)  # cached
    _, cert, _ = issue_test_certificate(runtime, loaded)
    cert.verify_directly_issued_by(hierarchy.issuing.certificate)


def test_not_initialised_is_ca_not_ready(runtime: Runtime) -> None:
    with pytest.raises(CaNotReady) as caught:
        load_hierarchy(runtime.settings)
    assert caught.value.message == (f"There is no certification authority in {ca_dir(runtime.settings)} yet: an "
                                    "operator creates it with `telreg ecert init`.")
    assert caught.value.status_code == 503


def test_a_wrong_passphrase_is_ca_not_ready(runtime: Runtime, hierarchy: Hierarchy, tmp_path: Path) -> None:
    wrong = tmp_path / "wrong-passphrase"
    wrong.write_text("not the passphrase\n")
    settings = runtime.settings.model_copy(update={"ecert_key_passphrase_file": wrong})
    with pytest.raises(CaNotReady, match="telreg-issuing.key.pem cannot be opened: wrong passphrase"):
        load_hierarchy(settings)


def test_production_needs_the_passphrase_file(runtime: Runtime) -> None:
    settings = runtime.settings.model_copy(update={"env": Environment.production})
    with pytest.raises(CaNotReady, match="TELREG_ECERT_KEY_PASSPHRASE_FILE must name"):
        init_hierarchy(settings, clock=runtime.clock, root_passphrase=ROOT_PASSPHRASE)
    assert not (ca_dir(settings) / "hierarchy.json").exists()


def test_the_root_crl(runtime: Runtime, hierarchy: Hierarchy, clock: FixedClock, tmp_path: Path) -> None:
    first = x509.load_der_x509_crl(root_crl_der(runtime.settings))
    assert first.is_signature_valid(hierarchy.root.public_key())  # type: ignore[arg-type]
    assert first.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number == 1
    assert lint_crl(root_crl_der(runtime.settings)) == []
    clock.advance(days=300)
    with pytest.raises(CaNotReady):
        root_sign_crl(runtime.settings, clock=clock, root_passphrase=b"wrong passphrase")
    second = root_sign_crl(runtime.settings, clock=clock, root_passphrase=ROOT_PASSPHRASE)
    assert second.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number == 2
    assert root_crl_der(runtime.settings) == second.public_bytes(serialization.Encoding.DER)
    crl_file = tmp_path / "root.crl"
    crl_file.write_bytes(root_crl_der(runtime.settings))
    done = _openssl("crl", "-inform", "DER", "-in", str(crl_file), "-CAfile",
                    str(ca_dir(runtime.settings) / CERT_FILES["root"]), "-noout")
    assert done.returncode == 0 and "verify OK" in done.stderr + done.stdout


def test_cli_init_prints_the_fingerprints_and_refuses_a_second_time(runtime: Runtime, cli, tmp_path: Path) -> None:
    passphrase = tmp_path / "root-passphrase"
    passphrase.write_text("a long enough ceremony passphrase\n")
    code, out, err = cli("ecert", "init", "--root-passphrase-file", str(passphrase), "--json")
    assert code == 0, err
    info = json.loads(out)
    marker = json.loads((ca_dir(runtime.settings) / "hierarchy.json").read_text())
    assert {role: c["sha256"] for role, c in info["certificates"].items()} == marker["fingerprints"]
    code, out, err = cli("ecert", "ca-info")
    assert code == 0 and marker["fingerprints"]["root"] in out
    code, _, err = cli("ecert", "init", "--root-passphrase-file", str(passphrase))
    assert code == 1 and "exists already" in err


def test_cli_init_refuses_a_short_passphrase(runtime: Runtime, cli, tmp_path: Path) -> None:
    passphrase = tmp_path / "root-passphrase"
    passphrase.write_text("short")
    code, _, err = cli("ecert", "init", "--root-passphrase-file", str(passphrase))
    assert code == 1 and err == "The root key's passphrase must have at least 12 characters."
    assert not (ca_dir(runtime.settings) / "hierarchy.json").exists()


def test_renewing_the_ocsp_signer(runtime: Runtime, hierarchy: Hierarchy, clock: FixedClock, cli) -> None:
    old = load_hierarchy(runtime.settings)
    clock.advance(days=300)
    code, out, err = cli("ecert", "renew-signer", "ocsp", "--as-of", clock.now().isoformat())
    assert code == 0, err
    renewed = load_hierarchy(runtime.settings)
    new = renewed.ocsp.certificate
    assert new != old.ocsp.certificate and format(new.serial_number, "x") in out
    assert renewed.documents.certificate == old.documents.certificate
    new.verify_directly_issued_by(hierarchy.issuing.certificate)
    assert new.not_valid_before_utc > old.ocsp.certificate.not_valid_before_utc
    assert renewed.ocsp.private_key.public_key().public_numbers() == new.public_key().public_numbers()  # type: ignore[union-attr]
    assert lint_certificate(new.public_bytes(serialization.Encoding.DER)) == []
    assert (ca_dir(runtime.settings) / "telreg-ocsp.key.pem").exists()  # the old key is kept, never overwritten
    with unit_of_work(runtime.session_factory) as session:
        profiles = [r.profile for r in session.scalars(select(Certificate))]
    assert profiles.count("ocsp-signing") == 2
    forget_hierarchy()
    assert load_hierarchy(runtime.settings).ocsp.certificate == new  # a fresh process finds it too
    code, _, err = cli("ecert", "renew-signer", "root")
    assert code == 1 and "not root" in err
