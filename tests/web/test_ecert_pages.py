"""The CA's pages over HTTP (TestClient), on SQLite and PostgreSQL: the CA officer's counter pages in every language
(200, no English on a Chinese page, no internal codes), a 403 page for other staff, the sign-in form for a visitor,
the application → issue → PKCS#12 → revoke path through the forms (the bundle opened by ``openssl pkcs12``), and
the public status page for good, on-hold, revoked and unknown certificates, by serial and by uploaded file.
"""

from __future__ import annotations

import base64
import html as html_lib
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import NameOID

from telreg.config import Settings
from telreg.core.db import unit_of_work
from telreg.ecert import applications, lifecycle
from telreg.ecert.hierarchy import init_hierarchy
from telreg.ecert.keys import Hierarchy
from telreg.ecert.subjects import KeyedDocument
from telreg.runtime import Runtime
from tests.ecert.identity_helpers import registered_organisation, registered_person
from tests.web.conftest import OFFICER_PASSWORD, form_token, make_officer
from tests.web.page_text import english_runs, raw_values, visible_text

LANGS = ("en", "zh-Hant", "zh-Hans")
OFFICER = "ca.lau"
ROOT_PASSPHRASE = b"a demo root passphrase for the tests"
PAGES = ["/staff/ecert/applications", "/staff/ecert/applications?state=submitted", "/staff/ecert/certificates",
         "/staff/ecert/certificates?state=revoked", "/staff/ecert/certificates/{good}",
         "/staff/ecert/certificates/{held}", "/staff/ecert/certificates/{revoked}", "/staff/ecert/subscriptions"]
# Data shown as written in any language: masked names, the CA's own names are not shown.
NAMES = ("CHAN T** M**", "WONG S** M**", OFFICER, "e-Cert")


@dataclass(frozen=True)
class World:
    hierarchy: Hierarchy
    person: KeyedDocument
    good: str
    held: str
    revoked: str
    waiting: str  # an application not decided yet (a CA-generated key)


def make_ca(runtime: Runtime) -> Hierarchy:
    with unit_of_work(runtime.session_factory) as session:
        return init_hierarchy(runtime.settings, clock=runtime.clock, root_passphrase=ROOT_PASSPHRASE,
                              session=session, actor="test-ceremony")


def issue(runtime: Runtime, hierarchy: Hierarchy, person: KeyedDocument) -> lifecycle.Issued:
    with unit_of_work(runtime.session_factory) as session:
        return lifecycle.issue_direct(session, runtime=runtime, hierarchy=hierarchy, profile="personal",
                                      document=person, key_origin="ca", actor="test",
                                      email="chan.tai.man@example.com")


def world(runtime: Runtime) -> World:
    """A CA, a verified person with three certificates (valid, on hold, revoked) and an application waiting."""
    hierarchy = make_ca(runtime)
    person = registered_person(runtime)
    serials = [issue(runtime, hierarchy, person).certificate.serial for _ in range(3)]
    with unit_of_work(runtime.session_factory) as session:
        lifecycle.hold(session, runtime=runtime, serial=serials[1], actor="test")
        lifecycle.revoke(session, runtime=runtime, serial=serials[2], reason="keyCompromise", actor="test")
        waiting = applications.submit(session, vault=runtime.vault, clock=runtime.clock, settings=runtime.settings,
                                      profile="personal", document=person, key_origin="ca", actor="test",
                                      counter="GPO")
        reference = waiting.reference
    return World(hierarchy, person, *serials, waiting=reference)


def sign_in(client: Any, runtime: Runtime, *, username: str = OFFICER,
            roles: tuple[str, ...] = ("ca-officer",), operator: str | None = None) -> None:
    make_officer(runtime, username=username, roles=roles, operator=operator)
    token = form_token(client.get("/staff/login").text)
    signed = client.post("/staff/login", data={"username": username, "password": OFFICER_PASSWORD,
                                               "csrf_token": token}, follow_redirects=False)
    assert signed.status_code == 303, signed.text


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """A public address without a port (``localhost:8000`` reads as an internal value on a page)."""
    return settings.model_copy(update={"ecert_public_url": "https://ecert.telreg.test"})


