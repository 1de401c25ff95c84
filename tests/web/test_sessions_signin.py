"""Issue 14: server-side sessions (revocable, idle and absolute limits), time-limited staff lockout with a CAPTCHA
on the page, username enumeration through the forgotten-password step, per-address rate limits."""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from itsdangerous import TimestampSigner
from sqlalchemy import select

from telreg.app import create_app
from telreg.config import Settings
from telreg.core import audit, captcha, users
from telreg.core.db import unit_of_work
from telreg.core.session_models import AuthSession
from telreg.runtime import Runtime
from telreg.senders import signin
from tests.senders.helpers import PASSWORD as SENDER_PASSWORD
from tests.senders.helpers import make_active
from tests.senders.helpers import make_officer as make_sender_officer
from tests.web.conftest import OFFICER, OFFICER_PASSWORD, form_token, make_officer

ADMIN, ADMIN_PASSWORD = "admin.wong", "another long passphrase"
SENDER = "chan.taiman"
NEW_PASSWORD = "a brand new pass phrase"


@pytest.fixture(autouse=True)
def real_session_policy(runtime: Runtime) -> None:
    """The production session limits (tests/conftest.py stretches them for tests that move the clock far)."""
    defaults = Settings.model_fields
    runtime.settings = runtime.settings.model_copy(update={
        name: defaults[name].default for name in ("staff_session_idle_minutes", "staff_session_hours",
                                                  "sender_session_idle_minutes", "sender_session_hours")})


@pytest.fixture
def drawn(runtime: Runtime) -> list[str]:
    """The answers of the CAPTCHAs the app draws, in order."""
    answers: list[str] = []

    def recording() -> str:
        answers.append(captcha.random_answer())
        return answers[-1]

    runtime.extras[captcha.EXTRAS_KEY] = recording
    return answers


def _client(runtime: Runtime) -> TestClient:
    return TestClient(create_app(runtime))


def _api_sign_in(client: TestClient, username: str = OFFICER, password: str = OFFICER_PASSWORD) -> str:
    response = client.post("/api/v1/auth/login", json={"username": username, "password": password})
    assert response.status_code == 200, response.text
    return str(response.json()["csrf_token"])


def _actions(runtime: Runtime, subject_type: str, key: str) -> list[str]:
    with unit_of_work(runtime.session_factory) as session:
        return [e.action for e in audit.history(session, subject_type=subject_type, subject_key=key)]


# ---- staff sessions ----------------------------------------------------------------------------------------------

def test_a_copied_cookie_is_useless_after_sign_out(client: Any, runtime: Runtime) -> None:
    make_officer(runtime)
    token = _api_sign_in(client)
    stolen = client.cookies.get("telreg_session")
    assert client.post("/api/v1/auth/logout", headers={"X-CSRF-Token": token}).status_code == 204
    with _client(runtime) as thief:
        thief.cookies.set("telreg_session", stolen)
        assert thief.get("/api/v1/auth/me").status_code == 401
    with unit_of_work(runtime.session_factory) as session:
        row = session.scalars(select(AuthSession)).one()
        assert (row.kind, row.principal, row.revoked_reason) == ("staff", OFFICER, "logout")
        assert len(row.id) == 64 and stolen is not None and row.id not in stolen  # only the hash is stored
    assert {"user-signed-in", "session-started", "session-revoked"} <= set(_actions(runtime, "user", OFFICER))


def _old_style_cookie(runtime: Runtime, data: dict[str, Any]) -> str:
    """A session cookie as the app signed them before issue 14 (no server-side session token in it)."""
    payload = base64.b64encode(json.dumps(data).encode())
    return TimestampSigner(str(runtime.settings.secret_key)).sign(payload).decode()


