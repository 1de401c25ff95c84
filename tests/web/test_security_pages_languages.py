"""The pages issue 14 added, read by every role that reaches them, in each language: no 403 on arrival, no
English on a Chinese page, no internal codes (the sessions lists, two-factor enrolment and recovery codes)."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from telreg.app import create_app
from telreg.core import captcha
from telreg.core.db import unit_of_work
from telreg.runtime import Runtime
from tests.senders.helpers import PASSWORD as SENDER_PASSWORD
from tests.senders.helpers import make_active
from tests.senders.helpers import make_officer as make_sender_officer
from tests.web.conftest import form_token, make_officer
from tests.web.page_text import english_runs, raw_values, visible_text

PASSWORD = "a long enough pass phrase"
STAFF = {"dnc-officer": None, "operator-staff": "op1", "regulator": None, "admin": None}
SENDER = "chan.taiman"
NAMES = ("telreg", "TOTP", "QR", "FreeOTP", "Google Authenticator", "Microsoft Authenticator",  # products
         "testclient")  # the sessions list shows the client's address and user agent: data, not words


def _check(html: str, lang: str, where: str) -> None:
    text = visible_text(html)
    # The key to type by hand (base32 in groups of four) is data, not words.
    secret = re.search(r'id="two-factor-secret"[^>]*>([^<]*)<', html)
    names = NAMES + ((secret.group(1).strip(),) if secret else ())
    assert raw_values(text) == [], f"{where} ({lang}) shows internal values"
    if lang != "en":
        assert english_runs(text, names=names) == [], f"{where} ({lang}) shows English"


def _staff_client(runtime: Runtime, role: str, lang: str) -> TestClient:
    username = f"{role.replace('-', '.')}.user"
    make_officer(runtime, username=username, password=PASSWORD, roles=(role,), operator=STAFF[role])
    client = TestClient(create_app(runtime), headers={"Accept-Language": lang})
    signed = client.post("/api/v1/auth/login", json={"username": username, "password": PASSWORD})
    assert signed.status_code == 200, signed.text
    return client


@pytest.mark.parametrize("lang", ["en", "zh-Hant", "zh-Hans"])
@pytest.mark.parametrize("role", sorted(STAFF))
def test_every_staff_role_reads_its_sessions_and_two_factor_pages(runtime: Runtime, role: str, lang: str) -> None:
    with _staff_client(runtime, role, lang) as client:
        for path in ("/staff/sessions", "/staff/two-factor"):
            page = client.get(path)
            assert page.status_code == 200, f"{role} {path}: {page.status_code}"
            _check(page.text, lang, f"{role} {path}")
        enrol = client.get("/staff/two-factor")
        # Confirming with a wrong code: the refusal is worded in the page's language too.
        refused = client.post("/staff/two-factor/confirm", data={"code": "000000", "csrf_token": form_token(enrol.text)})
        assert refused.status_code in (200, 422), refused.text
        _check(refused.text, lang, f"{role} wrong enrolment code")


@pytest.mark.parametrize("lang", ["en", "zh-Hant", "zh-Hans"])
def test_a_sender_reads_its_sessions_page(runtime: Runtime, lang: str, monkeypatch: pytest.MonkeyPatch) -> None:
    drawn: list[str] = []
    monkeypatch.setattr(captcha, "random_answer", lambda: drawn.append("K7PQ2") or drawn[-1])
    with unit_of_work(runtime.session_factory) as session:
        make_sender_officer(session, runtime.clock)
        make_active(session, runtime)
    with TestClient(create_app(runtime), headers={"Accept-Language": lang}) as client:
        token = client.get("/api/v1/captcha").json()["token"]
        signed = client.post("/api/v1/senders/login", json={"username": SENDER, "password": SENDER_PASSWORD,
                                                            "captcha_token": token, "captcha_answer": drawn[-1]})
        assert signed.status_code == 200, signed.text
        page = client.get("/senders/sessions")
        assert page.status_code == 200, page.text
        _check(page.text, lang, "/senders/sessions")
