"""Staff accounts: argon2 hashes, validation, authentication, lockout that survives transactions, `telreg users add`."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

from telreg.core import audit, users
from telreg.core.db import unit_of_work
from telreg.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from telreg.core.models import User
from telreg.runtime import Runtime

PASSWORD = "correct horse battery"


def _create(
    runtime: Runtime, username: str = "officer1", roles: list[str] | None = None, password: str = PASSWORD
) -> None:
    with unit_of_work(runtime.session_factory) as session:
        users.create_user(
            session, clock=runtime.clock, username=username, password=password, roles=roles or ["dnc-officer"]
        )


def _login(runtime: Runtime, password: str, username: str = "officer1") -> users.LoginOutcome:
    with unit_of_work(runtime.session_factory) as session:  # each attempt is its own request
        return users.authenticate(session, clock=runtime.clock, username=username, password=password)


def test_create_user_stores_only_an_argon2_hash(runtime: Runtime) -> None:
    with unit_of_work(runtime.session_factory) as session:
        user = users.create_user(
            session,
            clock=runtime.clock,
            username="  Officer.One ",
            password=PASSWORD,
            roles=["dnc-officer", "dnc-officer"],
            display_name="Officer One",
        )
    with unit_of_work(runtime.session_factory) as session:
        stored = session.scalars(select(User)).one()
        assert stored.id == user.id
        assert (stored.username, stored.display_name, stored.roles) == (
            "officer.one",
            "Officer One",
            ["dnc-officer"],
        )
        assert stored.password_hash.startswith("$argon2id$")
        assert PASSWORD not in stored.password_hash
        assert PasswordHasher().verify(stored.password_hash, PASSWORD)
        assert (stored.is_active, stored.failed_logins, stored.created_at) == (True, 0, runtime.clock.now())
        events = audit.history(session, subject_type="user", subject_key="officer.one")
        assert [(e.action, e.details) for e in events] == [("user-created", {"roles": ["dnc-officer"]})]
        assert PASSWORD not in str(events[0].details)


def test_duplicate_username_is_a_conflict(runtime: Runtime) -> None:
    _create(runtime, "officer1")
    with unit_of_work(runtime.session_factory) as session, pytest.raises(Conflict, match="already exists"):
        users.create_user(
            session, clock=runtime.clock, username="OFFICER1", password=PASSWORD, roles=["admin"]
        )


@pytest.mark.parametrize(
    ("username", "roles", "password", "message"),
    [
        ("officer1", ["root"], PASSWORD, "Unknown role"),
        ("officer1", [], PASSWORD, "Unknown role"),
        ("officer1", ["dnc-officer"], "short", "at least 10 characters"),
        ("officer 1", ["dnc-officer"], PASSWORD, "only letters, digits"),
        ("", ["dnc-officer"], PASSWORD, "only letters, digits"),
    ],
)
def test_invalid_accounts_are_refused(
    runtime: Runtime, username: str, roles: list[str], password: str, message: str
) -> None:
    with unit_of_work(runtime.session_factory) as session:
        with pytest.raises(InvalidInput, match=message):
            users.create_user(session, clock=runtime.clock, username=username, password=password, roles=roles)
        assert session.scalars(select(User)).all() == []


def test_authenticate_success_and_failure(runtime: Runtime) -> None:
    _create(runtime)

    ok = _login(runtime, PASSWORD)
    assert ok.ok and ok.user is not None and ok.user.username == "officer1"

    wrong = _login(runtime, "not the password")
    assert not wrong.ok and wrong.message == "The username or password is not correct."
    nobody = _login(runtime, PASSWORD, username="nobody")
    assert not nobody.ok and nobody.message == wrong.message  # no hint that the username does not exist


def test_lockout_after_repeated_failures_persists_across_transactions(runtime: Runtime) -> None:
    _create(runtime)
    for attempt in range(1, users.MAX_FAILED_LOGINS + 1):
        assert not _login(runtime, f"wrong password {attempt}").ok
        with unit_of_work(runtime.session_factory) as session:
            assert users.get_user(session, "officer1").failed_logins == attempt  # committed, not rolled back

    locked = _login(runtime, PASSWORD)

    assert not locked.ok
    assert "locked" in locked.message
    with unit_of_work(runtime.session_factory) as session:
        events = audit.history(session, subject_type="user", subject_key="officer1")
        # Every wrong password is audited too (issue 14), then the lock, which says until when (15 minutes).
        assert [e.action for e in events] == ["user-created"] + ["user-login-failed"] * users.MAX_FAILED_LOGINS + [
            "user-locked", "user-login-failed"]
        assert events[-2].details == {"failed_logins": users.MAX_FAILED_LOGINS,
                                      "locked_until": "2026-03-02T02:15:00+00:00"}
        assert events[-1].details == {"reason": "locked"}


def test_a_success_resets_the_failure_counter(runtime: Runtime) -> None:
    _create(runtime)
    for _ in range(users.MAX_FAILED_LOGINS - 1):
        _login(runtime, "wrong password")
    assert _login(runtime, PASSWORD).ok
    for _ in range(users.MAX_FAILED_LOGINS - 1):
        _login(runtime, "wrong password")
    assert _login(runtime, PASSWORD).ok  # never five in a row, so never locked


def test_inactive_accounts_cannot_sign_in_or_act(runtime: Runtime) -> None:
    _create(runtime)
    with unit_of_work(runtime.session_factory) as session:
        users.get_user(session, "officer1").is_active = False
    assert not _login(runtime, PASSWORD).ok
    with (
        unit_of_work(runtime.session_factory) as session,
        pytest.raises(PermissionDenied, match="not active"),
    ):
        users.officer(session, "officer1")


def test_roles_gate_officer_actions(runtime: Runtime) -> None:
    _create(runtime, "clerk", roles=["dnc-officer"])
    _create(runtime, "boss", roles=["admin"])
    with unit_of_work(runtime.session_factory) as session:
        assert users.officer(session, "clerk").username == "clerk"
        assert users.officer(session, "boss").username == "boss"  # admin may do everything
        with pytest.raises(PermissionDenied, match="'admin' role"):
            users.officer(session, "clerk", role="admin")
        with pytest.raises(NotFound, match="no user named"):
            users.officer(session, "ghost")


def test_cli_users_add_with_password_option(runtime: Runtime, cli) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = cli(
        "users", "add", "officer2", "--role", "dnc-officer", "--password", PASSWORD, "--name", "Officer Two"
    )

    assert code == 0
    assert out.strip() == "created user officer2 with roles dnc-officer"
    assert _login(runtime, PASSWORD, username="officer2").ok
    with unit_of_work(runtime.session_factory) as session:
        assert users.get_user(session, "officer2").display_name == "Officer Two"


def test_cli_users_add_reads_the_password_from_the_environment(runtime: Runtime, cli, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("TELREG_NEW_USER_PASSWORD", PASSWORD)

    code, out, _ = cli("users", "add", "admin1", "--role", "admin", "--role", "dnc-officer")

    assert code == 0
    assert out.strip() == "created user admin1 with roles admin, dnc-officer"
    assert _login(runtime, PASSWORD, username="admin1").ok


def test_cli_users_add_refuses_duplicates_and_unknown_roles(runtime: Runtime, cli) -> None:  # type: ignore[no-untyped-def]
    _create(runtime, "officer1")

    code, _, err = cli("users", "add", "officer1", "--role", "dnc-officer", "--password", PASSWORD)
    assert (code, err) == (1, "A user named 'officer1' already exists.")

    code, _, err = cli("users", "add", "officer3", "--role", "superuser", "--password", PASSWORD)
    assert code == 1 and "Unknown role(s) ['superuser']" in err
    with unit_of_work(runtime.session_factory) as session:
        assert [u.username for u in session.scalars(select(User))] == ["officer1"]