def test_a_cookie_from_before_server_sessions_signs_no_one_in(client: Any, runtime: Runtime, sender: int) -> None:
    make_officer(runtime)
    client.cookies.set("telreg_session", _old_style_cookie(runtime, {"user": OFFICER, "csrf": "x"}))
    assert client.get("/api/v1/auth/me").status_code == 401
    client.cookies.set("telreg_session", _old_style_cookie(runtime, {"sender_account": sender, "csrf": "x"}))
    assert client.get("/api/v1/senders/me").status_code == 401


def test_sessions_end_after_the_idle_time_and_at_the_absolute_limit(client: Any, runtime: Runtime, clock: Any) -> None:
    make_officer(runtime)
    _api_sign_in(client)
    clock.advance(minutes=29)
    assert client.get("/api/v1/auth/me").status_code == 200  # used again: idle time starts over
    clock.advance(minutes=29)
    assert client.get("/api/v1/auth/me").status_code == 200
    clock.advance(minutes=30, seconds=1)
    assert client.get("/api/v1/auth/me").status_code == 401  # 30 minutes without a request

    _api_sign_in(client)
    ends = clock.now() + dt.timedelta(hours=12)
    while clock.now() + dt.timedelta(minutes=29) < ends:  # busy all day, a request every 29 minutes...
        clock.advance(minutes=29)
        assert client.get("/api/v1/auth/me").status_code == 200
    clock.set(ends)
    assert client.get("/api/v1/auth/me").status_code == 401  # ...but 12 hours is the end however busy


def test_last_seen_is_written_at_most_once_a_minute(client: Any, runtime: Runtime, clock: Any) -> None:
    make_officer(runtime)
    _api_sign_in(client)
    started = clock.now()

    def last_seen() -> dt.datetime:
        with unit_of_work(runtime.session_factory) as session:
            return session.scalars(select(AuthSession.last_seen_at)).one()

    clock.advance(seconds=59)
    assert client.get("/api/v1/auth/me").status_code == 200
    assert last_seen() == started  # not written: less than a minute
    clock.advance(seconds=1)
    assert client.get("/api/v1/auth/me").status_code == 200
    assert last_seen() == clock.now()


def test_signing_out_everywhere_ends_every_session_of_the_user(runtime: Runtime) -> None:
    make_officer(runtime)
    with _client(runtime) as laptop, _client(runtime) as phone:
        token = _api_sign_in(laptop)
        _api_sign_in(phone)
        listed = laptop.get("/api/v1/auth/sessions").json()
        assert len(listed) == 2 and sorted(s["current"] for s in listed) == [False, True]
        assert {"id", "created_at", "last_seen_at", "expires_at", "client_address", "user_agent"} <= set(listed[0])
        ended = laptop.post("/api/v1/auth/sessions/revoke-all", headers={"X-CSRF-Token": token})
        assert ended.status_code == 200 and ended.json() == {"ended": 2}
        assert laptop.get("/api/v1/auth/me").status_code == 401
        assert phone.get("/api/v1/auth/me").status_code == 401
    assert "sessions-revoked" in _actions(runtime, "user", OFFICER)


def test_a_password_change_ends_the_other_sessions_and_renews_this_one(runtime: Runtime) -> None:
    make_officer(runtime)
    with _client(runtime) as laptop, _client(runtime) as phone:
        token = _api_sign_in(laptop)
        _api_sign_in(phone)
        before = laptop.cookies.get("telreg_session")
        changed = laptop.post("/api/v1/auth/me/password", headers={"X-CSRF-Token": token},
                              json={"current_password": OFFICER_PASSWORD, "new_password": NEW_PASSWORD})
        assert changed.status_code == 200, changed.text
        assert changed.json()["csrf_token"] != token
        assert laptop.get("/api/v1/auth/me").status_code == 200
        assert phone.get("/api/v1/auth/me").status_code == 401
        with _client(runtime) as replay:
            replay.cookies.set("telreg_session", before)
            assert replay.get("/api/v1/auth/me").status_code == 401  # the pre-change cookie is dead
        wrong = laptop.post("/api/v1/auth/me/password", headers={"X-CSRF-Token": changed.json()["csrf_token"]},
                            json={"current_password": "not it", "new_password": "yet another pass phrase"})
        assert wrong.status_code == 422
    assert "user-password-changed" in _actions(runtime, "user", OFFICER)


