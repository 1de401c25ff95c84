"""Client certificates for senders' automation: binding (officers, API access required, CSR proof of possession,
the account's company named), unbinding, and the per-request decision (bound, good, in date, API access on).

The real TLS listener is tested in test_mtls_listener.py; the helpers here are shared with it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from sqlalchemy import select

from telreg.core import audit
from telreg.core.db import unit_of_work
from telreg.ecert import client_auth, revocation
from telreg.ecert.client_auth import ClientCertificateRejected
from telreg.ecert.errors import BadRequestData, CertificateNotFound, StatusConflict
from telreg.ecert.models import Certificate
from telreg.ecert.mtls_models import ClientCertificate
from telreg.senders import api_keys
from telreg.senders.documents import DocumentUpload
from telreg.senders.errors import ApiAccessDisabled
from tests.ecert.helpers import issue_test_certificate
from tests.ecert.pkilint_checks import lint_certificate
from tests.senders.helpers import PDF, PNG, make_active, make_officer
from tests.web.conftest import OFFICER_PASSWORD
from tests.web.conftest import make_officer as make_staff

COMPANY = "Acme Marketing Limited"
URL = "/api/v1/senders/accounts/{account_id}/client-certificates"
COMPANY_DOCUMENTS = [DocumentUpload("certificate-of-incorporation", "ci.pdf", PDF),
                     DocumentUpload("business-registration", "br.png", PNG)]


# ---- helpers (test_mtls_listener.py uses them too) --------------------------------------------------------------

def make_company(runtime: Any, *, username: str = "acme.ops", name: str = COMPANY, api_access: bool = True,
                 officer: bool = True) -> int:
    """An active hk-company sender account (and the do-not-call officer "olivia" unless OFFICER is False)."""
    with unit_of_work(runtime.session_factory) as session:
        if officer:
            make_officer(session, runtime.clock)
        account = make_active(session, runtime, capacity="hk-company", name=name, username=username,
                              contact_email=f"{username}@example.com", documents=COMPANY_DOCUMENTS)
        if api_access:
            api_keys.set_api_access(session, clock=runtime.clock, settings=runtime.settings,
                                    account_id=account.id, enabled=True, officer="olivia")
        return int(account.id)


def set_api_access(runtime: Any, account_id: int, enabled: bool) -> None:
    with unit_of_work(runtime.session_factory) as session:
        api_keys.set_api_access(session, clock=runtime.clock, settings=runtime.settings, account_id=account_id,
                                enabled=enabled, officer="olivia")


def csr_for(key: ec.EllipticCurvePrivateKey, *, organisation: str | None = None) -> str:
    names = [x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation)] if organisation else []
    request = x509.CertificateSigningRequestBuilder().subject_name(x509.Name(names)).sign(key, hashes.SHA256())
    return request.public_bytes(serialization.Encoding.PEM).decode()


def bind_new(runtime: Any, hierarchy: Any, account_id: int) -> tuple[Any, x509.Certificate, Any]:
    """Issue a client-automation certificate from a fresh key's CSR and bind it: (binding view, cert, key)."""
    key = ec.generate_private_key(ec.SECP256R1())
    with unit_of_work(runtime.session_factory) as session:
        view, certificate = client_auth.issue_and_bind(session, runtime=runtime, hierarchy=hierarchy,
                                                       account_id=account_id, csr=csr_for(key), officer="olivia")
    return view, certificate, key


def issue_unbound(runtime: Any, hierarchy: Any, *, organisation: str = COMPANY,
                  profile: str = "client-automation") -> tuple[Certificate, x509.Certificate, Any]:
    """A certificate the CA issued and nobody bound."""
    subject = x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "HK"),
                         x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
                         x509.NameAttribute(NameOID.COMMON_NAME, organisation)])
    return issue_test_certificate(runtime, hierarchy, profile=profile, subject=subject)


def change_status(runtime: Any, serial: str, action: str) -> None:
    """Revoke (keyCompromise), hold or release the certificate with this serial, as the CA does."""
    with unit_of_work(runtime.session_factory) as session:
        row = session.scalar(select(Certificate).where(Certificate.serial == serial))
        if action == "revoke":
            revocation.revoke(session, clock=runtime.clock, certificate=row, reason="keyCompromise",
                              actor="officer:ca")
        else:
            getattr(revocation, action)(session, clock=runtime.clock, certificate=row, actor="officer:ca")


