"""One password policy for staff and senders: length, no username, and zxcvbn's estimate, each refusal with a
stable code, its parameters and a sentence in every language."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from telreg.core import captcha, passwords, users
from telreg.core.passwords import (
    PasswordContainsUsername,
    PasswordEdgeSpace,
    PasswordTooCommon,
    PasswordTooShort,
    PasswordTooWeak,
    WeakPassword,
    check_strength,
)
from telreg.demo import DEMO_USERS
from telreg.demo.sender import DEMO_SENDER
from telreg.core.db import unit_of_work
from telreg.senders import credentials, signin

from ..senders.helpers import apply, make_active, make_officer


def _refusal(password: str, username: str = "olivia") -> WeakPassword:
    with pytest.raises(WeakPassword) as refused:
        check_strength(password, username=username)
    return refused.value


@pytest.mark.parametrize(("password", "username", "kind", "code", "extra"), [
    ("password12", "olivia", PasswordTooCommon, "password_too_common", {"warning": "common"}),
    ("qwertyuiop", "olivia", PasswordTooCommon, "password_too_common", {"warning": "top_hundred"}),
    ("iloveyou12", "olivia", PasswordTooCommon, "password_too_common", {"warning": "similar_to_common"}),
    ("short", "olivia", PasswordTooShort, "password_too_short", {"min_length": 10}),
    (" a long pass phrase", "olivia", PasswordEdgeSpace, "password_edge_space", {}),
    ("chan.taiman", "chan.taiman", PasswordContainsUsername, "password_contains_username", {}),
    ("my Chan.TaiMan phrase", "chan.taiman", PasswordContainsUsername, "password_contains_username", {}),
    ("abcdefghijkl", "olivia", PasswordTooWeak, "password_too_weak",
     {"warning": "sequences", "score": 0, "min_score": 3}),
    ("aaaaaaaaaaaa", "olivia", PasswordTooWeak, "password_too_weak",
     {"warning": "simple_repeat", "score": 0, "min_score": 3}),
    ("1990-01-01xx", "olivia", PasswordTooWeak, "password_too_weak",
     {"warning": "dates", "score": 2, "min_score": 3}),
    ("Tr0ub4dour&3", "olivia", PasswordTooWeak, "password_too_weak",
     {"warning": "none", "score": 2, "min_score": 3}),
])
def test_each_refusal_has_a_code_parameters_and_a_sentence_in_every_language(
        password: str, username: str, kind: type, code: str, extra: dict[str, Any]) -> None:
    refused = _refusal(password, username)
    assert type(refused) is kind and refused.code == code and refused.status_code == 422
    assert refused.extra == extra
    assert refused.to_dict() == {"error": code, "detail": refused.message, **extra}
    assert password not in refused.message  # a refusal never repeats the secret
    for lang in ("zh-Hant", "zh-Hans"):
        translated = refused.message_in(lang)
        assert translated != refused.message and any("\u4e00" <= c <= "\u9fff" for c in translated)


def test_strong_passwords_and_every_demo_password_pass() -> None:
    for password in ("correct-horse-battery", "a long pass phrase", "taiman-is-me-2026", "香港 郵政 信箱 二零二六"):
        check_strength(password, username="chan.taiman")
    for demo in DEMO_USERS:
        users.validate_password(demo.password, username=demo.username)
    credentials.validate_password(DEMO_SENDER.password, username=DEMO_SENDER.username)


def test_a_username_too_short_to_mean_anything_is_not_searched_for() -> None:
    check_strength("correct-horse-battery", username="co")  # "co" is inside, yet the password is fine
    assert _refusal("wongwongwong", "wong").code == "password_contains_username"


def test_a_very_long_password_is_judged_on_its_first_128_characters() -> None:
    check_strength("correct-horse-battery " * 40 + "end", username="olivia")  # zxcvbn alone refuses over 72
    assert _refusal("a" * 300).code == "password_too_weak"


# ---- staff and senders: the same verdict -----------------------------------------------------------------

USERNAMES = st.from_regex(r"[a-z0-9][a-z0-9._-]{3,15}", fullmatch=True)
WORDS = st.sampled_from(["password", "harbour", "dragon", "qwerty", "2026", "1234", "tai", "man", "chan", "!",
                         " ", "-", "monkey", "correct", "horse", "battery", "staple", "香港", "abc", "zzz"])


@st.composite
def candidates(draw: Any) -> tuple[str, str]:
    """A username and a password: random text, words joined, or words around the username itself."""
    username = draw(USERNAMES)
    password = draw(st.one_of(
        st.text(max_size=30),
        st.lists(WORDS, min_size=1, max_size=5).map("".join),
        st.tuples(WORDS, WORDS).map(lambda ws: ws[0] + username + ws[1]),
        st.sampled_from(["password12", "Password123!", "1234567890", "letmein2026", "a long pass phrase"]),
    ))
    return username, password


def _verdict(check: Any, password: str, username: str) -> tuple[Any, ...] | None:
    try:
        check(password, username=username)
    except WeakPassword as refused:
        return type(refused), refused.code, refused.extra, refused.message
    return None


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(candidates())
@example(("olivia", "password12"))
@example(("chan.taiman", "chan.taiman-2026"))
@example(("officer", "officer-demo-2026"))
def test_staff_and_senders_get_the_same_verdict_for_the_same_password(candidate: tuple[str, str]) -> None:
    username, password = candidate
    staff = _verdict(users.validate_password, password, username)
    sender = _verdict(credentials.validate_password, password, username)
    assert staff == sender
    assert staff == _verdict(passwords.check_strength, password, username)


def test_creating_a_staff_account_and_applying_as_a_sender_refuse_alike(session: Any, runtime: Any) -> None:
    for weak, code in [("password12", "password_too_common"),
                       ("chan.taiman-2026", "password_contains_username"),
                       ("short", "password_too_short")]:
        with pytest.raises(WeakPassword) as staff:
            users.create_user(session, clock=runtime.clock, username="chan.taiman", password=weak,
                              roles=["dnc-officer"])
        with pytest.raises(WeakPassword) as sender:
            apply(session, runtime, username="chan.taiman", password=weak)
        assert staff.value.code == sender.value.code == code
        assert staff.value.extra == sender.value.extra
    users.create_user(session, clock=runtime.clock, username="chan.taiman", password="a long pass phrase",
                      roles=["dnc-officer"])
    apply(session, runtime, username="chan.taiman", password="a long pass phrase")


def test_the_cli_says_why_a_staff_password_is_refused(cli: Any) -> None:
    code, _, err = cli("users", "add", "olivia", "--role", "dnc-officer", "--password", "password12")
    assert code == 1 and "commonly used password" in err


def test_the_api_refuses_a_weak_new_password_in_the_readers_language(client: Any, runtime: Any) -> None:
    with unit_of_work(runtime.session_factory) as session:
        make_officer(session, runtime.clock)
        account = make_active(session, runtime)
        otp = signin.issue_one_time_password(session, clock=runtime.clock, settings=runtime.settings,
                                             account_id=account.id, officer="olivia")
    runtime.extras[captcha.EXTRAS_KEY] = lambda: "HKDNC"
    token = client.get("/api/v1/captcha").json()["token"]
    signed_in = client.post("/api/v1/senders/login", json={"username": "chan.taiman", "password": otp,
                                                           "captcha_token": token, "captcha_answer": "HKDNC"})
    headers = {"X-CSRF-Token": signed_in.json()["csrf_token"]}
    body = {"current_password": otp, "new_password": "password12"}
    refused = client.post("/api/v1/senders/me/password", json=body, headers=headers)
    assert refused.status_code == 422
    assert refused.json() == {"error": "password_too_common", "warning": "common",
                              "detail": "This is a commonly used password, or close to one: choose another."}
    chinese = client.post("/api/v1/senders/me/password", json=body,
                          headers={**headers, "Accept-Language": "zh-HK"})
    assert chinese.json()["error"] == "password_too_common" and "常用密碼" in chinese.json()["detail"]
    same = client.post("/api/v1/senders/me/password", json={"current_password": otp, "new_password": otp},
                       headers=headers)
    assert same.status_code == 422 and same.json()["error"] == "password_unchanged"
