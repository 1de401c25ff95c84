"""The regulator's compliance page without a browser: who may see it, and the chart's geometry.

The chart's plot box is documented in web/realname_chart.py: 720 x 320 with margins left 56, right 16, top 16,
bottom 40, so x runs from 56 to 704 and y from 280 (the lowest gridline) up to 16 (100 %).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from telreg.core.db import unit_of_work
from telreg.realname import reports
from telreg.runtime import Runtime
from telreg.web.realname.chart import rate_chart
from tests.realname.lifecycle.helpers import at
from tests.realname.registration.helpers import HONG_KONG
from tests.realname.reports.helpers import DAY, build_world
from tests.web.conftest import OFFICER_PASSWORD, make_officer

PAGE = "/staff/realname/compliance"
FIRST = dt.date(2026, 3, 1)


def _row(day: int, operator: str, rate: float | None) -> dict[str, Any]:
    return {"day": (FIRST + dt.timedelta(days=day)).isoformat(), "operator": operator, "rate_percent": rate}


def test_the_scale_points_and_target() -> None:
    # Lowest rate 50, less 5, down to a multiple of 10: the scale runs from 40 % to 100 % in steps of 10.
    chart = rate_chart([_row(0, "op1", 50.0), _row(1, "op1", 75.0), _row(2, "op1", 100.0)], target=95.0,
                       first=FIRST, last=FIRST + dt.timedelta(days=2))
    assert [label for _, label in chart.y_ticks] == ["40%", "50%", "60%", "70%", "80%", "90%", "100%"]
    assert (chart.y_ticks[0][0], chart.y_ticks[-1][0]) == (280.0, 16.0)
    [line] = chart.lines
    # 50 % is 1/6 up the scale: 280 - 264/6 = 236; 75 % is 35/60 up: 280 - 154 = 126.
    assert line.segments == ["56.0,236.0 380.0,126.0 704.0,16.0"]
    assert chart.target_y == 280 - 264 * 55 / 60  # 95 % is 55/60 up the scale


def test_a_day_without_a_rate_breaks_the_line_and_operators_differ_by_dash() -> None:
    rows = [_row(0, "op1", 90.0), _row(2, "op1", 92.0), _row(3, "op1", 94.0), _row(0, "op2", None),
            _row(1, "op2", 96.0)]
    chart = rate_chart(rows, target=95.0, first=FIRST, last=FIRST + dt.timedelta(days=3))
    op1, op2 = chart.lines
    assert (op1.operator, len(op1.segments), len(op1.points)) == ("op1", 2, 3)
    assert (op2.operator, len(op2.segments), len(op2.points)) == ("op2", 1, 1)
    assert op1.dash != op2.dash and op1.colour != op2.colour
    assert [label for _, label in chart.y_ticks][0] == "80%"  # 90 - 5 = 85, down to 80; steps of 5


def _sign_in(client: Any, runtime: Runtime, username: str, roles: tuple[str, ...]) -> None:
    operator = "op1" if "operator-staff" in roles else None
    make_officer(runtime, username=username, roles=roles, operator=operator)
    page = client.get("/staff/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token
    response = client.post("/staff/login", data={"username": username, "password": OFFICER_PASSWORD,
                                                 "csrf_token": token.group(1)}, follow_redirects=False)
    assert response.status_code == 303


def test_only_the_regulator_sees_the_page(client: Any, runtime: Runtime) -> None:
    anonymous = client.get(PAGE, follow_redirects=False)
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/staff/login?next=")
    _sign_in(client, runtime, "clerk.chan", ("operator-staff",))
    assert client.get(PAGE).status_code == 403
    client.cookies.clear()
    _sign_in(client, runtime, "ofca.lam", ("regulator",))
    assert client.get(PAGE).status_code == 200


def test_the_page_shows_the_days_figures_and_one_line_per_operator(client: Any, runtime: Runtime) -> None:
    build_world(runtime)
    at(runtime, DAY + dt.timedelta(days=1), hour=1)
    with unit_of_work(runtime.session_factory) as session:
        reports.take_snapshots(session, clock=runtime.clock, policy=HONG_KONG, day=DAY)
    _sign_in(client, runtime, "ofca.lam", ("regulator",))
    html = client.get(PAGE, params={"from": "2026-02-28", "to": "2026-03-03"}).text
    assert html.count('<g class="series"') == 2
    assert html.count("<circle") == 1  # op2 has no subscriber, so no rate, on any day: no point
    assert 'data-operator="op1"' in html and 'data-rate="75.0"' in html
    assert re.search(r'<tr data-day="2026-03-02" data-operator="op1">.*?75\.0%', html, re.S)
    csv_link = "/api/v1/realname/reports/compliance?from=2026-02-28&amp;to=2026-03-03&amp;format=csv"
    assert f'href="{csv_link}"' in html
    assert client.get(PAGE, params={"from": "soon"}).status_code == 422
