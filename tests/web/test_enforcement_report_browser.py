"""The reporter's journey in a browser: a member of the public files a report with a screenshot, answers the
CAPTCHA, keys the code the SMS brought, sees the reference and access code once and checks the report's state;
the same in 繁體 with a bad number first (the refusal is in Chinese, next to the field); every page at phone width
(390 px) without scrolling sideways."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.enforcement.reports_helpers import code_from_sms, png_bytes
from tests.web.conftest import switch_language

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

ANSWER = "K7PQ2"
WIDE = "() => document.documentElement.scrollWidth > document.documentElement.clientWidth"


def _fill(page: Any, number: str, *, sender: str) -> None:
    page.fill("#receiving_number", number)
    page.select_option("#register", "sms")
    page.fill("#arrived_date", "2026-03-01")
    page.fill("#arrived_time", "14:30")
    page.fill("#sender_identification", sender)
    page.fill("#message_text", "Big sale today only! Reply STOP to stop.")
    page.set_input_files("#attachments", files=[{"name": "shot.png", "mimeType": "image/png",
                                                 "buffer": png_bytes()}])
    page.check("input[name=contact_kind][value=email]")
    page.fill("#contact", "reporter@example.org")
    page.fill("#captcha_answer", ANSWER)


def _prove_and_check(page: Any, sms: Any, number: str) -> str:
    page.wait_for_url(re.compile(r"/report/R-\d{4}-\d{6}/proof"))
    assert not page.evaluate(WIDE)
    page.fill("#code", code_from_sms(sms, number))
    page.click("form[action$='/proof'] button[type=submit]")
    page.wait_for_url(re.compile(r"/done$"))
    assert not page.evaluate(WIDE)
    reference = page.inner_text("#report-reference").strip()
    access_code = page.inner_text("#report-access-code").strip()
    assert re.fullmatch(r"R-\d{4}-\d{6}", reference) and len(access_code) >= 10
    page.click(f"a[href='/report/status?reference={reference}']")
    page.fill("#access_code", access_code)
    page.click("form[action='/report/status'] button[type=submit]")
    page.wait_for_selector("#report-stage")
    assert not page.evaluate(WIDE)
    return page.inner_text("#report-stage")


def test_a_member_of_the_public_reports_a_message(page: Any, runtime: Any, sms: Any) -> None:
    runtime.extras["captcha_answers"] = lambda: ANSWER
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/")
    page.click("#enforcement-report-link a")
    page.wait_for_url(re.compile(r"/report$"))
    assert not page.evaluate(WIDE)
    assert page.locator("#captcha-audio").count() == 1  # the CAPTCHA's spoken alternative
    _fill(page, "9123 4567", sender="+852 3111 2222")
    page.click("#report-form button[type=submit]")
    stage = _prove_and_check(page, sms, "91234567")
    assert "Received" in stage

    # The same in 繁體, with a number from abroad first: the refusal is Chinese, next to the field, input kept.
    page.goto("/report")
    switch_language(page, re.compile("中文"), "zh-Hant")
    _fill(page, "+44 20 7946 0000", sender="ABC 推廣")
    page.click("#report-form button[type=submit]")
    error = page.locator("#receiving_number-error")
    error.wait_for()
    assert re.search(r"[\u4e00-\u9fff]", error.inner_text()) and "香港" in error.inner_text()
    assert page.input_value("#sender_identification") == "ABC 推廣"
    assert page.locator("#files-not-kept").count() == 1
    assert not page.evaluate(WIDE)
    page.fill("#receiving_number", "6123 4567")
    page.set_input_files("#attachments", files=[{"name": "shot.png", "mimeType": "image/png",
                                                 "buffer": png_bytes("blue")}])
    page.fill("#captcha_answer", ANSWER)
    page.click("#report-form button[type=submit]")
    stage = _prove_and_check(page, sms, "61234567")
    assert "已收到" in stage
