"""Senders signing in: lockout, no username probing, one-time passwords, reset by security question, the HTTP API."""

import datetime as dt
import threading

import pytest
from fastapi.testclient import TestClient

from telreg.app import create_app
from telreg.core import audit, captcha
from telreg.core.db import unit_of_work
from telreg.senders import lifecycle, signin
from telreg.senders.errors import AccountCancelled, WeakPassword, WrongCurrentPassword
from telreg.senders.models import SenderAccount

from .helpers import PASSWORD, make_active, make_officer

USER = "chan.taiman"
ANSWER = "St. Paul's"
NEW_PASSWORD = "a brand new pass phrase"


def _log_in(session, runtime, password=PASSWORD, username=USER):
    return signin.log_in(session, clock=runtime.clock, settings=runtime.settings, username=username,
                         password=password)


def _account(session, account_id):
    session.expire_all()
    return session.get(SenderAccount, account_id)


def _actions(session, account_id):
    return [e.action for e in audit.history(session, subject_type="sender", subject_key=str(account_id))]


@pytest.fixture
def account(session, runtime):
    make_officer(session, runtime.clock)
    return make_active(session, runtime)


# ---- log-in and lockout -----------------------------------------------------------------------------------------

def test_a_right_password_signs_in_and_says_no_change_is_needed(session, runtime, account):
    result = _log_in(session, runtime, username="  Chan.TaiMan ")
    assert result.ok and result.account_id == account.id
    assert result.state == "active" and result.must_change_password is False
    assert "sender-logged-in" in _actions(session, account.id)


def test_unknown_user_and_wrong_password_get_the_same_answer(session, runtime, account):
    unknown = _log_in(session, runtime, username="nobody.here")
    wrong = _log_in(session, runtime, password="not the password")
    assert (unknown.error.code, unknown.error.message) == (wrong.error.code, wrong.error.message)
    assert wrong.error.code == "login_failed" and wrong.error.status_code == 401
    assert unknown.account_id is None
    assert _account(session, account.id).failed_logins == 1


def test_five_wrong_passwords_lock_the_account_for_thirty_minutes(session, runtime, clock, account):
    for attempt in range(1, 5):
        assert _log_in(session, runtime, password=f"wrong {attempt}").error.code == "login_failed"
    fifth = _log_in(session, runtime, password="wrong 5")
    assert fifth.error.code == "account_locked"
    assert "locked until 10:30 on 2026-03-02" in fifth.error.message
    assert fifth.error.extra["locked_until"] == "2026-03-02T10:30:00+08:00"
    assert "sender-locked" in _actions(session, account.id)

    clock.advance(minutes=29, seconds=59)
    refused = _log_in(session, runtime)  # even the right password is refused while locked
    assert refused.error.code == "account_locked"
    clock.advance(seconds=1)
    opened = _log_in(session, runtime)
    assert opened.ok
    row = _account(session, account.id)
    assert (row.failed_logins, row.locked_until) == (0, None)


def test_after_a_lock_runs_out_the_count_starts_again(session, runtime, clock, account):
    for attempt in range(5):
        _log_in(session, runtime, password=f"wrong {attempt}")
    clock.advance(minutes=31)
    again = _log_in(session, runtime, password="wrong again")
    assert again.error.code == "login_failed"  # one failure after the lock, not a new lock
    row = _account(session, account.id)
    assert (row.failed_logins, row.locked_until) == (1, None)


def test_a_success_clears_the_failures(session, runtime, account):
    for attempt in range(4):
        _log_in(session, runtime, password=f"wrong {attempt}")
    assert _log_in(session, runtime).ok
    for attempt in range(4):
        assert _log_in(session, runtime, password=f"wrong {attempt}").error.code == "login_failed"


def test_an_officer_unlocks_a_locked_account(session, runtime, account):
    for attempt in range(5):
        _log_in(session, runtime, password=f"wrong {attempt}")
    signin.unlock(session, clock=runtime.clock, settings=runtime.settings, account_id=account.id, officer="olivia")
    assert _log_in(session, runtime).ok
    assert "sender-unlocked" in _actions(session, account.id)


def test_an_expired_account_in_grace_can_log_in(session, runtime, clock, account):
    clock.set(dt.datetime(2027, 3, 10, 9, 0))  # the 12-month sms subscription expired on 2027-03-02
    result = _log_in(session, runtime)
    assert result.ok and result.state == "expired"


def test_a_cancelled_account_cannot_log_in_and_is_told_to_apply_again(session, runtime, clock, account):
    clock.set(dt.datetime(2027, 5, 3, 9, 0))  # grace ended 2027-05-02: cancelled by the dates
    by_dates = _log_in(session, runtime)
    assert by_dates.error.code == "account_cancelled" and "apply for a new account" in by_dates.error.message
    lifecycle.settle(session, clock=clock, settings=runtime.settings, account=_account(session, account.id))
    assert _account(session, account.id).login_name is None  # stored cancelled: the name is freed
    stored = _log_in(session, runtime)
    assert stored.error.code == "account_cancelled"
    wrong = _log_in(session, runtime, password="not the password")
    assert wrong.error.code == "login_failed"  # only the right password learns the account's fate


