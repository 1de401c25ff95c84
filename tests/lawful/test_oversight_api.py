"""The oversight API over HTTP: the regulator only, the CSV matches the JSON, a wrong-person report.

The requests are the hand-built ones of tests/lawful/oversight_helpers.py (committed here, as the app reads them
in its own transactions); the figures themselves are derived in tests/lawful/test_oversight.py.
"""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest

from telreg.core.db import unit_of_work
from telreg.runtime import Runtime
from tests.lawful.helpers import PASSWORD, make_staff
from tests.lawful.oversight_helpers import TARGET_NUMBER, oversight_world

API = "/api/v1/lawful/oversight"
MARCH = {"from": "2026-03-01", "to": "2026-03-31"}


def _sign_in(client: Any, runtime: Runtime, username: str, *roles: str, **extra: str) -> dict[str, str]:
    make_staff(runtime, username, *roles, **extra)
    response = client.post("/api/v1/auth/login", json={"username": username, "password": PASSWORD})
    assert response.status_code == 200, response.text
    return {"X-CSRF-Token": response.json()["csrf_token"]}


@pytest.fixture
def world(runtime: Runtime) -> dict[str, str]:
    with unit_of_work(runtime.session_factory) as session:
        rows = oversight_world(session, runtime)
        return {name: row.object_id for name, row in rows.items()}


@pytest.fixture
def regulator(client: Any, runtime: Runtime, world: dict[str, str]) -> dict[str, str]:
    return _sign_in(client, runtime, "ofca.regulator", "regulator")


def test_the_csv_parses_and_its_figures_are_the_json_s(client: Any, regulator: dict[str, str]) -> None:
    report = client.get(f"{API}/transparency", params=MARCH).json()
    assert (report["authorisations"], report["tasks"], report["median_response_hours"]) == (9, 12, 2.5)
    response = client.get(f"{API}/transparency", params={**MARCH, "format": "csv"})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    assert 'filename="lawful-transparency-2026-03-01-2026-03-31.csv"' in response.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(response.text)))
    assert rows[0] == ["category", "value", "figure"]
    figures = {(category, value): figure for category, value, figure in rows[1:]}
    assert len(figures) == len(rows) - 1  # no row twice
    for category in ("by_legal_type", "by_agency", "by_request_type", "by_operator", "by_outcome", "emergencies"):
        assert {value: int(figures[(category, value)]) for value in report[category]} == report[category]
        assert sum(1 for key in figures if key[0] == category) == len(report[category]) + (
            category == "emergencies")  # the emergencies' total is a row of its own
    assert int(figures[("emergencies", "total")]) == report["emergencies_total"] == 5
    assert (figures[("period", "from")], figures[("period", "to")]) == ("2026-03-01", "2026-03-31")
    assert int(figures[("totals", "authorisations")]) == report["authorisations"]
    assert int(figures[("totals", "tasks")]) == report["tasks"]
    assert int(figures[("timing", "decided")]) == report["decided"] == 8
    assert float(figures[("timing", "median_response_hours")]) == report["median_response_hours"]
    assert float(figures[("timing", "p90_response_hours")]) == report["p90_response_hours"] == 27.0
    assert int(figures[("safeguards", "ambiguous_refused")]) == report["ambiguous_refused"] == 1
    assert int(figures[("safeguards", "wrong_person_reported")]) == report["wrong_person_reported"] == 0


def test_the_requests_emergencies_and_rejections(client: Any, regulator: dict[str, str],
                                                 world: dict[str, str]) -> None:
    found = client.get(f"{API}/requests", params={"operator": "op2", "limit": 2}).json()
    assert found["total"] == 4 and [row["reference"] for row in found["requests"]] == ["HKPF-E-010", "HKPF-E-004"]
    everything = client.get(f"{API}/requests", params={"limit": 200})
    # The local spellings, not a bare "9123": that prefix turns up in random UUIDs now and then.
    assert all(spelling not in everything.text for spelling in (TARGET_NUMBER, "91234567", "9123 4567"))
    a1 = next(row for row in everything.json()["requests"] if row["object_id"] == world["A1"])
    assert a1["filed_at"] == "2026-03-02T10:00:00+08:00"
    assert [(task["status"], task["approval_hours"], task["release_hours"], task["reason"]) for task in a1["tasks"]] \
        == [("Disclosed", 4.0, 2.0, None), ("Rejected", None, None, "The warrant does not name this service")]
    emergencies = client.get(f"{API}/emergencies", params=MARCH).json()["emergencies"]
    assert [row["outcome"] for row in emergencies] == [
        "pending", "not-released", "backed-late", "revoked", "backed-in-time"]
    rejections = client.get(f"{API}/rejections").json()
    assert rejections["total"] == 3 and rejections["rejections"][0]["reason"] == "No imminent threat shown"


def test_bad_input_gets_a_clear_answer(client: Any, regulator: dict[str, str]) -> None:
    backwards = client.get(f"{API}/transparency", params={"from": "2026-03-31", "to": "2026-03-01"})
    assert backwards.status_code == 422
    assert backwards.json()["detail"] == "The period ends (2026-03-01) before it starts (2026-03-31)."
    status = client.get(f"{API}/requests", params={"status": "Approved"})
    assert status.status_code == 422 and "Status: 'Approved' is not one of" in status.json()["detail"]
    assert client.get(f"{API}/transparency", params={"from": "soon"}).status_code == 422
    assert client.get(f"{API}/transparency", params={"format": "xlsx"}).status_code == 422


def test_a_wrong_person_report_counts_in_the_report(client: Any, runtime: Runtime, regulator: dict[str, str],
                                                    world: dict[str, str]) -> None:
    runtime.clock.set(runtime.clock.now().replace(month=3, day=20))  # type: ignore[attr-defined]
    url = f"{API}/tasks/{world['T1a']}/wrong-person"
    assert client.post(url, json={"note": "Reassigned number"}).status_code == 403  # no CSRF token
    response = client.post(url, json={"note": "Reassigned number"}, headers=regulator)
    assert response.status_code == 201, response.text
    assert response.json()["reported_at"] == "2026-03-20T10:00:00+08:00"
    again = client.post(url, json={"note": "Again"}, headers=regulator)
    assert again.status_code == 409 and again.json()["detail"].endswith("is recorded for task LD-1a already.")
    open_task = client.post(f"{API}/tasks/{world['T7']}/wrong-person", json={"note": "x"}, headers=regulator)
    assert open_task.status_code == 409
    assert client.get(f"{API}/transparency", params=MARCH).json()["wrong_person_reported"] == 1


@pytest.mark.parametrize(("username", "roles", "extra"), [
    ("root.admin", ("admin",), {}),
    ("le.officer", ("le-officer",), {"agency": "hkpf"}),
    ("op1.compliance1", ("operator-compliance",), {"operator": "op1"}),
])
def test_only_the_regulator(client: Any, runtime: Runtime, world: dict[str, str], username: str,
                            roles: tuple[str, ...], extra: dict[str, str]) -> None:
    for path in ("/requests", "/emergencies", "/rejections", "/transparency"):
        assert client.get(API + path).status_code == 401
    headers = _sign_in(client, runtime, username, *roles, **extra)
    for path in ("/requests", "/emergencies", "/rejections", "/transparency", "/transparency?format=csv"):
        refused = client.get(API + path)
        assert refused.status_code == 403, path
        assert refused.json()["error"] == "lawful_separation_of_duties"
    posted = client.post(f"{API}/tasks/{world['T1a']}/wrong-person", json={"note": "x"}, headers=headers)
    assert posted.status_code == 403
