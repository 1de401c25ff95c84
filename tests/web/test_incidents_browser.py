"""The regulator's incident journey in headless Chromium against the live server (SQLite and PostgreSQL): a shop
account registered numbers in a window → the regulator opens an incident freezing that account (through the
confirmation step) → sees the freeze and the affected holders, masked, and downloads the CSV → completes every
remedy step → marks the incident contained and closes it, each through its confirmation step. The last pages are
read in Chinese after the language switch; no refused script or style on the way (Content-Security-Policy).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from telreg.core.clock import to_hk
from telreg.core.db import unit_of_work
from telreg.core.users import get_user
from telreg.runtime import Runtime
from tests.incidents.helpers import PASSWORD, REGULATOR, SHOP, people, trail
from tests.web.conftest import switch_language

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def _fits(page: Any) -> bool:
    """Nothing makes the page scroll sideways."""
    return bool(page.evaluate("() => document.documentElement.scrollWidth <= document.documentElement.clientWidth"))


def test_regulator_opens_freezes_notifies_and_closes(page: Any, runtime: Runtime, clock: Any,
                                                     tmp_path: Path) -> None:
    reports: list[str] = []
    page.on("console", lambda message: reports.append(message.text) if "Content Security Policy" in message.text
            or "Refused to" in message.text else None)
    page.set_viewport_size({"width": 390, "height": 844})  # a phone
    people(runtime)
    t = trail(runtime, clock)

    page.goto("/staff/login?lang=en")
    page.get_by_label("Username").fill(REGULATOR)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    page.goto("/staff/incidents")
    page.locator("#no-incidents").wait_for()
    assert _fits(page), "the list and its form fit a phone's width"

    form = page.locator("#open-incident")
    form.get_by_label("Title").fill("Shop tablet lost")
    form.get_by_label("Category").select_option("loss")
    form.get_by_label("What happened").fill("Left in a taxi")
    page.locator("#window_start").fill(to_hk(t.start).strftime("%Y-%m-%dT%H:%M"))
    page.locator("#window_end").fill(to_hk(t.end).strftime("%Y-%m-%dT%H:%M"))
    page.locator("#accounts").fill(SHOP)
    form.get_by_role("button", name="Open the incident…").click()
    page.get_by_role("button", name="Open and freeze").click()
    page.locator(".flash").wait_for()
    assert "INC-2026-0001" in page.locator("h1").inner_text()
    assert "Account deactivated and its sessions ended" in page.locator("#scope").inner_text()
    with unit_of_work(runtime.session_factory) as session:
        assert get_user(session, SHOP).is_active is False

    assert _fits(page), "the incident page fits a phone's width (wide tables scroll inside their own box)"
    holders = page.locator("#affected tr.affected-holder")
    assert holders.count() == 2
    assert "CHAN T** M**" in holders.nth(0).inner_text() and "WONG S** M***" in holders.nth(1).inner_text()
    assert "CHAN Tai Man" not in page.content() and "51110002" not in page.content()
    with page.expect_download() as download_info:
        page.locator("#affected-csv").click()
    saved = tmp_path / "affected.csv"
    download_info.value.save_as(saved)
    assert "CHAN T** M**" in saved.read_text(encoding="utf-8")

    while page.locator("tr.step[data-done=no]").count():
        step = page.locator("tr.step[data-done=no]").first
        step.get_by_label("What was done").fill("done")
        step.get_by_role("button", name="Done").click()
        page.locator(".flash").wait_for()
    page.locator("#contain").get_by_role("button", name="Mark contained…").click()
    page.get_by_role("button", name="Mark contained").click()
    page.locator(".flash").wait_for()
    switch_language(page, re.compile("中文"), "zh-Hant")
    assert page.locator("#incident-state").inner_text() == "已控制"
    page.locator("#summary").fill("Tablet wiped remotely; two holders told through op1.")
    page.locator("#close").get_by_role("button").click()
    page.locator("#confirm-form").get_by_role("button").first.click()
    page.locator(".flash").wait_for()
    assert page.locator("#incident-state").inner_text() == "已結束"
    assert "Tablet wiped remotely" in page.locator("#closing-summary").inner_text()
    assert reports == []
