"""Lifting a staff lockout: `telreg users unlock` and the admin-only API, both audited."""

from __future__ import annotations

from typing import Any

import pytest

from telreg.core import audit, users
from telreg.core.db import unit_of_work
from telreg.core.errors import NotFound
from telreg.runtime import Runtime
from tests.web.conftest import OFFICER, OFFICER_PASSWORD, make_officer

ADMIN, ADMIN_PASSWORD = "admin.wong", "another long passphrase"


def _login(runtime: Runtime, password: str, username: str = OFFICER) -> users.LoginOutcome:
    with unit_of_work(runtime.session_factory) as session:  # each attempt is its own request
        return users.authenticate(session, clock=runtime.clock, username=username, password=password)


def _lock_out(runtime: Runtime, username: str = OFFICER) -> None:
    for _ in range(users.MAX_FAILED_LOGINS):
        assert not _login(runtime, "wrong password", username).ok
    assert "locked" in _login(runtime, OFFICER_PASSWORD, username).message


def _actions(runtime: Runtime, username: str = OFFICER) -> list[tuple[str, str, dict[str, Any]]]:
    with unit_of_work(runtime.session_factory) as session:
        return [(e.actor, e.action, e.details)
                for e in audit.history(session, subject_type="user", subject_key=username)]


def test_unlocking_lets_the_right_password_in_again_and_is_audited(runtime: Runtime) -> None:
    make_officer(runtime)
    _lock_out(runtime)
    with unit_of_work(runtime.session_factory) as session:
        assert users.unlock_user(session, clock=runtime.clock, username=" Officer.Chan ", actor="admin:boss")
    assert _login(runtime, OFFICER_PASSWORD).ok
    assert [event for event in _actions(runtime) if event[1] in ("user-locked", "user-unlocked")] == [
        ("login", "user-locked", {"failed_logins": users.MAX_FAILED_LOGINS,
                                  "locked_until": "2026-03-02T02:15:00+00:00"}),  # locks run out (issue 14)
        ("admin:boss", "user-unlocked", {"failed_logins": users.MAX_FAILED_LOGINS}),
    ]


def test_unlocking_an_account_that_is_not_locked_changes_nothing(runtime: Runtime) -> None:
    make_officer(runtime)
    assert not _login(runtime, "wrong password").ok  # one failure is not a lockout
    with unit_of_work(runtime.session_factory) as session:
        assert not users.unlock_user(session, clock=runtime.clock, username=OFFICER, actor="cli")
        assert users.get_user(session, OFFICER).failed_logins == 1
    assert [action for _, action, _ in _actions(runtime)] == ["user-created", "user-login-failed"]


def test_unlocking_does_not_reactivate_a_deactivated_account(runtime: Runtime) -> None:
    make_officer(runtime)
    _lock_out(runtime)
    with unit_of_work(runtime.session_factory) as session:
        users.get_user(session, OFFICER).is_active = False
    with unit_of_work(runtime.session_factory) as session:
        assert users.unlock_user(session, clock=runtime.clock, username=OFFICER, actor="cli")
    assert not _login(runtime, OFFICER_PASSWORD).ok


def test_unlocking_an_unknown_user_says_so(runtime: Runtime) -> None:
    with unit_of_work(runtime.session_factory) as session, pytest.raises(NotFound, match="no user named 'ghost'"):
        users.unlock_user(session, clock=runtime.clock, username="ghost", actor="cli")


def test_cli_users_unlock(runtime: Runtime, cli: Any) -> None:
    make_officer(runtime)
    _lock_out(runtime)
    assert cli("users", "unlock", OFFICER) == (0, f"unlocked user {OFFICER}\n", "")
    assert _login(runtime, OFFICER_PASSWORD).ok
    assert cli("users", "unlock", OFFICER) == (0, f"user {OFFICER} was not locked; nothing changed\n", "")
    code, _, err = cli("users", "unlock", "ghost")
    assert (code, err) == (1, "There is no user named 'ghost'.")
    unlocks = [(actor, action) for actor, action, _ in _actions(runtime) if action == "user-unlocked"]
    assert unlocks == [("cli", "user-unlocked")]  # sign-ins are audited too since issue 14: pick the unlock


def _sign_in(client: Any, username: str, password: str) -> str:
    response = client.post("/api/v1/auth/login", json={"username": username, "password": password})
    assert response.status_code == 200, response.text
    return str(response.json()["csrf_token"])


def test_an_admin_unlocks_over_the_api(client: Any, runtime: Runtime) -> None:
    make_officer(runtime)
    make_officer(runtime, username=ADMIN, password=ADMIN_PASSWORD, roles=("admin",))
    _lock_out(runtime)
    token = _sign_in(client, ADMIN, ADMIN_PASSWORD)

    refused = client.post(f"/api/v1/auth/users/{OFFICER}/unlock")  # no CSRF token
    assert refused.status_code == 403 and refused.json()["error"] == "csrf_rejected"
    missing = client.post("/api/v1/auth/users/ghost/unlock", headers={"X-CSRF-Token": token})
    assert missing.status_code == 404 and missing.json()["detail"] == "There is no user named 'ghost'."

    response = client.post(f"/api/v1/auth/users/{OFFICER}/unlock", headers={"X-CSRF-Token": token})
    assert response.status_code == 200 and response.json() == {"username": OFFICER, "unlocked": True}
    assert _actions(runtime)[-1] == (f"admin:{ADMIN}", "user-unlocked", {"failed_logins": users.MAX_FAILED_LOGINS})
    again = client.post(f"/api/v1/auth/users/{OFFICER}/unlock", headers={"X-CSRF-Token": token})
    assert again.json() == {"username": OFFICER, "unlocked": False}
    assert _login(runtime, OFFICER_PASSWORD).ok


def test_only_a_signed_in_admin_may_unlock(client: Any, runtime: Runtime) -> None:
    make_officer(runtime, username="victim", roles=("dnc-officer",))
    _lock_out(runtime, "victim")
    not_signed_in = client.post("/api/v1/auth/users/victim/unlock", headers={"X-CSRF-Token": "anything"})
    assert not_signed_in.status_code == 401 and not_signed_in.json()["error"] == "not_authenticated"

    make_officer(runtime)  # a dnc-officer is not an administrator
    token = _sign_in(client, OFFICER, OFFICER_PASSWORD)
    refused = client.post("/api/v1/auth/users/victim/unlock", headers={"X-CSRF-Token": token})
    assert refused.status_code == 403
    assert refused.json() == {"error": "permission_denied", "detail": "This needs the 'admin' role.", "role": "admin"}
    assert "locked" in _login(runtime, OFFICER_PASSWORD, "victim").message
    # Since issue 14 every failed sign-in is audited as well; nothing unlocked the account.
    assert [action for _, action, _ in _actions(runtime, "victim") if action != "user-login-failed"] == [
        "user-created", "user-locked"]