def _problems(page: str, lang: str, names: tuple[str, ...] = (), *, service_error: bool = False) -> list[str]:
    """Internal values, and English on a Chinese page. With SERVICE_ERROR, the refusal's sentence is left out:
    it is the service's own (its translation is that service's), shown through web/i18n.error_message like
    every page's; the rest of the page is checked."""
    if service_error:
        page = re.sub(r'<p class="problem" data-code="[^"]*">.*?</p>', "", page, flags=re.S)
    text = visible_text(page)
    found = raw_values(text)
    if lang != "en":
        found += english_runs(text, names=(*NAMES, *names))
    return found


def _with_lang(path: str, lang: str) -> str:
    return path + ("&" if "?" in path else "?") + f"lang={lang}"


# ---- access ------------------------------------------------------------------------------------------------------

def test_every_officer_page_reads_in_every_language(client: Any, runtime: Runtime) -> None:
    w = world(runtime)
    sign_in(client, runtime)
    problems: dict[str, list[str]] = {}
    for lang in LANGS:
        for template in PAGES:
            path = template.format(good=w.good, held=w.held, revoked=w.revoked)
            page = client.get(_with_lang(path, lang))
            assert page.status_code == 200, (path, lang, page.status_code, page.text[:300])
            if found := _problems(page.text, lang):
                problems[f"{lang} {path}"] = found
    assert problems == {}


def test_the_officer_lands_on_the_applications_and_sees_the_ca_menu(client: Any, runtime: Runtime) -> None:
    make_officer(runtime, username=OFFICER, roles=("ca-officer",))
    token = form_token(client.get("/staff/login").text)
    signed = client.post("/staff/login", data={"username": OFFICER, "password": OFFICER_PASSWORD,
                                               "csrf_token": token}, follow_redirects=False)
    assert signed.headers["location"] == "/staff/ecert/applications"
    page = client.get("/staff/ecert/applications").text
    nav = re.search(r"<nav\b.*?</nav>", page, re.S)
    assert nav is not None
    links = [h for h in re.findall(r'href="([^"]+)"', nav.group(0)) if h.startswith("/staff") and "lang=" not in h]
    assert links == ["/staff/ecert/applications", "/staff/ecert/certificates", "/staff/ecert/subscriptions"]


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize(("role", "operator"), [("dnc-officer", None), ("operator-staff", "op1"),
                                                ("regulator", None)])
def test_other_staff_get_a_403_page_in_their_language(client: Any, runtime: Runtime, role: str,
                                                     operator: str | None, lang: str) -> None:
    w = world(runtime)
    sign_in(client, runtime, username="someone.else", roles=(role,), operator=operator)
    for template in PAGES:
        path = template.format(good=w.good, held=w.held, revoked=w.revoked)
        page = client.get(_with_lang(path, lang))
        assert page.status_code == 403, (path, page.status_code)
        assert "403" in page.text
        # English names the role by its code ("This needs the 'ca-officer' role", core.users.require_role);
        # the Chinese pages name it in words.
        if lang != "en":
            assert _problems(page.text, lang, names=("someone.else",)) == [], path
    # A change is refused too, and changes nothing.
    token = form_token(client.get("/staff/sessions").text)
    refused = client.post(f"/staff/ecert/certificates/{w.good}/hold", data={"csrf_token": token})
    assert refused.status_code == 403
    client.cookies.clear()
    sign_in(client, runtime)
    assert 'data-state="good"' in client.get(f"/staff/ecert/certificates/{w.good}").text


def test_a_visitor_is_sent_to_sign_in(client: Any, runtime: Runtime) -> None:
    for path in ("/staff/ecert/applications", "/staff/ecert/certificates/abc", "/staff/ecert/subscriptions"):
        answer = client.get(path, follow_redirects=False)
        assert answer.status_code == 303, path
        assert answer.headers["location"].startswith("/staff/login?next=")


def test_an_administrator_opens_the_ca_pages(client: Any, runtime: Runtime) -> None:
    sign_in(client, runtime, username="the.admin", roles=("admin",))
    for path in ("/staff/ecert/applications", "/staff/ecert/certificates", "/staff/ecert/subscriptions"):
        assert client.get(path).status_code == 200, path


# ---- the counter -------------------------------------------------------------------------------------------------

def _new_application(client: Any, person: KeyedDocument, **fields: Any) -> Any:
    page = client.get("/staff/ecert/applications")
    data = {"csrf_token": form_token(page.text), "profile": "personal", "doc_type": person.doc_type,
            "doc_number": person.number, "name": person.name, "key_origin": "ca", "email": "chan@example.com",
            "counter": "GPO", "value_added_consent": "yes", **fields}
    return client.post("/staff/ecert/applications", data=data, follow_redirects=False)


