"""Staff two-factor sign-in over HTTP, on SQLite and PostgreSQL: the enrolment page (inline SVG QR code, the key
in groups, confirm with a code, recovery codes shown once), the second step after the password, a required
role sent to enrolment before anything else, and the API (login 202, /verify, /enrol, /confirm, reset)."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest

from telreg.core import two_factor
from telreg.core.audit import history
from telreg.core.db import unit_of_work
from telreg.runtime import Runtime
from tests.web.conftest import OFFICER_PASSWORD, form_token, make_officer

ADMIN = "admin.wong"


def _code(runtime: Runtime, secret: str, offset: int = 0) -> str:
    return two_factor.code_at(secret, two_factor.current_step(runtime.clock) + offset)


def _next_step(runtime: Runtime) -> None:
    runtime.clock.advance(seconds=30)  # type: ignore[attr-defined]


def _password(client: Any, username: str = ADMIN) -> Any:
    token = form_token(client.get("/staff/login").text)
    return client.post("/staff/login", data={"username": username, "password": OFFICER_PASSWORD,
                                             "csrf_token": token}, follow_redirects=False)


def _secret(page: str) -> str:
    match = re.search(r'id="two-factor-secret"[^>]*>([A-Z2-7 ]+)<', page)
    assert match, "the enrolment page shows no key"
    return match.group(1).replace(" ", "")


def _codes(page: str) -> list[str]:
    return re.findall(r"<li><code>([a-z2-9]{5}-[a-z2-9]{5})</code></li>", page)


def _enrol_signed_in(client: Any, runtime: Runtime) -> tuple[str, list[str]]:
    page = client.get("/staff/two-factor").text
    secret = _secret(page)
    done = client.post("/staff/two-factor/confirm", data={"code": _code(runtime, secret),
                                                          "csrf_token": form_token(page)})
    assert done.status_code == 200, done.text
    _next_step(runtime)
    return secret, _codes(done.text)


def _sign_out(client: Any) -> None:
    token = form_token(client.get("/").text)
    client.post("/staff/logout", data={"csrf_token": token})


@pytest.fixture
def admin(runtime: Runtime) -> str:
    return make_officer(runtime, username=ADMIN, roles=("admin",))


def test_the_enrolment_page_shows_an_inline_qr_code_and_the_key_and_a_first_code_confirms(
        client: Any, runtime: Runtime, admin: str) -> None:
    assert _password(client).status_code == 303
    page = client.get("/staff/two-factor")
    assert page.status_code == 200
    assert re.search(r"<figure id=\"two-factor-qr\"[^>]*><svg ", page.text)  # inline SVG, drawn on the server
    figure = page.text[page.text.index('id="two-factor-qr"'):page.text.index("</figure>")]
    assert "<img" not in figure and "<script" not in figure and "http" not in figure.replace(
        "http://www.w3.org", "")
    secret = _secret(page.text)
    assert re.search(r'id="two-factor-secret"[^>]*>([A-Z2-7]{4} )+[A-Z2-7]{1,4}<', page.text)
    assert client.get("/staff/two-factor").text.count(" ".join(secret[i:i + 4] for i in range(0, 32, 4))) == 1
    wrong = client.post("/staff/two-factor/confirm", data={"code": "000000" if _code(runtime, secret) != "000000"
                                                           else "111111", "csrf_token": form_token(page.text)})
    assert wrong.status_code == 422 and 'id="two-factor-error"' in wrong.text
    assert _secret(wrong.text) == secret  # the same key, to try again
    done = client.post("/staff/two-factor/confirm", data={"code": _code(runtime, secret),
                                                          "csrf_token": form_token(page.text)})
    assert done.status_code == 200 and done.headers["cache-control"] == "no-store"
    codes = _codes(done.text)
    assert len(set(codes)) == 10 and "shown only once" in done.text
    status = client.get("/staff/two-factor").text
    assert "Recovery codes left: 10" in status and secret not in status and not _codes(status)
    new = client.post("/staff/two-factor/recovery-codes", data={"csrf_token": form_token(status)})
    assert len(set(_codes(new.text)) - set(codes)) == 10
    with unit_of_work(runtime.session_factory) as session:
        actions = [e.action for e in history(session, subject_type="user", subject_key=admin)]
    assert {"two-factor-enrolled", "two-factor-recovery-regenerated"} <= set(actions)


def test_the_forms_need_the_csrf_token(client: Any, runtime: Runtime, admin: str) -> None:
    _password(client)
    page = client.get("/staff/two-factor").text
    assert client.post("/staff/two-factor/confirm",
                       data={"code": _code(runtime, _secret(page))}).status_code == 403


def test_an_enrolled_user_gives_a_code_after_the_password_and_a_code_works_once(
        client: Any, runtime: Runtime, admin: str) -> None:
    _password(client)
    secret, _ = _enrol_signed_in(client, runtime)
    _sign_out(client)
    answer = _password(client)
    assert answer.status_code == 303 and answer.headers["location"] == "/staff/two-factor/verify"
    assert client.get("/staff/home", follow_redirects=False).headers["location"].startswith("/staff/login")
    assert client.get("/api/v1/auth/me").status_code == 401  # half signed in is not signed in
    page = client.get("/staff/two-factor/verify")
    assert "Enter the 6-digit code from your authenticator app, or a recovery code" in page.text
    code = _code(runtime, secret)
    signed = client.post("/staff/two-factor/verify", data={"code": code, "csrf_token": form_token(page.text)},
                         follow_redirects=False)
    assert signed.status_code == 303 and signed.headers["location"] == "/staff"  # the administrator's landing
    assert client.get("/api/v1/auth/me").json()["username"] == admin
    _sign_out(client)
    _password(client)
    page = client.get("/staff/two-factor/verify")
    again = client.post("/staff/two-factor/verify", data={"code": code, "csrf_token": form_token(page.text)})
    assert again.status_code == 401 and "already been used" in html.unescape(again.text)
    assert client.get("/api/v1/auth/me").status_code == 401


def test_a_recovery_code_signs_in_once(client: Any, runtime: Runtime, admin: str) -> None:
    _password(client)
    _, codes = _enrol_signed_in(client, runtime)
    for attempt, expected in ((codes[3], 303), (codes[3], 401)):
        _sign_out(client)
        _password(client)
        page = client.get("/staff/two-factor/verify")
        answer = client.post("/staff/two-factor/verify", data={"code": attempt, "csrf_token": form_token(page.text)},
                             follow_redirects=False)
        assert answer.status_code == expected


def test_a_required_role_is_sent_to_enrolment_and_can_do_nothing_else(
        client: Any, runtime: Runtime, admin: str) -> None:
    runtime.settings = runtime.settings.model_copy(update={"two_factor_required_roles": ["admin"]})
    answer = _password(client)
    assert answer.status_code == 303 and answer.headers["location"] == "/staff/two-factor"
    assert client.get("/staff", follow_redirects=False).headers["location"].startswith("/staff/login")
    assert client.get("/api/v1/auth/me").status_code == 401
    page = client.get("/staff/two-factor")
    assert 'id="two-factor-required"' in page.text
    done = client.post("/staff/two-factor/confirm", data={"code": _code(runtime, _secret(page.text)),
                                                          "csrf_token": form_token(page.text)})
    assert len(_codes(done.text)) == 10 and 'id="continue" href="/staff"' in done.text
    assert client.get("/api/v1/auth/me").json()["username"] == admin  # the enrolment completed the sign-in


def test_an_officer_whose_role_does_not_require_it_signs_in_with_the_password(
        client: Any, runtime: Runtime) -> None:
    runtime.settings = runtime.settings.model_copy(update={"two_factor_required_roles": ["admin"]})
    officer = make_officer(runtime)
    answer = _password(client, officer)
    assert answer.status_code == 303 and answer.headers["location"] == "/staff"
    assert client.get("/api/v1/auth/me").json()["username"] == officer


# ---- the API ---------------------------------------------------------------------------------------------


def _api_login(client: Any, username: str = ADMIN) -> Any:
    return client.post("/api/v1/auth/login", json={"username": username, "password": OFFICER_PASSWORD})


def test_the_api_enrols_then_asks_for_a_code_at_login(client: Any, runtime: Runtime, admin: str) -> None:
    signed = _api_login(client).json()
    headers = {"X-CSRF-Token": signed["csrf_token"]}
    assert client.post("/api/v1/auth/two-factor/enrol").status_code == 403  # no CSRF token
    enrolment = client.post("/api/v1/auth/two-factor/enrol", headers=headers).json()
    assert enrolment["otpauth_uri"].startswith(f"otpauth://totp/telreg:{admin}?secret={enrolment['secret']}")
    confirmed = client.post("/api/v1/auth/two-factor/confirm", headers=headers,
                            json={"code": _code(runtime, enrolment["secret"])}).json()
    assert len(confirmed["recovery_codes"]) == 10 and confirmed["signed_in"] is None
    assert client.get("/api/v1/auth/two-factor/recovery-codes").json() == {"enrolled": True, "remaining": 10}
    _next_step(runtime)
    client.cookies.clear()
    pending = _api_login(client)
    assert pending.status_code == 202 and pending.json()["second_factor"] == "verify"
    headers = {"X-CSRF-Token": pending.json()["csrf_token"]}
    assert client.get("/api/v1/auth/me").status_code == 401
    wrong = client.post("/api/v1/auth/two-factor/verify", headers=headers, json={"code": "abcde-fghij"})
    assert wrong.status_code == 401 and wrong.json()["error"] == "not_authenticated"
    chinese = client.post("/api/v1/auth/two-factor/verify", headers={**headers, "Accept-Language": "zh-Hant"},
                          json={"code": "abcde-fghij"})
    assert "驗證碼不正確" in chinese.json()["detail"]
    ok = client.post("/api/v1/auth/two-factor/verify", headers=headers,
                     json={"code": _code(runtime, enrolment["secret"])})
    assert ok.status_code == 200 and ok.json()["username"] == admin
    assert client.get("/api/v1/auth/me").status_code == 200


def test_an_administrator_resets_two_factor_and_it_is_audited(client: Any, runtime: Runtime, admin: str) -> None:
    clerk = make_officer(runtime, username="clerk.lee", roles=("dnc-officer",))
    with unit_of_work(runtime.session_factory) as session:
        from telreg.core.users import get_user

        user = get_user(session, clerk)
        secret = two_factor.start_enrolment(session, vault=runtime.vault, clock=runtime.clock, user=user).secret
        two_factor.confirm_enrolment(session, vault=runtime.vault, clock=runtime.clock, user=user,
                                     code=_code(runtime, secret))
    headers = {"X-CSRF-Token": _api_login(client).json()["csrf_token"]}
    answer = client.post(f"/api/v1/auth/users/{clerk}/two-factor/reset", headers=headers)
    assert answer.json() == {"username": clerk, "reset": True}
    with unit_of_work(runtime.session_factory) as session:
        event = history(session, subject_type="user", subject_key=clerk)[-1]
    assert (event.action, event.actor) == ("two-factor-reset", f"admin:{admin}")
    client.cookies.clear()
    assert _api_login(client, clerk).status_code == 200  # no authenticator now: the password signs in
    headers = {"X-CSRF-Token": _api_login(client, clerk).json()["csrf_token"]}
    refused = client.post(f"/api/v1/auth/users/{admin}/two-factor/reset", headers=headers)
    assert refused.status_code == 403


def test_the_second_step_is_limited_per_address(client: Any, runtime: Runtime, admin: str) -> None:
    _password(client)
    _enrol_signed_in(client, runtime)
    _sign_out(client)
    _password(client)
    runtime.settings = runtime.settings.model_copy(update={"signin_rate_limit": 2})
    token = form_token(client.get("/staff/two-factor/verify").text)
    answers = [client.post("/staff/two-factor/verify", data={"code": "abcde-fghij", "csrf_token": token}).status_code
               for _ in range(3)]
    assert answers == [401, 401, 429]
