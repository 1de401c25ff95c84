"""The "Client certificates" section of the do-not-call officer's account page (issue 15 §4): bind from the
sender's CSR (the certificate and chain shown, downloadable, and accepted by openssl verify), bind by serial,
refusal when API access is off, unbind after a confirmation step, both Chinese languages without English runs,
and the page closed to other staff roles."""

from __future__ import annotations

import html
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from fastapi.testclient import TestClient
from sqlalchemy import select

from telreg.app import create_app
from telreg.core.db import unit_of_work
from telreg.ecert.mtls_models import ClientCertificate
from tests.ecert.conftest import hierarchy  # noqa: F401  (the fixture: a CA in the test runtime)
from tests.ecert.test_client_auth import csr_for, issue_unbound, make_company
from tests.web.conftest import OFFICER, OFFICER_PASSWORD, form_token, make_officer
from tests.web.page_text import english_runs, visible_text

_SECTION = re.compile(r'<section aria-labelledby="client-certificates-title".*?</section>', re.DOTALL)
_ISSUED = re.compile(r'<textarea id="issued-certificate-pem"[^>]*>(.*?)</textarea>', re.DOTALL)


def _signed_in(runtime: Any, username: str, roles: tuple[str, ...]) -> TestClient:
    make_officer(runtime, username=username, roles=roles)
    staff = TestClient(create_app(runtime))
    token = form_token(staff.get("/staff/login").text)
    signed = staff.post("/staff/login", data={"username": username, "password": OFFICER_PASSWORD,
                                              "csrf_token": token}, follow_redirects=False)
    assert signed.status_code == 303
    return staff


@pytest.fixture
def officer(runtime: Any) -> Iterator[TestClient]:
    """A do-not-call officer signed in to the staff pages."""
    with _signed_in(runtime, OFFICER, ("dnc-officer",)) as staff:
        yield staff


def _bindings(runtime: Any, account_id: int) -> list[ClientCertificate]:
    with unit_of_work(runtime.session_factory) as session:
        rows = list(session.scalars(select(ClientCertificate).where(ClientCertificate.account_id == account_id)))
        session.expunge_all()
        return rows


def _section(page_html: str) -> str:
    found = _SECTION.search(page_html)
    assert found, "the page has no client certificates section"
    return found.group(0)


def _bind_csr(officer: TestClient, account_id: int, csr: str, **params: str) -> Any:
    token = form_token(officer.get(f"/staff/senders/{account_id}", params=params).text)
    return officer.post(f"/staff/senders/{account_id}/client-certificates", data={"csrf_token": token},
                        files={"csr_file": ("acme.csr", csr.encode(), "application/pkcs10")},
                        follow_redirects=False)


def test_bind_from_an_uploaded_csr_shows_a_certificate_openssl_verifies(
        officer: TestClient, runtime: Any, hierarchy: Any, tmp_path: Path) -> None:  # noqa: F811
    account_id = make_company(runtime)
    response = _bind_csr(officer, account_id, csr_for(ec.generate_private_key(ec.SECP256R1())))
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    shown = html.unescape(_ISSUED.search(response.text).group(1))  # type: ignore[union-attr]
    assert shown.count("-----BEGIN CERTIFICATE-----") == 2
    pem = tmp_path / "client.pem"
    pem.write_text(shown)
    root = tmp_path / "root.pem"
    root.write_bytes(hierarchy.root.public_bytes(serialization.Encoding.PEM))
    issuing = tmp_path / "issuing.pem"
    issuing.write_bytes(hierarchy.issuing.certificate.public_bytes(serialization.Encoding.PEM))
    checked = subprocess.run(["openssl", "verify", "-CAfile", str(root), "-untrusted", str(issuing), str(pem)],
                             capture_output=True, text=True, check=False)
    assert checked.returncode == 0 and ": OK" in checked.stdout, checked.stdout + checked.stderr

    [binding] = _bindings(runtime, account_id)
    assert binding.bound_by == OFFICER and binding.unbound_at is None
    section = _section(officer.get(f"/staff/senders/{account_id}").text)
    serial = re.search(r'data-serial="([0-9a-f]+)"', section).group(1)  # type: ignore[union-attr]
    text = visible_text(section)
    assert serial in text and "Valid" in text and f"by {OFFICER}" in text
    assert f"/client-certificates/{binding.id}/unbind" in section
    download = officer.get(f"/staff/senders/{account_id}/client-certificates/{binding.id}/certificate.pem")
    assert download.status_code == 200 and download.text == shown
    assert download.headers["content-disposition"] == f'attachment; filename="client-{serial}.pem"'


def test_bind_by_serial_from_the_page(officer: TestClient, runtime: Any, hierarchy: Any) -> None:  # noqa: F811
    account_id = make_company(runtime)
    row, _, _ = issue_unbound(runtime, hierarchy)
    token = form_token(officer.get(f"/staff/senders/{account_id}").text)
    response = officer.post(f"/staff/senders/{account_id}/client-certificates",
                            data={"csrf_token": token, "serial": row.serial.upper()}, follow_redirects=False)
    assert response.status_code == 303, response.text
    page = officer.get(response.headers["location"])
    assert f"Client certificate {row.serial} is bound to account {account_id}." in visible_text(page.text)
    assert f'data-serial="{row.serial}"' in _section(page.text)
    # Bound once, ever: the same serial again is refused on the page, in words.
    token = form_token(page.text)
    again = officer.post(f"/staff/senders/{account_id}/client-certificates",
                         data={"csrf_token": token, "serial": row.serial})
    assert again.status_code == 409 and "is bound to a sender account already" in visible_text(_section(again.text))


