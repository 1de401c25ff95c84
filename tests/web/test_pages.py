"""The pages over HTTP (no browser): CSRF, sign-in, lockout, language choice, error pages, paper uploads."""

from __future__ import annotations

import re
from typing import Any

import pytest

from telreg.core import captcha
from telreg.core.users import MAX_FAILED_LOGINS
from telreg.dnc.vocabulary import Register
from tests.web.conftest import OFFICER, OFFICER_PASSWORD, form_token, list_number, make_officer

PDF = b"%PDF-1.4\n% bill\n%%EOF\n"


def _alert(html: str) -> str:
    match = re.search(r'role="alert">\s*(?:<h2>[^<]*</h2>\s*<p class="problem">)?([^<]*)<', html)
    assert match, "the page shows no alert"
    return match.group(1).strip()


def _sign_in(client: Any, username: str = OFFICER, password: str = OFFICER_PASSWORD,
             captcha_answer: str | None = None) -> Any:
    page = client.get("/staff/login").text
    data = {"username": username, "password": password, "csrf_token": form_token(page)}
    shown = re.search(r'name="captcha_token" value="([^"]+)"', page)
    if shown and captcha_answer is not None:  # asked after repeated failures (issue 14)
        data.update(captcha_token=shown.group(1), captcha_answer=captcha_answer)
    return client.post("/staff/login", data=data, follow_redirects=False)


def test_a_post_without_or_with_a_wrong_csrf_token_is_refused(client: Any, runtime: Any) -> None:
    make_officer(runtime)
    client.get("/staff/login")  # the session now has a token, which the forged posts below do not carry
    missing = client.post("/staff/login", data={"username": OFFICER, "password": OFFICER_PASSWORD})
    assert missing.status_code == 403
    assert "did not come from this site" in _alert(missing.text)
    assert "Traceback" not in missing.text
    wrong = client.post(
        "/staff/login", data={"username": OFFICER, "password": OFFICER_PASSWORD, "csrf_token": "forged"}
    )
    assert wrong.status_code == 403
    # Nothing signed in: the dashboard still sends the browser to the sign-in form.
    assert client.get("/staff", follow_redirects=False).headers["location"].startswith("/staff/login")

    assert _sign_in(client).status_code == 303
    assert client.post("/staff/logout", follow_redirects=False).status_code == 403
    assert client.get("/staff").status_code == 200  # still signed in: the forged sign-out did nothing


def test_the_csrf_token_is_renewed_at_sign_in(client: Any, runtime: Any) -> None:
    make_officer(runtime)
    before = form_token(client.get("/staff/login").text)
    response = client.post(
        "/staff/login",
        data={"username": OFFICER, "password": OFFICER_PASSWORD, "csrf_token": before},
        follow_redirects=False,
    )
    assert response.status_code == 303 and response.headers["location"] == "/staff"
    after = form_token(client.get("/staff").text)
    assert after != before
    assert (
        client.post("/staff/logout", data={"csrf_token": before}, follow_redirects=False).status_code == 403
    )
    out = client.post("/staff/logout", data={"csrf_token": after}, follow_redirects=False)
    assert out.status_code == 303 and out.headers["location"] == "/"
    assert client.get("/staff", follow_redirects=False).status_code == 303


def test_repeated_failures_lock_the_account_and_say_so(client: Any, runtime: Any) -> None:
    make_officer(runtime)
    # Since issue 14 the form asks for a CAPTCHA after repeated failures: answer it (a known picture).
    runtime.extras[captcha.EXTRAS_KEY] = lambda: "K7QM4"
    for attempt in range(1, MAX_FAILED_LOGINS + 1):
        failed = _sign_in(client, password="wrong password", captcha_answer="K7QM4")
        assert failed.status_code == 401
        if attempt < MAX_FAILED_LOGINS:
            assert _alert(failed.text) == "The username or password is not correct."
        else:  # the attempt that locks says so, and until when (issue 14: staff locks run out, as senders')
            assert "locked until 10:15" in _alert(failed.text)
    locked = _sign_in(client, captcha_answer="K7QM4")  # even the right password is refused now
    assert locked.status_code == 401
    assert "locked" in _alert(locked.text)
    assert client.get("/staff", follow_redirects=False).status_code == 303


def test_sign_in_returns_only_to_a_page_of_this_site(client: Any, runtime: Any) -> None:
    make_officer(runtime)
    token = form_token(client.get("/staff/login").text)
    response = client.post(
        "/staff/login",
        data={
            "username": OFFICER,
            "password": OFFICER_PASSWORD,
            "csrf_token": token,
            "next": "//evil.example/",
        },
        follow_redirects=False,
    )
    assert response.headers["location"] == "/staff"


