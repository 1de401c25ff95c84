"""The enforcement statistics API: the regulator's JSON and CSV, and the public figures (complete months only,
counts only, no personal data), on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
from typing import Any

from telreg.core.db import unit_of_work
from telreg.enforcement.statistics import CSV_COLUMNS
from telreg.runtime import Runtime
from tests.enforcement import statistics_helpers as rows
from tests.web.conftest import OFFICER_PASSWORD, make_officer

API = "/api/v1/enforcement/statistics"
PUBLIC = "/api/v1/statistics/enforcement"


def _sign_in(client: Any, runtime: Runtime, username: str, role: str) -> None:
    make_officer(runtime, username=username, roles=(role,))
    response = client.post("/api/v1/auth/login", json={"username": username, "password": OFFICER_PASSWORD})
    assert response.status_code == 200, response.text


def test_the_regulator_gets_json_and_csv_and_others_do_not(client: Any, runtime: Runtime) -> None:
    with unit_of_work(runtime.session_factory) as session:
        rows.known_mix(session)
    assert client.get(API).status_code == 401
    _sign_in(client, runtime, "dnc.lee", "dnc-officer")
    assert client.get(API).status_code == 403
    assert client.get(f"{API}.csv").status_code == 403
    client.post("/api/v1/auth/logout")
    client.cookies.clear()
    _sign_in(client, runtime, "ofca.lam", "regulator")

    data = client.get(API, params={"from": "2026-01", "to": "2026-03"}).json()
    assert (data["from"], data["to"]) == ("2026-01", "2026-03")
    assert [m["month"] for m in data["months"]] == ["2026-01", "2026-02", "2026-03"]
    february = data["months"][1]
    assert february["registers"]["sms"]["reports"] == 2 and february["total"]["reports"] == 4
    assert february["registers"]["sms"]["verdicts"]["consent_recorded"] == 1
    assert data["total"]["prosecutions"] == 1 and data["by_register"]["fax"]["cases_opened"] == 1
    # By default: the last twelve months, up to the current one (March 2026 by the test clock).
    default = client.get(API).json()
    assert (default["from"], default["to"]) == ("2025-04", "2026-03")

    response = client.get(f"{API}.csv", params={"from": "2026-01", "to": "2026-02"})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    assert "enforcement-statistics-2026-01-2026-02.csv" in response.headers["content-disposition"]
    table = list(csv.reader(io.StringIO(response.text)))
    assert tuple(table[0]) == CSV_COLUMNS and len(table) == 1 + 2 * 4

    refused = client.get(API, params={"from": "2026-13"})
    assert refused.status_code == 422 and "2026-13" in refused.json()["detail"]
    assert client.get(API, params={"from": "2026-03", "to": "2026-01"}).status_code == 422


def test_the_public_figures_have_complete_months_and_no_personal_data(client: Any, runtime: Runtime) -> None:
    with unit_of_work(runtime.session_factory) as session:
        mix = rows.known_mix(session)
        references = [mix["c1"].reference, mix["c2"].reference]
    response = client.get(PUBLIC, params={"from": "2026-01", "to": "2026-12"})
    assert response.status_code == 200
    data = response.json()
    assert (data["from"], data["to"]) == ("2026-01", "2026-02")  # March 2026 is still running
    assert [m["month"] for m in data["months"]] == ["2026-01", "2026-02"]
    assert data["total"]["reports"] == 6 and data["total"]["prosecutions"] == 0  # the referral was in March
    assert data["months"][0]["registers"]["fax"]["notices_served"] == 1
    for secret in (rows.SENDER_LABEL, rows.RECEIVING, "61234567", "R-STAT", *references, "ofca.lam"):
        assert secret not in response.text
    default = client.get(PUBLIC).json()
    assert (default["from"], default["to"]) == ("2025-03", "2026-02")
