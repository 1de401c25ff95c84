"""The regulator officer's enforcement journey in headless Chromium against the live server (SQLite and
PostgreSQL): a report taken by phone for a listed, protected number → its assessment reads "apparent
contravention" with the rule behind each line → its case → investigation → an information request (the PDF
downloads) → the reply → the decision → an enforcement notice issued and served → past the deadline (the clock
moved), a new report, the compliance check → referral, showing the fine scale, at a phone's width (390 px). The case
page is then read in Traditional Chinese.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from telreg.core.clock import HK
from telreg.core.db import unit_of_work
from telreg.enforcement import fines
from telreg.runtime import Runtime
from tests.web.conftest import OFFICER_PASSWORD, list_number, make_officer

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

NUMBER = "91234567"
REGULATOR = "ofca.lam"


def _scale(runtime: Runtime) -> None:
    """A revision dated today, so the referral's figures are the ones this journey expects."""
    day = runtime.clock.now().astimezone(HK).date()
    with unit_of_work(runtime.session_factory) as session:
        for offence, cents in (("notice-first", 10_000_000), ("notice-subsequent", 50_000_000),
                               ("notice-continuing", 100_000)):
            fines.add_rate(session, clock=runtime.clock, offence=offence, amount_cents=cents, effective_from=day,
                           legal_reference="UEMO s.38", officer="setup", level=6 if offence == "notice-first"
                           else None)


def _fits(page: Any) -> bool:
    """Nothing makes the page scroll sideways at a phone's width (wide tables scroll inside their own box)."""
    return bool(page.evaluate("() => document.documentElement.scrollWidth <= document.documentElement.clientWidth"))


def _record(page: Any, runtime: Runtime, message: str) -> None:
    page.goto("/staff/enforcement/reports/new")
    page.get_by_label("By phone").check()
    page.get_by_label("Number that received the message").fill(NUMBER)
    page.locator("#register").select_option("sms")
    arrived = runtime.clock.now().astimezone(HK) - dt.timedelta(hours=1)
    page.locator("#arrived_at").fill(arrived.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("The sender's number or name as shown").fill("+852 3111 2222")
    page.locator("#message_text").fill(message)
    page.get_by_role("button", name="Record the report").click()
    page.locator("#verdict").wait_for()


def test_an_officer_takes_a_phone_report_to_a_referral(page: Any, runtime: Runtime, clock: Any,
                                                        tmp_path: Path) -> None:
    list_number(runtime, NUMBER)
    clock.advance(days=30)  # well past the 10th working day: the number is protected
    _scale(runtime)
    make_officer(runtime, username=REGULATOR, roles=("regulator",))
    page.set_viewport_size({"width": 390, "height": 844})  # a phone
    page.goto("/staff/login?lang=en")
    page.get_by_label("Username").fill(REGULATOR)
    page.get_by_label("Password").fill(OFFICER_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    page.get_by_role("link", name="Reports from the public").first.click()
    page.locator("#record-report").click()
    page.locator("#record-report-form").wait_for()

    _record(page, runtime, "Big sale today only")
    assert "Apparent contravention" in page.locator("#verdict").inner_text()
    assert _fits(page), "the report page fits a phone"
    lines = page.locator("#assessment tbody tr")
    assert lines.count() >= 2
    assert all(lines.nth(i).locator("td").nth(2).inner_text().strip() for i in range(lines.count())), \
        "every line shows its rule"
    page.locator("#report-case a").click()

    page.get_by_role("button", name="Open an investigation").click()
    page.locator("#case-state[data-state='investigating']").wait_for()
    page.get_by_label("Questions (one a line)").fill("Where did you get this number?")
    page.get_by_role("button", name="Write the letter").click()
    letter = page.locator("#case-documents li[data-kind='information-request']")
    with page.expect_download() as download_info:
        letter.locator("a").click()
    saved = tmp_path / "letter.pdf"
    download_info.value.save_as(saved)
    assert saved.read_bytes().startswith(b"%PDF")
    letter.get_by_role("button", name="Record service").click()
    page.locator("#case-documents li[data-served='yes']").wait_for()

    page.locator("summary", has_text="Record a reply").click()
    page.get_by_label("What the sender replied").fill("We bought a marketing list.")
    page.get_by_role("button", name="Record the reply").click()
    page.locator("#case-documents li[data-kind='reply']").wait_for()
    page.locator("#decision").select_option("enforcement-notice")
    page.locator("#decision_reason").fill("Messages to a protected number")
    page.get_by_role("button", name="Record the decision").click()
    page.get_by_role("button", name="Issue the notice").click()
    notice = page.locator("article.notice")
    notice.wait_for()
    page.get_by_role("button", name="Record service of the notice").click()
    page.locator("article.notice[data-state='served']").wait_for()
    case_url = page.url.split("#")[0]

    clock.advance(days=runtime.settings.notice_compliance_days + 3)  # past the deadline, the sender sends again
    _record(page, runtime, "Another sale")
    page.goto(case_url)
    page.get_by_role("button", name="Check compliance").click()
    page.locator("article.notice[data-state='breached']").wait_for()
    assert "HK$100,000.00" in page.locator("#fine-scale").inner_text()
    page.locator("#referral_reason").fill("The notice was not complied with")
    page.get_by_role("button", name="Refer for prosecution").click()
    page.locator("#referral-total").wait_for()
    assert "HK$" in page.locator("#referral-fine").inner_text()
    assert _fits(page), "the case page fits a phone"

    page.goto(case_url + "?lang=zh-Hant")
    page.wait_for_function("document.documentElement.lang === 'zh-Hant'")
    assert "已轉介檢控" in page.locator("#case-state").inner_text()
    assert "合計" in page.locator("#referral-total").inner_text()
    assert _fits(page)
