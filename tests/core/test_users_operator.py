"""Operator staff accounts name their operator (issue 5): `create_user(operator=…)`, `telreg users add
--operator`, and the migration that adds `users.operator_code`. SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, inspect

from telreg.core import audit, users
from telreg.core.db import unit_of_work
from telreg.core.errors import InvalidInput, NotFound
from telreg.core.models import User
from telreg.runtime import Runtime
from tests.migrations import load_migration, run_step

PASSWORD = "correct horse battery"


def _create(runtime: Runtime, username: str, roles: list[str], operator: str | None) -> User:
    with unit_of_work(runtime.session_factory) as session:
        user = users.create_user(session, clock=runtime.clock, username=username, password=PASSWORD,
                                 roles=roles, operator=operator)
        session.expunge(user)
        return user


def test_operator_staff_are_attached_to_their_operator(runtime: Runtime) -> None:
    assert _create(runtime, "clerk.chan", ["operator-staff"], " OP1 ").operator_code == "op1"
    with unit_of_work(runtime.session_factory) as session:
        assert users.get_user(session, "clerk.chan").operator_code == "op1"
        [event] = audit.history(session, subject_type="user", subject_key="clerk.chan")
        assert event.details == {"roles": ["operator-staff"], "operator": "op1"}


@pytest.mark.parametrize("operator", [None, "", "   "])
def test_operator_staff_without_an_operator_are_refused(runtime: Runtime, operator: str | None) -> None:
    with pytest.raises(InvalidInput, match="An operator-staff account acts for one operator: say which"):
        _create(runtime, "clerk.chan", ["operator-staff"], operator)
    with unit_of_work(runtime.session_factory) as session, pytest.raises(NotFound):
        users.get_user(session, "clerk.chan")


def test_other_roles_may_not_name_an_operator(runtime: Runtime) -> None:
    # Refused rather than ignored: an administrator acts for every operator, so an operator given to one is
    # a mistake worth saying out loud.
    with pytest.raises(InvalidInput, match="Only an operator-staff account acts for an operator"):
        _create(runtime, "admin.lee", ["admin"], "op1")
    assert _create(runtime, "ofca.lam", ["regulator"], None).operator_code is None


def test_an_operator_code_longer_than_the_column_is_refused(runtime: Runtime) -> None:
    with pytest.raises(InvalidInput, match="at most 32 characters"):
        _create(runtime, "clerk.chan", ["operator-staff"], "x" * 33)


def test_cli_users_add_with_an_operator(runtime: Runtime, cli) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = cli("users", "add", "clerk.chan", "--role", "operator-staff", "--operator", "op1",
                       "--password", PASSWORD)
    assert (code, out.strip()) == (0, "created user clerk.chan with roles operator-staff for operator op1")
    with unit_of_work(runtime.session_factory) as session:
        assert users.get_user(session, "clerk.chan").operator_code == "op1"

    code, _, err = cli("users", "add", "clerk.ho", "--role", "operator-staff", "--password", PASSWORD)
    assert code == 1 and err.startswith("An operator-staff account acts for one operator")


def _columns(engine: Engine) -> set[str]:
    return {column["name"] for column in inspect(engine).get_columns("users")}


def test_the_migration_adds_the_column(engine: Engine) -> None:
    migration = load_migration("2026-11-27-2100_staff_operator.py")
    assert migration.down_revision == "3a84f20161a2"
    assert "operator_code" in _columns(engine)  # the migrated test database has it
    run_step(engine, migration.downgrade)
    try:
        assert "operator_code" not in _columns(engine)
    finally:
        run_step(engine, migration.upgrade)  # leave the shared test database as every other test expects it
    assert "operator_code" in _columns(engine)
    [column] = [c for c in inspect(engine).get_columns("users") if c["name"] == "operator_code"]
    assert column["nullable"] and column["type"].length == 32


def test_set_operator_attaches_an_account_and_audits_the_move(
        runtime: Runtime, cli) -> None:  # type: ignore[no-untyped-def]
    with unit_of_work(runtime.session_factory) as session:  # an account from before operators were named
        session.add(User(username="clerk.old", display_name="clerk.old", password_hash="x", roles=["operator-staff"],
                         operator_code=None, is_active=True, failed_logins=0, created_at=runtime.clock.now()))

    code, out, _ = cli("users", "set-operator", "clerk.old", " OP1 ")
    assert (code, out.strip()) == (0, "user clerk.old now acts for operator op1")
    code, out, _ = cli("users", "set-operator", "clerk.old", "op1")
    assert (code, out.strip()) == (0, "user clerk.old already acts for operator op1; nothing changed")
    code, out, _ = cli("users", "set-operator", "clerk.old", "op2")
    assert (code, out.strip()) == (0, "user clerk.old now acts for operator op2 (was op1)")
    with unit_of_work(runtime.session_factory) as session:
        assert users.get_user(session, "clerk.old").operator_code == "op2"
        moves = [e.details for e in audit.history(session, subject_type="user", subject_key="clerk.old")]
        assert moves == [{"operator": "op1", "previous": None}, {"operator": "op2", "previous": "op1"}]


def test_set_operator_refuses_other_roles_and_unknown_users(
        runtime: Runtime, cli) -> None:  # type: ignore[no-untyped-def]
    _create(runtime, "admin.lee", ["admin"], None)
    code, _, err = cli("users", "set-operator", "admin.lee", "op1")
    assert code == 1 and err.startswith("Only an operator-staff account acts for an operator")
    code, _, err = cli("users", "set-operator", "nobody", "op1")
    assert code == 1 and "There is no user named 'nobody'" in err
    with unit_of_work(runtime.session_factory) as session:
        assert users.get_user(session, "admin.lee").operator_code is None
        assert [e.action for e in audit.history(session, subject_type="user", subject_key="admin.lee")] == [
            "user-created"]
