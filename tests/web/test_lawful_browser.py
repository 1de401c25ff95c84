"""Lawful access's journeys in headless Chromium against the live server (SQLite and PostgreSQL).

(a) A warrant: le.officer files a warrant request with its PDF through the form for a registered number →
op1.compliance1 opens the task (in Chinese: the journey's language switch), sees the preview without personal
data and approves → op1.compliance2 releases → le.officer downloads the zip once (records.json and receipt.json
inside); a second click says it is no longer available.

(b) An emergency: le.officer files an emergency with its grounds → le.supervisor endorses → op1.compliance1
approves (released at once) → 49 hours pass without a warrant → the sweep runs → the officer's page shows the
task revoked and no download.

The Content-Security-Policy is watched throughout: no refused script or style on any page. That every lawful-access
page fits a phone is checked with every other page's, in tests/web/test_phone_width_browser.py.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlparse

import pytest

from telreg.core.db import unit_of_work
from telreg.lawful import service
from telreg.lawful.hi1 import dictionaries as d
from telreg.runtime import Runtime
from tests.lawful.edges import COURT, PDF
from tests.lawful.helpers import PASSWORD, lawful_world, register_number
from tests.web.conftest import switch_language

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

NUMBER = "91234567"


def _watch_csp(page: Any) -> list[str]:
    reports: list[str] = []
    page.on("console", lambda message: reports.append(message.text) if "Content Security Policy" in message.text
            or "Refused to" in message.text else None)
    page.on("pageerror", lambda error: reports.append(f"script error {error}"))
    return reports


def _sign_in(page: Any, username: str, next_path: str) -> None:
    """Sign in afresh (a new session: the previous person's cookies are gone) and land on NEXT_PATH."""
    page.context.clear_cookies()
    page.goto(f"/staff/login?lang=en&next={quote(next_path)}")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"**{next_path}")


def _file_request(page: Any, *, emergency: bool, reference: str) -> str:
    """Fill the new-request form as the officer and file it; return the request's page address."""
    page.goto("/staff/lawful/requests/new")
    if emergency:
        page.locator("#legal-emergency").check()
        page.locator("#issuing_authority").fill("Superintendent, Regional Crime Unit")
        page.locator("#grounds").fill("A kidnapping in progress: the victim's phone is the only lead.")
    else:
        page.locator("#legal-warrant").check()
        page.locator("#issuing_authority").fill(COURT)
        page.locator("#warrant").set_input_files({"name": "warrant.pdf", "mimeType": "application/pdf",
                                                  "buffer": PDF})
    page.locator("#reference").fill(reference)
    page.locator("#timespan_from").fill("2026-02-01")
    page.locator("#timespan_to").fill("2026-03-02")
    page.locator("#format_1").select_option(d.INTERNATIONAL_E164)
    page.locator("#target_1").fill("9123 4567")
    page.locator("#request_type_1").select_option(d.SUBSCRIBER_DATA)
    page.get_by_role("button", name="File the request").click()
    page.wait_for_url(re.compile(r"/staff/lawful/requests/[0-9a-f-]{36}$"))
    assert reference in page.locator(".flash").inner_text()
    return urlparse(page.url).path


def _task_of(page: Any) -> str:
    task_id = page.locator("#tasks tr[data-task]").first.get_attribute("data-task")
    assert task_id
    return task_id