def test_an_admin_ends_a_staff_users_sessions(runtime: Runtime) -> None:
    make_officer(runtime)
    make_officer(runtime, username=ADMIN, password=ADMIN_PASSWORD, roles=("admin",))
    with _client(runtime) as officer, _client(runtime) as admin:
        officer_token = _api_sign_in(officer)
        refused = officer.post(f"/api/v1/auth/users/{ADMIN}/sessions/revoke", headers={"X-CSRF-Token": officer_token})
        assert refused.status_code == 403
        token = _api_sign_in(admin, ADMIN, ADMIN_PASSWORD)
        ended = admin.post(f"/api/v1/auth/users/{OFFICER}/sessions/revoke", headers={"X-CSRF-Token": token})
        assert ended.status_code == 200 and ended.json() == {"ended": 1}
        assert officer.get("/api/v1/auth/me").status_code == 401
        assert admin.get("/api/v1/auth/me").status_code == 200
    with unit_of_work(runtime.session_factory) as session:
        revoked = [e for e in audit.history(session, subject_type="user", subject_key=OFFICER)
                   if e.action == "sessions-revoked"]
        assert [(e.actor, e.details) for e in revoked] == [
            (f"admin:{ADMIN}", {"reason": "revoked-by-admin", "sessions": 1})]


def test_a_lockout_ends_the_users_sessions(client: Any, runtime: Runtime) -> None:
    make_officer(runtime)
    _api_sign_in(client)
    with _client(runtime) as attacker:
        for _ in range(users.MAX_FAILED_LOGINS):
            attacker.post("/api/v1/auth/login", json={"username": OFFICER, "password": "wrong password"})
    assert client.get("/api/v1/auth/me").status_code == 401


# ---- the staff lockout runs out ------------------------------------------------------------------------------

def test_a_staff_lockout_lasts_fifteen_minutes_and_says_until_when(client: Any, runtime: Runtime, clock: Any) -> None:
    make_officer(runtime)
    for _ in range(users.MAX_FAILED_LOGINS):
        client.post("/api/v1/auth/login", json={"username": OFFICER, "password": "wrong password"})
    locked = client.post("/api/v1/auth/login", json={"username": OFFICER, "password": OFFICER_PASSWORD})
    assert locked.status_code == 401
    assert locked.json()["locked_until"] == "2026-03-02T10:15:00+08:00"
    assert "locked until 10:15 on 2026-03-02" in locked.json()["detail"]
    chinese = client.post("/api/v1/auth/login", headers={"Accept-Language": "zh-HK"},
                          json={"username": OFFICER, "password": OFFICER_PASSWORD})
    assert "10:15" in chinese.json()["detail"] and "locked" not in chinese.json()["detail"]
    clock.advance(minutes=14, seconds=59)
    assert client.post("/api/v1/auth/login", json={"username": OFFICER, "password": OFFICER_PASSWORD}
                       ).status_code == 401
    clock.advance(seconds=1)
    assert client.post("/api/v1/auth/login", json={"username": OFFICER, "password": OFFICER_PASSWORD}
                       ).status_code == 200
    with unit_of_work(runtime.session_factory) as session:
        user = users.get_user(session, OFFICER)
        assert (user.failed_logins, user.locked_until) == (0, None)


def test_the_lock_length_is_a_setting(client: Any, runtime: Runtime) -> None:
    runtime.settings = runtime.settings.model_copy(update={"staff_lock_minutes": 60})
    make_officer(runtime)
    for _ in range(users.MAX_FAILED_LOGINS):
        last = client.post("/api/v1/auth/login", json={"username": OFFICER, "password": "wrong password"})
    assert last.json()["locked_until"] == "2026-03-02T11:00:00+08:00"