def test_concurrent_wrong_passwords_are_all_counted(runtime):
    with unit_of_work(runtime.session_factory) as session:
        make_officer(session, runtime.clock)
        account_id = make_active(session, runtime).id
    barrier = threading.Barrier(4)
    codes = []

    def attempt(n):
        barrier.wait()
        with unit_of_work(runtime.session_factory) as session:
            codes.append(_log_in(session, runtime, password=f"wrong {n}").error.code)

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert codes == ["login_failed"] * 4
    with unit_of_work(runtime.session_factory) as session:
        row = session.get(SenderAccount, account_id)
        assert (row.failed_logins, row.locked_until) == (4, None)
        failed = [e for e in audit.history(session, subject_type="sender", subject_key=str(account_id))
                  if e.action == "sender-login-failed"]
        assert sorted(e.details["failed_logins"] for e in failed) == [1, 2, 3, 4]


# ---- one-time passwords -----------------------------------------------------------------------------------------

def test_one_time_password_must_be_changed_then_the_new_password_works(session, runtime, account):
    for attempt in range(5):
        _log_in(session, runtime, password=f"wrong {attempt}")
    otp = signin.issue_one_time_password(session, clock=runtime.clock, settings=runtime.settings,
                                         account_id=account.id, officer="olivia")
    assert len(otp) == 14 and otp.count("-") == 2
    row = _account(session, account.id)
    assert row.must_change_password and row.locked_until is None and row.failed_logins == 0
    assert row.otp_expires_at == runtime.clock.now() + dt.timedelta(days=7)
    assert otp not in row.password_hash

    assert _log_in(session, runtime).error.code == "login_failed"  # the old password is gone
    first = _log_in(session, runtime, password=otp)
    assert first.ok and first.must_change_password is True
    assert signin.must_change_password(session, account_id=account.id)

    with pytest.raises(WrongCurrentPassword):
        signin.change_password(session, clock=runtime.clock, account_id=account.id, current_password="guess",
                               new_password=NEW_PASSWORD)
    with pytest.raises(WeakPassword):
        signin.change_password(session, clock=runtime.clock, account_id=account.id, current_password=otp,
                               new_password="short")
    signin.change_password(session, clock=runtime.clock, account_id=account.id, current_password=otp,
                           new_password=NEW_PASSWORD)
    row = _account(session, account.id)
    assert (row.must_change_password, row.otp_expires_at) == (False, None)
    assert _log_in(session, runtime, password=otp).error.code == "login_failed"
    after = _log_in(session, runtime, password=NEW_PASSWORD)
    assert after.ok and after.must_change_password is False
    actions = _actions(session, account.id)
    assert {"sender-one-time-password-issued", "sender-password-changed"} <= set(actions)
    issued = next(e for e in audit.history(session, subject_type="sender", subject_key=str(account.id))
                  if e.action == "sender-one-time-password-issued")
    assert issued.actor == "officer:olivia" and otp not in str(issued.details)


def test_an_unused_one_time_password_lapses_after_seven_days(session, runtime, clock, account):
    otp = signin.issue_one_time_password(session, clock=runtime.clock, settings=runtime.settings,
                                         account_id=account.id, officer="olivia")
    clock.advance(days=7)
    lapsed = _log_in(session, runtime, password=otp)
    assert lapsed.error.code == "one_time_password_expired"
    assert "Ask OFCA for a new one" in lapsed.error.message


def test_no_one_time_password_for_a_cancelled_account(session, runtime, clock, account):
    clock.set(dt.datetime(2027, 5, 3, 9, 0))
    with pytest.raises(AccountCancelled):
        signin.issue_one_time_password(session, clock=runtime.clock, settings=runtime.settings,
                                       account_id=account.id, officer="olivia")


# ---- reset by security question -------------------------------------------------------------------------------

def _reset(session, runtime, answer=ANSWER, new_password=NEW_PASSWORD, username=USER):
    return signin.reset_with_security_answer(session, clock=runtime.clock, settings=runtime.settings,
                                             username=username, answer=answer, new_password=new_password)


def test_the_right_answer_sets_a_new_password(session, runtime, account):
    assert signin.security_question(session, username=USER) == "Name of my first school?"
    result = _reset(session, runtime, answer="  st. PAUL'S ")
    assert result.ok
    assert _log_in(session, runtime).error.code == "login_failed"
    assert _log_in(session, runtime, password=NEW_PASSWORD).ok
    assert "sender-password-reset" in _actions(session, account.id)