def _reference(page: str) -> str:
    match = re.search(r'data-application="(EC-\d{4}-\d{6})" data-state="submitted"', page)
    assert match, "no application waiting"
    return match.group(1)


def _confirm(client: Any, answer: Any) -> Any:
    """Send the confirmation step's form (web/confirm.py) as it stands."""
    assert answer.status_code == 200 and 'id="confirm-form"' in answer.text, answer.text[:300]
    form = re.search(r'<form method="post" action="([^"]+)" class="row" id="confirm-form">(.*?)</form>',
                     answer.text, re.S)
    assert form
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', form.group(2)))
    return client.post(form.group(1), data={k: html_lib.unescape(v) for k, v in fields.items()},
                       follow_redirects=False)


def test_apply_issue_with_a_generated_password_download_once_and_revoke(client: Any, runtime: Runtime,
                                                                        tmp_path: Path) -> None:
    make_ca(runtime)
    person = registered_person(runtime)
    sign_in(client, runtime)
    answer = _new_application(client, person)
    assert answer.status_code == 303
    listing = client.get("/staff/ecert/applications").text
    reference = _reference(listing)
    assert "CHAN T** M**" in listing and person.number not in listing  # masked for the officer
    issued = client.post(f"/staff/ecert/applications/{reference}/issue",
                         data={"csrf_token": form_token(listing), "password_choice": "generate"})
    assert issued.status_code == 200 and issued.headers["cache-control"] == "no-store"
    link = re.search(r'id="pkcs12-download" href="data:application/x-pkcs12;base64,([^"]+)" download="([^"]+)"',
                     issued.text)
    password = re.search(r'<code id="pkcs12-password">([^<]+)</code>', issued.text)
    assert link and password
    bundle = tmp_path / link.group(2)
    bundle.write_bytes(base64.b64decode(link.group(1)))
    opened = subprocess.run(["openssl", "pkcs12", "-in", str(bundle), "-passin",
                             f"pass:{html_lib.unescape(password.group(1))}", "-nodes"],
                            capture_output=True, text=True, check=False)
    assert opened.returncode == 0, opened.stderr
    assert "BEGIN PRIVATE KEY" in opened.stdout and opened.stdout.count("BEGIN CERTIFICATE") == 3
    wrong = subprocess.run(["openssl", "pkcs12", "-in", str(bundle), "-passin", "pass:not-the-password",
                            "-nodes"], capture_output=True, text=True, check=False)
    assert wrong.returncode != 0
    serial = re.search(r'href="/staff/ecert/certificates/([0-9a-f]+)"', issued.text)
    assert serial
    # Issuing again is refused: the application is decided, and the bundle is not offered again.
    again = client.post(f"/staff/ecert/applications/{reference}/issue",
                        data={"csrf_token": form_token(listing), "password_choice": "generate"})
    assert again.status_code == 409 and "pkcs12-download" not in again.text

    certificate = client.get(f"/staff/ecert/certificates/{serial.group(1)}").text
    asked = client.post(f"/staff/ecert/certificates/{serial.group(1)}/revoke",
                        data={"csrf_token": form_token(certificate), "reason": "keyCompromise"},
                        follow_redirects=False)
    assert 'data-state="good"' in client.get(f"/staff/ecert/certificates/{serial.group(1)}").text  # not yet
    done = _confirm(client, asked)
    assert done.status_code == 303
    page = client.get(done.headers["location"]).text
    assert 'data-state="revoked"' in page and "Key compromised" in page
    public = client.get(f"/ecert?serial={serial.group(1)}")
    assert 'data-status="revoked"' in public.text and "Key compromised" in public.text


def test_a_typed_password_opens_the_bundle_and_a_short_one_is_refused(client: Any, runtime: Runtime,
                                                                      tmp_path: Path) -> None:
    make_ca(runtime)
    person = registered_person(runtime)
    sign_in(client, runtime)
    _new_application(client, person)
    listing = client.get("/staff/ecert/applications?lang=zh-Hant").text
    reference = _reference(listing)
    short = client.post(f"/staff/ecert/applications/{reference}/issue",
                        data={"csrf_token": form_token(listing), "password_choice": "typed", "password": "short"})
    assert short.status_code == 422 and 'id="ecert-error"' in short.text
    assert _problems(short.text, "zh-Hant", service_error=True) == []
    issued = client.post(f"/staff/ecert/applications/{reference}/issue",
                         data={"csrf_token": form_token(listing), "password_choice": "typed",
                               "password": "subscriber's own pass"})
    assert issued.status_code == 200 and "pkcs12-password" not in issued.text
    link = re.search(r'href="data:application/x-pkcs12;base64,([^"]+)"', issued.text)
    assert link
    (tmp_path / "b.p12").write_bytes(base64.b64decode(link.group(1)))
    opened = subprocess.run(["openssl", "pkcs12", "-in", str(tmp_path / "b.p12"), "-passin",
                             "pass:subscriber's own pass", "-nokeys"], capture_output=True, text=True, check=False)
    assert opened.returncode == 0, opened.stderr


