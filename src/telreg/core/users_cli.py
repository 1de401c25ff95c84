"""`telreg users …`: staff accounts."""

from __future__ import annotations

from typing import Annotated

import typer

from telreg.core import users
from telreg.core.cli_support import runtime, session_scope

app = typer.Typer(no_args_is_help=True, help="Staff accounts")


@app.command("add")
def add(
    username: str,
    role: Annotated[list[str], typer.Option(
        "--role", help="admin | ca-officer | dnc-officer | le-officer | le-supervisor | operator-compliance | "
                       "operator-staff | regulator (repeatable)")],
    password: Annotated[str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True,
                                          envvar="TELREG_NEW_USER_PASSWORD")],
    name: Annotated[str | None, typer.Option("--name", help="Display name")] = None,
    operator: Annotated[str | None, typer.Option(
        "--operator", help="Operator code an operator-staff / operator-compliance account acts for (required for "
                           "them)")] = None,
    agency: Annotated[str | None, typer.Option(
        "--agency", help="Agency code of an le-officer / le-supervisor account (required for them)")] = None,
) -> None:
    """Create a staff account with the given roles (operator staff: with their operator; law enforcement: with
    their agency)."""
    rt = runtime()
    with session_scope(rt) as session:
        user = users.create_user(session, clock=rt.clock, username=username, password=password, roles=role,
                                 display_name=name, operator=operator, agency=agency)
        acts_for = (f" for operator {user.operator_code}" if user.operator_code else
                    f" of agency {user.agency_code}" if user.agency_code else "")
        typer.echo(f"created user {user.username} with roles {', '.join(user.roles)}{acts_for}")


@app.command("set-operator")
def set_operator(username: str, operator: Annotated[str, typer.Argument(help="The operator's code")]) -> None:
    """Attach an operator-staff account to the operator it acts for (audited, with the previous one)."""
    rt = runtime()
    with session_scope(rt) as session:
        before = users.get_user(session, username).operator_code
        user = users.set_operator(session, clock=rt.clock, username=username, operator=operator)
        if user.operator_code == before:
            typer.echo(f"user {user.username} already acts for operator {before}; nothing changed")
        else:
            typer.echo(f"user {user.username} now acts for operator {user.operator_code}"
                       + (f" (was {before})" if before else ""))


@app.command("unlock")
def unlock(username: str) -> None:
    """Lift the lockout of a staff account after repeated wrong passwords (recorded in the audit trail)."""
    rt = runtime()
    with session_scope(rt) as session:
        unlocked = users.unlock_user(session, clock=rt.clock, username=username, actor="cli")
    name = username.strip().lower()
    typer.echo(f"unlocked user {name}" if unlocked else f"user {name} was not locked; nothing changed")


@app.command("revoke-sessions")
def revoke_sessions(username: str) -> None:
    """End every session of a staff account at once (signed out everywhere; recorded in the audit trail)."""
    from telreg.core import sessions

    rt = runtime()
    with session_scope(rt) as session:
        user = users.get_user(session, username)
        ended = sessions.revoke_all(session, clock=rt.clock, kind=sessions.STAFF, principal=user.username,
                                    reason="revoked-by-admin", actor="cli")
    typer.echo(f"ended {ended} session(s) of user {user.username}")
