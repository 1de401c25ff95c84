"""Who may call lawful access's API, on SQLite and PostgreSQL: each route refuses the wrong role with 403 — an
administrator included, because separation of duties is the point —, a caller not signed in with 401, and a
compliance officer of another operator can neither see nor decide a task. A supervisor endorses an emergency
request (its task reaches the operator) or refuses one (nothing reaches the operator).
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from telreg.lawful.hi1 import dictionaries as d
from telreg.lawful.hi1 import json_codec
from telreg.runtime import Runtime
from tests.lawful.edges import request_message, signed_in
from tests.lawful.helpers import lawful_world, make_staff, register_number
from tests.realname.registration.helpers import make_operator

NUMBER = "91234567"
TASK = "6f1d2a8e-0000-4000-8000-000000000001"
AUTHORISATION = "6f1d2a8e-0000-4000-8000-000000000002"
# (method, path, body): every route of the API, with the role that may call it.
ROUTES = {
    "le-member": [("POST", "/api/v1/lawful/hi1", None), ("GET", f"/api/v1/lawful/tasks/{TASK}/result", None)],
    "le-supervisor": [("POST", f"/api/v1/lawful/authorisations/{AUTHORISATION}/endorse", {}),
                      ("POST", f"/api/v1/lawful/authorisations/{AUTHORISATION}/refuse", {"reason": "No"})],
    "compliance": [("GET", "/api/v1/lawful/queue", None), ("GET", f"/api/v1/lawful/tasks/{TASK}/preview", None),
                   ("POST", f"/api/v1/lawful/tasks/{TASK}/approve", {"reason": "Yes"}),
                   ("POST", f"/api/v1/lawful/tasks/{TASK}/reject", {"reason": "No"}),
                   ("POST", f"/api/v1/lawful/tasks/{TASK}/release", None)],
}
# Who is refused each group: usernames of lawful_world(), plus an administrator and a CA officer.
REFUSED = {
    "le-member": ("admin", "op1.compliance1", "ofca.regulator", "ca.officer"),
    "le-supervisor": ("admin", "le.officer", "op1.compliance1", "ofca.regulator"),
    "compliance": ("admin", "le.officer", "le.supervisor", "ofca.regulator"),
}


def _call(client: Any, headers: dict[str, str], method: str, path: str, body: Any) -> Any:
    if path.endswith("/hi1"):
        return client.post(path, content=b"<HI1Message/>", headers={**headers, "Content-Type": "application/xml"})
    return client.request(method, path, headers=headers, **({"json": body} if body is not None else {}))


@pytest.mark.parametrize("group", sorted(ROUTES))
def test_the_wrong_roles_get_403_and_visitors_401(client: Any, runtime: Runtime, group: str) -> None:
    lawful_world(runtime)
    make_staff(runtime, "admin", "admin")
    make_staff(runtime, "ca.officer", "ca-officer")
    for username in REFUSED[group]:
        caller, csrf = signed_in(client.app, username)
        for method, path, body in ROUTES[group]:
            answer = _call(caller, csrf, method, path, body)
            assert answer.status_code == 403, (username, method, path, answer.status_code, answer.text)
            assert answer.json()["error"] in ("lawful_separation_of_duties", "permission_denied"), answer.text
    visitor = TestClient(client.app)
    for method, path, body in ROUTES[group]:
        answer = _call(visitor, {}, method, path, body)
        assert answer.status_code == 401, (method, path, answer.text)


def test_the_administrator_is_told_why(client: Any, runtime: Runtime) -> None:
    lawful_world(runtime)
    make_staff(runtime, "admin", "admin")
    admin, csrf = signed_in(client.app, "admin")
    answer = admin.get("/api/v1/lawful/queue", headers={"Accept-Language": "en"})
    assert answer.status_code == 403
    assert "administrator" in answer.json()["detail"]


def _file(client: Any, runtime: Runtime, officer: str, **options: Any) -> Any:
    caller, csrf = signed_in(client.app, officer)
    filed = request_message(runtime, **options)
    answer = caller.post("/api/v1/lawful/hi1", content=json_codec.render_request_json(filed.message),
                         headers={**csrf, "Content-Type": "application/json"})
    assert answer.status_code == 200, answer.text
    assert [r.error for r in json_codec.parse_response_json(answer.content).responses] == \
        [None] * len(filed.message.actions)
    return filed


def test_a_compliance_officer_of_another_operator_cannot_see_or_decide_the_task(client: Any,
                                                                                runtime: Runtime) -> None:
    people = lawful_world(runtime)
    register_number(runtime, NUMBER, operator="op1")
    make_operator(runtime, "op2", "Operator Two")
    make_staff(runtime, "op2.compliance", "operator-compliance", operator="op2")
    filed = _file(client, runtime, people["officer"])
    (task_id,) = filed.task_ids

    stranger, csrf = signed_in(client.app, "op2.compliance")
    assert [t["object_id"] for t in stranger.get("/api/v1/lawful/queue").json()] == []
    assert stranger.get(f"/api/v1/lawful/tasks/{task_id}/preview").status_code == 404
    for step, body in (("approve", {"reason": "Looks fine"}), ("reject", {"reason": "No"}), ("release", None)):
        answer = stranger.post(f"/api/v1/lawful/tasks/{task_id}/{step}", headers=csrf,
                               **({"json": body} if body else {}))
        assert answer.status_code in (403, 404), (step, answer.text)

    owner, _ = signed_in(client.app, people["compliance1"])
    (row,) = [t for t in owner.get("/api/v1/lawful/queue").json() if t["object_id"] == task_id]
    assert row["status"] == d.AWAITING_APPROVAL and row["approved_by"] is None


def test_a_supervisor_endorses_one_emergency_and_refuses_another(client: Any, runtime: Runtime) -> None:
    people = lawful_world(runtime)
    register_number(runtime, NUMBER, operator="op1")
    endorsed = _file(client, runtime, people["officer"], legal_type=d.EMERGENCY, reference="EM-1")
    refused = _file(client, runtime, people["officer"], legal_type=d.EMERGENCY, reference="EM-2")
    compliance, _ = signed_in(client.app, people["compliance1"])
    assert compliance.get("/api/v1/lawful/queue").json() == []  # nothing before the endorsement

    # The officer who filed cannot endorse (not a supervisor); the supervisor can.
    officer, officer_csrf = signed_in(client.app, people["officer"])
    own = officer.post(f"/api/v1/lawful/authorisations/{endorsed.authorisation_id}/endorse", json={},
                       headers=officer_csrf)
    assert own.status_code == 403
    supervisor, csrf = signed_in(client.app, people["supervisor"])
    yes = supervisor.post(f"/api/v1/lawful/authorisations/{endorsed.authorisation_id}/endorse",
                          json={"note": "Life at risk"}, headers=csrf)
    assert yes.status_code == 204, yes.text
    no = supervisor.post(f"/api/v1/lawful/authorisations/{refused.authorisation_id}/refuse",
                         json={"reason": "Not urgent: get a warrant"}, headers=csrf)
    assert no.status_code == 204, no.text
    twice = supervisor.post(f"/api/v1/lawful/authorisations/{refused.authorisation_id}/endorse", json={},
                            headers=csrf)
    assert twice.status_code == 409, twice.text

    queued = {t["object_id"] for t in compliance.get("/api/v1/lawful/queue").json()}
    assert queued == set(endorsed.task_ids)


def test_a_refusal_needs_its_reason(client: Any, runtime: Runtime) -> None:
    people = lawful_world(runtime)
    supervisor, csrf = signed_in(client.app, people["supervisor"])
    answer = supervisor.post(f"/api/v1/lawful/authorisations/{AUTHORISATION}/refuse", json={}, headers=csrf)
    assert answer.status_code == 422
    assert answer.json()["problems"][0]["field"] == "reason"
