"""The regulator's oversight and transparency pages without a browser: who may open them, their three languages,
the bars of the charts, and the wrong-person report through its confirmation step.

The requests are the hand-built ones of tests/lawful/oversight_helpers.py (its docstring's table).
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import func, select

from telreg.core.db import unit_of_work
from telreg.core.models import AuditEvent
from telreg.runtime import Runtime
from tests.lawful.helpers import PASSWORD, make_staff
from tests.lawful.oversight_helpers import TARGET_NUMBER, oversight_world
from tests.web.conftest import form_token
from telreg.web.lawful.charts import bar_chart, nice_scale
from tests.web.page_text import english_runs, raw_values, visible_text

OVERSIGHT = "/staff/lawful/oversight"
TRANSPARENCY = "/staff/lawful/transparency"
MARCH = {"from": "2026-03-01", "to": "2026-03-31"}
# What people typed or named (agencies, reasons, accounts): shown as written, in any page language.
NAMES = ("Operator 1", "Operator 2", "Hong Kong Police Force", "Independent Commission Against Corruption", "The warrant does not name this "
         "service", "Two holders in the window", "No imminent threat shown")


def test_the_scale_steps_by_one_two_or_five() -> None:
    assert nice_scale(0) == (1, 1)  # an empty chart still has an axis
    assert nice_scale(3) == (3, 1)
    assert nice_scale(7) == (8, 2)  # 7 / 5 = 1.4: a step of 2, up to 8
    assert nice_scale(12) == (15, 5)
    assert nice_scale(100) == (100, 20)
    assert nice_scale(101) == (150, 50)  # 20.2: the next step is 50


def test_bars_are_as_long_as_their_counts_and_differ_by_pattern() -> None:
    # The plot runs from x 200 to 584 (640 wide, 200 for the labels, 56 for the counts): 384 for a scale of 8.
    chart = bar_chart("c", [("a", "Alpha", 7), ("b", "Beta", 2), ("z", "Zero", 0)])
    assert (chart.scale_max, [value for _, value in chart.ticks]) == (8, [0, 2, 4, 6, 8])
    assert [bar.width for bar in chart.bars] == [336.0, 96.0, 0.0]  # 7/8 and 2/8 of 384
    assert [bar.y for bar in chart.bars] == [14.0, 46.0, 78.0]  # rows of 32 from the top margin of 8
    assert len({bar.pattern for bar in chart.bars}) == 3 and len({bar.colour for bar in chart.bars}) == 3
    assert (chart.bottom, chart.height, chart.total) == (104, 132, 9)
    long = bar_chart("c", [("x", "A label far longer than the column can hold", 1)]).bars[0]
    assert long.short_label == "A label far longer than the…" and long.label.endswith("hold")


@pytest.fixture
def world(runtime: Runtime) -> dict[str, str]:
    with unit_of_work(runtime.session_factory) as session:
        rows = oversight_world(session, runtime)
        return {name: row.object_id for name, row in rows.items()}


def _sign_in(client: Any, runtime: Runtime, username: str, *roles: str, **extra: str) -> None:
    make_staff(runtime, username, *roles, **extra)
    token = form_token(client.get("/staff/login").text)
    response = client.post("/staff/login", data={"username": username, "password": PASSWORD, "csrf_token": token},
                           follow_redirects=False)
    assert response.status_code == 303


@pytest.fixture
def regulator(client: Any, runtime: Runtime, world: dict[str, str]) -> None:
    _sign_in(client, runtime, "ofca.regulator", "regulator")


@pytest.mark.parametrize(("username", "roles", "extra"), [
    ("root.admin", ("admin",), {}),
    ("le.officer", ("le-officer",), {"agency": "hkpf"}),
    ("op1.compliance1", ("operator-compliance",), {"operator": "op1"}),
])
def test_only_the_regulator_opens_the_pages(client: Any, runtime: Runtime, world: dict[str, str], username: str,
                                            roles: tuple[str, ...], extra: dict[str, str]) -> None:
    for page in (OVERSIGHT, TRANSPARENCY):
        anonymous = client.get(page, follow_redirects=False)
        assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/staff/login?next=")
    _sign_in(client, runtime, username, *roles, **extra)
    forbidden = client.get(OVERSIGHT)
    assert forbidden.status_code == 403
    assert client.get(TRANSPARENCY).status_code == 403
    refused = client.post(f"{OVERSIGHT}/tasks/{world['T1a']}/wrong-person",
                          data={"note": "x", "confirm": "yes", "csrf_token": form_token(forbidden.text)})
    assert refused.status_code == 403


@pytest.mark.parametrize("lang", ["en", "zh-Hant", "zh-Hans"])
def test_the_pages_in_three_languages(client: Any, regulator: None, lang: str) -> None:
    for url in (f"{OVERSIGHT}?lang={lang}", f"{TRANSPARENCY}?lang={lang}&from=2026-03-01&to=2026-03-31"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert f'<html lang="{lang}"' in response.text
        text = visible_text(response.text)
        assert TARGET_NUMBER not in response.text and "91234567" not in response.text
        assert raw_values(text) == [], url
        if lang != "en":
            assert english_runs(text, names=NAMES) == [], url
        assert "AwaitingApproval" not in text and "DisclosureNotAvailable" not in text  # codes shown in words


def test_the_oversight_page_shows_the_truth(client: Any, regulator: None, world: dict[str, str]) -> None:
    html = client.get(OVERSIGHT, params={"lang": "en"}).text
    assert html.count('<article class="la-request"') == 11
    # T1b: the agency reads "no records"; the regulator reads the rejection and its reason.
    row = re.search(rf'<li class="la-task" data-task="{world["T1b"]}" data-status="Rejected">.*?</li>', html, re.S)
    assert row and "Rejected" in row.group(0) and "The warrant does not name this service" in row.group(0)
    t1a = re.search(rf'<li class="la-task" data-task="{world["T1a"]}" data-status="Disclosed">.*?</li>', html, re.S)
    assert t1a and "after 4.0 h" in t1a.group(0) and "after 2.0 h" in t1a.group(0)
    outcomes = re.findall(r'<tr data-outcome="([\w-]+)"', html)
    assert outcomes == ["pending", "not-released", "backed-late", "revoked", "backed-in-time"]
    assert re.findall(r'<tr data-step="([\w-]+)"', html) == ["refuse-endorsement", "reject", "reject"]
    # A wrong-person form under each disclosed (or disclosed, then revoked) task: T1a T2c T3 T4 T5 T9 T10.
    assert html.count('class="wrong-person"') == 7
    filtered = client.get(OVERSIGHT, params={"legal_type": "Emergency", "agency": "icac"}).text
    assert filtered.count('<article class="la-request"') == 1 and "ICAC-E-005" in filtered
    assert client.get(OVERSIGHT, params={"status": "Approved"}).status_code == 422


def test_the_transparency_page_draws_the_report(client: Any, regulator: None) -> None:
    html = client.get(TRANSPARENCY, params={**MARCH, "lang": "en"}).text
    # The figures of tests/lawful/test_oversight.py test_the_march_report.
    assert re.search(r'id="fig-authorisations">9<', html) and re.search(r'id="fig-tasks">12<', html)
    assert re.search(r'id="fig-median">2.5 hours<', html) and re.search(r'id="fig-p90">27.0 hours<', html)
    bars = {chart: dict(re.findall(r'<g class="bar" data-key="([\w()-]*)" data-count="(\d+)"', body))
            for chart, body in re.findall(r'<svg id="(chart-[\w-]+)"(.*?)</svg>', html, re.S)}
    assert bars["chart-legal-type"] == {"Warrant": "4", "Emergency": "5"}
    assert bars["chart-request-type"] == {"SubscriberData": "11", "RegistrationHistory": "1"}
    assert bars["chart-operator"] == {"op1": "7", "op2": "3", "(none)": "2"}
    assert bars["chart-outcome"] == {"disclosed": "5", "no-records": "1", "rejected": "3", "cancelled": "1",
                                     "invalid": "1", "pending": "1"}
    # Each bar names itself and its count; the patterns differ bar by bar within a chart.
    assert "<title>Subscriber data: 11</title>" in html
    assert len(set(re.findall(r'fill="url\(#chart-outcome-fill-(\d)\)"', html))) == 6
    assert 'href="/api/v1/lawful/oversight/transparency?from=2026-03-01&amp;to=2026-03-31&amp;format=csv"' in html
    refused = client.get(TRANSPARENCY, params={"from": "soon", "lang": "zh-Hant"})
    assert refused.status_code == 422 and "soon" in refused.text
    backwards = client.get(TRANSPARENCY, params={"from": "2026-03-31", "to": "2026-03-01", "lang": "en"})
    assert backwards.status_code == 422
    assert "The period ends (2026-03-01) before it starts (2026-03-31)." in backwards.text


def _events(runtime: Runtime) -> int:
    with unit_of_work(runtime.session_factory) as session:
        return session.scalar(select(func.count(AuditEvent.id)).where(
            AuditEvent.action == "lawful-wrong-person-reported")) or 0


def test_a_wrong_person_report_goes_through_a_confirmation_step(client: Any, runtime: Runtime, regulator: None,
                                                                world: dict[str, str]) -> None:
    page = client.get(OVERSIGHT, params={"lang": "zh-Hant"}).text
    action = f"{OVERSIGHT}/tasks/{world['T1a']}/wrong-person"
    fields = {"note": "The number had been reassigned", "csrf_token": form_token(page)}
    asked = client.post(action, data=fields)
    assert asked.status_code == 200 and 'name="confirm" value="yes"' in asked.text
    question = re.search(r'<p id="confirm-question" class="confirm-question">(.*?)</p>', asked.text)
    assert question and "LD-1a" in question.group(1) and "HKPF-W-001" in question.group(1)
    assert english_runs(visible_text(question.group(1))) == []  # asked in the page's language
    assert _events(runtime) == 0  # asking changes nothing
    unknown = client.post(f"{OVERSIGHT}/tasks/nope/wrong-person", data=fields)
    assert unknown.status_code == 404
    done = client.post(action, data={**fields, "confirm": "yes"}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == OVERSIGHT
    after = client.get(OVERSIGHT, params={"lang": "en"}).text
    assert "The wrong-person incident on task LD-1a is recorded." in after
    assert after.count("wrong-person-recorded") == 1 and _events(runtime) == 1
    report = client.get(TRANSPARENCY, params={**MARCH, "lang": "en"}).text
    assert re.search(r'id="fig-wrong-person">1<', report)


def test_a_refused_report_is_explained_in_the_page_s_language(client: Any, runtime: Runtime, regulator: None,
                                                              world: dict[str, str]) -> None:
    token = form_token(client.get(OVERSIGHT, params={"lang": "zh-Hant"}).text)
    blank = client.post(f"{OVERSIGHT}/tasks/{world['T1a']}/wrong-person",
                        data={"note": "", "csrf_token": token})
    assert blank.status_code == 422
    problem = re.search(r'<div class="problem-box" id="problem" role="alert"><p class="problem">(.*?)</p>',
                        blank.text)
    assert problem and problem.group(1) and english_runs(problem.group(1)) == []
    # An open task cannot be reported (the form is not offered for it; a forged post is refused).
    forged = client.post(f"{OVERSIGHT}/tasks/{world['T7']}/wrong-person",
                         data={"note": "x", "confirm": "yes", "csrf_token": token})
    assert forged.status_code == 409 and _events(runtime) == 0