def der(certificate: x509.Certificate) -> bytes:
    return certificate.public_bytes(serialization.Encoding.DER)


def _authenticate(runtime: Any, certificate: x509.Certificate) -> Any:
    with unit_of_work(runtime.session_factory) as session:
        return client_auth.authenticate(session, clock=runtime.clock, settings=runtime.settings,
                                        der=der(certificate))


def _client_serials(session: Any) -> list[str]:
    # The hierarchy's own certificates are recorded too; only the client-automation ones matter here.
    return list(session.scalars(select(Certificate.serial).where(Certificate.profile == "client-automation")))


def _sign_in_officer(client: Any, runtime: Any) -> dict[str, str]:
    make_staff(runtime, username="dnc.officer", roles=("dnc-officer",))
    response = client.post("/api/v1/auth/login", json={"username": "dnc.officer", "password": OFFICER_PASSWORD})
    assert response.status_code == 200, response.text
    return {"X-CSRF-Token": response.json()["csrf_token"]}


# ---- binding ----------------------------------------------------------------------------------------------------

def test_an_officer_issues_a_certificate_from_the_senders_csr_naming_the_company(client, runtime, hierarchy):
    account_id = make_company(runtime)
    headers = _sign_in_officer(client, runtime)
    key = ec.generate_private_key(ec.SECP256R1())
    response = client.post(URL.format(account_id=account_id), json={"csr": csr_for(key, organisation=COMPANY)},
                           headers=headers)
    assert response.status_code == 201, response.text
    body = response.json()
    certificate = x509.load_pem_x509_certificate(body["certificate_pem"].encode())
    assert certificate.public_key().public_numbers() == key.public_key().public_numbers()  # the sender's key
    assert certificate.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value == COMPANY
    eku = certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(eku) == [ExtendedKeyUsageOID.CLIENT_AUTH]
    certificate.verify_directly_issued_by(hierarchy.issuing.certificate)
    assert lint_certificate(der(certificate)) == []  # pkilint: no error-level finding
    chain = x509.load_pem_x509_certificate(body["chain_pem"].encode())
    assert chain == hierarchy.issuing.certificate
    binding = body["binding"]
    assert int(binding["serial"], 16) == certificate.serial_number
    assert binding["active"] and binding["bound_by"] == "dnc.officer" and binding["state"] == "good"

    listed = client.get(URL.format(account_id=account_id))
    assert listed.status_code == 200 and [b["id"] for b in listed.json()] == [binding["id"]]
    with unit_of_work(runtime.read_session_factory) as session:
        actions = [e.action for e in audit.history(session, subject_type="sender", subject_key=str(account_id))]
        assert "ecert.client-certificate-bound" in actions
        # The CA kept the certificate, never a private key: the row has DER and a key hash, nothing else.
        row = session.scalar(select(Certificate).where(Certificate.serial == binding["serial"]))
        assert row.profile == "client-automation" and row.der == der(certificate)


def test_binding_needs_api_access_turned_on_first(client, runtime, hierarchy):
    account_id = make_company(runtime, api_access=False)
    headers = _sign_in_officer(client, runtime)
    key = ec.generate_private_key(ec.SECP256R1())
    response = client.post(URL.format(account_id=account_id), json={"csr": csr_for(key)}, headers=headers)
    assert response.status_code == 403, response.text
    assert response.json()["error"] == "api_access_disabled"
    assert "API access is not enabled" in response.json()["detail"]
    row, _certificate, _key = issue_unbound(runtime, hierarchy)
    with unit_of_work(runtime.session_factory) as session, pytest.raises(ApiAccessDisabled):
        client_auth.bind_existing(session, clock=runtime.clock, account_id=account_id, serial=row.serial,
                                  officer="olivia")
    with unit_of_work(runtime.read_session_factory) as session:
        assert session.scalars(select(ClientCertificate)).all() == []
        # Refused before anything was issued: the certificate issued above is the only client certificate.
        assert _client_serials(session) == [row.serial]


