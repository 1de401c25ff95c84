"""The enforcement statistics pages: the regulator's dashboard (tables, SVG bar charts, the CSV link) in each
language, refused to a DNC officer; the public page for anyone, complete months only, no personal data."""

from __future__ import annotations

import re
from typing import Any

import pytest

from telreg.core.db import unit_of_work
from telreg.runtime import Runtime
from tests.enforcement import statistics_helpers as rows
from tests.web.conftest import OFFICER_PASSWORD, form_token, make_officer

STAFF = "/staff/enforcement/statistics"
PUBLIC = "/statistics/enforcement"
WORDS = {"en": ("Enforcement statistics", "Reports received"),
         "zh-Hant": ("執法統計", "收到的舉報"), "zh-Hans": ("执法统计", "收到的举报")}


def _sign_in(client: Any, runtime: Runtime, username: str, role: str) -> None:
    make_officer(runtime, username=username, roles=(role,))
    token = form_token(client.get("/staff/login").text)
    client.post("/staff/login",
                data={"username": username, "password": OFFICER_PASSWORD, "csrf_token": token})


def _cell(html: str, register: str, month: str, measure: str) -> str:
    table = html[html.index(f'id="register-{register}"'):]
    row = table[table.index(f'data-month="{month}"'):]
    return re.search(rf'data-measure="{measure}">(\d+)<', row).group(1)  # type: ignore[union-attr]


@pytest.fixture
def mix(runtime: Runtime) -> None:
    with unit_of_work(runtime.session_factory) as session:
        rows.known_mix(session)


def test_the_regulators_dashboard_in_each_language(client: Any, runtime: Runtime, mix: None) -> None:
    _sign_in(client, runtime, "dnc.lee", "dnc-officer")
    assert client.get(STAFF).status_code == 403
    client.post("/staff/logout", data={"csrf_token": form_token(client.get("/staff").text)})
    client.cookies.clear()
    _sign_in(client, runtime, "ofca.lam", "regulator")
    for lang, (title, measure) in WORDS.items():
        response = client.get(STAFF, params={"from": "2026-01", "to": "2026-03", "lang": lang})
        assert response.status_code == 200, (lang, response.text[:300])
        html = response.text
        assert title in html and measure in html
        assert _cell(html, "sms", "2026-02", "reports") == "2"
        assert _cell(html, "fax", "2026-01", "apparent_contravention") == "1"
        assert _cell(html, "sms", "2026-03", "prosecutions") == "1"
        assert _cell(html, "unsure", "total", "cases_opened") == "1"
        assert html.count("<svg") == 4 and 'data-key="2026-02" data-count="4"' in html
        assert 'href="/api/v1/enforcement/statistics.csv?from=2026-01&amp;to=2026-03"' in html
    assert 'href="/staff/enforcement/statistics"' in client.get(STAFF).text  # in the regulator's menu
    assert client.get(STAFF, params={"from": "March"}).status_code == 422


def test_the_public_page_for_anyone(client: Any, runtime: Runtime, mix: None) -> None:
    for lang, words in {"en": "Apparent contravention", "zh-Hant": "表面違規", "zh-Hans": "表面违规"}.items():
        response = client.get(PUBLIC, params={"from": "2026-01", "to": "2026-12", "lang": lang})
        assert response.status_code == 200, (lang, response.text[:300])
        html = response.text
        assert words in html and 'id="verdicts-explained"' in html
        assert 'data-month="2026-02"' in html and 'data-month="2026-03"' not in html  # complete months only
        assert _cell(html, "sms", "2026-02", "reports") == "2"
        for secret in (rows.SENDER_LABEL, rows.RECEIVING, "R-STAT", "C-STAT", "N-STAT"):
            assert secret not in html
    assert 'href="/statistics/enforcement"' in client.get("/").text
