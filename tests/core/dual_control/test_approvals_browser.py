"""The two-person rule's page in headless Chromium at phone width: one compliance officer asks for an export,
a second approves it through the confirmation step (in Chinese), the first downloads the file once."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Any

import pytest

from telreg.runtime import Runtime

from .helpers import PASSWORD, make_people, make_registrations

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]
PHONE = {"width": 360, "height": 740}


def _sign_in(tab: Any, username: str) -> None:
    tab.goto("/staff/login?lang=en")
    tab.locator("#username").fill(username)
    tab.locator("#password").fill(PASSWORD)
    tab.locator("#password").press("Enter")
    tab.wait_for_url(re.compile(r"/staff(?!/login)"))


def _fits(tab: Any) -> None:
    width = tab.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{tab.url} is {width}px wide"


def test_ask_approve_and_download_at_phone_width(page: Any, browser: Any, runtime: Runtime,  # noqa: F811
                                                 live_server: str, tmp_path: Path) -> None:
    make_people(runtime, "carol", "cody")
    holders = make_registrations(runtime)
    page.set_viewport_size(PHONE)
    _sign_in(page, "carol")
    page.goto("/staff/approvals?lang=en")
    _fits(page)
    page.locator("#kind").select_option("bulk-export")
    page.locator("#reason").fill("Quarterly audit")
    page.get_by_role("button", name="Ask for approval").click()
    page.locator(".flash").wait_for()
    assert "a second person must approve it" in page.locator(".flash").inner_text()
    assert page.get_by_role("button", name="Download the file (once)").count() == 0

    second = browser.new_context(base_url=live_server, locale="en-GB", viewport=PHONE)
    try:
        other = second.new_page()
        _sign_in(other, "cody")
        other.goto("/staff/approvals?lang=zh-Hant")
        _fits(other)
        item = other.locator("article[data-request]").first
        assert "匯出營辦商的登記紀錄（已遮蔽）" in item.inner_text()
        item.get_by_label("你作此決定的理由").fill("已核對")
        item.locator("button:not(.danger)").click()  # approve (the other button rejects)
        other.get_by_role("button", name="是，批核").click()
        other.locator(".flash").wait_for()
        _fits(other)
    finally:
        second.close()

    page.goto("/staff/approvals?lang=zh-Hans")
    _fits(page)
    with page.expect_download() as got:
        page.get_by_role("button", name="下载文件（只限一次）").click()
    saved = tmp_path / "export.csv"
    got.value.save_as(saved)
    rows = list(csv.DictReader(io.StringIO(saved.read_text(encoding="utf-8"))))
    assert len(rows) == 3 and rows[0]["name_masked"] == "CHAN T** M**"
    assert all(h["name"] not in saved.read_text(encoding="utf-8") for h in holders)
    page.goto("/staff/approvals?lang=en")
    assert page.get_by_role("button", name="Download the file (once)").count() == 0
    assert "Used" in page.locator("#mine-title ~ article").first.inner_text()
