"""The CA's journey in headless Chromium against the live server (SQLite and PostgreSQL): a person verified by a
real registration in the real-name module → a CA officer signs in → records an application with a key generated
by the CA → issues it → downloads the PKCS#12 file the page offers once (opened by ``openssl pkcs12`` with the
password shown once) → revokes the certificate through the confirmation step → the public status page says
revoked, and ``openssl ocsp`` against the running responder says revoked too (its response verified up to the
root). The page's language switch is used on the way (the officer finishes in Chinese), and the
Content-Security-Policy is watched: no refused script or style on any page of the journey.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

import pytest

from telreg.runtime import Runtime
from tests.ecert.identity_helpers import registered_person
from tests.web.conftest import OFFICER_PASSWORD, make_officer, switch_language
from tests.web.test_ecert_pages import make_ca

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

OFFICER = "ca.lau"
# The test clock stands in 2026; the machine's may not: openssl is told to accept the response's times.
OCSP_TIME_SLACK = str(5 * 365 * 24 * 3600)


def _openssl(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["openssl", *args], capture_output=True, text=True, check=False)


def test_verified_identity_to_revoked_certificate(page: Any, runtime: Runtime, live_server: str,
                                                  tmp_path: Path) -> None:
    # The Content-Security-Policy is watched throughout (as test_csp_browser.py does): no refused script or style.
    reports: list[str] = []
    page.on("console", lambda message: reports.append(message.text) if "Content Security Policy" in message.text
            or "Refused to" in message.text else None)
    page.on("pageerror", lambda error: reports.append(f"script error {error}"))
    hierarchy = make_ca(runtime)
    person = registered_person(runtime)  # a real registration of a number: a verified identity
    make_officer(runtime, username=OFFICER, roles=("ca-officer",))

    # The CA officer signs in and lands on the applications page.
    page.goto("/staff/login?lang=en")
    page.get_by_label("Username").fill(OFFICER)
    page.get_by_label("Password").fill(OFFICER_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/staff/ecert/applications")

    # The application, at the counter: the document and the name as printed; the CA generates the key.
    form = page.locator("#new-application")
    form.get_by_label("Certificate", exact=True).select_option("personal")
    page.locator("#doc_type").select_option(person.doc_type)
    page.locator("#doc_number").fill(person.number)
    page.locator("#name").fill(person.name)
    page.locator("#origin-ca").check()
    page.locator("#email").fill("chan.tai.man@example.com")
    page.locator("#value_added_consent").check()
    form.get_by_role("button", name="Record the application").click()
    page.locator(".flash").wait_for()
    row = page.locator("#applications tr[data-state=submitted]").first
    assert "CHAN T** M**" in row.inner_text()  # masked for the officer
    assert person.number not in page.content()

    # Issue: the PKCS#12 file is offered once, with the password generated and shown once.
    row.get_by_role("button", name="Issue the certificate").click()
    page.get_by_role("heading", name="Certificate issued").wait_for()
    password = page.locator("#pkcs12-password").inner_text().strip()
    assert len(password) >= 8
    with page.expect_download() as download_info:
        page.locator("#pkcs12-download").click()
    bundle = tmp_path / "subscriber.p12"
    download_info.value.save_as(bundle)
    opened = _openssl("pkcs12", "-in", str(bundle), "-passin", f"pass:{password}", "-nodes")
    assert opened.returncode == 0, opened.stderr
    assert "BEGIN PRIVATE KEY" in opened.stdout
    leaf = _openssl("pkcs12", "-in", str(bundle), "-passin", f"pass:{password}", "-nokeys", "-clcerts")
    assert leaf.returncode == 0, leaf.stderr
    certificate = tmp_path / "subscriber.pem"
    certificate.write_text(leaf.stdout)
    refused = _openssl("pkcs12", "-in", str(bundle), "-passin", "pass:a wrong password", "-nokeys")
    assert refused.returncode != 0

    # To the certificate, in Chinese from here; revoke it through the confirmation step.
    page.locator("a[href^='/staff/ecert/certificates/']").last.click()
    page.wait_for_url(re.compile(r"/staff/ecert/certificates/[0-9a-f]+"))
    serial = page.url.rsplit("/", 1)[1].split("?")[0]
    switch_language(page, re.compile("中文"), "zh-Hant")
    assert page.locator("#certificate-state").inner_text().strip() == "有效"
    page.locator("#reason").select_option("keyCompromise")
    page.locator("#revoke button").click()
    page.locator("#confirm-form").wait_for()
    assert serial in page.locator("#confirm-question").inner_text()
    page.locator("#confirm-form button[type=submit]").click()
    page.locator(".flash").wait_for()
    assert page.locator("#certificate").get_attribute("data-state") == "revoked"
    assert "密碼匙外洩" in page.locator("#certificate-state").inner_text()

    # The public page (anyone, no sign-in needed) says revoked ...
    page.context.clear_cookies()
    page.goto("/ecert?lang=en")
    page.get_by_role("textbox", name="Serial number").fill(serial.upper())
    page.get_by_role("button", name="Check", exact=True).click()
    answer = page.locator("#answer")
    answer.wait_for()
    assert answer.get_attribute("data-status") == "revoked"
    assert "has been revoked" in answer.inner_text() and "Key compromised" in answer.inner_text()

    # ... and so does the OCSP responder of the running server, asked by openssl, its answer verified.
    from cryptography.hazmat.primitives.serialization import Encoding

    issuer, root = tmp_path / "issuing.pem", tmp_path / "root.pem"
    issuer.write_bytes(hierarchy.issuing.certificate.public_bytes(Encoding.PEM))
    root.write_bytes(hierarchy.root.public_bytes(Encoding.PEM))
    asked = _openssl("ocsp", "-issuer", str(issuer), "-cert", str(certificate), "-url", f"{live_server}/ecert/ocsp",
                     "-CAfile", str(root), "-verify_other", str(issuer), "-validity_period", OCSP_TIME_SLACK)
    assert "Response verify OK" in asked.stderr + asked.stdout, asked.stderr
    assert f"{certificate}: revoked" in asked.stdout, asked.stdout + asked.stderr
    assert "Reason: keyCompromise" in asked.stdout
    assert reports == []