def test_a_csr_with_a_bad_signature_is_refused_and_nothing_is_issued(client, runtime, hierarchy):
    account_id = make_company(runtime)
    headers = _sign_in_officer(client, runtime)
    good = csr_for(ec.generate_private_key(ec.SECP256R1()))
    request = x509.load_pem_x509_csr(good.encode())
    tampered_der = bytearray(request.public_bytes(serialization.Encoding.DER))
    tampered_der[-3] ^= 0x01  # inside the signature
    tampered = x509.load_der_x509_csr(bytes(tampered_der)).public_bytes(serialization.Encoding.PEM).decode()
    response = client.post(URL.format(account_id=account_id), json={"csr": tampered}, headers=headers)
    assert response.status_code == 422, response.text
    assert response.json()["error"] == "invalid_request"
    assert "does not prove possession" in response.json()["detail"]
    not_a_csr = client.post(URL.format(account_id=account_id), json={"csr": "hello"}, headers=headers)
    assert not_a_csr.status_code == 422 and not_a_csr.json()["error"] == "invalid_request"
    with unit_of_work(runtime.read_session_factory) as session:
        assert _client_serials(session) == []  # nothing issued, not even an intent
        assert session.scalars(select(ClientCertificate)).all() == []


def test_a_csr_naming_another_company_is_refused(client, runtime, hierarchy):
    account_id = make_company(runtime)
    headers = _sign_in_officer(client, runtime)
    key = ec.generate_private_key(ec.SECP256R1())
    response = client.post(URL.format(account_id=account_id), json={"csr": csr_for(key, organisation="Other Ltd")},
                           headers=headers)
    assert response.status_code == 422 and "do not match" in response.json()["detail"]


def test_changes_need_the_officer_role_and_the_csrf_token(client, runtime, hierarchy):
    account_id = make_company(runtime)
    key = ec.generate_private_key(ec.SECP256R1())
    anonymous = client.post(URL.format(account_id=account_id), json={"csr": csr_for(key)})
    assert anonymous.status_code == 401
    headers = _sign_in_officer(client, runtime)
    no_token = client.post(URL.format(account_id=account_id), json={"csr": csr_for(key)})
    assert no_token.status_code == 403 and no_token.json()["error"] == "csrf_rejected"
    both = client.post(URL.format(account_id=account_id), json={"csr": csr_for(key), "serial": "ab"},
                       headers=headers)
    assert both.status_code == 422 and both.json()["error"] == "invalid_input"
    unbind = client.delete(URL.format(account_id=account_id) + "/1")
    assert unbind.status_code == 403 and unbind.json()["error"] == "csrf_rejected"


def test_an_issued_client_certificate_is_bound_by_serial_once(runtime, hierarchy):
    account_id = make_company(runtime)
    row, certificate, _key = issue_unbound(runtime, hierarchy)
    with unit_of_work(runtime.session_factory) as session:
        view = client_auth.bind_existing(session, clock=runtime.clock, account_id=account_id,
                                         serial=row.serial.upper(), officer="olivia")
    assert view.serial == row.serial and view.active
    assert _authenticate(runtime, certificate).account_id == account_id
    other = make_company(runtime, username="other.ops", officer=False)
    with unit_of_work(runtime.session_factory) as session, pytest.raises(StatusConflict, match="bound to a sender"):
        client_auth.bind_existing(session, clock=runtime.clock, account_id=other, serial=row.serial,
                                  officer="olivia")


def test_only_a_valid_client_automation_certificate_naming_the_company_can_be_bound(runtime, hierarchy):
    account_id = make_company(runtime)
    elsewhere, _c, _k = issue_unbound(runtime, hierarchy, organisation="Another Company Limited")
    revoked, _c, _k = issue_unbound(runtime, hierarchy)
    change_status(runtime, revoked.serial, "revoke")
    with unit_of_work(runtime.session_factory) as session:
        for serial, problem in ((elsewhere.serial, "names another organisation"),
                                (revoked.serial, "only a valid certificate"),
                                ("00ff00ff00ff", "no certificate with serial")):
            with pytest.raises((BadRequestData, StatusConflict, CertificateNotFound), match=problem), \
                    session.begin_nested():
                client_auth.bind_existing(session, clock=runtime.clock, account_id=account_id, serial=serial,
                                          officer="olivia")


def test_an_individuals_account_cannot_have_one(runtime, hierarchy):
    with unit_of_work(runtime.session_factory) as session:
        make_officer(session, runtime.clock)
        account = make_active(session, runtime)  # capacity "individual"
        api_keys.set_api_access(session, clock=runtime.clock, settings=runtime.settings, account_id=account.id,
                                enabled=True, officer="olivia")
        account_id = account.id
    with pytest.raises(BadRequestData, match="individual"):
        bind_new(runtime, hierarchy, account_id)


