"""The sender portal and the officers' account pages over HTTP: both languages, CSRF, access control, forms
that keep what was typed, errors in the page's language, and the officer's actions."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from telreg.app import create_app
from telreg.core import captcha
from telreg.core.clock import HK
from telreg.core.db import unit_of_work
from telreg.dnc.vocabulary import Register
from telreg.senders import repository
from telreg.senders.vocabulary import Plan
from tests.senders.helpers import PASSWORD, PDF, apply, make_active
from tests.senders.helpers import make_officer as make_sender_officer
from tests.web.conftest import OFFICER, OFFICER_PASSWORD, form_token, make_officer

CAPTCHA = "K7PQ2"
USERNAME = "chan.taiman"


@pytest.fixture
def known_captcha(runtime: Any) -> str:
    """Pictures drawn from a known answer (the hook core.captcha offers tests); returns that answer."""
    runtime.extras[captcha.EXTRAS_KEY] = lambda: CAPTCHA
    return CAPTCHA


@pytest.fixture
def officer(runtime: Any) -> Iterator[TestClient]:
    """A second browser: an officer signed in to the staff pages (its own cookies)."""
    make_officer(runtime)
    with TestClient(create_app(runtime)) as staff:
        token = form_token(staff.get("/staff/login").text)
        signed = staff.post("/staff/login", data={"username": OFFICER, "password": OFFICER_PASSWORD,
                                                  "csrf_token": token}, follow_redirects=False)
        assert signed.status_code == 303
        yield staff


def _active(runtime: Any, **overrides: Any) -> int:
    with unit_of_work(runtime.session_factory) as session:
        make_sender_officer(session, runtime.clock)
        return int(make_active(session, runtime, **overrides).id)


def _pending(runtime: Any, **overrides: Any) -> int:
    with unit_of_work(runtime.session_factory) as session:
        return int(apply(session, runtime, **overrides).id)


def _log_in(client: Any, username: str = USERNAME, password: str = PASSWORD, answer: str = CAPTCHA,
            lang: str = "en") -> Any:
    page = client.get(f"/senders/login?lang={lang}")
    token = _find(r'name="captcha_token" value="([^"]+)"', page.text)
    return client.post("/senders/login", data={"username": username, "password": password, "captcha_token": token,
                                               "captcha_answer": answer, "csrf_token": form_token(page.text)},
                       follow_redirects=False)


def _find(pattern: str, html: str) -> str:
    match = re.search(pattern, html, re.S)
    assert match, f"the page has nothing like {pattern}"
    return match.group(1)


def _alert(html: str) -> str:
    match = re.search(r'role="alert"[^>]*>\s*<h2>[^<]*</h2>\s*<p class="problem">([^<]*)<', html)
    assert match, "the page shows no alert"
    return match.group(1).strip()


def _apply_form(token: str, **changes: Any) -> dict[str, Any]:
    """The application form's fields; TOKEN is the CSRF token, or the form page itself (its CSRF token and its
    CAPTCHA, answered with CAPTCHA: the test takes the known_captcha fixture)."""
    captcha_fields = {}
    if "<" in token:
        captcha_fields = {"captcha_token": _find(r'name="captcha_token" value="([^"]+)"', token),
                          "captcha_answer": CAPTCHA}
        token = form_token(token)
    data = {**captcha_fields, "csrf_token": token, "capacity": "individual", "name": "CHAN Tai Man", "contact_email": "chan@example.com",
            "plan_sms": "12-months", "plan_fax": "3-months", "plan_prerecorded": "", "username": USERNAME,
            "password": PASSWORD, "password_again": PASSWORD, "security_question": "Name of my first school?",
            "security_answer": "St. Paul's", "document_types": ["hkid-copy"]}
    data.update(changes)
    return data


# ---- each page in both languages -------------------------------------------------------------------------------

@pytest.mark.parametrize(("lang", "heading"), [("en", "Apply for a subscription account"), ("zh-Hant", "申請訂用帳戶")])
def test_public_sender_pages_render_in_both_languages(client: Any, known_captcha: str, lang: str,
                                                      heading: str) -> None:
    apply_page = client.get(f"/senders/apply?lang={lang}")
    assert apply_page.status_code == 200 and f'<html lang="{lang}">' in apply_page.text
    assert f"<h1>{heading}</h1>" in apply_page.text
    assert ("HK$1,600.00" in apply_page.text) and ("HK$425.00" in apply_page.text)  # fees in force, per plan
    login = client.get("/senders/login")
    assert login.status_code == 200 and 'src="data:image/png;base64,' in login.text
    assert ("Type the characters in the picture" if lang == "en" else "請輸入圖中的字元") in login.text
    forgot = client.get("/senders/forgot")
    assert forgot.status_code == 200 and ("Forgotten password" if lang == "en" else "忘記密碼") in forgot.text


@pytest.mark.parametrize("lang", ["en", "zh-Hant"])
def test_signed_in_sender_pages_render_in_both_languages(client: Any, runtime: Any, known_captcha: str,
                                                         lang: str) -> None:
    _active(runtime, plans={Register.sms: Plan.twelve_months})
    assert _log_in(client, lang=lang).headers["location"] == "/senders/profile"
    words = {
        "en": {"/senders/profile": ["Account profile", "2 March 2027", "Renew"],
               "/senders/downloads": ["Download the registers", "reopen at 00:00"],
               "/senders/check": ["Online check of numbers", "Numbers, one per line"],
               "/senders/api-keys": ["API keys for automation", "by arrangement"],
               "/senders/password": ["Change your password"]},
        "zh-Hant": {"/senders/profile": ["帳戶資料", "2027年3月2日", "續期"],
                    "/senders/downloads": ["下載登記冊", "00:00 重新開放"],
                    "/senders/check": ["網上查核號碼", "號碼(每行一個)"],
                    "/senders/api-keys": ["自動化用的 API 密鑰", "特別安排"],
                    "/senders/password": ["更改密碼"]},
    }[lang]
    for path, expected in words.items():
        page = client.get(path)
        assert page.status_code == 200, (path, page.text[:500])
        assert f'<html lang="{lang}">' in page.text
        for text in expected:
            assert text in page.text, (path, text)
        assert ("Logged in as chan.taiman" if lang == "en" else "已登入:chan.taiman") in page.text


@pytest.mark.parametrize("lang", ["en", "zh-Hant"])
def test_officer_pages_render_in_both_languages(officer: Any, runtime: Any, lang: str) -> None:
    account_id = _pending(runtime)
    listing = officer.get(f"/staff/senders?lang={lang}")
    assert listing.status_code == 200 and f'href="/staff/senders/{account_id}"' in listing.text
    assert ("Sender accounts" if lang == "en" else "發送者帳戶") in listing.text
    account = officer.get(f"/staff/senders/{account_id}")
    assert account.status_code == 200
    assert ("Record payment" if lang == "en" else "記錄付款") in account.text
    assert ("Accept the documents" if lang == "en" else "接納文件") in account.text
    assert ("Issue a one-time password" if lang == "en" else "發出一次性密碼") in account.text
    fees = officer.get("/staff/senders/fees")
    assert fees.status_code == 200 and ("Revise a fee" if lang == "en" else "修訂收費") in fees.text


# ---- access control and CSRF -------------------------------------------------------------------------------------

def test_sender_pages_need_a_sender_login(client: Any, runtime: Any) -> None:
    for path in ("/senders/profile", "/senders/downloads", "/senders/check", "/senders/api-keys",
                 "/senders/password", "/senders/downloads/latest/sms-numbers.zip"):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303, path
        assert response.headers["location"].startswith("/senders/login?next="), path
    token = form_token(client.get("/senders/login").text)
    posted = client.post("/senders/check", data={"csrf_token": token, "numbers": "21234567"}, follow_redirects=False)
    assert posted.status_code == 303 and posted.headers["location"].startswith("/senders/login")


def test_officer_pages_need_a_dnc_officer(client: Any, runtime: Any) -> None:
    account_id = _pending(runtime)
    for path in ("/staff/senders", f"/staff/senders/{account_id}", "/staff/senders/fees"):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"].startswith("/staff/login"), path
    # Only the roles admin and dnc-officer exist, both allowed; a sender's session is no staff session (below).


def test_a_sender_session_does_not_open_officer_pages(client: Any, runtime: Any, known_captcha: str) -> None:
    account_id = _active(runtime)
    _log_in(client)
    assert client.get(f"/staff/senders/{account_id}", follow_redirects=False).status_code == 303


def test_forms_without_the_csrf_token_are_refused(client: Any, officer: Any, runtime: Any) -> None:
    client.get("/senders/apply")
    refused = client.post("/senders/apply", data=_apply_form("forged"), files={"documents": ("id.pdf", PDF)})
    assert refused.status_code == 403 and "did not come from this site" in refused.text
    with unit_of_work(runtime.session_factory) as session:
        assert repository.account_by_login(session, USERNAME) is None
    fee = officer.post("/staff/senders/fees", data={"plan": "12-months", "amount": "1700",
                                                    "effective_from": "2026-04-01"})
    assert fee.status_code == 403
    assert "2026-04-01" not in officer.get("/staff/senders/fees").text


# ---- applying -----------------------------------------------------------------------------------------------------

def test_apply_with_a_document_then_the_confirmation(client: Any, runtime: Any, known_captcha: str) -> None:
    token = client.get("/senders/apply").text
    done = client.post("/senders/apply", data=_apply_form(token),
                       files={"documents": ("hkid.pdf", PDF, "application/pdf")}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/senders/apply/done"
    page = client.get("/senders/apply/done")
    assert "Application received" in page.text and "chan@example.com" in page.text
    assert "HK$2,025.00" in page.text  # sms 12 months + fax 3 months at the default fees
    assert "Uploaded, waiting for review" in page.text and "hkid.pdf" in page.text
    with unit_of_work(runtime.session_factory) as session:
        account = repository.account_by_login(session, USERNAME)
        assert account is not None and account.state == "applied"
        assert [d.filename for d in repository.documents(session, account.id)] == ["hkid.pdf"]


def test_a_refused_application_keeps_what_was_typed_and_explains_in_the_page_language(
        client: Any, runtime: Any, known_captcha: str) -> None:
    token = client.get("/senders/apply").text
    weak = client.post("/senders/apply", data=_apply_form(token, password="short", password_again="short"))
    assert weak.status_code == 422
    assert _alert(weak.text) == "A password needs at least 10 characters."
    assert 'value="CHAN Tai Man"' in weak.text and 'value="chan.taiman"' in weak.text
    assert '<option value="12-months" selected>' in weak.text  # the chosen plan is still chosen
    assert re.search(r'id="password"[^>]*aria-invalid="true"', weak.text, re.S)
    assert 'value="short"' not in weak.text  # passwords are never sent back

    wrong_file = client.post("/senders/apply?lang=zh-Hant", data=_apply_form(weak.text),  # its new picture
                             files={"documents": ("hkid.txt", b"plain text", "text/plain")})
    assert wrong_file.status_code == 422 and '<html lang="zh-Hant">' in wrong_file.text
    assert _alert(wrong_file.text) == "「hkid.txt」不是 PDF、PNG 或 JPEG 檔案。"  # core/files.py's, translated
    assert "is not a PDF, PNG or JPEG file" not in wrong_file.text  # translated: no English under it
    assert "Traceback" not in weak.text + wrong_file.text
    with unit_of_work(runtime.session_factory) as session:
        assert repository.account_by_login(session, USERNAME) is None  # nothing half-applied


def test_apply_documents_follow_the_capacity(client: Any) -> None:
    fields = client.get("/senders/apply/documents?capacity=hk-company").text
    assert 'value="certificate-of-incorporation"' in fields and 'value="business-registration"' in fields
    assert 'value="hkid-copy"' not in fields


# ---- logging in -------------------------------------------------------------------------------------------------

def test_log_in_needs_the_captcha_then_the_password(client: Any, runtime: Any, known_captcha: str) -> None:
    _active(runtime)
    wrong_picture = _log_in(client, answer="XXXXX")
    assert wrong_picture.status_code == 401
    assert _alert(wrong_picture.text).startswith("The characters typed do not match the picture")
    assert 'value="chan.taiman"' in wrong_picture.text
    wrong_password = _log_in(client, password="not the password at all")
    assert wrong_password.status_code == 401
    assert _alert(wrong_password.text) == "The username or password is not correct."
    with unit_of_work(runtime.session_factory) as session:
        assert repository.account_by_login(session, USERNAME).failed_logins == 1  # type: ignore[union-attr]
    ok = _log_in(client, answer=CAPTCHA.lower())  # case does not matter
    assert ok.status_code == 303 and ok.headers["location"] == "/senders/profile"
    zh = _log_in(TestClient(client.app), password="wrong password again", lang="zh-Hant")
    assert _alert(zh.text) == "用戶名稱或密碼不正確。"


def test_a_one_time_password_forces_a_change(client: Any, officer: Any, runtime: Any, known_captcha: str) -> None:
    account_id = _active(runtime)
    page = officer.get(f"/staff/senders/{account_id}")
    issued = officer.post(f"/staff/senders/{account_id}/one-time-password", data={"csrf_token": form_token(page.text)})
    assert issued.status_code == 200 and issued.headers["cache-control"] == "no-store"
    otp = _find(r'id="issued-password">.*?<code>([^<]+)</code>', issued.text)
    assert otp not in officer.get(f"/staff/senders/{account_id}").text  # shown once

    assert _log_in(client, password=otp).headers["location"] == "/senders/password"
    assert client.get("/senders/downloads", follow_redirects=False).headers["location"] == "/senders/password"
    form = client.get("/senders/password")
    assert "You logged in with a one-time password" in form.text
    token = form_token(form.text)
    mismatch = client.post("/senders/password", data={"csrf_token": token, "current_password": otp,
                                                      "new_password": "a new pass phrase",
                                                      "new_password_again": "another pass phrase"})
    assert mismatch.status_code == 422 and "not the same" in _alert(mismatch.text)
    changed = client.post("/senders/password", data={"csrf_token": token, "current_password": otp,
                                                     "new_password": "a new pass phrase",
                                                     "new_password_again": "a new pass phrase"},
                          follow_redirects=False)
    assert changed.headers["location"] == "/senders/profile"
    assert client.get("/senders/downloads").status_code == 200


def test_forgotten_password_with_the_security_question(client: Any, runtime: Any, known_captcha: str) -> None:
    _active(runtime)
    token = form_token(client.get("/senders/forgot").text)
    unknown = client.post("/senders/forgot", data={"csrf_token": token, "username": "nobody.here"})
    # Issue 14: an unknown name is not told apart: it is asked a (decoy) question too.
    assert unknown.status_code == 200 and 'value="nobody.here"' in unknown.text and "security-question" in unknown.text
    question = client.post("/senders/forgot", data={"csrf_token": token, "username": USERNAME})
    assert "Name of my first school?" in question.text
    wrong = client.post("/senders/forgot", data={"csrf_token": token, "username": USERNAME, "answer": "wrong school",
                                                 "new_password": "a fresh pass phrase",
                                                 "new_password_again": "a fresh pass phrase"})
    assert wrong.status_code == 401 and "security question is not correct" in _alert(wrong.text)
    reset = client.post("/senders/forgot", data={"csrf_token": token, "username": USERNAME, "answer": "st. paul's",
                                                 "new_password": "a fresh pass phrase",
                                                 "new_password_again": "a fresh pass phrase"},
                        follow_redirects=False)
    assert reset.headers["location"] == "/senders/login"
    assert _log_in(client, password="a fresh pass phrase").headers["location"] == "/senders/profile"


# ---- the profile ----------------------------------------------------------------------------------------------

def test_profile_renewal_order_and_withdrawal(client: Any, runtime: Any, known_captcha: str) -> None:
    _active(runtime)
    _log_in(client)
    page = client.get("/senders/profile")
    assert 'data-state="active"' in page.text and "2 March 2027" in page.text
    assert "12 months for HK$1,600.00: 2 March 2027 to 2 March 2028" in page.text  # no overlap, no gap
    token = form_token(page.text)
    nothing = client.post("/senders/renewals", data={"csrf_token": token})
    assert nothing.status_code == 409 and "Choose at least one register" in _alert(nothing.text)
    ordered = client.post("/senders/renewals", data={"csrf_token": token, "renew_sms": "3-months"})
    assert "Renewal order" in ordered.text and "HK$425.00" in ordered.text
    order_id = _find(r'action="/senders/renewals/(\d+)/cancel"', ordered.text)
    twice = client.post("/senders/renewals", data={"csrf_token": token, "renew_sms": "12-months"})
    assert twice.status_code == 409 and "already waiting for payment" in _alert(twice.text)
    asked = client.post(f"/senders/renewals/{order_id}/cancel", data={"csrf_token": token})  # asks first
    assert asked.status_code == 200 and f"Withdraw renewal order {order_id}?" in asked.text
    assert f"renewals/{order_id}/cancel" in client.get("/senders/profile").text  # nothing withdrawn yet
    withdrawn = client.post(f"/senders/renewals/{order_id}/cancel",
                            data={"csrf_token": token, "confirm": "yes"})
    assert f"Renewal order {order_id} was withdrawn." in withdrawn.text


def test_a_pending_applicant_uploads_a_further_document(client: Any, runtime: Any, known_captcha: str) -> None:
    _pending(runtime, capacity="hk-company", documents=[])
    _log_in(client)
    page = client.get("/senders/profile")
    assert 'data-state="applied"' in page.text and "Not uploaded yet" in page.text
    token = form_token(page.text)
    too_big = client.post("/senders/documents", data={"csrf_token": token, "doc_type": "business-registration"},
                          files={"document": ("br.pdf", PDF + b"x" * runtime.settings.max_upload_bytes)})
    assert too_big.status_code == 422 and "the limit is" in _alert(too_big.text)
    uploaded = client.post("/senders/documents", data={"csrf_token": token, "doc_type": "business-registration"},
                           files={"document": ("br.pdf", PDF, "application/pdf")})
    assert "br.pdf was uploaded." in uploaded.text
    assert re.search(r'data-doc-type="business-registration".*?Uploaded, waiting for review', uploaded.text, re.S)


# ---- officers -----------------------------------------------------------------------------------------------------

def test_officer_reviews_documents_and_records_payments(officer: Any, runtime: Any) -> None:
    account_id = _pending(runtime, plans={Register.sms: Plan.twelve_months})
    page = officer.get(f"/staff/senders/{account_id}")
    token = form_token(page.text)
    document = officer.get(_find(r'href="(/staff/senders/documents/\d+)"', page.text))
    assert document.content == PDF and document.headers["content-type"] == "application/pdf"
    order_id = _find(r'action="/staff/senders/orders/(\d+)/payments"', page.text)
    pay = f"/staff/senders/orders/{order_id}/payments"

    part = officer.post(pay, data={"csrf_token": token, "method": "cheque", "reference": "chq 001", "amount": "600"})
    assert "HK$1,000.00 is still outstanding" in part.text
    over = officer.post(pay, data={"csrf_token": token, "method": "cash", "reference": "R-9", "amount": "1,500"})
    assert over.status_code == 422 and "more than the HK$1,000.00 outstanding" in _alert(over.text)
    assert 'value="R-9"' in over.text and 'value="1,500"' in over.text  # what was typed is kept
    again = officer.post(pay, data={"csrf_token": token, "method": "cheque", "reference": "CHQ 001", "amount": "10"})
    assert again.status_code == 409 and "not counted twice" in _alert(again.text)

    accepted = officer.post(f"/staff/senders/{account_id}/documents/accept", data={"csrf_token": token})
    assert f"The documents of account {account_id} were accepted." in accepted.text
    paid = officer.post(pay, data={"csrf_token": token, "method": "payment-by-phone", "reference": "PPS-77",
                                   "amount": "1000"})
    assert "paid in full; the account is active" in paid.text and 'data-state="active"' in paid.text


def test_officer_rejects_a_document_with_a_reason(officer: Any, runtime: Any) -> None:
    account_id = _pending(runtime)
    page = officer.get(f"/staff/senders/{account_id}?lang=zh-Hant")
    document_id = _find(r'action="/staff/senders/documents/(\d+)/reject"', page.text)
    token = form_token(page.text)
    empty = officer.post(f"/staff/senders/documents/{document_id}/reject", data={"csrf_token": token, "reason": " "})
    assert empty.status_code == 422 and _alert(empty.text) == "請說明拒絕此文件的原因;發送者會獲告知原因。"
    assert "Say why the document is rejected" not in empty.text  # said whole in Chinese, no English under it
    rejected = officer.post(f"/staff/senders/documents/{document_id}/reject",
                            data={"csrf_token": token, "reason": "The copy is not legible."})
    assert "不獲接納" in rejected.text and "The copy is not legible." in rejected.text


def test_officer_revises_a_fee(officer: Any, runtime: Any) -> None:
    token = form_token(officer.get("/staff/senders/fees").text)
    past = officer.post("/staff/senders/fees", data={"csrf_token": token, "plan": "12-months", "amount": "1700",
                                                     "effective_from": "2026-03-01"})
    assert past.status_code == 422 and "cannot be revised from a past date" in _alert(past.text)
    assert 'value="1700"' in past.text
    done = officer.post("/staff/senders/fees", data={"csrf_token": token, "plan": "12-months", "amount": "1700",
                                                     "effective_from": "2026-04-01"})
    assert "The 12-months fee from 2026-04-01 was published." in done.text
    assert re.search(r'data-plan="12-months" data-from="2026-04-01">.*?HK\$1,700\.00', done.text, re.S)


def test_automation_enables_api_keys_shown_once(client: Any, officer: Any, runtime: Any, known_captcha: str) -> None:
    account_id = _active(runtime)
    _log_in(client)
    assert 'id="keys-disabled"' in client.get("/senders/api-keys").text
    token = form_token(officer.get(f"/staff/senders/{account_id}").text)
    on = officer.post(f"/staff/senders/{account_id}/automation", data={"csrf_token": token, "enabled": "on"})
    assert "Automation was enabled" in on.text and "Automation (API keys) is enabled." in on.text

    page = client.get("/senders/api-keys")
    sender_token = form_token(page.text)
    created = client.post("/senders/api-keys", data={"csrf_token": sender_token, "label": "nightly job",
                                                     "registers": ["sms"]})
    assert created.status_code == 201
    key = _find(r'id="new-key">.*?<code>(tr_[^<]+)</code>', created.text)
    listing = client.get("/senders/api-keys").text
    assert "nightly job" in listing and key not in listing
    api = TestClient(client.app)
    assert api.get("/api/v1/senders/me/publications", headers={"Authorization": f"Bearer {key}"}).status_code == 200
    key_id = _find(r'action="/senders/api-keys/(\d+)/revoke"', listing)
    asked = client.post(f"/senders/api-keys/{key_id}/revoke", data={"csrf_token": sender_token})  # asks first
    assert asked.status_code == 200 and "Revoke the key nightly job?" in asked.text
    revoked = client.post(f"/senders/api-keys/{key_id}/revoke",
                          data={"csrf_token": sender_token, "confirm": "yes"})
    assert "The key nightly job was revoked." in revoked.text
    assert api.get("/api/v1/senders/me/publications", headers={"Authorization": f"Bearer {key}"}).status_code == 401


def test_officer_unlocks_a_locked_account(client: Any, officer: Any, runtime: Any, known_captcha: str) -> None:
    account_id = _active(runtime)
    for _ in range(5):
        _log_in(client, password="wrong password here")
    locked = _log_in(client)
    assert locked.status_code == 401 and "locked" in locked.text
    page = officer.get(f"/staff/senders/{account_id}")
    assert "Locked until" in page.text
    officer.post(f"/staff/senders/{account_id}/unlock", data={"csrf_token": form_token(page.text)})
    assert _log_in(client).headers["location"] == "/senders/profile"


# ---- downloads and checks ----------------------------------------------------------------------------------------

def test_an_expired_account_logs_in_to_renew_and_a_cancelled_one_cannot(client: Any, runtime: Any, clock: Any,
                                                                        known_captcha: str) -> None:
    _active(runtime, plans={Register.sms: Plan.three_months})  # 2 March → expires 2 June 2026
    clock.set(dt.datetime(2026, 6, 10, 9, 0, tzinfo=HK))
    assert _log_in(client).headers["location"] == "/senders/profile"
    profile = client.get("/senders/profile")
    assert 'data-state="expired"' in profile.text and "You can renew it below" in profile.text
    assert "3 months for HK$425.00: 2 June 2026 to 2 September 2026" in profile.text  # from the old expiry
    downloads = client.get("/senders/downloads")
    assert "Downloads are not open to this account now" in downloads.text
    assert "Renew it before 2026-08-02" in downloads.text

    clock.set(dt.datetime(2026, 8, 3, 9, 0, tzinfo=HK))  # two months after expiry: cancelled
    assert client.get("/senders/profile", follow_redirects=False).headers["location"].startswith("/senders/login")
    refused = _log_in(client, lang="zh-Hant")
    assert refused.status_code == 409 and _alert(refused.text) == "此帳戶已被取消;請以新申請人身分重新申請。"


def test_the_update_window_closes_downloads_with_a_notice(client: Any, runtime: Any, clock: Any,
                                                          known_captcha: str) -> None:
    _active(runtime)
    _log_in(client)
    clock.set(dt.datetime(2026, 3, 2, 23, 30, tzinfo=HK))
    page = client.get("/senders/downloads")
    assert re.search(r'id="window-notice" role="alert">[^<]*reopen at 00:00', page.text)
    refused = client.get("/senders/downloads/latest/sms-numbers.zip")
    assert refused.status_code == 503 and refused.headers["retry-after"] == "1800"
    assert "They reopen at 00:00" in refused.text and '<html lang="en">' in refused.text


def test_the_online_check_refuses_101_numbers_and_keeps_them(client: Any, runtime: Any, known_captcha: str) -> None:
    _active(runtime)
    _log_in(client)
    token = form_token(client.get("/senders/check").text)
    numbers = "\n".join(str(21000000 + i) for i in range(101))
    refused = client.post("/senders/check", data={"csrf_token": token, "numbers": numbers, "registers": ["sms"]})
    assert refused.status_code == 422 and "at most 100 numbers" in _alert(refused.text)
    assert "21000100</textarea>" in refused.text
    assert re.search(r'id="numbers"[^>]*aria-invalid="true"', refused.text, re.S)


def test_a_register_not_subscribed_is_explained(client: Any, runtime: Any, known_captcha: str) -> None:
    _active(runtime, plans={Register.sms: Plan.twelve_months})
    _log_in(client)
    token = form_token(client.get("/senders/check").text)
    refused = client.post("/senders/check?lang=zh-Hant", data={"csrf_token": token, "numbers": "21234567",
                                                               "registers": ["fax"]})
    assert refused.status_code == 403 and _alert(refused.text) == "你的帳戶沒有訂用傳真登記冊(fax);帳戶訂用的是 sms。"
    assert "does not subscribe to the Fax Register" not in refused.text  # said whole in Chinese


def test_an_empty_file_field_means_no_document_yet(client: Any, runtime: Any, known_captcha: str) -> None:
    token = client.get("/senders/apply").text
    # A browser sends an untouched file field as a part without a file name.
    done = client.post("/senders/apply", data=_apply_form(token),
                       files={"documents": ("", b"", "application/octet-stream")}, follow_redirects=False)
    assert done.status_code == 303
    page = client.get("/senders/apply/done")
    assert "Not uploaded yet" in page.text and "Log in with your username and password to upload" in page.text
