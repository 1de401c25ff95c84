"""The regulator's compliance dashboard in headless Chromium: sign in, see the chart and the figures, download
the CSV, switch language — Traditional Chinese under the Hong Kong policy, Simplified under the mainland one.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest

from telreg.config import Settings
from telreg.core.db import unit_of_work
from telreg.realname import reports
from telreg.runtime import Runtime
from tests.realname.lifecycle.helpers import at
from tests.realname.registration.helpers import HONG_KONG, hkid, person, request, submit
from tests.realname.reports.helpers import DAY, build_world
from tests.web.conftest import OFFICER_PASSWORD, make_officer, switch_language

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

REGULATOR = "ofca.lam"
PAGE = "/staff/realname/compliance?from=2026-02-25&to=2026-03-03"


def _two_days_of_history(runtime: Runtime) -> None:
    build_world(runtime)  # op1 at 3 of 4 on DAY (75 %), op2 without subscribers
    at(runtime, DAY + dt.timedelta(days=1), hour=1)
    with unit_of_work(runtime.session_factory) as session:
        reports.take_snapshots(session, clock=runtime.clock, policy=HONG_KONG, day=DAY)
    at(runtime, DAY + dt.timedelta(days=1), hour=10)
    submit(runtime, request("51234567", person("WONG Siu Ming", "1980-05-05", number=hkid("B", "234567"))))
    at(runtime, DAY + dt.timedelta(days=2), hour=1)  # op1 at 4 of 5 on the 3rd (80 %)
    with unit_of_work(runtime.session_factory) as session:
        reports.take_snapshots(session, clock=runtime.clock, policy=HONG_KONG, day=DAY + dt.timedelta(days=1))


def _sign_in(page: Any, runtime: Runtime) -> None:
    make_officer(runtime, username=REGULATOR, roles=("regulator",))
    page.goto(PAGE)
    page.wait_for_url(re.compile(r"/staff/login\?next="))
    page.get_by_label("Username").fill(REGULATOR)
    page.get_by_label("Password").fill(OFFICER_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/staff/realname/compliance"))


def test_the_regulator_sees_the_rate_over_time_and_switches_language(page: Any, runtime: Runtime) -> None:
    _two_days_of_history(runtime)
    _sign_in(page, runtime)
    page.get_by_role("heading", name="Real-name compliance", level=1).wait_for()
    assert page.locator("#target").inner_text() == "Target: 100%"

    chart = page.get_by_role("img", name=re.compile("Real-name rate by day"))
    assert chart.is_visible()
    points = page.locator("#rate-chart g.series[data-operator='op1'] circle")
    assert [points.nth(i).get_attribute("data-rate") for i in range(points.count())] == ["75.0", "80.0"]
    # The higher rate is drawn higher (a smaller y), and both below the 100 % target line.
    ys = [float(points.nth(i).get_attribute("cy")) for i in range(2)]
    target_y = float(page.locator("#target-line line").get_attribute("y1"))
    assert target_y < ys[1] < ys[0]

    now = page.locator("#live tr[data-operator='op1'] td")
    assert [now.nth(i).inner_text() for i in range(3)] == ["4", "5", "80.0% (below target)"]
    day = page.locator("#history tr[data-day='2026-03-02'][data-operator='op1'] td")
    assert [day.nth(i).inner_text() for i in range(4)] == ["2 March 2026", "3", "4", "75.0%"]
    assert day.nth(6).inner_text() == "2"  # two deactivations that day

    with page.expect_download() as download_info:
        page.locator("#csv").click()
    content = open(download_info.value.path(), encoding="utf-8").read().splitlines()
    assert content[0].startswith("day,operator,registered,total,rate_percent")
    assert [line.split(",")[:5] for line in content[1:] if ",op1," in line] == [
        ["2026-03-02", "op1", "3", "4", "75.00"], ["2026-03-03", "op1", "4", "5", "80.00"]]

    switch_language(page, re.compile("中文"), "zh-Hant")
    assert page.get_by_role("heading", name="實名登記合規情況", level=1).is_visible()
    assert page.locator("#target").inner_text() == "目標:100%"
    assert page.locator("#history thead th").nth(4).inner_text() == "實名登記率"
    assert page.locator("#history tr[data-day='2026-03-02'] td").first.inner_text() == "2026年3月2日"
    assert page.get_by_role("img", name=re.compile("每日實名登記率")).is_visible()


class TestMainland:
    @pytest.fixture
    def settings(self, settings: Settings) -> Settings:
        settings.realname_policy = "mainland-china"
        return settings

    def test_the_other_language_is_simplified_chinese(self, page: Any, runtime: Runtime) -> None:
        _sign_in(page, runtime)
        assert page.locator("#target").inner_text() == "Target: 95%"  # MIIT 2016: 95 % by the end of 2016
        switch_language(page, re.compile("简体"), "zh-Hans")
        assert page.get_by_role("heading", name="实名登记合规情况", level=1).is_visible()
        assert page.get_by_text("此期间尚无每日数据。").is_visible()
