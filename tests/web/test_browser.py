"""The pages in headless Chromium: status checks in both languages, keyboard use, staff sign-in, history."""

from __future__ import annotations

import re
from typing import Any

import pytest

from telreg.dnc.vocabulary import Register
from tests.web.conftest import (
    OFFICER,
    OFFICER_PASSWORD,
    delist_number,
    list_number,
    make_officer,
    switch_language,
)

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

LISTED = "21234567"
UNLISTED = "31234567"


def _check(page: Any, number: str, *, label: str, button: str) -> None:
    page.get_by_label(label).fill(number)
    page.get_by_role("button", name=button).click()


def _row(page: Any, register: str) -> Any:
    return page.locator(f"#result tr[data-register='{register}']")


def test_listed_and_unlisted_numbers_in_english_and_chinese(page: Any, runtime: Any) -> None:
    list_number(runtime, LISTED, (Register.fax, Register.sms))
    page.goto("/")
    assert page.locator("html").get_attribute("lang") == "en"

    _check(page, "2123 4567", label="Telephone or fax number", button="Check")
    page.get_by_role("heading", name=f"Registration status of {LISTED}").wait_for()
    assert _row(page, "fax").locator("td").nth(0).inner_text() == "Listed"
    assert _row(page, "sms").locator("td").nth(0).inner_text() == "Listed"
    # Registered on the fixed clock's Monday 2 March 2026; protection from the 10th working day after it.
    assert _row(page, "fax").locator("td").nth(1).inner_text() == "2 March 2026"
    assert _row(page, "fax").locator("td").nth(2).inner_text() != ""
    assert _row(page, "prerecorded").locator("td").nth(0).inner_text() == "Not listed"
    assert _row(page, "prerecorded").locator("td").nth(1).inner_text() == ""

    _check(page, UNLISTED, label="Telephone or fax number", button="Check")
    page.get_by_role("heading", name=f"Registration status of {UNLISTED}").wait_for()
    assert [_row(page, r.value).locator("td").nth(0).inner_text() for r in Register] == ["Not listed"] * 3

    # Switch language by the link on the page; the choice sticks for the next pages.
    switch_language(page, re.compile("中文"), "zh-Hant")
    assert page.get_by_role("heading", name="查核號碼是否已登記").is_visible()
    _check(page, LISTED, label="電話或傳真號碼", button="查核")
    page.get_by_role("heading", name=f"{LISTED} 的登記狀況").wait_for()
    fax_row = _row(page, "fax")
    assert fax_row.locator("th").inner_text() == "傳真"
    assert fax_row.locator("td").nth(0).inner_text() == "已登記"
    assert fax_row.locator("td").nth(1).inner_text() == "2026年3月2日"
    assert _row(page, "prerecorded").locator("th").inner_text() == "預錄電話訊息"
    assert _row(page, "prerecorded").locator("td").nth(0).inner_text() == "未登記"

    _check(page, UNLISTED, label="電話或傳真號碼", button="查核")
    page.get_by_role("heading", name=f"{UNLISTED} 的登記狀況").wait_for()
    assert [_row(page, r.value).locator("td").nth(0).inner_text() for r in Register] == ["未登記"] * 3
    assert "如何登記" in page.inner_text("main") and "1357" in page.inner_text("main")

    switch_language(page, "English", "en")
    assert page.get_by_role("heading", name="How to register").is_visible()


def test_invalid_number_shows_the_reason(page: Any) -> None:
    page.goto("/")
    _check(page, "12345", label="Telephone or fax number", button="Check")
    alert = page.locator("#result [role=alert]")
    alert.wait_for()
    assert "has 5 digits; a Hong Kong number has 8" in alert.inner_text()
    assert page.get_by_label("Telephone or fax number").get_attribute("aria-invalid") == "true"
    assert "Traceback" not in page.content()

    _check(page, "1234 5678", label="Telephone or fax number", button="Check")
    page.locator("#result [role=alert]", has_text="cannot be registered").wait_for()

    page.goto("/status?number=12345&lang=zh-Hant")
    assert page.locator("html").get_attribute("lang") == "zh-Hant"
    assert "有 5 位數字;香港號碼有 8 位" in page.locator("#result [role=alert]").inner_text()


def test_a_number_can_be_checked_with_the_keyboard_alone(page: Any, runtime: Any) -> None:
    list_number(runtime, LISTED, (Register.sms,))
    page.goto("/")
    for _ in range(15):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "number":
            break
    else:
        pytest.fail("the number field cannot be reached with the Tab key")
    page.keyboard.type(LISTED)
    page.keyboard.press("Enter")
    page.get_by_role("heading", name=f"Registration status of {LISTED}").wait_for()
    assert _row(page, "sms").locator("td").nth(0).inner_text() == "Listed"
    assert _row(page, "fax").locator("td").nth(0).inner_text() == "Not listed"


