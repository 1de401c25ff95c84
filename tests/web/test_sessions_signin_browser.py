"""Issue 14 in headless Chromium: the staff sign-in asks for a CAPTCHA (with its spoken alternative) after
repeated failures, and a signed-in officer sees where they are signed in and signs out everywhere."""

from __future__ import annotations

from typing import Any

import pytest

from telreg.core import captcha
from tests.web.conftest import OFFICER, OFFICER_PASSWORD, make_officer

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

ANSWER = "K7QM4"


def _sign_in(page: Any, password: str) -> None:
    page.get_by_label("Username").fill(OFFICER)
    page.get_by_label("Password").fill(password)
    if page.locator("#captcha_answer").count():
        page.get_by_label("Type the characters in the picture").fill(ANSWER)
    page.get_by_role("button", name="Sign in").click()


def test_captcha_after_failures_then_sessions_and_sign_out_everywhere(page: Any, runtime: Any) -> None:
    make_officer(runtime)
    runtime.extras[captcha.EXTRAS_KEY] = lambda: ANSWER  # pictures of a known answer (core.captcha's test hook)
    page.goto("/staff/login")
    assert page.locator("#captcha-picture").count() == 0
    for _ in range(runtime.settings.staff_captcha_after_failures):
        _sign_in(page, "wrong password")
        page.get_by_role("alert").wait_for()
    assert page.locator("#captcha-picture").is_visible()
    assert page.locator("#captcha-audio").get_attribute("src").startswith("/api/v1/captcha/")

    _sign_in(page, OFFICER_PASSWORD)
    page.get_by_role("link", name="Where you are signed in").click()
    rows = page.locator("#sessions tbody tr")
    rows.first.wait_for()
    assert rows.count() == 1 and "this browser" in rows.first.inner_text()
    page.get_by_role("button", name="Sign out everywhere").click()
    page.get_by_role("status").wait_for()
    page.goto("/staff/home")
    page.wait_for_url("**/staff/login?next=*")