# ---- the decision made on every request -------------------------------------------------------------------------

def test_a_bound_good_certificate_signs_its_account_in(runtime, hierarchy):
    account_id = make_company(runtime)
    _view, certificate, _key = bind_new(runtime, hierarchy, account_id)
    caller = _authenticate(runtime, certificate)
    assert caller.account_id == account_id and caller.api_key_id is None and caller.registers == {"sms"}


def test_hold_revocation_unbinding_and_api_access_each_refuse_at_once(runtime, hierarchy):
    account_id = make_company(runtime)
    view, certificate, _key = bind_new(runtime, hierarchy, account_id)

    change_status(runtime, view.serial, "hold")
    with pytest.raises(ClientCertificateRejected, match="on hold"):
        _authenticate(runtime, certificate)
    change_status(runtime, view.serial, "release")
    assert _authenticate(runtime, certificate).account_id == account_id

    set_api_access(runtime, account_id, False)
    with pytest.raises(ClientCertificateRejected, match="API access is not enabled"):
        _authenticate(runtime, certificate)
    set_api_access(runtime, account_id, True)
    assert _authenticate(runtime, certificate).account_id == account_id

    change_status(runtime, view.serial, "revoke")
    with pytest.raises(ClientCertificateRejected, match="revoked on"):
        _authenticate(runtime, certificate)


def test_an_unbound_certificate_is_refused_and_unbinding_is_final(runtime, hierarchy):
    account_id = make_company(runtime)
    _row, unbound, _key = issue_unbound(runtime, hierarchy)
    with pytest.raises(ClientCertificateRejected, match="not bound to a sender account") as refused:
        _authenticate(runtime, unbound)
    assert refused.value.status_code == 401 and refused.value.code == "client_certificate_rejected"

    view, certificate, _key = bind_new(runtime, hierarchy, account_id)
    with unit_of_work(runtime.session_factory) as session:
        ended = client_auth.unbind(session, clock=runtime.clock, account_id=account_id, binding_id=view.id,
                                   officer="olivia")
        again = client_auth.unbind(session, clock=runtime.clock, account_id=account_id, binding_id=view.id,
                                   officer="olivia")
    assert not ended.active and again.unbound_at == ended.unbound_at
    with pytest.raises(ClientCertificateRejected, match="not bound"):
        _authenticate(runtime, certificate)
    with unit_of_work(runtime.session_factory) as session, pytest.raises(StatusConflict):
        client_auth.bind_existing(session, clock=runtime.clock, account_id=account_id, serial=view.serial,
                                  officer="olivia")
    with unit_of_work(runtime.read_session_factory) as session:
        actions = [e.action for e in audit.history(session, subject_type="sender", subject_key=str(account_id))]
    assert actions.count("ecert.client-certificate-unbound") == 1


def test_the_database_clock_decides_expiry(runtime, hierarchy, clock):
    account_id = make_company(runtime)
    _view, certificate, _key = bind_new(runtime, hierarchy, account_id)
    clock.set(certificate.not_valid_after_utc + dt.timedelta(seconds=1))
    with pytest.raises(ClientCertificateRejected, match="expired on"):
        _authenticate(runtime, certificate)


def test_a_certificate_the_ca_has_no_record_of_is_refused(runtime, hierarchy):
    make_company(runtime)
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "stranger")])
    now = dt.datetime.now(dt.UTC)
    stranger = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
                .serial_number(x509.random_serial_number()).not_valid_before(now)
                .not_valid_after(now + dt.timedelta(days=1)).sign(key, hashes.SHA256()))
    with pytest.raises(ClientCertificateRejected, match="not one telreg's CA has on record"):
        _authenticate(runtime, stranger)


def test_the_public_listener_trusts_no_header_for_a_certificate(client, runtime, hierarchy):
    account_id = make_company(runtime)
    _view, certificate, _key = bind_new(runtime, hierarchy, account_id)
    pem = certificate.public_bytes(serialization.Encoding.PEM).decode().replace("\n", "")
    for header in ("telreg.client_certificate", "X-SSL-Client-Cert", "X-Client-Cert"):
        response = client.get("/api/v1/senders/me", headers={header: pem})
        assert response.status_code == 401, (header, response.text)