def test_the_staff_page_asks_for_a_captcha_after_repeated_failures(client: Any, runtime: Runtime,
                                                                   drawn: list[str]) -> None:
    make_officer(runtime)
    page = client.get("/staff/login").text
    assert 'name="captcha_answer"' not in page

    def post(password: str, answer: str | None = None, html: str | None = None) -> Any:
        html = html or client.get("/staff/login").text
        data = {"username": OFFICER, "password": password, "csrf_token": form_token(html)}
        token = re.search(r'name="captcha_token" value="([^"]+)"', html)
        if token:
            data.update(captcha_token=token.group(1), captcha_answer=answer or "")
        return client.post("/staff/login", data=data, follow_redirects=False)

    threshold = runtime.settings.staff_captcha_after_failures
    for _ in range(threshold):
        assert post("wrong password").status_code == 401
    page = client.get("/staff/login").text
    assert 'name="captcha_answer"' in page and "/api/v1/captcha/" in page and "<audio" in page
    refused = post(OFFICER_PASSWORD, answer="WRONG", html=page)
    assert refused.status_code == 401 and "do not match the picture" in refused.text
    with unit_of_work(runtime.session_factory) as session:
        assert users.get_user(session, OFFICER).failed_logins == threshold  # the password was not even tried
    page = client.get("/staff/login").text
    signed_in = post(OFFICER_PASSWORD, answer=drawn[-1], html=page)
    assert signed_in.status_code == 303


def test_the_account_counts_for_the_captcha_too(runtime: Runtime, drawn: list[str]) -> None:
    make_officer(runtime)
    with _client(runtime) as api:
        for _ in range(runtime.settings.staff_captcha_after_failures):
            api.post("/api/v1/auth/login", json={"username": OFFICER, "password": "wrong password"})
    with _client(runtime) as fresh_browser:
        html = fresh_browser.get("/staff/login").text
        response = fresh_browser.post("/staff/login", data={"username": OFFICER, "password": OFFICER_PASSWORD,
                                                            "csrf_token": form_token(html)})
        assert response.status_code == 401 and 'name="captcha_answer"' in response.text


# ---- senders -------------------------------------------------------------------------------------------------

@pytest.fixture
def sender(runtime: Runtime) -> int:
    with unit_of_work(runtime.session_factory) as session:
        make_sender_officer(session, runtime.clock)
        return int(make_active(session, runtime).id)


def _sender_login(client: TestClient, drawn: list[str], password: str = SENDER_PASSWORD) -> Any:
    token = client.get("/api/v1/captcha").json()["token"]
    return client.post("/api/v1/senders/login", json={"username": SENDER, "password": password,
                                                      "captcha_token": token, "captcha_answer": drawn[-1]})


def test_sender_sessions_are_revoked_on_logout_password_change_and_by_an_officer(
        runtime: Runtime, sender: int, drawn: list[str]) -> None:
    with _client(runtime) as laptop, _client(runtime) as phone:
        signed = _sender_login(laptop, drawn)
        assert signed.status_code == 200, signed.text
        token = signed.json()["csrf_token"]
        assert _sender_login(phone, drawn).status_code == 200
        stolen = phone.cookies.get("telreg_session")
        listed = laptop.get("/api/v1/senders/me/sessions").json()
        assert len(listed) == 2

        changed = laptop.post("/api/v1/senders/me/password", headers={"X-CSRF-Token": token},
                              json={"current_password": SENDER_PASSWORD, "new_password": NEW_PASSWORD})
        assert changed.status_code == 200, changed.text
        assert laptop.get("/api/v1/senders/me").status_code == 200  # re-issued
        assert phone.get("/api/v1/senders/me").status_code == 401
        with _client(runtime) as thief:
            thief.cookies.set("telreg_session", stolen)
            assert thief.get("/api/v1/senders/me").status_code == 401

    with _client(runtime) as staff, _client(runtime) as phone:
        assert _sender_login(phone, drawn, NEW_PASSWORD).status_code == 200
        headers = {"X-CSRF-Token": _api_sign_in(staff, "olivia", "correct-horse-battery")}
        ended = staff.post(f"/api/v1/senders/accounts/{sender}/sessions/revoke", headers=headers)
        assert ended.status_code == 200 and ended.json()["ended"] >= 1
        assert phone.get("/api/v1/senders/me").status_code == 401
    actions = _actions(runtime, "sender", str(sender))
    assert actions.count("sessions-revoked") >= 2