def _sign_in(page: Any, username: str, password: str) -> None:
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def test_staff_sign_in_failure_success_and_sign_out(page: Any, runtime: Any) -> None:
    make_officer(runtime)
    list_number(runtime, LISTED, (Register.fax,))
    page.goto("/staff")
    page.wait_for_url(re.compile(r"/staff/login\?next="))

    _sign_in(page, OFFICER, "not the password")
    alert = page.get_by_role("alert")
    alert.wait_for()
    assert alert.inner_text() == "The username or password is not correct."
    assert page.get_by_label("Username").input_value() == OFFICER

    _sign_in(page, OFFICER, OFFICER_PASSWORD)
    page.get_by_role("heading", name="Officer dashboard").wait_for()
    assert page.url.endswith("/staff")
    counts = page.locator("table.counts")
    assert counts.locator("tr[data-register='fax'] td").inner_text() == "1"
    assert counts.locator("tr[data-register='sms'] td").inner_text() == "0"
    assert f"Signed in as {OFFICER}" in page.inner_text("header")

    page.get_by_role("button", name="Sign out").click()
    page.get_by_role("heading", name="Check whether a number is registered").wait_for()
    page.goto("/staff")
    page.wait_for_url(re.compile(r"/staff/login"))


def test_officer_sees_a_numbers_history(page: Any, runtime: Any, clock: Any) -> None:
    make_officer(runtime)
    list_number(runtime, LISTED, (Register.fax, Register.prerecorded))
    clock.advance(minutes=90)
    delist_number(runtime, LISTED, (Register.fax,))
    page.goto("/staff/login?lang=zh-Hant")
    page.get_by_label("用戶名稱").fill(OFFICER)
    page.get_by_label("密碼").fill(OFFICER_PASSWORD)
    page.get_by_role("button", name="登入").click()
    page.get_by_role("heading", name="職員主頁").wait_for()
    switch_language(page, "English", "en")

    page.get_by_label("Telephone or fax number").fill(f"+852 {LISTED}")
    page.get_by_role("button", name="Look up").click()
    page.get_by_role("heading", name=f"History of {LISTED}").wait_for()
    rows = page.locator("table.history tbody tr")
    events = [rows.nth(i).get_attribute("data-event") for i in range(rows.count())]
    assert events == ["registered", "registered", "deregistered"]
    last = rows.nth(2).locator("td")
    assert last.nth(0).inner_text() == "2 March 2026 11:30"
    assert last.nth(1).inner_text() == "Deregistered"
    assert last.nth(2).inner_text() == "Fax"
    assert last.nth(3).inner_text() == "Telephone hotline"  # who acted, in words (the audit trail says "hotline")
    status = page.locator("table.status")
    assert status.locator("tr[data-register='fax'] td").nth(0).inner_text() == "Not listed"
    assert status.locator("tr[data-register='prerecorded'] td").nth(0).inner_text() == "Listed"


def test_officer_records_and_approves_a_paper_application(page: Any, runtime: Any, tmp_path: Any) -> None:
    make_officer(runtime)
    bill = tmp_path / "bill.pdf"
    bill.write_bytes(b"%PDF-1.4\n% a phone bill for the test\n%%EOF\n")
    page.goto("/staff/login")
    _sign_in(page, OFFICER, OFFICER_PASSWORD)
    page.get_by_role("heading", name="Officer dashboard").wait_for()
    page.get_by_role("link", name="Paper applications").first.click()
    page.get_by_role("link", name="Record a paper application").click()

    page.get_by_label("Telephone or fax number").fill("6123 4567")
    page.get_by_label("Applicant's name").fill("Chan Tai Man")
    page.get_by_label("SMS").uncheck()
    page.get_by_label("Recent phone bill").set_input_files(str(bill))
    page.get_by_role("button", name="Record application").click()
    flash = page.get_by_role("status")
    flash.wait_for()
    assert "for 61234567 was recorded" in flash.inner_text()
    row = page.locator("table.paper tbody tr").first
    assert "Chan Tai Man" in row.inner_text()

    row.get_by_role("button", name=re.compile("^Approve")).click()
    page.get_by_role("status").filter(has_text="approved").wait_for()
    assert "No applications are waiting for a decision." in page.inner_text("main")

    page.goto("/status?number=61234567")
    assert _row(page, "fax").locator("td").nth(0).inner_text() == "Listed"
    assert _row(page, "sms").locator("td").nth(0).inner_text() == "Not listed"
    assert _row(page, "prerecorded").locator("td").nth(0).inner_text() == "Listed"