def test_bind_refused_when_api_access_is_off(officer: TestClient, runtime: Any, hierarchy: Any) -> None:  # noqa: F811
    account_id = make_company(runtime, api_access=False)
    page = officer.get(f"/staff/senders/{account_id}")
    assert "Enable automation before binding a client certificate." in visible_text(_section(page.text))
    csr = csr_for(ec.generate_private_key(ec.SECP256R1()))
    response = officer.post(f"/staff/senders/{account_id}/client-certificates",
                            data={"csrf_token": form_token(page.text), "csr": csr})
    assert response.status_code >= 400
    text = visible_text(_section(response.text))
    assert (f"API access is not enabled for account {account_id}; turn it on before binding a client "
            "certificate.") in text
    assert "BEGIN CERTIFICATE REQUEST" in text  # what was pasted is kept
    assert _bindings(runtime, account_id) == []
    # Neither a serial nor a CSR: said so, nothing bound.
    token = form_token(response.text)
    empty = officer.post(f"/staff/senders/{account_id}/client-certificates", data={"csrf_token": token})
    assert empty.status_code == 422 and "Give either the serial" in visible_text(empty.text)
    # Without the form token nothing happens.
    forged = officer.post(f"/staff/senders/{account_id}/client-certificates", data={"csr": csr})
    assert forged.status_code == 403 and _bindings(runtime, account_id) == []


def test_unbind_asks_first(officer: TestClient, runtime: Any, hierarchy: Any) -> None:  # noqa: F811
    account_id = make_company(runtime)
    _bind_csr(officer, account_id, csr_for(ec.generate_private_key(ec.SECP256R1())))
    [binding] = _bindings(runtime, account_id)
    page = officer.get(f"/staff/senders/{account_id}")
    unbind = f"/staff/senders/{account_id}/client-certificates/{binding.id}/unbind"
    asked = officer.post(unbind, data={"csrf_token": form_token(page.text)})
    assert asked.status_code == 200 and 'name="confirm" value="yes"' in asked.text
    assert "will no longer sign account" in visible_text(asked.text)
    assert _bindings(runtime, account_id)[0].unbound_at is None  # asking changed nothing
    done = officer.post(unbind, data={"csrf_token": form_token(asked.text), "confirm": "yes"},
                        follow_redirects=False)
    assert done.status_code == 303
    [ended] = _bindings(runtime, account_id)
    assert ended.unbound_at is not None and ended.unbound_by == OFFICER
    section = _section(officer.get(done.headers["location"]).text)
    assert f"unbound by {OFFICER}" in visible_text(section) and unbind not in section


@pytest.mark.parametrize("lang", ["zh-Hant", "zh-Hans"])
def test_the_section_in_chinese_has_no_english_runs(officer: TestClient, runtime: Any, hierarchy: Any,  # noqa: F811
                                                    lang: str) -> None:
    account_id = make_company(runtime)
    _bind_csr(officer, account_id, csr_for(ec.generate_private_key(ec.SECP256R1())), lang=lang)
    [binding] = _bindings(runtime, account_id)
    page = officer.get(f"/staff/senders/{account_id}", params={"lang": lang})
    assert english_runs(visible_text(_section(page.text)), names=[OFFICER]) == []
    # The confirmation step and a refusal, in the page's language too.
    asked = officer.post(f"/staff/senders/{account_id}/client-certificates/{binding.id}/unbind",
                         data={"csrf_token": form_token(page.text)})
    assert english_runs(visible_text(asked.text.split("<main", 1)[-1].split("</main>", 1)[0]),
                        names=[OFFICER]) == []
    refused = officer.post(f"/staff/senders/{account_id}/client-certificates",
                           data={"csrf_token": form_token(page.text), "serial": "00ff"})
    section = _section(refused.text)
    refusal = visible_text(section.split('class="problem"', 1)[1].split("</p>", 1)[0])
    assert "00ff" in refusal and english_runs(refusal) == []


def test_other_staff_roles_get_403(runtime: Any, hierarchy: Any) -> None:  # noqa: F811
    account_id = make_company(runtime)
    with _signed_in(runtime, "ca.officer", ("ca-officer",)) as staff:
        page = staff.get(f"/staff/senders/{account_id}")
        assert page.status_code == 403
        token = form_token(staff.get("/staff").text)
        bound = staff.post(f"/staff/senders/{account_id}/client-certificates",
                           data={"csrf_token": token, "csr": csr_for(ec.generate_private_key(ec.SECP256R1()))})
        assert bound.status_code == 403
        assert staff.get(f"/staff/senders/{account_id}/client-certificates/1/certificate.pem").status_code == 403
    assert _bindings(runtime, account_id) == []
