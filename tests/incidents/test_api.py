"""``/api/v1/incidents`` over HTTP on SQLite and PostgreSQL: who may see and change what, bad input answered with
a clear message, the affected CSV masked."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from telreg.runtime import Runtime
from tests.incidents.helpers import COMPLIANCE, OTHER_COMPLIANCE, REGULATOR, SHOP, login, people, trail


def _body(t: Any, **extra: Any) -> dict[str, Any]:
    return {"title": "Shop tablet lost", "category": "loss", "description": "Left in a taxi",
            "window_start": t.start.isoformat(), "window_end": t.end.isoformat(), **extra}


def test_an_operator_officer_sees_their_operator_incidents_only(client: TestClient, runtime: Runtime,
                                                                clock: Any) -> None:
    people(runtime)
    t = trail(runtime, clock)
    headers = login(client, COMPLIANCE)
    opened = client.post("/api/v1/incidents", json=_body(t, accounts=[SHOP]), headers=headers)
    assert opened.status_code == 201, opened.text
    reference = opened.json()["reference"]
    assert opened.json()["operator"] == "op1" and opened.json()["scope"][0]["outcome"] == "deactivated"
    with TestClient(client.app) as other:
        other_headers = login(other, OTHER_COMPLIANCE)
        assert other.get(f"/api/v1/incidents/{reference}").status_code == 404
        assert other.get(f"/api/v1/incidents/{reference}/affected.csv").status_code == 404
        assert other.post(f"/api/v1/incidents/{reference}/contain", headers=other_headers).status_code == 404
        assert other.get("/api/v1/incidents").json() == []
    with TestClient(client.app) as regulator:
        login(regulator, REGULATOR)
        assert [row["reference"] for row in regulator.get("/api/v1/incidents").json()] == [reference]
        csv_text = regulator.get(f"/api/v1/incidents/{reference}/affected.csv")
        assert csv_text.status_code == 200 and csv_text.headers["content-type"].startswith("text/csv")
        assert "CHAN T** M**" in csv_text.text and "CHAN Tai Man" not in csv_text.text
        assert "51110002" not in csv_text.text
        listed = regulator.get(f"/api/v1/incidents/{reference}/affected").json()
        assert [h["name"] for h in listed["holders"]] == ["CHAN T** M**", "WONG S** M***"]


def test_other_staff_and_visitors_are_refused(client: TestClient, runtime: Runtime) -> None:
    people(runtime)
    assert client.get("/api/v1/incidents").status_code == 401
    login(client, SHOP)
    refused = client.get("/api/v1/incidents")
    assert refused.status_code == 403


def test_changes_need_the_csrf_token_and_bad_input_is_explained(client: TestClient, runtime: Runtime,
                                                                clock: Any) -> None:
    people(runtime)
    t = trail(runtime, clock)
    headers = login(client, REGULATOR)
    assert client.post("/api/v1/incidents", json=_body(t)).status_code == 403
    backwards = client.post("/api/v1/incidents", json=_body(t, window_start=t.end.isoformat(),
                                                            window_end=t.start.isoformat()), headers=headers)
    assert backwards.status_code == 422 and backwards.json()["error"] == "incident_invalid"
    assert "must end after it starts" in backwards.json()["detail"]
    unknown = client.post("/api/v1/incidents", json=_body(t, accounts=["ghost"]), headers=headers)
    assert unknown.status_code == 422 and "'ghost'" in unknown.json()["detail"]
    own = client.post("/api/v1/incidents", json=_body(t, accounts=[REGULATOR]), headers=headers)
    assert own.status_code == 403 and own.json()["error"] == "incident_forbidden"


def test_steps_contain_and_close_over_http(client: TestClient, runtime: Runtime, clock: Any) -> None:
    people(runtime)
    t = trail(runtime, clock)
    headers = login(client, REGULATOR)
    incident = client.post("/api/v1/incidents", json=_body(t, accounts=[SHOP]), headers=headers).json()
    reference = incident["reference"]
    close = client.post(f"/api/v1/incidents/{reference}/close", json={"summary": "all done"}, headers=headers)
    assert close.status_code == 409
    assert client.post(f"/api/v1/incidents/{reference}/contain", headers=headers).status_code == 200
    for step in incident["steps"]:
        done = client.post(f"/api/v1/incidents/{reference}/steps/{step['id']}/done", json={"note": "ok"},
                           headers=headers)
        assert done.status_code == 200 and done.json()["done_by"] == REGULATOR
    closed = client.post(f"/api/v1/incidents/{reference}/close", json={"summary": "all done"}, headers=headers)
    assert closed.status_code == 200 and closed.json()["state"] == "closed"
    unfrozen = client.post(f"/api/v1/incidents/{reference}/unfreeze", json={"kind": "account", "identifier": SHOP},
                           headers=headers)
    assert unfrozen.status_code == 200 and unfrozen.json()["scope"][0]["outcome"] == "reactivated"
