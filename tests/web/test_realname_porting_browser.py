"""The porting page in headless Chromium: the recipient's clerk asks by keyboard, the donor's clerk confirms
at phone width, and the page switches to Chinese. SQLite and PostgreSQL (the live server runs on the test
runtime).

Seed 004 Q4.3: 由於擁有權或登記用戶沒有改變,毋須就轉攜至其他營辦商的號碼重新登記.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from telreg.runtime import Runtime

from tests.realname.porting.helpers import CHAN_HKID, history, number_operator, registered, two_operators
from tests.web.conftest import OFFICER_PASSWORD, make_officer, switch_language

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

PAGE = "/staff/realname/ports"


def _sign_in(page: Any, runtime: Runtime, username: str, operator: str) -> None:
    make_officer(runtime, username=username, roles=("operator-staff",), operator=operator)
    page.context.clear_cookies()
    page.goto(f"/staff/login?next={PAGE}&lang=en")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(OFFICER_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"**{PAGE}*")


def test_ask_by_keyboard_confirm_at_phone_width_and_switch_language(page: Any, runtime: Runtime) -> None:
    two_operators(runtime)
    registered(runtime)

    _sign_in(page, runtime, "clerk.two", "op2")
    page.get_by_role("heading", name="Ask to port a number to Operator Two").wait_for()
    page.get_by_label("Number", exact=True).fill("5123 4567")
    page.keyboard.press("Tab")  # to the document type, then its number, all by keyboard
    page.keyboard.press("Tab")
    page.keyboard.type(CHAN_HKID)
    page.keyboard.press("Enter")
    page.get_by_role("status").filter(has_text="Port request 1 for 51234567 is recorded").wait_for()
    assert "waiting for the donor" in page.locator("#mine").inner_text()

    page.set_viewport_size({"width": 375, "height": 740})
    _sign_in(page, runtime, "clerk.one", "op1")
    row = page.locator("#waiting tr[data-port='1']")
    assert "CHAN T** M**" in row.inner_text()
    row.get_by_role("button", name="Confirm and port").click()
    page.get_by_role("status").filter(has_text="51234567 is ported to Operator Two").wait_for()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375 + 1, f"the page scrolls sideways at phone width ({width}px)"
    assert number_operator(runtime) == "op2" and history(runtime)[-1]["operator"] == "op2"

    switch_language(page, re.compile("中文"), "zh-Hant")
    assert page.get_by_role("heading", name="號碼轉攜", exact=True).is_visible()
    assert "已轉攜" in page.locator("#decided").inner_text()
