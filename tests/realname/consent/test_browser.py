"""The consent page in headless Chromium at phone width: a clerk records a holder's withdrawal by keyboard in
Chinese, a compliance officer downloads the list of numbers it may use. SQLite and PostgreSQL (the live server
runs on the test runtime)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from telreg.runtime import Runtime
from tests.web.conftest import OFFICER_PASSWORD, make_officer, switch_language

from .helpers import CHAN_AT_OP1, WONG_AT_OP1, give, holdings, staff_user, state

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

PAGE = "/staff/realname/consents"


def _sign_in(page: Any, runtime: Runtime, username: str, roles: tuple[str, ...]) -> None:
    make_officer(runtime, username=username, roles=roles, operator="op1")
    page.context.clear_cookies()
    page.goto(f"/staff/login?next={PAGE}&lang=en")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(OFFICER_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"**{PAGE}*")


def _fits(page: Any) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375 + 1, f"the page scrolls sideways at phone width ({width}px)"


def test_a_clerk_records_a_withdrawal_in_chinese_at_phone_width(page: Any, runtime: Runtime) -> None:
    holdings(runtime)
    runtime.clock.advance(days=10)
    give(runtime, CHAN_AT_OP1, "granted", at=runtime.clock.now().replace(hour=8))
    page.set_viewport_size({"width": 375, "height": 740})
    _sign_in(page, runtime, "clerk.chan", ("operator-staff",))
    switch_language(page, re.compile("中文"), "zh-Hant")
    page.get_by_label("號碼", exact=True).first.fill(CHAN_AT_OP1)
    page.keyboard.press("Enter")
    page.locator("#consent-states tr[data-allowed='yes']").wait_for()
    _fits(page)

    form = page.locator("#consent-form")
    form.get_by_label("已撤回").check()
    form.get_by_label("機主給予的途徑").select_option("call")
    form.get_by_label("參考編號（可不填）").fill("CALL-77")
    form.get_by_role("button", name="記錄指示").click()
    page.get_by_role("status").filter(has_text="已記錄機主撤回同意。").wait_for()
    assert page.locator("#consent-states tr[data-allowed='no']").count() == 1
    assert "以電話" in page.locator("#consent-states").inner_text()
    assert page.locator("#consent-history tr[data-decision='withdrawn']").count() == 1
    _fits(page)
    assert not state(runtime, CHAN_AT_OP1).allowed


def test_a_compliance_officer_downloads_the_numbers_it_may_use(page: Any, runtime: Runtime) -> None:
    holdings(runtime)
    runtime.clock.advance(days=10)
    officer = staff_user("comp.ho", roles=("operator-compliance",))
    give(runtime, CHAN_AT_OP1, "granted", user=officer)
    give(runtime, WONG_AT_OP1, "withdrawn", user=officer)
    page.set_viewport_size({"width": 375, "height": 740})
    _sign_in(page, runtime, "comp.ho", ("operator-compliance",))
    page.get_by_role("heading", name="Numbers you may use").wait_for()
    _fits(page)
    with page.expect_download() as download:
        page.get_by_role("button", name="Download the list").click()
    assert Path(download.value.path()).read_text(encoding="utf-8") == f"number\n{CHAN_AT_OP1}\n"
    switch_language(page, re.compile("中文"), "zh-Hant")
    assert page.get_by_role("heading", name="可使用的號碼").is_visible()
    _fits(page)
