"""Two-factor sign-in in headless Chromium, the real flow: an administrator sets up an authenticator (reading the
key off the page, as a person types it into an app), keeps the recovery codes, signs out, signs in with a code,
then with a recovery code; a code already used is refused. Codes come from the test's FixedClock."""

from __future__ import annotations

import re
from typing import Any

import pytest

from telreg.core import two_factor
from telreg.runtime import Runtime
from tests.web.conftest import OFFICER_PASSWORD, make_officer

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


@pytest.fixture
def backend() -> str:
    return "sqlite"  # the pages of the flow are checked on both databases over HTTP (test_two_factor_pages.py)

ADMIN = "admin.wong"


def _code(runtime: Runtime, secret: str) -> str:
    return two_factor.code_at(secret, two_factor.current_step(runtime.clock))


def _password(page: Any) -> None:
    page.goto("/staff/login")
    page.fill("#username", ADMIN)
    page.fill("#password", OFFICER_PASSWORD)
    with page.expect_navigation():
        page.click("main form button[type=submit]")


def _second_step(page: Any, code: str) -> None:
    assert page.url.endswith("/staff/two-factor/verify"), page.url
    page.fill("#code", code)
    with page.expect_navigation():
        page.click("main form[action='/staff/two-factor/verify'] button[type=submit]")


def _sign_out(page: Any) -> None:
    with page.expect_navigation():
        page.click("form.signout button[type=submit]")


def test_enrol_then_sign_in_with_a_code_and_with_a_recovery_code_and_a_reused_code_is_refused(
        page: Any, runtime: Runtime) -> None:
    make_officer(runtime, username=ADMIN, roles=("admin",))
    _password(page)  # not enrolled, and not required under the test settings: the password signs in
    page.goto("/staff/two-factor")
    assert page.locator("#two-factor-qr svg").count() == 1
    assert page.locator("script:not([src])").count() == 0
    secret = page.inner_text("#two-factor-secret").replace(" ", "")
    assert re.fullmatch(r"[A-Z2-7]{32}", secret)
    page.fill("#code", _code(runtime, secret))
    with page.expect_navigation():
        page.click("main form[action='/staff/two-factor/confirm'] button[type=submit]")
    assert page.locator("#two-factor-done").is_visible()
    codes = [text.strip() for text in page.locator("#recovery-codes code").all_inner_texts()]
    assert len(set(codes)) == 10 and "shown only once" in page.inner_text("#codes-once")
    runtime.clock.advance(seconds=30)  # type: ignore[attr-defined]
    _sign_out(page)

    _password(page)
    code = _code(runtime, secret)
    _second_step(page, code)
    assert page.url.endswith("/staff"), page.url
    assert ADMIN in page.inner_text("form.signout")
    _sign_out(page)

    _password(page)
    _second_step(page, codes[0])
    assert page.url.endswith("/staff"), page.url
    _sign_out(page)

    _password(page)
    _second_step(page, code)  # the same code again, within its 30 seconds
    assert page.url.endswith("/staff/two-factor/verify")
    assert "already been used" in page.inner_text("#two-factor-error")
    assert page.locator("form.signout").count() == 0  # still not signed in
