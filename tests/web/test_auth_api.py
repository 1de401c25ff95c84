"""Staff sign-in over the JSON API: the same session, CSRF token and lockout as the pages."""

from __future__ import annotations

from typing import Any

from telreg.core.users import MAX_FAILED_LOGINS
from tests.web.conftest import OFFICER, OFFICER_PASSWORD, make_officer


def test_sign_in_who_am_i_and_sign_out(client: Any, runtime: Any) -> None:
    make_officer(runtime)
    assert client.get("/api/v1/auth/me").status_code == 401
    response = client.post(
        "/api/v1/auth/login", json={"username": OFFICER.upper(), "password": OFFICER_PASSWORD}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["username"] == OFFICER and body["roles"] == ["dnc-officer"] and body["csrf_token"]
    assert client.get("/api/v1/auth/me").json()["csrf_token"] == body["csrf_token"]

    refused = client.post("/api/v1/auth/logout")
    assert refused.status_code == 403 and refused.json()["error"] == "csrf_rejected"
    assert client.post("/api/v1/auth/logout", headers={"X-CSRF-Token": body["csrf_token"]}).status_code == 204
    assert client.get("/api/v1/auth/me").status_code == 401


def test_failed_api_sign_ins_count_towards_lockout(client: Any, runtime: Any) -> None:
    make_officer(runtime)
    for _ in range(MAX_FAILED_LOGINS):
        wrong = client.post("/api/v1/auth/login", json={"username": OFFICER, "password": "wrong password"})
        assert wrong.status_code == 401 and wrong.json()["error"] == "not_authenticated"
    locked = client.post("/api/v1/auth/login", json={"username": OFFICER, "password": OFFICER_PASSWORD})
    assert locked.status_code == 401 and "locked" in locked.json()["detail"]
