"""The regulator's transparency report and oversight in headless Chromium (SQLite and PostgreSQL): sign in, open
the report of March, see the chart bars, download the CSV, switch to Chinese; record a wrong-person incident
through its confirmation step; both pages fit a phone. The Content-Security-Policy is watched: no refused script
or style on any page of the journey.

The requests are the hand-built ones of tests/lawful/oversight_helpers.py; the figures are derived by hand in
tests/lawful/test_oversight.py (test_the_march_report).
"""

from __future__ import annotations

import csv
import re
from typing import Any

import pytest

from telreg.core.db import unit_of_work
from telreg.runtime import Runtime
from tests.lawful.helpers import PASSWORD, make_staff
from tests.lawful.oversight_helpers import oversight_world
from tests.web.conftest import switch_language

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

REPORT = "/staff/lawful/transparency?from=2026-03-01&to=2026-03-31"
PHONE = {"width": 390, "height": 844}


def _watch_csp(page: Any) -> list[str]:
    reports: list[str] = []
    page.on("console", lambda message: reports.append(message.text) if "Content Security Policy" in message.text
            or "Refused to" in message.text else None)
    page.on("pageerror", lambda error: reports.append(f"script error {error}"))
    return reports


def _sign_in(page: Any, runtime: Runtime, target: str) -> None:
    make_staff(runtime, "ofca.regulator", "regulator")
    page.goto(f"{target}&lang=en")
    page.wait_for_url(re.compile(r"/staff/login\?next="))
    page.get_by_label("Username").fill("ofca.regulator")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/staff/lawful/transparency"))


def test_the_regulator_reads_the_report_its_bars_and_its_csv(page: Any, runtime: Runtime) -> None:
    reports = _watch_csp(page)
    with unit_of_work(runtime.session_factory) as session:
        oversight_world(session, runtime)
    _sign_in(page, runtime, REPORT)
    page.get_by_role("heading", name="Transparency report of lawful access", level=1).wait_for()
    assert page.locator("#fig-authorisations").inner_text() == "9"
    assert page.locator("#fig-median").inner_text() == "2.5 hours"

    # The outcome chart: one bar per outcome, as long as its count (5 disclosed is five times 1 no-records).
    chart = page.get_by_role("img", name="By outcome")
    assert chart.is_visible()
    bars = page.locator("#chart-outcome g.bar")
    assert bars.count() == 6
    counts = {bars.nth(i).get_attribute("data-key"): int(bars.nth(i).get_attribute("data-count"))
              for i in range(6)}
    assert counts == {"disclosed": 5, "no-records": 1, "rejected": 3, "cancelled": 1, "invalid": 1, "pending": 1}
    disclosed = page.locator("#chart-outcome g.bar[data-key='disclosed'] rect").bounding_box()
    no_records = page.locator("#chart-outcome g.bar[data-key='no-records'] rect").bounding_box()
    assert disclosed and no_records and disclosed["width"] == pytest.approx(5 * no_records["width"], rel=0.02)
    assert page.locator("#chart-outcome g.bar[data-key='disclosed'] rect title").text_content() == "Disclosed: 5"
    operators = page.locator("#chart-operator g.bar")
    assert [operators.nth(i).get_attribute("data-count") for i in range(operators.count())] == ["7", "3", "2"]

    with page.expect_download() as download_info:
        page.locator("#csv").click()
    assert download_info.value.suggested_filename == "lawful-transparency-2026-03-01-2026-03-31.csv"
    with open(download_info.value.path(), encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["category", "value", "figure"]
    figures = {(category, value): figure for category, value, figure in rows[1:]}
    assert figures[("by_outcome", "disclosed")] == "5" and figures[("timing", "p90_response_hours")] == "27.0"
    assert figures[("emergencies", "backed-late")] == "1" and figures[("totals", "tasks")] == "12"

    switch_language(page, re.compile("中文"), "zh-Hant")
    assert page.get_by_role("heading", name="合法查閱透明度報告", level=1).is_visible()
    assert page.locator("#fig-median").inner_text() == "2.5 小時"
    assert page.get_by_role("img", name="按結果").is_visible()
    assert reports == []


def test_the_regulator_reports_a_wrong_person_and_both_pages_fit_a_phone(page: Any, runtime: Runtime) -> None:
    reports = _watch_csp(page)
    with unit_of_work(runtime.session_factory) as session:
        task = oversight_world(session, runtime)["T1a"].object_id
    _sign_in(page, runtime, REPORT)
    page.set_viewport_size(PHONE)
    for address in (f"{REPORT}&lang=zh-Hant", "/staff/lawful/oversight?lang=zh-Hant"):
        page.goto(address)
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], address

    page.goto("/staff/lawful/oversight?lang=en")
    row = page.locator(f"div.wrong-person[data-task='{task}']")
    row.locator("summary").click()
    row.get_by_label("What went wrong").fill("The number had been reassigned before the window")
    row.get_by_role("button", name="Report the incident").click()
    page.locator("#confirm-form").wait_for()
    assert "LD-1a" in page.locator("#confirm-question").inner_text()
    page.get_by_role("button", name="Yes, record the incident").click()
    page.wait_for_url(re.compile(r"/staff/lawful/oversight$"))
    assert page.locator(".flash").inner_text() == "The wrong-person incident on task LD-1a is recorded."
    assert page.locator(f"div.wrong-person[data-task='{task}'] .wrong-person-recorded").is_visible()
    page.goto(f"{REPORT}&lang=en")
    assert page.locator("#fig-wrong-person").inner_text() == "1"
    assert reports == []
