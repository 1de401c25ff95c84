"""The role-names migration, on SQLite and PostgreSQL: accounts saved with the old spelling (operator_staff)
get the new one (operator-staff) and keep their other roles; going down gives the old spelling back."""

from __future__ import annotations

import datetime as dt

from alembic.script import ScriptDirectory
from sqlalchemy import Engine, insert, select

from telreg.core.migrate import alembic_config
from telreg.core.models import User
from telreg.core.users import OPERATOR_ROLE, ROLES
from tests.migrations import load_migration, run_step

FILE = "2026-12-06-2130_role_names.py"
WHEN = dt.datetime(2026, 3, 2, 2, 0, tzinfo=dt.UTC)


def _add(engine: Engine, username: str, roles: list[str]) -> None:
    with engine.begin() as connection:
        connection.execute(insert(User.__table__).values(
            username=username, display_name=username, password_hash="x", roles=roles,
            operator_code="op1" if "operator_staff" in roles else None, is_active=True, failed_logins=0,
            created_at=WHEN))


def _roles(engine: Engine) -> dict[str, list[str]]:
    with engine.connect() as connection:
        return {name: roles for name, roles in connection.execute(select(User.username, User.roles))}


def test_the_code_names_every_role_with_hyphens() -> None:
    assert OPERATOR_ROLE == "operator-staff"
    assert all("_" not in role for role in ROLES)


def test_old_role_names_are_renamed_and_back_again(engine: Engine) -> None:
    module = load_migration(FILE)
    assert module.revision == "b13e00000002"
    _add(engine, "clerk", ["operator_staff"])
    _add(engine, "both", ["regulator", "operator_staff"])
    _add(engine, "officer", ["dnc-officer"])
    _add(engine, "nobody", [])

    run_step(engine, module.upgrade)
    assert _roles(engine) == {"clerk": ["operator-staff"], "both": ["operator-staff", "regulator"],
                              "officer": ["dnc-officer"], "nobody": []}

    run_step(engine, module.downgrade)
    assert _roles(engine)["clerk"] == ["operator_staff"]
    assert _roles(engine)["both"] == ["operator_staff", "regulator"]
    run_step(engine, module.upgrade)  # the schema fixture stays at head for the next test
    assert _roles(engine)["clerk"] == ["operator-staff"]


def test_the_migrations_have_one_head() -> None:
    scripts = ScriptDirectory.from_config(alembic_config("sqlite://"))
    heads = scripts.get_heads()
    assert len(heads) == 1, f"more than one head: {heads}"
    # The role names come after every schema change of the real-name context (its rows are the ones renamed).
    assert "a1c0de120003" in {rev.revision for rev in scripts.iterate_revisions(heads[0], "base")}
    assert scripts.get_revision("b13e00000002").down_revision in {"a1c0de120003", "b13e00000001"}