def test_a_csr_application_issues_for_the_subscribers_key(client: Any, runtime: Runtime) -> None:
    make_ca(runtime)
    person = registered_person(runtime)
    sign_in(client, runtime)
    key = ec.generate_private_key(ec.SECP256R1())
    csr = (x509.CertificateSigningRequestBuilder()
           .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, person.name)]))
           .sign(key, hashes.SHA256()).public_bytes(Encoding.PEM))
    page = client.get("/staff/ecert/applications")
    answer = client.post("/staff/ecert/applications", data={
        "csrf_token": form_token(page.text), "profile": "personal", "doc_type": person.doc_type,
        "doc_number": person.number, "name": person.name, "key_origin": "csr"},
        files={"csr_file": ("me.csr", csr, "application/pkcs10")}, follow_redirects=False)
    assert answer.status_code == 303, answer.text[:500]
    listing = client.get("/staff/ecert/applications").text
    issued = client.post(f"/staff/ecert/applications/{_reference(listing)}/issue",
                         data={"csrf_token": form_token(listing)}, follow_redirects=False)
    assert issued.status_code == 303 and issued.headers["location"].startswith("/staff/ecert/certificates/")
    assert "is issued" in client.get(issued.headers["location"]).text


def test_an_organisations_application_names_its_authorised_person(client: Any, runtime: Runtime) -> None:
    make_ca(runtime)
    organisation, person = registered_organisation(runtime)
    sign_in(client, runtime)
    answer = _new_application(client, organisation, profile="organisational", ap_doc_type=person.doc_type,
                              ap_doc_number=person.number, ap_name=person.name)
    assert answer.status_code == 303, answer.text[:500]
    listing = client.get("/staff/ecert/applications").text
    reference = _reference(listing)
    row = re.search(rf'data-application="{reference}".*?</tr>', listing, re.S)
    assert row and "WONG S** M**" in row.group(0)  # the authorised person, masked
    issued = client.post(f"/staff/ecert/applications/{reference}/issue",
                         data={"csrf_token": form_token(listing), "password_choice": "generate"})
    assert issued.status_code == 200 and "pkcs12-download" in issued.text
    # Without the authorised person, the organisation's application is refused, saying so.
    refused = _new_application(client, organisation, profile="organisational")
    assert refused.status_code == 422 and 'id="ecert-error"' in refused.text


@pytest.mark.parametrize("lang", ["zh-Hant", "zh-Hans"])
def test_a_refused_application_says_why_in_the_page_language_and_keeps_the_input(client: Any, runtime: Runtime,
                                                                                  lang: str) -> None:
    make_ca(runtime)
    person = registered_person(runtime)
    sign_in(client, runtime)
    client.get(f"/staff/ecert/applications?lang={lang}")
    wrong_name = _new_application(client, person, name="CHAN Tai Wrong")
    assert wrong_name.status_code == 422
    assert 'id="ecert-error"' in wrong_name.text and 'value="CHAN Tai Wrong"' in wrong_name.text
    assert _problems(wrong_name.text, lang, names=("CHAN Tai Wrong", person.name, "GPO"), service_error=True) == []
    bad_csr = _new_application(client, person, key_origin="csr", csr="-----BEGIN CERTIFICATE REQUEST-----\nxx")
    assert bad_csr.status_code == 422 and 'id="ecert-error"' in bad_csr.text
    assert "[]" not in client.get("/staff/ecert/applications").text


def test_reject_and_withdraw_ask_first(client: Any, runtime: Runtime) -> None:
    w = world(runtime)
    sign_in(client, runtime)
    listing = client.get("/staff/ecert/applications").text
    no_reason = client.post(f"/staff/ecert/applications/{w.waiting}/reject",
                            data={"csrf_token": form_token(listing), "reason": ""})
    assert no_reason.status_code == 422
    asked = client.post(f"/staff/ecert/applications/{w.waiting}/reject",
                        data={"csrf_token": form_token(listing), "reason": "Document expired"})
    assert "Document expired" in asked.text
    assert _confirm(client, asked).status_code == 303
    assert f'data-application="{w.waiting}" data-state="rejected"' in client.get("/staff/ecert/applications").text