def test_a_sender_logs_out_everywhere(runtime: Runtime, sender: int, drawn: list[str]) -> None:
    with _client(runtime) as laptop, _client(runtime) as phone:
        token = _sender_login(laptop, drawn).json()["csrf_token"]
        _sender_login(phone, drawn)
        ended = laptop.post("/api/v1/senders/me/sessions/revoke-all", headers={"X-CSRF-Token": token})
        assert ended.json() == {"ended": 2}
        assert laptop.get("/api/v1/senders/me").status_code == 401
        assert phone.get("/api/v1/senders/me").status_code == 401


def test_a_copied_sender_cookie_is_useless_after_logout(runtime: Runtime, sender: int, drawn: list[str]) -> None:
    with _client(runtime) as browser:
        token = _sender_login(browser, drawn).json()["csrf_token"]
        stolen = browser.cookies.get("telreg_session")
        assert browser.post("/api/v1/senders/logout", headers={"X-CSRF-Token": token}).status_code == 204
    with _client(runtime) as thief:
        thief.cookies.set("telreg_session", stolen)
        assert thief.get("/api/v1/senders/me").status_code == 401


def test_sender_sessions_end_after_an_hour_idle(runtime: Runtime, sender: int, drawn: list[str], clock: Any) -> None:
    with _client(runtime) as browser:
        _sender_login(browser, drawn)
        clock.advance(minutes=59)
        assert browser.get("/api/v1/senders/me").status_code == 200
        clock.advance(minutes=60, seconds=1)
        assert browser.get("/api/v1/senders/me").status_code == 401


def test_the_sender_pages_list_sessions_and_log_out_everywhere(runtime: Runtime, sender: int,
                                                              drawn: list[str]) -> None:
    with _client(runtime) as browser, _client(runtime) as other:
        _sender_login(other, drawn)
        html = browser.get("/senders/login").text
        response = browser.post("/senders/login", follow_redirects=False, data={
            "username": SENDER, "password": SENDER_PASSWORD, "csrf_token": form_token(html),
            "captcha_token": re.search(r'name="captcha_token" value="([^"]+)"', html).group(1),  # type: ignore[union-attr]
            "captcha_answer": drawn[-1]})
        assert response.status_code == 303, response.text
        page = browser.get("/senders/sessions")
        assert page.status_code == 200 and page.text.count("<tr") == 3  # a header row and two sessions
        out = browser.post("/senders/sessions/revoke-all", data={"csrf_token": form_token(page.text)},
                           follow_redirects=False)
        assert out.status_code == 303 and out.headers["location"] == "/senders/login"
        assert other.get("/api/v1/senders/me").status_code == 401


def test_the_staff_pages_list_sessions_and_sign_out_everywhere(client: Any, runtime: Runtime) -> None:
    make_officer(runtime)
    html = client.get("/staff/login").text
    client.post("/staff/login", data={"username": OFFICER, "password": OFFICER_PASSWORD,
                                      "csrf_token": form_token(html)}, follow_redirects=False)
    page = client.get("/staff/sessions")
    assert page.status_code == 200 and 'id="sign-out-everywhere"' in page.text
    out = client.post("/staff/sessions/revoke-all", data={"csrf_token": form_token(page.text)},
                      follow_redirects=False)
    assert out.status_code == 303
    assert client.get("/api/v1/auth/me").status_code == 401