def test_language_follows_accept_language_then_the_explicit_choice(client: Any, runtime: Any) -> None:
    list_number(runtime, "21234567", (Register.sms,))
    zh = client.get("/status?number=21234567", headers={"Accept-Language": "zh-HK,zh;q=0.9,en;q=0.8"})
    assert '<html lang="zh-Hant">' in zh.text and "短訊" in zh.text and "已登記" in zh.text
    assert 'href="/status?number=21234567&amp;lang=en"' in zh.text  # the switch keeps the number
    chosen = client.get("/?lang=en", headers={"Accept-Language": "zh-HK"})
    assert '<html lang="en">' in chosen.text
    remembered = client.get("/", headers={"Accept-Language": "zh-HK"})
    assert '<html lang="en">' in remembered.text and "How to register" in remembered.text


def test_an_invalid_number_is_explained_without_a_stack_trace(client: Any) -> None:
    response = client.get("/status?number=%2B44 20 7946 0000")
    assert response.status_code == 422
    assert "is not a Hong Kong number" in response.text
    zh = client.get("/status?number=abc&lang=zh-Hant")
    assert zh.status_code == 422 and "不是電話號碼" in zh.text
    assert "Traceback" not in response.text + zh.text


def test_error_pages_show_status_and_message_in_the_page_language(client: Any, runtime: Any) -> None:
    make_officer(runtime)
    _sign_in(client)
    token = form_token(client.get("/staff").text)
    missing = client.post("/staff/paper/999/approve", data={"csrf_token": token})
    assert missing.status_code == 404
    assert '<html lang="en">' in missing.text
    assert "Error 404" in missing.text and "There is no paper application 999." in missing.text
    zh = client.post("/staff/paper/999/approve?lang=zh-Hant", data={"csrf_token": token})
    assert zh.status_code == 404 and '<html lang="zh-Hant">' in zh.text and "錯誤 404" in zh.text
    assert "找不到" in zh.text


def test_a_paper_application_with_a_bad_bill_is_refused_and_nothing_is_kept(
    client: Any, runtime: Any
) -> None:
    make_officer(runtime)
    _sign_in(client)
    token = form_token(client.get("/staff/paper/new").text)
    data = {
        "csrf_token": token,
        "number": "61234567",
        "applicant_name": "Chan",
        "action": "register",
        "registers": ["fax"],
    }
    refused = client.post(
        "/staff/paper/new", data=data, files={"bill": ("bill.txt", b"just text", "text/plain")}
    )
    assert refused.status_code == 422
    assert "is not a PDF, PNG or JPEG file" in refused.text
    assert 'value="Chan"' in refused.text  # the officer does not retype the form
    assert "No applications are waiting for a decision." in client.get("/staff/paper").text

    no_register = client.post(
        "/staff/paper/new",
        data={**data, "registers": []},
        files={"bill": ("bill.pdf", PDF, "application/pdf")},
    )
    # Unticking every register is a slip, refused in words, never read as "every register".
    assert no_register.status_code == 422 and "Tick at least one register" in no_register.text


@pytest.mark.parametrize("decision", ["approve", "reject"])
def test_an_officer_decides_a_paper_application(client: Any, runtime: Any, decision: str) -> None:
    make_officer(runtime)
    _sign_in(client)
    token = form_token(client.get("/staff/paper/new").text)
    recorded = client.post(
        "/staff/paper/new",
        data={
            "csrf_token": token,
            "number": "6123 4567",
            "applicant_name": "Chan Tai Man",
            "action": "register",
            "registers": ["sms"],
        },
        files={"bill": ("bill.pdf", PDF, "application/pdf")},
        follow_redirects=False,
    )
    assert recorded.status_code == 303
    listing = client.get("/staff/paper").text
    application_id = re.search(r'id="application-(\d+)"', listing).group(1)  # type: ignore[union-attr]
    bill = client.get(f"/staff/paper/{application_id}/bill")
    assert (
        bill.status_code == 200 and bill.content == PDF and bill.headers["content-type"] == "application/pdf"
    )

    if decision == "approve":
        done = client.post(f"/staff/paper/{application_id}/approve", data={"csrf_token": token})
        assert f"Application {application_id} was approved" in done.text
        status = client.get("/status?number=61234567").text
        assert re.search(r"data-register=\"sms\">.*?class=\"listed\"", status, re.S)
    else:
        empty = client.post(
            f"/staff/paper/{application_id}/reject", data={"csrf_token": token, "reason": " "}
        )
        assert empty.status_code == 422 and "Give the reason for rejecting the application" in empty.text
        done = client.post(
            f"/staff/paper/{application_id}/reject",
            data={"csrf_token": token, "reason": "The bill is older than three months.", "confirm": "yes"},
        )
        assert f"Application {application_id} was rejected" in done.text
        assert "The bill is older than three months." in done.text
        assert "Not listed" in client.get("/status?number=61234567").text
    again = client.post(f"/staff/paper/{application_id}/approve", data={"csrf_token": token})
    assert again.status_code == 409 and "already" in again.text