def test_wrong_answers_count_as_failures_and_lock(session, runtime, account):
    assert _log_in(session, runtime, password="wrong").error.code == "login_failed"
    for _ in range(3):
        assert _reset(session, runtime, answer="St. John's").error.code == "reset_failed"
    locked = _reset(session, runtime, answer="St. John's")
    assert locked.error.code == "account_locked"
    assert _reset(session, runtime).error.code == "account_locked"  # even the right answer, while locked
    assert _log_in(session, runtime).error.code == "account_locked"


def test_reset_does_not_say_whether_a_username_exists(session, runtime, account):
    unknown = _reset(session, runtime, username="nobody.here")
    wrong = _reset(session, runtime, answer="wrong")
    assert (unknown.error.code, unknown.error.message) == (wrong.error.code, wrong.error.message)


def test_a_weak_new_password_is_refused_before_anything_counts(session, runtime, account):
    with pytest.raises(WeakPassword):
        _reset(session, runtime, answer="wrong", new_password="short")
    assert _account(session, account.id).failed_logins == 0


# ---- the HTTP API ------------------------------------------------------------------------------------------------

@pytest.fixture
def drawn(runtime):
    """The answers of the CAPTCHAs the app draws, in order (random, but recorded through the runtime's source)."""
    answers = []

    def recording():
        answers.append(captcha.random_answer())
        return answers[-1]

    runtime.extras[captcha.EXTRAS_KEY] = recording
    return answers


@pytest.fixture
def api(runtime, drawn):
    with TestClient(create_app(runtime)) as client:
        client.drawn = drawn  # type: ignore[attr-defined]
        yield client


def _captcha(api, runtime):
    """A fresh CAPTCHA and its answer."""
    body = api.get("/api/v1/captcha").json()
    assert body["image"].startswith("data:image/png;base64,") and body["expires_in_seconds"] == 300
    return body["token"], api.drawn[-1]


def _http_login(api, runtime, password=PASSWORD, username=USER, captcha_answer=None):
    token, answer = _captcha(api, runtime)
    return api.post("/api/v1/senders/login", json={"username": username, "password": password,
                                                   "captcha_token": token,
                                                   "captcha_answer": captcha_answer or answer.lower()})


@pytest.fixture
def active(runtime):
    with unit_of_work(runtime.session_factory) as session:
        make_officer(session, runtime.clock)
        return make_active(session, runtime).id


def _officer_headers(api):
    response = api.post("/api/v1/auth/login", json={"username": "olivia", "password": "correct-horse-battery"})
    return {"X-CSRF-Token": response.json()["csrf_token"]}


def _failures(runtime, account_id):
    with unit_of_work(runtime.session_factory) as session:
        return session.get(SenderAccount, account_id).failed_logins


def test_http_login_needs_the_captcha_and_a_wrong_one_is_not_a_password_failure(api, runtime, active):
    token, answer = _captcha(api, runtime)
    wrong = api.post("/api/v1/senders/login", json={"username": USER, "password": PASSWORD,
                                                    "captcha_token": token, "captcha_answer": "ZZZZZ"})
    assert wrong.status_code == 422 and wrong.json()["error"] == "captcha_failed"
    assert "do not match the picture" in wrong.json()["detail"]
    again = api.post("/api/v1/senders/login", json={"username": USER, "password": PASSWORD,
                                                    "captcha_token": token, "captcha_answer": answer})
    assert again.status_code == 422  # that picture is used up
    missing = api.post("/api/v1/senders/login", json={"username": USER, "password": PASSWORD})
    assert missing.status_code == 422 and "captcha_token" in missing.json()["detail"]
    assert _failures(runtime, active) == 0

    signed_in = _http_login(api, runtime)
    assert signed_in.status_code == 200, signed_in.text
    body = signed_in.json()
    assert body["account_id"] == active and body["must_change_password"] is False and body["state"] == "active"
    assert api.get("/api/v1/senders/me").json()["username"] == USER
    assert api.post("/api/v1/senders/logout", headers={"X-CSRF-Token": body["csrf_token"]}).status_code == 204
    assert api.get("/api/v1/senders/me").status_code == 401


def test_http_lockout_is_committed_and_says_until_when(api, runtime, active):
    for attempt in range(4):
        response = _http_login(api, runtime, password=f"wrong {attempt}")
        assert response.status_code == 401 and response.json()["error"] == "login_failed"
    locked = _http_login(api, runtime, password="wrong 5")
    assert locked.status_code == 401 and locked.json()["error"] == "account_locked"
    assert locked.json()["locked_until"] == "2026-03-02T10:30:00+08:00"
    assert _failures(runtime, active) == 5

    headers = _officer_headers(api)
    unlocked = api.post(f"/api/v1/senders/accounts/{active}/unlock", headers=headers)
    assert unlocked.status_code == 200 and unlocked.json()["locked_until"] is None
    assert _http_login(api, runtime).status_code == 200


