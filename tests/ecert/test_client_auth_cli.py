"""`telreg senders client-cert list|bind|unbind`: binding by CSR (the certificate and chain written with --out
and accepted by openssl verify), by serial, unbinding by serial, and the clear refusals (exit 1)."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import select

from telreg.core.db import unit_of_work
from telreg.ecert.mtls_models import ClientCertificate
from tests.ecert.test_client_auth import csr_for, issue_unbound, make_company, set_api_access


def _pem(certificate: Any) -> bytes:
    return certificate.public_bytes(serialization.Encoding.PEM)


def _bindings(runtime: Any, account_id: int) -> list[ClientCertificate]:
    with unit_of_work(runtime.session_factory) as session:
        rows = list(session.scalars(select(ClientCertificate).where(ClientCertificate.account_id == account_id)))
        session.expunge_all()
        return rows


def test_bind_from_a_csr_writes_a_certificate_openssl_verifies(cli: Any, runtime: Any, hierarchy: Any,
                                                               tmp_path: Path) -> None:
    account_id = make_company(runtime)
    csr = tmp_path / "acme.csr"
    csr.write_text(csr_for(ec.generate_private_key(ec.SECP256R1())))
    out = tmp_path / "acme-client.pem"
    code, stdout, err = cli("senders", "client-cert", "bind", str(account_id), "--csr", str(csr), "--out", str(out),
                            "--officer", "olivia")
    assert code == 0, (stdout, err)
    assert f"bound to account {account_id}" in stdout
    root = tmp_path / "root.pem"
    root.write_bytes(_pem(hierarchy.root))
    issuing = tmp_path / "issuing.pem"
    issuing.write_bytes(_pem(hierarchy.issuing.certificate))
    checked = subprocess.run(["openssl", "verify", "-CAfile", str(root), "-untrusted", str(issuing), str(out)],
                             capture_output=True, text=True, check=False)
    assert checked.returncode == 0 and ": OK" in checked.stdout, checked.stdout + checked.stderr
    assert out.read_text().count("BEGIN CERTIFICATE") == 2  # the certificate, then the issuing CA's

    serial = stdout.split("client certificate ")[1].split()[0]
    code, stdout, _ = cli("senders", "client-cert", "list", str(account_id))
    [binding] = _bindings(runtime, account_id)
    assert binding.bound_by == "olivia" and binding.unbound_at is None
    assert code == 0 and stdout.split()[:2] == [serial, "good"] and "by olivia" in stdout


def test_bind_by_serial_list_and_unbind(cli: Any, runtime: Any, hierarchy: Any) -> None:
    account_id = make_company(runtime)
    row, _, _ = issue_unbound(runtime, hierarchy)
    code, stdout, err = cli("senders", "client-cert", "bind", str(account_id), "--serial", row.serial,
                            "--officer", "olivia")
    assert code == 0, (stdout, err)
    assert row.serial in stdout

    code, stdout, _ = cli("senders", "client-cert", "list", str(account_id), "--json")
    assert code == 0 and f'"serial": "{row.serial}"' in stdout and '"active": true' in stdout

    code, stdout, err = cli("senders", "client-cert", "unbind", str(account_id), row.serial.upper(),
                            "--officer", "olivia")
    assert code == 0, (stdout, err)
    assert f"{row.serial} unbound from account {account_id}" in stdout
    [binding] = _bindings(runtime, account_id)
    assert binding.unbound_by == "olivia" and binding.unbound_at is not None

    code, stdout, _ = cli("senders", "client-cert", "list", str(account_id))
    assert code == 0 and row.serial in stdout and "unbound" in stdout
    # Unbinding again: no active binding with that serial.
    code, _, err = cli("senders", "client-cert", "unbind", str(account_id), row.serial, "--officer", "olivia")
    assert code == 1 and f"No client certificate with serial {row.serial} is bound" in err


def test_bad_serial_is_a_clear_error(cli: Any, runtime: Any, hierarchy: Any) -> None:
    account_id = make_company(runtime)
    code, _, err = cli("senders", "client-cert", "bind", str(account_id), "--serial", "not-a-serial",
                       "--officer", "olivia")
    assert code == 1 and "The CA issued no certificate with serial not-a-serial." in err
    code, _, err = cli("senders", "client-cert", "unbind", str(account_id), "00ff", "--officer", "olivia")
    assert code == 1 and "No client certificate with serial 00ff is bound" in err
    assert _bindings(runtime, account_id) == []


def test_refusals_leave_nothing_bound(cli: Any, runtime: Any, hierarchy: Any, tmp_path: Path) -> None:
    account_id = make_company(runtime)
    row, _, _ = issue_unbound(runtime, hierarchy)
    code, _, err = cli("senders", "client-cert", "bind", str(account_id), "--officer", "olivia")
    assert code == 1 and "Give either --serial or --csr" in err
    csr = tmp_path / "acme.csr"
    csr.write_text(csr_for(ec.generate_private_key(ec.SECP256R1())))
    code, _, err = cli("senders", "client-cert", "bind", str(account_id), "--serial", row.serial, "--csr", str(csr),
                       "--officer", "olivia")
    assert code == 1 and "Give either --serial or --csr" in err
    set_api_access(runtime, account_id, False)
    out = tmp_path / "never.pem"
    code, _, err = cli("senders", "client-cert", "bind", str(account_id), "--csr", str(csr), "--out", str(out),
                       "--officer", "olivia")
    assert code == 1 and "API access is not enabled" in err
    assert not out.exists() and _bindings(runtime, account_id) == []
    # Only a do-not-call officer binds.
    set_api_access(runtime, account_id, True)
    code, _, err = cli("senders", "client-cert", "bind", str(account_id), "--serial", row.serial,
                       "--officer", "nobody")
    assert code == 1 and _bindings(runtime, account_id) == []
    code, stdout, _ = cli("senders", "client-cert", "list", str(account_id))
    assert code == 0 and "no client certificate bound" in stdout