def test_hold_release_card_and_removal(client: Any, runtime: Runtime) -> None:
    w = world(runtime)
    sign_in(client, runtime)
    where = f"/staff/ecert/certificates/{w.good}"
    token = form_token(client.get(where).text)
    assert client.post(f"{where}/hold", data={"csrf_token": token}).status_code == 200
    assert 'data-state="hold"' in client.get(where).text
    assert 'data-status="hold"' in client.get(f"/ecert?serial={w.good}").text
    # Holding twice: the service's refusal, on the certificate's page.
    twice = client.post(f"{where}/hold", data={"csrf_token": token})
    assert twice.status_code == 409 and 'id="ecert-error"' in twice.text
    client.post(f"{where}/release", data={"csrf_token": token})
    assert 'data-state="good"' in client.get(where).text
    bad_card = client.post(f"{where}/token", data={"csrf_token": token, "token_serial": "x"})
    assert bad_card.status_code == 422 and 'value="x"' in bad_card.text
    client.post(f"{where}/token", data={"csrf_token": token, "token_serial": "SC-1234-5678"})
    assert "SC12345678" in client.get(where).text
    asked = client.post(f"{where}/token/remove", data={"csrf_token": token, "token_serial": "SC12345678"},
                        follow_redirects=False)
    assert _confirm(client, asked).status_code == 303
    page = client.get(where).text
    assert 'data-state="revoked"' in page and "No longer needed" in page


def test_renew_replaces_the_certificate(client: Any, runtime: Runtime) -> None:
    w = world(runtime)
    sign_in(client, runtime)
    where = f"/staff/ecert/certificates/{w.good}"
    renewed = client.post(f"{where}/renew", data={"csrf_token": form_token(client.get(where).text),
                                                  "key_origin": "ca", "password_choice": "generate"})
    assert renewed.status_code == 200 and "pkcs12-download" in renewed.text
    assert w.good in renewed.text  # "It replaces certificate …"
    assert 'data-state="revoked"' in client.get(where).text


def test_long_lists_page_newest_first(client: Any, runtime: Runtime, monkeypatch: pytest.MonkeyPatch) -> None:
    from telreg.web.ecert import applications as applications_page

    w = world(runtime)  # one application waiting, three issued
    monkeypatch.setattr(applications_page, "LIST_SIZE", 3)
    sign_in(client, runtime)
    first = client.get("/staff/ecert/applications").text
    assert len(re.findall(r"data-application=", first)) == 3 and f'data-application="{w.waiting}"' in first
    older = re.search(r'<a href="([^"]+)" rel="next">', first)
    assert older and 'rel="prev"' not in first
    second = client.get(html_lib.unescape(older.group(1))).text
    assert len(re.findall(r"data-application=", second)) == 1 and 'rel="prev"' in second


def test_find_a_certificate_by_serial(client: Any, runtime: Runtime) -> None:
    w = world(runtime)
    sign_in(client, runtime)
    found = client.get(f"/staff/ecert/certificates?serial={w.held.upper()}", follow_redirects=False)
    assert found.status_code == 303 and found.headers["location"] == f"/staff/ecert/certificates/{w.held}"
    listing = client.get(f"/staff/ecert/certificates?serial={w.held[:1]}").text
    assert f'data-serial="{w.held}"' in listing
    bad = client.get("/staff/ecert/certificates?serial=xyz&lang=zh-Hans")
    assert bad.status_code == 422 and _problems(bad.text, "zh-Hans") == []
    missing = client.get("/staff/ecert/certificates/abcdef0123?lang=zh-Hant")
    assert missing.status_code == 404 and "abcdef0123" in missing.text


