"""The real-name pages in headless Chromium: a shop registration, a refusal, the guardian section opening
for a minor, the language switch; the public lookup from code to flag; the operator closing the flag."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest

from telreg.core.notify import FakeSms
from telreg.runtime import Runtime
from tests.realname.lookup.helpers import CARD, ZHANG_AT_CMCC, holdings
from tests.realname.registration.helpers import hkid, make_operator
from tests.web.conftest import OFFICER_PASSWORD, make_officer, switch_language

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

CLERK = "clerk.chan"


def _sign_in(page: Any, runtime: Runtime, target: str, *, operator: str = "op1") -> None:
    make_officer(runtime, username=CLERK, roles=("operator-staff",), operator=operator)
    page.goto(f"/staff/login?next={target}&lang=en")
    page.get_by_label("Username").fill(CLERK)
    page.get_by_label("Password").fill(OFFICER_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"**{target}*")


def _holder(page: Any, name: str, born: str, document: str) -> None:
    page.locator("#holder_name").fill(name)
    page.locator("#holder_date_of_birth").fill(born)
    page.locator("#holder_date_of_birth").dispatch_event("change")
    page.locator("#holder_doc_number").fill(document)


def test_shop_registers_refuses_a_minor_and_switches_language(page: Any, runtime: Runtime) -> None:
    make_operator(runtime)
    _sign_in(page, runtime, "/staff/realname/register")
    page.get_by_role("heading", name="Register a SIM card").wait_for()

    page.get_by_label("Number", exact=True).fill("5123 4567")
    _holder(page, "CHAN Tai Man", "1990-01-01", hkid("A", "123456"))
    page.get_by_role("button", name="Register", exact=True).click()
    done = page.locator("#outcome [data-status=registered]")
    done.wait_for()
    assert "Registered 51234567 to CHAN T** M**" in done.inner_text()
    assert re.search(r"1 of \d+", done.inner_text())

    # A child: the form opens the guardian section as soon as the date of birth is known (htmx) ...
    page.get_by_label("Number", exact=True).fill("51234568")
    _holder(page, "CHAN Siu Ming", "2015-06-01", hkid("B", "111111"))
    page.locator("#guardian-needed").wait_for()
    assert page.locator("#guardian-part").get_attribute("open") is not None
    assert page.locator("#holder_doc_number").input_value() == hkid("B", "111111")  # kept across the refresh
    # ... and without a guardian the registration is refused with the reason.
    page.get_by_role("button", name="Register", exact=True).click()
    refusal = page.locator("#outcome [data-code=minor_without_guardian]")
    refusal.wait_for()
    assert "under 16" in refusal.inner_text()

    switch_language(page, re.compile("中文"), "zh-Hant")
    assert page.get_by_role("heading", name="登記智能卡").is_visible()
    assert page.get_by_role("button", name="檢查", exact=True).is_visible()


def _wait_for_sms(sms: FakeSms, number: str, count: int) -> str:
    # The code goes out just after the answer (a background task of the live server): give it a moment.
    deadline = time.monotonic() + 5
    while len(sms.to(number)) < count:
        assert time.monotonic() < deadline, f"no SMS reached {number}"
        time.sleep(0.02)
    found = re.findall(r"(?<!\d)\d{6}(?!\d)", sms.to(number)[-1])
    assert len(found) == 1
    return found[0]


def test_lookup_from_code_to_flag_then_the_operator_closes_it(page: Any, runtime: Runtime,
                                                               sms: FakeSms) -> None:
    runtime.settings = runtime.settings.model_copy(update={"realname_policy": "mainland-china"})
    holdings(runtime)
    page.goto("/realname/lookup?lang=zh-Hans")
    page.get_by_role("heading", name="一证通查:查询您名下的电话号码").wait_for()
    page.get_by_label("证件类型").select_option("cn-resident-id")
    page.get_by_label("证件号码").fill(CARD)
    page.get_by_label("您名下的一个号码").fill(ZHANG_AT_CMCC[0])
    page.get_by_role("button", name="发送验证码").click()
    page.locator("#code-form").wait_for()
    assert "13800******" in page.locator("#code-sent").inner_text()

    code = _wait_for_sms(sms, ZHANG_AT_CMCC[0], 1)
    assert "验证码" in sms.to(ZHANG_AT_CMCC[0])[-1]
    page.get_by_label("六位数字验证码").fill(code)
    page.get_by_role("button", name="查询我的号码").click()
    counts = page.locator("#counts")
    counts.wait_for()
    assert counts.locator("tr[data-operator=cmcc] td").inner_text() == "3"
    assert counts.locator("tr[data-operator=cucc] td").inner_text() == "1"
    assert counts.locator("tr[data-operator=ctcc] td").inner_text() == "0"
    numbers = page.locator("#numbers tbody tr")
    assert numbers.count() == 3
    assert all(numbers.nth(i).locator("td").nth(1).inner_text().startswith("13800******") for i in range(3))

    page.get_by_role("button", name="标记第 2 个号码不是我的").click()
    page.get_by_role("status").filter(has_text="已标记").wait_for()
    assert page.locator("#numbers tr[data-position='2']").inner_text().strip().endswith("已标记")

    page.get_by_role("button", name="结束查询").click()
    page.locator("#ask-form").wait_for()

    _sign_in(page, runtime, "/staff/realname/queues", operator="cmcc")
    page.goto("/staff/realname/queues?operator=cmcc&lang=en")
    flag = page.locator("#flags tbody tr").first
    assert ZHANG_AT_CMCC[1] in flag.inner_text() and "张*" in flag.inner_text()
    flag.get_by_role("textbox").fill("Holder confirmed the number by phone")
    flag.get_by_role("button", name="Close").click()
    page.get_by_role("status").filter(has_text="is closed").wait_for()
    assert page.locator("#no-flags").is_visible()
    assert "Holder confirmed the number by phone" in page.locator("#closed-flags").inner_text()