# ---- username enumeration -----------------------------------------------------------------------------------

def test_the_security_question_answers_alike_for_unknown_usernames(runtime: Runtime, sender: int) -> None:
    with _client(runtime) as api:
        real = api.get("/api/v1/senders/security-question", params={"username": SENDER})
        unknown = api.get("/api/v1/senders/security-question", params={"username": "nobody.here"})
        again = api.get("/api/v1/senders/security-question", params={"username": "NOBODY.here"})
    assert real.status_code == unknown.status_code == 200
    assert set(real.json()) == set(unknown.json())
    assert unknown.json()["question"] in signin.DECOY_QUESTIONS
    assert again.json()["question"] == unknown.json()["question"]  # the same name always gets the same decoy
    other_secret = runtime.settings.model_copy(update={"secret_key": "another secret"})
    decoys = {signin._decoy_question(f"user{n}", runtime.settings) for n in range(40)}
    assert len(decoys) > 3  # spread over the list, not one giveaway question
    assert [signin._decoy_question(f"user{n}", other_secret) for n in range(40)] != [
        signin._decoy_question(f"user{n}", runtime.settings) for n in range(40)]  # keyed by the app's secret


def test_the_forgot_page_answers_alike_for_unknown_usernames(client: Any, runtime: Runtime, sender: int) -> None:
    html = client.get("/senders/forgot").text
    real = client.post("/senders/forgot", data={"username": SENDER, "csrf_token": form_token(html)})
    unknown = client.post("/senders/forgot", data={"username": "nobody.here", "csrf_token": form_token(html)})
    assert real.status_code == unknown.status_code == 200
    assert "Name of my first school?" in real.text
    assert any(question.replace("'", "&#39;") in unknown.text for question in signin.DECOY_QUESTIONS)
    wrong = client.post("/senders/forgot", data={"username": "nobody.here", "csrf_token": form_token(html),
                                                 "answer": "anything", "new_password": "short",
                                                 "new_password_again": "short"})
    known_wrong = client.post("/senders/forgot", data={"username": SENDER, "csrf_token": form_token(html),
                                                       "answer": "anything", "new_password": "short",
                                                       "new_password_again": "short"})
    assert wrong.status_code == known_wrong.status_code  # a weak password is refused alike, named or not


# ---- per-address rate limits --------------------------------------------------------------------------------

@pytest.mark.parametrize("call", [
    lambda c: c.post("/api/v1/auth/login", json={"username": "x", "password": "y"}),
    lambda c: c.post("/api/v1/senders/login", json={"username": "x", "password": "y", "captcha_token": "t",
                                                    "captcha_answer": "a"}),
    lambda c: c.get("/api/v1/senders/security-question", params={"username": "x"}),
    lambda c: c.post("/api/v1/senders/reset", json={"username": "x", "answer": "y", "new_password": "z" * 12,
                                                    "captcha_token": "t", "captcha_answer": "a"}),
], ids=["staff-login", "sender-login", "security-question", "reset"])
def test_sign_in_endpoints_are_rate_limited_per_address(runtime: Runtime, call: Any) -> None:
    runtime.settings = runtime.settings.model_copy(update={"signin_rate_limit": 3})
    with _client(runtime) as client:
        for _ in range(3):
            assert call(client).status_code != 429
        limited = call(client)
        assert limited.status_code == 429, limited.text
        assert limited.json()["error"] == "rate_limited" and int(limited.headers["retry-after"]) >= 1
        chinese = call(TestClient(create_app(runtime), headers={"Accept-Language": "zh-HK"}))
        assert chinese.status_code == 429 and chinese.json()["detail"] != limited.json()["detail"]