def test_fees_free_periods_and_payments(client: Any, runtime: Runtime) -> None:
    w = world(runtime)
    sign_in(client, runtime)
    page = client.get("/staff/ecert/subscriptions")
    token = form_token(page.text)
    assert "HK$50.00" in page.text
    revised = client.post("/staff/ecert/subscriptions/fees", data={
        "csrf_token": token, "profile": "personal", "amount": "60", "effective_from": "2026-04-01"},
        follow_redirects=False)
    assert revised.status_code == 303
    assert "HK$60.00" in client.get("/staff/ecert/subscriptions").text
    past = client.post("/staff/ecert/subscriptions/fees?lang=zh-Hant", data={
        "csrf_token": token, "profile": "personal", "amount": "70", "effective_from": "2020-01-01"})
    assert past.status_code == 422 and 'value="70"' in past.text
    assert _problems(past.text, "zh-Hant", service_error=True) == []
    free = client.post("/staff/ecert/subscriptions/free-periods", data={
        "csrf_token": token, "profile": "*", "kind": "months", "months": "6", "issued_until": "2026-12-31",
        "note": "Launch offer"}, follow_redirects=False)
    assert free.status_code == 303
    assert "Launch offer" in client.get("/staff/ecert/subscriptions").text
    wrong = client.post("/staff/ecert/subscriptions/payments", data={
        "csrf_token": token, "serial": w.good, "years": "1", "amount": "10", "method": "cash", "reference": "R1"})
    assert wrong.status_code == 422 and 'id="ecert-error"' in wrong.text
    paid = client.post("/staff/ecert/subscriptions/payments", data={
        "csrf_token": token, "serial": w.good, "years": "1", "amount": "50", "method": "octopus",
        "reference": "R2"}, follow_redirects=False)
    assert paid.status_code == 303, paid.text[:400]


# ---- the public page ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("lang", LANGS)
def test_the_public_page_answers_by_serial(client: Any, runtime: Runtime, lang: str) -> None:
    w = world(runtime)
    client.get(f"/ecert?lang={lang}")
    names = (w.good, w.held, w.revoked)
    for serial, status in ((w.good, "good"), (w.held, "hold"), (w.revoked, "revoked"), ("123456789abcdef", "unknown"),
                           ("00" + w.good.upper(), "good")):
        page = client.get(f"/ecert?serial={serial}")
        assert page.status_code == 200 and f'data-status="{status}"' in page.text, (serial, status)
        assert _problems(page.text, lang, names=names) == []
    home = client.get("/ecert").text
    for href in ("/ecert/ca/root.crt", "/ecert/ca/issuing.crt", "/ecert/crl/issuing.crl", "/ecert/crl/root.crl"):
        assert f'href="{href}"' in home
    fingerprint = w.hierarchy.root.fingerprint(hashes.SHA256()).hex().upper()
    assert ":".join(fingerprint[i:i + 2] for i in range(0, 64, 2)) in home
    bad = client.get("/ecert?serial=not-a-serial")
    assert bad.status_code == 422 and 'id="check-error"' in bad.text
    assert _problems(bad.text, lang, names=("not-a-serial",)) == []


def test_the_public_page_works_before_the_ca_exists(client: Any) -> None:
    page = client.get("/ecert")
    assert page.status_code == 200 and 'id="ca-not-ready"' in page.text
    assert 'data-status="unknown"' in client.get("/ecert?serial=abc").text


@pytest.mark.parametrize("lang", LANGS)
def test_the_public_page_answers_an_uploaded_certificate(client: Any, runtime: Runtime, lang: str) -> None:
    w = world(runtime)
    with unit_of_work(runtime.session_factory) as session:
        der = lifecycle.get_certificate(session, w.revoked).der
    assert der is not None
    pem = x509.load_der_x509_certificate(der).public_bytes(Encoding.PEM)
    token = form_token(client.get(f"/ecert?lang={lang}").text)

    def upload(content: bytes, name: str = "cert.pem") -> Any:
        return client.post("/ecert", data={"csrf_token": token},
                           files={"certificate": (name, content, "application/octet-stream")})

    for content in (pem, der):
        answer = upload(content)
        assert answer.status_code == 200 and 'data-status="revoked"' in answer.text
        assert _problems(answer.text, lang, names=(w.revoked,)) == []
    # The CA's own root is not a certificate the issuing CA signed: unknown, whatever its serial.
    assert 'data-status="unknown"' in upload(w.hierarchy.root.public_bytes(Encoding.PEM)).text
    for bad in (b"hello, this is not a certificate", b"", b"-" * (70 * 1024)):
        refused = upload(bad, "notes.txt")
        assert refused.status_code == 422 and 'id="check-error"' in refused.text, bad[:20]
        assert _problems(refused.text, lang) == []
    nothing = client.post("/ecert", data={"csrf_token": token})
    assert nothing.status_code == 422
