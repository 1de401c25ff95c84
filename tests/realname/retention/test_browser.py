"""The retention page in headless Chromium for the roles that use it: the regulator (every identity, CSV, the
Chinese page) and an operator's compliance officer (its operator's people, at phone width)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from telreg.runtime import Runtime
from tests.web.conftest import OFFICER_PASSWORD, make_officer, switch_language

from .world import build_world

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

PAGE = "/staff/realname/retention?from=2028-03-02&to=2028-03-11"


def _sign_in(page: Any, runtime: Runtime, username: str, roles: tuple[str, ...], operator: str | None = None) -> None:
    make_officer(runtime, username=username, roles=roles, operator=operator)
    page.goto(PAGE)
    page.wait_for_url(re.compile(r"/staff/login\?next="))
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(OFFICER_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/staff/realname/retention"))


def test_the_regulator_sees_every_section_downloads_and_reads_it_in_chinese(page: Any, runtime: Runtime) -> None:
    world = build_world(runtime)
    _sign_in(page, runtime, "ofca.lam", ("regulator",))
    page.get_by_role("heading", name="Retention of personal data", level=1).wait_for()
    due = page.locator(f"#due tr[data-identity='{world.due}'] td")
    assert [due.nth(i).inner_text() for i in range(3)] == ["Hong Kong identity card", "2 March 2026 10:00", "10"]
    assert page.locator(f"#held tr[data-identity='{world.held}']").inner_text().endswith(world.task)
    assert page.locator(f"#kept tr[data-identity='{world.kept}']").is_visible()
    assert page.locator(f"#erased tr[data-identity='{world.erased}'] td").first.inner_text() == "2 March 2028 10:00"

    with page.expect_download() as download_info:
        page.locator("#csv").click()
    with open(download_info.value.path(), encoding="utf-8") as downloaded:
        lines = downloaded.read().splitlines()
    assert lines[0].startswith("section,identity_id,doc_type") and len(lines) == 5

    switch_language(page, re.compile("中文"), "zh-Hant")
    assert page.get_by_role("heading", name="個人資料的保留", level=1).is_visible()
    assert page.locator(f"#due tr[data-identity='{world.due}'] td").first.inner_text() == "香港身份證"


def test_a_compliance_officer_sees_its_operator_at_phone_width(page: Any, runtime: Runtime) -> None:
    world = build_world(runtime)
    page.set_viewport_size({"width": 390, "height": 844})
    _sign_in(page, runtime, "comp.two", ("operator-compliance",), operator="op2")
    assert page.locator("#due-count").inner_text() == "0"
    assert page.locator(f"#erased tr[data-identity='{world.erased}']").is_visible()
    assert page.locator(f"[data-identity='{world.due}']").count() == 0
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