@pytest.mark.parametrize("path", ["/staff/login", "/senders/login", "/senders/forgot"])
def test_sign_in_pages_are_rate_limited_per_address(runtime: Runtime, path: str) -> None:
    runtime.settings = runtime.settings.model_copy(update={"signin_rate_limit": 2})
    with _client(runtime) as client:
        html = client.get(path).text
        for _ in range(2):
            assert client.post(path, data={"username": "x", "password": "y", "csrf_token": form_token(html)}
                               ).status_code != 429
        limited = client.post(path, data={"username": "x", "password": "y", "csrf_token": form_token(html)})
        assert limited.status_code == 429 and "retry-after" in limited.headers


def test_cli_users_revoke_sessions(client: Any, runtime: Runtime, cli: Any) -> None:
    make_officer(runtime)
    _api_sign_in(client)
    assert cli("users", "revoke-sessions", OFFICER) == (0, f"ended 1 session(s) of user {OFFICER}\n", "")
    assert client.get("/api/v1/auth/me").status_code == 401
    code, _, err = cli("users", "revoke-sessions", "ghost")
    assert (code, err) == (1, "There is no user named 'ghost'.")


def test_a_locked_account_is_signed_out_only_while_the_lock_lasts(runtime: Runtime, clock: Any) -> None:
    make_officer(runtime)
    with unit_of_work(runtime.session_factory) as session:
        user = users.get_user(session, OFFICER)
        user.failed_logins = users.MAX_FAILED_LOGINS
        user.locked_until = clock.now() + dt.timedelta(minutes=15)
        assert users.is_locked(user, now=clock.now())
        assert not users.is_locked(user, now=clock.now() + dt.timedelta(minutes=15))
        user.locked_until = None  # a lock from before locks ran out holds until an administrator lifts it
        assert users.is_locked(user, now=clock.now() + dt.timedelta(days=365))


def test_the_security_question_costs_the_same_work_for_any_name(runtime: Runtime, sender: int,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from telreg.core import passwords

    hashed: list[str] = []
    real = passwords.hash_secret
    monkeypatch.setattr(passwords, "hash_secret", lambda secret: hashed.append(secret) or real(secret))
    with unit_of_work(runtime.session_factory) as session:
        signin.security_question(session, username=SENDER, settings=runtime.settings)
        known = len(hashed)
        signin.security_question(session, username="nobody.here", settings=runtime.settings)
    assert known == 1 and len(hashed) == 2  # one argon2 hash each way, whether or not the name exists


def test_wrong_current_passwords_are_rate_limited_on_every_database(runtime: Runtime, clock: Any) -> None:
    """A signed-in session guessing its current password is a guesser too: each wrong guess is counted even
    though the refusal rolls the request back (on SQLite the sign-in check's own write once took the count
    down with it)."""
    make_officer(runtime)
    runtime.settings = runtime.settings.model_copy(update={"signin_rate_limit": 3})
    with _client(runtime) as client:
        token = _api_sign_in(client)
        answers = []
        for minute in range(4):
            clock.set(clock.now() + dt.timedelta(seconds=61))  # past the last-seen throttle: the check writes
            answers.append(client.post("/api/v1/auth/me/password", headers={"X-CSRF-Token": token},
                                       json={"current_password": f"guess {minute}",
                                             "new_password": "yet another pass phrase"}).status_code)
    assert answers == [422, 422, 422, 429]


def test_a_senders_wrong_current_passwords_are_rate_limited_on_every_database(
        runtime: Runtime, clock: Any, sender: int, drawn: list[str]) -> None:
    with _client(runtime) as client:
        token = _sender_login(client, drawn).json()["csrf_token"]
        runtime.settings = runtime.settings.model_copy(update={"signin_rate_limit": 3})
        answers = []
        for minute in range(4):
            clock.set(clock.now() + dt.timedelta(seconds=61))  # past the last-seen throttle: the check writes
            answers.append(client.post("/api/v1/senders/me/password", headers={"X-CSRF-Token": token},
                                       json={"current_password": f"guess {minute}",
                                             "new_password": "yet another pass phrase"}).status_code)
    assert answers == [422, 422, 422, 429]
