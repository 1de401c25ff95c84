"""The CA officers' JSON API and the lifecycle CLI: applications, issue, revoke, hold, release, renew, cards."""

from __future__ import annotations

import base64
import subprocess
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from sqlalchemy import select

from telreg.core.db import unit_of_work
from telreg.core.models import AuditEvent, Job
from telreg.ecert.keys import Hierarchy
from telreg.ecert.models import Certificate, StatusEvent
from telreg.runtime import Runtime
from tests.ecert.identity_helpers import csr_pem, registered_organisation, registered_person
from tests.web.conftest import OFFICER_PASSWORD, make_officer

API = "/api/v1/ecert"


def _sign_in(client: Any, runtime: Runtime, *, username: str = "ca.lam",
             roles: tuple[str, ...] = ("ca-officer",)) -> dict[str, str]:
    make_officer(runtime, username=username, roles=roles)
    response = client.post("/api/v1/auth/login", json={"username": username, "password": OFFICER_PASSWORD})
    assert response.status_code == 200, response.text
    return {"X-CSRF-Token": response.json()["csrf_token"]}


@pytest.fixture
def officer(client: Any, runtime: Runtime, hierarchy: Hierarchy) -> dict[str, str]:
    return _sign_in(client, runtime)


def _application(client: Any, headers: dict[str, str], document: Any, **extra: Any) -> dict[str, Any]:
    body = {"profile": "personal", "key_origin": "csr", "value_added_consent": False, "counter": "GPO 3",
            "document": {"doc_type": document.doc_type, "number": document.number, "name": document.name},
            "email": "chan.tai.man@example.com", **extra}
    if body["key_origin"] == "csr" and "csr" not in body:
        body["csr"] = csr_pem()[0].decode("ascii")
    response = client.post(f"{API}/applications", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


def _issued(client: Any, headers: dict[str, str], runtime: Runtime, **extra: Any) -> dict[str, Any]:
    created = _application(client, headers, registered_person(runtime), **extra)
    response = client.post(f"{API}/applications/{created['reference']}/issue", json={}, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


def test_roles_a_stranger_is_401_another_role_403_and_a_change_needs_csrf(client: Any, runtime: Runtime) -> None:
    assert client.get(f"{API}/applications").status_code == 401
    assert client.post(f"{API}/certificates/abcd/revoke", json={"reason": "keyCompromise"}).status_code == 401
    other = _sign_in(client, runtime, username="dnc.wong", roles=("dnc-officer",))
    assert client.get(f"{API}/certificates", headers=other).status_code == 403
    assert client.post(f"{API}/applications/EC-2026-000001/withdraw", json={}, headers=other).status_code == 403
    client.post("/api/v1/auth/logout", headers=other)
    _sign_in(client, runtime)
    no_token = client.post(f"{API}/applications/EC-2026-000001/withdraw", json={})
    assert no_token.status_code == 403 and no_token.json()["error"] == "csrf_rejected"


def test_an_application_is_listed_masked_and_issued_with_the_chain(client: Any, runtime: Runtime,
                                                                   officer: dict[str, str],
                                                                   hierarchy: Hierarchy, tmp_path: Path) -> None:
    created = _application(client, officer, registered_person(runtime), value_added_consent=True)
    assert created["reference"] == "EC-2026-000001" and created["state"] == "submitted"
    assert created["subject"]["name"] == "CHAN T** M**"
    assert created["subject"]["document"] == {"type": "hkid", "number": "A123***(*)"}
    assert created["email"] == "c***@example.com" and created["value_added_consent"] is True
    assert created["consent_recorded_at"].startswith("2026-03-02T10:00")
    listed = client.get(f"{API}/applications?state=submitted", headers=officer).json()
    assert [a["reference"] for a in listed] == ["EC-2026-000001"]
    assert "CHAN Tai Man" not in str(listed) and "A123456" not in str(listed)

    response = client.post(f"{API}/applications/ec-2026-000001/issue", json={}, headers=officer)
    assert response.status_code == 201, response.text
    assert response.headers["cache-control"] == "no-store"
    issued = response.json()
    assert issued["pkcs12_base64"] is None and issued["application"] == "EC-2026-000001"
    certificate = issued["certificate"]
    assert certificate["state"] == "good" and certificate["subject"]["name"] == "CHAN T** M**"
    chain = tmp_path / "chain.pem"
    chain.write_text(issued["certificate_pem"])
    leaf = x509.load_pem_x509_certificates(issued["certificate_pem"].encode())[0]
    assert format(leaf.serial_number, "x") == certificate["serial"]
    verified = subprocess.run(["openssl", "verify", "-partial_chain", "-CAfile", str(chain), str(chain)],
                              capture_output=True, text=True, check=False)
    assert verified.returncode == 0, verified.stderr

    again = client.post(f"{API}/applications/EC-2026-000001/issue", json={}, headers=officer)
    assert again.status_code == 409 and again.json()["error"] == "application_closed"
    shown = client.get(f"{API}/applications/EC-2026-000001", headers=officer).json()
    assert shown["state"] == "issued" and shown["certificate"] == certificate["serial"]
    found = client.get(f"{API}/certificates?serial={certificate['serial'][:6]}", headers=officer).json()
    assert [c["serial"] for c in found] == [certificate["serial"]]


def test_a_ca_generated_key_comes_back_once_as_base64_pkcs12(client: Any, runtime: Runtime,
                                                             officer: dict[str, str], tmp_path: Path) -> None:
    created = _application(client, officer, registered_person(runtime), key_origin="ca")
    short = client.post(f"{API}/applications/{created['reference']}/issue", json={"pkcs12_password": "short"},
                        headers=officer)
    assert short.status_code == 422 and "8 characters" in short.json()["detail"]
    response = client.post(f"{API}/applications/{created['reference']}/issue", json={}, headers=officer)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["pkcs12_filename"] == f"ecert-{body['certificate']['serial']}.p12"
    bundle = tmp_path / "bundle.p12"
    bundle.write_bytes(base64.b64decode(body["pkcs12_base64"]))
    opened = subprocess.run(["openssl", "pkcs12", "-info", "-nokeys", "-in", str(bundle), "-passin",
                             f"pass:{body['pkcs12_password']}"], capture_output=True, text=True, check=False)
    assert opened.returncode == 0, opened.stderr


@pytest.mark.parametrize(("csr", "expected"), [
    ("-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----", "cannot be read"),
    ("MAMCAQA=", "cannot be read"),  # base64 DER that is no CSR
    ("-----BEGIN CERTIFICATE REQUEST-----\n" + "A" * 20_000, "at most 16384"),
])
def test_bad_csrs_are_422_with_a_plain_sentence(client: Any, runtime: Runtime, officer: dict[str, str], csr: str,
                                                expected: str) -> None:
    chan = registered_person(runtime)
    body = {"profile": "personal", "key_origin": "csr", "value_added_consent": False, "csr": csr,
            "document": {"doc_type": "hkid", "number": chan.number, "name": chan.name}}
    response = client.post(f"{API}/applications", json=body, headers=officer)
    assert response.status_code == 422, response.text
    assert response.json()["error"] == "invalid_request" and expected in response.json()["detail"]


def test_a_der_csr_in_base64_is_accepted(client: Any, runtime: Runtime, officer: dict[str, str]) -> None:
    from cryptography.hazmat.primitives.serialization import Encoding

    der = x509.load_pem_x509_csr(csr_pem()[0]).public_bytes(Encoding.DER)
    _application(client, officer, registered_person(runtime), csr=base64.b64encode(der).decode())


def test_an_unverified_identity_is_422_identity_not_verified(client: Any, runtime: Runtime,
                                                              officer: dict[str, str]) -> None:
    chan = registered_person(runtime)
    body = {"profile": "personal", "key_origin": "ca", "value_added_consent": False,
            "document": {"doc_type": "hkid", "number": chan.number, "name": "SOMEONE Else"}}
    response = client.post(f"{API}/applications", json=body, headers=officer)
    assert response.status_code == 422 and response.json()["error"] == "identity_not_verified"
    assert "CHAN" not in response.text


def test_revoke_hold_release_and_their_conflicts(client: Any, runtime: Runtime, officer: dict[str, str]) -> None:
    serial = _issued(client, officer, runtime)["certificate"]["serial"]
    url = f"{API}/certificates/{serial}"
    not_on_hold = client.post(f"{url}/release", headers=officer)
    assert not_on_hold.status_code == 409 and not_on_hold.json()["error"] == "status_conflict"
    assert "not on hold" in not_on_hold.json()["detail"]
    held = client.post(f"{url}/hold", headers=officer).json()
    assert held["state"] == "hold" and held["revocation_reason"] == "certificateHold"
    assert client.post(f"{url}/release", headers=officer).json()["state"] == "good"
    bad_reason = client.post(f"{url}/revoke", json={"reason": "certificateHold"}, headers=officer)
    assert bad_reason.status_code == 422
    revoked = client.post(f"{url}/revoke", json={"reason": "keyCompromise"}, headers=officer).json()
    assert revoked["state"] == "revoked" and revoked["revocation_reason"] == "keyCompromise"
    twice = client.post(f"{url}/revoke", json={"reason": "keyCompromise"}, headers=officer)
    assert twice.status_code == 409 and "revoked already" in twice.json()["detail"]
    assert client.get(f"{API}/certificates/ffff0000", headers=officer).status_code == 404
    with unit_of_work(runtime.session_factory) as session:
        actions = list(session.scalars(select(StatusEvent.action).order_by(StatusEvent.id)))
        jobs = list(session.scalars(select(Job.kind).where(Job.kind == "ecert.status-changed")))
    assert actions == ["hold", "release", "revoke"] and len(jobs) == 3


def test_renewal_before_expiry_supersedes_and_after_expiry_revokes_nothing(client: Any, runtime: Runtime,
                                                                           officer: dict[str, str]) -> None:
    first = _issued(client, officer, runtime)["certificate"]["serial"]
    renewed = client.post(f"{API}/certificates/{first}/renew", json={"key_origin": "ca"}, headers=officer)
    assert renewed.status_code == 201, renewed.text
    body = renewed.json()
    second = body["certificate"]["serial"]
    assert body["superseded"] == first and body["certificate"]["renewal_of"] == first
    assert body["pkcs12_base64"] and body["pkcs12_password"]
    old = client.get(f"{API}/certificates/{first}", headers=officer).json()
    assert old["state"] == "revoked" and old["revocation_reason"] == "superseded"
    application = client.get(f"{API}/applications/{body['application']}", headers=officer).json()
    assert application["renewal_of"] == first and application["email"] == "c***@example.com"

    runtime.clock.advance(days=4 * 365)  # type: ignore[attr-defined]
    late = client.post(f"{API}/certificates/{second}/renew",
                       json={"key_origin": "csr", "csr": csr_pem()[0].decode()}, headers=officer).json()
    assert late["superseded"] is None
    assert client.get(f"{API}/certificates/{second}", headers=officer).json()["state"] == "good"  # expired


def test_a_card_is_recorded_once_and_removing_it_revokes(client: Any, runtime: Runtime,
                                                         officer: dict[str, str]) -> None:
    serial = _issued(client, officer, runtime)["certificate"]["serial"]
    url = f"{API}/certificates/{serial}/token"
    bad = client.put(url, json={"token_serial": "12"}, headers=officer)
    assert bad.status_code == 422 and "card serial" in bad.json()["detail"]
    recorded = client.put(url, json={"token_serial": "sc-2026 0001 77"}, headers=officer).json()
    assert recorded["token_serial"] == "SC2026000177"
    assert client.put(url, json={"token_serial": "SC9999999"}, headers=officer).status_code == 409
    removed = client.delete(url, headers=officer).json()
    assert removed["state"] == "revoked" and removed["revocation_reason"] == "cessationOfOperation"
    with unit_of_work(runtime.session_factory) as session:
        actions = set(session.scalars(select(AuditEvent.action).where(AuditEvent.subject_key == serial)))
    assert {"ecert.token-recorded", "ecert.token-removed", "ecert.revoke"} <= actions


def test_the_cli_issues_at_the_counter_and_shows_revokes_and_renews(cli: Any, runtime: Runtime,
                                                                    hierarchy: Hierarchy, tmp_path: Path) -> None:
    chan = registered_person(runtime)
    password = tmp_path / "password.txt"
    password.write_text("counter-secret-9\n")
    p12 = tmp_path / "chan.p12"
    code, out, err = cli("ecert", "issue", "--doc-type", "hkid", "--number", chan.number, "--name", chan.name,
                         "--profile", "personal", "--generate-key", "--p12-out", str(p12),
                         "--p12-password-file", str(password), "--counter", "GPO", "--json")
    assert code == 0, err
    import json

    issued = json.loads(out)
    serial = issued["certificate"]["serial"]
    assert issued["pkcs12_password"] is None and (p12.stat().st_mode & 0o777) == 0o600
    opened = subprocess.run(["openssl", "pkcs12", "-info", "-nokeys", "-in", str(p12), "-passin",
                             "pass:counter-secret-9"], capture_output=True, text=True, check=False)
    assert opened.returncode == 0, opened.stderr

    code, out, _ = cli("ecert", "status", serial)
    assert code == 0 and "good" in out and "CHAN T** M**" in out and "A123***(*)" in out
    assert chan.number not in out

    csr = tmp_path / "renew.csr"
    csr.write_bytes(csr_pem()[0])
    code, out, err = cli("ecert", "renew", serial, "--csr", str(csr))
    assert code == 0, err
    assert f"revoked {serial} as superseded" in out
    code, out, _ = cli("ecert", "status", serial)
    assert "revoked (superseded)" in out

    code, _, err = cli("ecert", "revoke", serial, "--reason", "keyCompromise")
    assert code != 0 and "revoked already" in err

    code, _, err = cli("ecert", "issue", "--doc-type", "hkid", "--number", chan.number, "--name", "WRONG Name",
                       "--csr", str(csr))
    assert code != 0 and "does not match" in err


def test_the_cli_issues_an_organisations_application(cli: Any, runtime: Runtime, hierarchy: Hierarchy,
                                                     tmp_path: Path) -> None:
    acme, wong = registered_organisation(runtime)
    csr = tmp_path / "acme.csr"
    csr.write_bytes(csr_pem()[0])
    code, out, err = cli("ecert", "issue", "--doc-type", "hk-br", "--number", acme.number, "--name", acme.name,
                         "--ap-doc-type", "hkid", "--ap-number", wong.number, "--ap-name", wong.name,
                         "--profile", "organisational", "--csr", str(csr))
    assert code == 0, err
    serial = out.split()[1]
    with unit_of_work(runtime.session_factory) as session:
        row = session.scalar(select(Certificate).where(Certificate.serial == serial))
        assert row is not None and row.subject_kind == "organisation" and row.profile == "organisational"
