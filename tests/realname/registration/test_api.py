"""The HTTP API over a signed-in staff session, on SQLite and PostgreSQL (the `client` fixture)."""

from __future__ import annotations

from typing import Any

import pytest

from telreg.runtime import Runtime
from tests.web.conftest import OFFICER_PASSWORD, make_officer

from .helpers import hkid, make_operator, person, refusals, request

API = "/api/v1/realname"


def _sign_in(client: Any, runtime: Runtime, *, username: str = "clerk.chan",
             roles: tuple[str, ...] = ("operator-staff",), operator: str | None = "op1") -> dict[str, str]:
    make_officer(runtime, username=username, roles=roles,
                 operator=operator if "operator-staff" in roles else None)
    response = client.post("/api/v1/auth/login", json={"username": username, "password": OFFICER_PASSWORD})
    assert response.status_code == 200, response.text
    return {"X-CSRF-Token": response.json()["csrf_token"]}


@pytest.fixture
def staff(client: Any, runtime: Runtime) -> dict[str, str]:
    make_operator(runtime)
    return _sign_in(client, runtime)


def test_registered_is_201_and_refused_is_422_with_the_same_document(client: Any,
                                                                     staff: dict[str, str]) -> None:
    response = client.post(f"{API}/registrations", json=request(), headers=staff)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["status"] == "registered" and body["holder"]["name"] == "CHAN T** M**"
    assert body["quota"] == {"held": 1, "limit": 10}

    again = client.post(f"{API}/registrations", json=request(), headers=staff)
    assert again.status_code == 422
    assert again.json()["status"] == "refused" and again.json()["code"] == "number_registered"


def test_a_malformed_request_is_422_invalid_input_and_writes_nothing(client: Any, runtime: Runtime,
                                                                     staff: dict[str, str]) -> None:
    body = request()
    del body["holder"]
    response = client.post(f"{API}/registrations", json={**body, "service": "gold"}, headers=staff)
    assert response.status_code == 422
    answer = response.json()
    assert answer["error"] == "invalid_input"
    assert {p["field"] for p in answer["problems"]} == {"holder", "service"}
    assert refusals(runtime) == []


def test_who_may_register(client: Any, runtime: Runtime) -> None:
    make_operator(runtime)
    anonymous = client.post(f"{API}/registrations", json=request())
    assert anonymous.status_code == 401
    officer = _sign_in(client, runtime, username="dnc.officer", roles=("dnc-officer",))
    response = client.post(f"{API}/registrations", json=request(), headers=officer)
    assert response.status_code == 403 and response.json()["error"] == "permission_denied"
    staff = _sign_in(client, runtime)
    no_token = client.post(f"{API}/registrations", json=request())
    assert no_token.status_code == 403 and no_token.json()["error"] == "csrf_rejected"
    assert client.post(f"{API}/registrations", json=request(), headers=staff).status_code == 201


def test_transfer_terminate_and_read_a_number(client: Any, staff: dict[str, str]) -> None:
    client.post(f"{API}/registrations", json=request(), headers=staff)
    new_holder = person("WONG Siu Ming", "1980-05-05", number=hkid("B", "234567"))
    body = {"operator": "op1", "number": "51234567", "holder": new_holder}
    moved = client.post(f"{API}/transfers", json=body, headers=staff)
    assert moved.status_code == 201 and moved.json()["status"] == "transferred"
    same = client.post(f"{API}/transfers", json=body, headers=staff)
    assert same.status_code == 422 and same.json()["code"] == "same_holder"

    shown = client.get(f"{API}/numbers/51234567")
    assert shown.status_code == 200
    assert shown.json()["registration"]["holder"]["document"] == {"type": "hkid", "number": "B234***(*)"}
    assert "WONG Siu Ming" not in shown.text

    ended = client.post(f"{API}/numbers/51234567/termination", json={"operator": "op1"}, headers=staff)
    assert ended.status_code == 200 and ended.json()["status"] == "terminated"
    twice = client.post(f"{API}/numbers/51234567/termination", json={"operator": "op1"}, headers=staff)
    assert twice.status_code == 409 and twice.json()["error"] == "already_terminated"
    assert client.get(f"{API}/numbers/59999999").status_code == 404


def test_operators_are_listed_by_staff_and_created_by_an_admin(client: Any, runtime: Runtime,
                                                               staff: dict[str, str]) -> None:
    assert client.get(f"{API}/operators").json() == [{"code": "op1", "name": "Operator One"}]
    refused = client.post(f"{API}/operators", json={"code": "op2", "name": "Two"}, headers=staff)
    assert refused.status_code == 403
    admin = _sign_in(client, runtime, username="admin.lee", roles=("admin",))
    created = client.post(f"{API}/operators", json={"code": "op2", "name": "Two"}, headers=admin)
    assert created.status_code == 201 and created.json() == {"code": "op2", "name": "Two"}
    duplicate = client.post(f"{API}/operators", json={"code": "op2", "name": "Two"}, headers=admin)
    assert duplicate.status_code == 409 and duplicate.json()["detail"] == "operator op2 exists"
