"""The sender portal in headless Chromium: apply with a PDF → an officer accepts the documents and records the
payment → the sender logs in with the CAPTCHA → downloads a register file whose SHA-256 matches → online check."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from pathlib import Path
from typing import Any

import pytest

from telreg.core import captcha
from telreg.core.clock import HK
from telreg.dnc.vocabulary import Register
from tests.dnc.publish_helpers import publish
from tests.senders.helpers import PDF
from tests.web.conftest import OFFICER, OFFICER_PASSWORD, list_number, make_officer, switch_language

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

ANSWER = "H4RDW"
USERNAME = "chan.taiman"
PASSWORD = "a long pass phrase"
LISTED = "21234567"
UNLISTED = "31234567"
DAY = dt.date(2026, 3, 2)  # the clock fixture's Monday, 10:00


def _apply(page: Any) -> None:
    page.goto("/senders/apply")
    page.get_by_label("Individual").check()
    page.get_by_label("Name of the applicant").fill("CHAN Tai Man")
    page.get_by_label("Contact email").fill("chan@example.com")
    page.get_by_label("SMS").select_option("12-months")
    page.get_by_label("Username").fill(USERNAME)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password again").fill(PASSWORD)
    page.get_by_label("Security question", exact=True).fill("Name of my first school?")
    page.get_by_label("Answer to the security question").fill("St. Paul's")
    page.get_by_label("Copy of the Hong Kong identity card").set_input_files(
        {"name": "hkid.pdf", "mimeType": "application/pdf", "buffer": PDF})
    page.get_by_label("Type the characters in the picture").fill(ANSWER.lower())  # the CAPTCHA (issue 14)
    page.get_by_role("button", name="Apply").click()
    page.get_by_role("heading", name="Application received").wait_for()
    assert "HK$1,600.00" in page.inner_text("main")


def _officer_activates(officer: Any) -> None:
    officer.goto("/staff/login")
    officer.get_by_label("Username").fill(OFFICER)
    officer.get_by_label("Password").fill(OFFICER_PASSWORD)
    officer.get_by_role("button", name="Sign in").click()
    officer.get_by_role("link", name="Sender accounts").click()
    officer.get_by_role("link", name=USERNAME).click()
    officer.get_by_role("heading", name=f"Sender account {USERNAME}").wait_for()
    officer.get_by_role("button", name="Accept the documents").click()
    officer.locator("#documents-accepted").wait_for()
    form = officer.get_by_role("form", name=re.compile(r"Record a payment for order \d+"))
    form.get_by_label("Method").select_option("cheque")
    form.get_by_label("Reference").fill("CHQ 123456")
    assert form.get_by_label("Amount (HK$)").input_value() == "1600.00"  # the outstanding amount, ready
    form.get_by_role("button", name="Record payment").click()
    officer.get_by_role("status").filter(has_text="the account is active").wait_for()
    assert officer.locator("#account-state").get_attribute("data-state") == "active"


def _log_in(page: Any) -> None:
    page.goto("/senders/login")
    assert page.get_by_role("img", name=re.compile("distorted characters")).is_visible()
    page.get_by_label("Username").fill(USERNAME)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Type the characters in the picture").fill(ANSWER.lower())
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("heading", name="Account profile").wait_for()


def test_apply_activate_log_in_download_and_check(page: Any, browser: Any, live_server: str, runtime: Any,
                                                   clock: Any) -> None:
    runtime.extras[captcha.EXTRAS_KEY] = lambda: ANSWER  # the test knows the answer without reading the picture
    make_officer(runtime)
    _apply(page)

    staff = browser.new_context(base_url=live_server, locale="en-GB")
    staff.set_default_timeout(10_000)
    try:
        _officer_activates(staff.new_page())
    finally:
        staff.close()

    # The day's registrations, published at the 23:00 close; the sender comes back the next morning.
    list_number(runtime, LISTED, (Register.sms, Register.fax))
    clock.set(dt.datetime.combine(DAY, dt.time(23, 0), tzinfo=HK))
    published = publish(runtime, DAY)
    clock.set(dt.datetime.combine(DAY + dt.timedelta(days=1), dt.time(9, 0), tzinfo=HK))

    _log_in(page)
    assert page.locator("#account-state").get_attribute("data-state") == "active"
    assert "2 March 2027" in page.locator("tr[data-register='sms'] td.expires").inner_text()

    page.get_by_role("link", name="Downloads").click()
    page.get_by_role("heading", name="Download the registers").wait_for()
    row = page.locator("table[data-register='sms'] tr[data-file='sms-numbers.zip']")
    shown_sha256 = row.locator("code.sha256").inner_text()
    with page.expect_download() as info:
        row.get_by_role("link", name="Download sms-numbers.zip").click()
    downloaded = Path(info.value.path()).read_bytes()
    assert hashlib.sha256(downloaded).hexdigest() == shown_sha256
    published_sums = (published.path / "sms-numbers.zip.sha256").read_text().split()
    assert published_sums[0] == shown_sha256
    assert page.locator("table[data-register='fax']").count() == 0  # fax is not subscribed

    page.get_by_role("link", name="Online check").click()
    page.get_by_label("Numbers, one per line").fill(f"{LISTED}\n{UNLISTED}\n12345")
    page.get_by_role("button", name="Check").click()
    results = page.locator("#check-result")
    results.wait_for()
    listed = results.locator(f"tr[data-number='{LISTED}'] td[data-register='sms']")
    assert listed.get_attribute("data-status") == "listed"
    assert "registered 2 March 2026" in listed.inner_text()
    unlisted = results.locator(f"tr[data-number='{UNLISTED}'] td[data-register='sms']")
    assert unlisted.get_attribute("data-status") == "not_listed" and unlisted.inner_text().strip() == "Not listed"
    invalid = results.locator("tr[data-input='12345'] td")
    assert invalid.get_attribute("data-status") == "invalid"
    assert "has 5 digits; a Hong Kong number has 8" in invalid.inner_text()
    assert page.get_by_label("Numbers, one per line").input_value() == f"{LISTED}\n{UNLISTED}\n12345"


def test_the_portal_in_traditional_chinese(page: Any, runtime: Any) -> None:
    runtime.extras[captcha.EXTRAS_KEY] = lambda: ANSWER
    page.goto("/senders/login")
    switch_language(page, re.compile("中文"), "zh-Hant")
    page.get_by_role("heading", name="登入訂用帳戶").wait_for()
    page.get_by_label("用戶名稱").fill("nobody.here")
    page.get_by_label("密碼").fill("not a password")
    page.get_by_label("請輸入圖中的字元").fill("WRONG")
    page.get_by_role("button", name="登入").click()
    alert = page.get_by_role("alert")
    alert.wait_for()
    assert "輸入的字元與圖片不符" in alert.inner_text()
    assert page.get_by_label("請輸入圖中的字元").get_attribute("aria-invalid") == "true"
    assert page.get_by_label("用戶名稱").input_value() == "nobody.here"  # what was typed is kept

    page.get_by_role("link", name="申請帳戶").click()
    page.get_by_role("heading", name="申請訂用帳戶").wait_for()
    page.get_by_label("香港公司").check()  # htmx swaps in the documents a company needs
    page.get_by_label("商業登記證").wait_for()
    assert page.get_by_label("香港身份證副本").count() == 0