def test_a_warrant_request_from_the_form_to_the_single_download(page: Any, runtime: Runtime,
                                                                tmp_path: Path) -> None:
    reports = _watch_csp(page)
    people = lawful_world(runtime)
    register_number(runtime, NUMBER, operator="op1")

    # The officer files the warrant request with its PDF.
    _sign_in(page, people["officer"], "/staff/lawful/requests/new")
    request_page = _file_request(page, emergency=False, reference="HCMW-7-2026")
    task_id = _task_of(page)
    assert "warrant.pdf" in page.locator("#documents").inner_text()

    # The first compliance officer, in Chinese from here, sees the preview (no personal data) and approves.
    _sign_in(page, people["compliance1"], "/staff/lawful/queue")
    switch_language(page, re.compile("中文"), "zh-Hant")
    page.locator(f"#task-{task_id} a").click()
    page.wait_for_url(f"**/staff/lawful/queue/{task_id}")
    assert page.locator("#record-count").inner_text().strip() == "1"
    assert NUMBER not in page.content()
    assert page.locator("#legal-type").inner_text().strip() == "手令"
    page.locator("#approve-reason").fill("手令有效")
    page.locator("#approve-form button").click()
    page.locator(".flash").wait_for()
    assert page.locator("#task-status").get_attribute("data-status") == d.AWAITING_DISCLOSURE
    assert page.locator("#release-form").count() == 0  # not to the one who approved

    # The second compliance officer releases.
    _sign_in(page, people["compliance2"], f"/staff/lawful/queue/{task_id}")
    assert page.locator("#approval-expires").count() == 1
    page.locator("#release-form button").click()
    page.locator(".flash").wait_for()
    assert page.locator("#task-status").get_attribute("data-status") == d.DISCLOSED

    # The officer downloads the result once; the second click is told it is gone.
    _sign_in(page, people["officer"], request_page)
    row = page.locator(f"#task-{task_id}")
    assert row.get_attribute("data-result") == "available"
    with page.expect_download() as download_info:
        row.get_by_role("button", name="Download (once)").click()
    saved = tmp_path / "result.zip"
    download_info.value.save_as(saved)
    names = zipfile.ZipFile(saved).namelist()
    assert {"records.json", "receipt.json"} <= set(names)
    row.get_by_role("button", name="Download (once)").click()
    page.locator("#lawful-error").wait_for()
    assert page.locator("#lawful-error .problem").get_attribute("data-code") == "lawful_result_unavailable"
    assert page.locator(f"#task-{task_id}").get_attribute("data-result") == "downloaded"
    assert page.locator(f"#task-{task_id} .download-form").count() == 0
    assert reports == []


def test_an_emergency_not_backed_in_time_is_revoked(page: Any, runtime: Runtime) -> None:
    reports = _watch_csp(page)
    people = lawful_world(runtime)
    register_number(runtime, NUMBER, operator="op1")

    _sign_in(page, people["officer"], "/staff/lawful/requests/new")
    request_page = _file_request(page, emergency=True, reference="EM-7-2026")
    task_id = _task_of(page)
    authorisation_id = request_page.rsplit("/", 1)[1]
    assert page.locator("#authorisation").get_attribute("data-status") == d.AWAITING_APPROVAL

    # The supervisor endorses it.
    _sign_in(page, people["supervisor"], "/staff/lawful/endorsements")
    page.locator(f"#endorse-{authorisation_id}").get_by_role("button", name="Endorse").click()
    page.locator(".flash").wait_for()
    assert page.locator(f"#endorse-{authorisation_id}").count() == 0

    # One compliance officer's approval releases an emergency at once.
    _sign_in(page, people["compliance1"], f"/staff/lawful/queue/{task_id}")
    page.locator("#approve-reason").fill("Life at risk")
    page.locator("#approve-form button").click()
    page.locator(".flash").wait_for()
    assert page.locator("#task-status").get_attribute("data-status") == d.DISCLOSED

    _sign_in(page, people["officer"], request_page)
    assert page.locator(f"#task-{task_id}").get_attribute("data-result") == "available"
    assert page.locator("#backing-due").count() == 1

    # No warrant comes: 49 hours later the sweep revokes the release and destroys the result.
    runtime.clock.advance(hours=49)
    with unit_of_work(runtime.session_factory) as session:
        service.sweep(session, runtime=runtime)
    page.reload()
    row = page.locator(f"#task-{task_id}")
    assert row.get_attribute("data-status") == d.INVALID
    assert row.get_attribute("data-result") == "destroyed"
    assert row.locator(".download-form").count() == 0
    assert page.locator("#authorisation").get_attribute("data-status") == d.INVALID
    assert page.locator("#emergency-outcome").count() == 1
    assert reports == []