def test_http_one_time_password_allows_only_the_password_change(api, runtime, active):
    headers = _officer_headers(api)
    refused = api.post(f"/api/v1/senders/accounts/{active}/one-time-password")
    assert refused.status_code == 403  # no CSRF token
    issued = api.post(f"/api/v1/senders/accounts/{active}/one-time-password", headers=headers)
    assert issued.status_code == 200, issued.text
    otp = issued.json()["one_time_password"]
    assert issued.json()["expires_at"].startswith("2026-03-09")

    signed_in = _http_login(api, runtime, password=otp).json()
    assert signed_in["must_change_password"] is True
    sender = {"X-CSRF-Token": signed_in["csrf_token"]}
    blocked = api.get("/api/v1/senders/me")
    assert blocked.status_code == 403 and blocked.json()["error"] == "password_change_required"
    assert api.get("/api/v1/senders/me/api-keys").status_code == 403
    weak = api.post("/api/v1/senders/me/password", headers=sender,
                    json={"current_password": otp, "new_password": "short"})
    assert weak.status_code == 422 and weak.json()["error"] == "password_too_short"
    assert weak.json()["min_length"] == 10
    changed = api.post("/api/v1/senders/me/password", headers=sender,
                       json={"current_password": otp, "new_password": NEW_PASSWORD})
    assert changed.status_code == 200, changed.text
    assert api.get("/api/v1/senders/me").status_code == 200


def test_http_reset_with_the_security_question(api, runtime, active):
    question = api.get("/api/v1/senders/security-question", params={"username": USER})
    assert question.json() == {"username": USER, "question": "Name of my first school?"}
    # Issue 14: an unknown username is asked a decoy question (same status and shape), not told 404.
    decoy = api.get("/api/v1/senders/security-question", params={"username": "nobody.here"})
    assert decoy.status_code == 200 and set(decoy.json()) == {"username", "question"}
    assert decoy.json()["question"] in signin.DECOY_QUESTIONS

    def reset(answer):
        token, text = _captcha(api, runtime)
        return api.post("/api/v1/senders/reset", json={"username": USER, "answer": answer,
                                                       "new_password": NEW_PASSWORD, "captcha_token": token,
                                                       "captcha_answer": text})

    wrong = reset("St. John's")
    assert wrong.status_code == 401 and wrong.json()["error"] == "reset_failed"
    assert _failures(runtime, active) == 1
    assert reset(ANSWER).status_code == 200
    assert _http_login(api, runtime, password=NEW_PASSWORD).status_code == 200


def test_http_cancelled_account_is_told_to_apply_again(api, runtime, clock, active):
    clock.set(dt.datetime(2027, 5, 3, 9, 0))
    response = _http_login(api, runtime)
    assert response.status_code == 409 and response.json()["error"] == "account_cancelled"


# ---- the CLI -----------------------------------------------------------------------------------------------------

def test_cli_issues_one_time_passwords_and_unlocks(cli, runtime, active):
    with unit_of_work(runtime.session_factory) as session:
        for attempt in range(5):
            _log_in(session, runtime, password=f"wrong {attempt}")
    code, out, _ = cli("senders", "unlock", USER, "--officer", "olivia")
    assert code == 0 and f"account {active} unlocked" in out
    assert _failures(runtime, active) == 0

    code, out, _ = cli("senders", "one-time-password", str(active), "--officer", "olivia")
    assert code == 0 and "valid until 2026-03-09 10:00 (Hong Kong time)" in out
    otp = out.split(": ", 1)[1].split()[0]
    with unit_of_work(runtime.session_factory) as session:
        assert _log_in(session, runtime, password=otp).must_change_password is True

    code, _, err = cli("senders", "unlock", "nobody.here", "--officer", "olivia")
    assert code == 1 and "no live account" in err
    code, _, err = cli("senders", "unlock", str(active), "--officer", "nobody")
    assert code == 1



def test_http_login_refusals_speak_the_request_language(api, runtime, active):
    token, answer = _captcha(api, runtime)
    wrong = api.post("/api/v1/senders/login", headers={"Accept-Language": "zh-CN"},
                     json={"username": USER, "password": "not-the-password", "captcha_token": token,
                           "captcha_answer": answer.lower()})
    assert wrong.status_code == 401 and wrong.headers["content-language"] == "zh-Hans"
    assert wrong.json()["error"] == "login_failed" and wrong.json()["detail"] == "用户名称或密码不正确。"
    token, answer = _captcha(api, runtime)
    english = api.post("/api/v1/senders/login", json={"username": USER, "password": "not-the-password",
                                                      "captcha_token": token, "captcha_answer": answer.lower()})
    assert english.json()["detail"] == "The username or password is not correct."
