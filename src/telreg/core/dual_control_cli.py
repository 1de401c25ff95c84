"""`telreg approvals`: ask for, decide on and look at operations under the two-person rule (core/dual_control.py).

A command acts as the person named with ``--by``: the account must exist, be active and hold the roles the
kind asks for — the same rule as the API and the pages. The operation itself is run by the command that does
it (``telreg keys rotate --approval ID --by …``, ``telreg realname policy set …``, ``telreg realname export …``),
by the person who asked for it.
"""

from __future__ import annotations

from typing import Annotated

import typer

from telreg.core.cli_support import print_json, runtime, session_scope
from telreg.core.errors import InvalidInput, PermissionDenied
from telreg.core.i18n import N_

app = typer.Typer(no_args_is_help=True, help="The two-person rule: sensitive operations approved by a second person")

ByOption = Annotated[str, typer.Option("--by", help="The username of the person acting")]
ReasonOption = Annotated[str, typer.Option("--reason", help="Why (the other person reads it)")]


def acting_user(session, username: str):  # type: ignore[no-untyped-def]
    """The account a command acts as: it must exist and be active (roles are checked by the step itself)."""
    from telreg.core.users import get_user

    user = get_user(session, username)
    if not user.is_active:
        raise PermissionDenied(N_("User '%(username)s' is not active."), username=username)
    return user


def parse_params(pairs: list[str] | None) -> dict[str, str]:
    """``--param name=value`` options as a dict (a name given twice is refused)."""
    params: dict[str, str] = {}
    for pair in pairs or []:
        name, sep, value = pair.partition("=")
        name = name.strip()
        if not sep or not name:
            raise InvalidInput(N_("--param %(given)s: write name=value."), given=pair)
        if name in params:
            raise InvalidInput(N_("--param %(name)s is given twice."), name=name)
        params[name] = value
    return params


def how_to_ask(kind: str, params: dict[str, str]) -> str:
    """The command that asks for this operation, for a refusal to show."""
    shown = " ".join(f"--param {name}={value}" for name, value in params.items())
    return f"telreg approvals request {kind} {shown} --reason '…' --by YOU".replace("  ", " ")


def _print(row) -> None:  # type: ignore[no-untyped-def]
    from telreg.core.dual_control import view

    print_json(view(row))


@app.command("request")
def request_command(
    kind: Annotated[str, typer.Argument(help="key-rotation, index-key-rotation, key-retirement, policy-change, "
                                             "bulk-export, bulk-unmask")],
    by: ByOption,
    reason: ReasonOption,
    param: Annotated[list[str] | None, typer.Option("--param", help="name=value; repeatable")] = None,
    scope: Annotated[str | None, typer.Option("--scope", help="The operator code (bulk exports)")] = None,
) -> None:
    """Ask for an operation; a second person approves it with `telreg approvals approve ID`."""
    from telreg.core import dual_control

    rt = runtime()
    with session_scope(rt) as session:
        row = dual_control.request(session, clock=rt.clock, settings=rt.settings, user=acting_user(session, by),
                                   kind=kind, params=parse_params(param), reason=reason, scope=scope)
        _print(row)


@app.command("approve")
def approve_command(request_id: Annotated[int, typer.Argument(help="The request's id")], by: ByOption,
                    reason: ReasonOption) -> None:
    """Approve a request as the second person (never the one who asked)."""
    from telreg.core import dual_control

    rt = runtime()
    with session_scope(rt) as session:
        _print(dual_control.approve(session, clock=rt.clock, settings=rt.settings, user=acting_user(session, by),
                                    request_id=request_id, reason=reason))


@app.command("reject")
def reject_command(request_id: Annotated[int, typer.Argument(help="The request's id")], by: ByOption,
                   reason: ReasonOption) -> None:
    """Reject a request, with the reason."""
    from telreg.core import dual_control

    rt = runtime()
    with session_scope(rt) as session:
        _print(dual_control.reject(session, clock=rt.clock, user=acting_user(session, by), request_id=request_id,
                                   reason=reason))


@app.command("cancel")
def cancel_command(request_id: Annotated[int, typer.Argument(help="The request's id")], by: ByOption) -> None:
    """Withdraw one's own request (pending, or approved and not used)."""
    from telreg.core import dual_control

    rt = runtime()
    with session_scope(rt) as session:
        _print(dual_control.cancel(session, clock=rt.clock, user=acting_user(session, by), request_id=request_id))


@app.command("list")
def list_command(
    state: Annotated[str | None, typer.Option("--state", help="pending, approved, used, rejected, expired, "
                                                                "cancelled")] = None,
) -> None:
    """List the requests, newest first (one line each)."""
    from sqlalchemy import select

    from telreg.core.dual_control_models import DualControlRequest

    rt = runtime()
    with session_scope(rt) as session:
        stmt = select(DualControlRequest).order_by(DualControlRequest.id.desc()).limit(500)
        if state:
            stmt = stmt.where(DualControlRequest.state == state)
        rows = list(session.scalars(stmt))
        for row in rows:
            decided = f" by {row.decided_by}" if row.decided_by else ""
            typer.echo(f"{row.id}\t{row.state}{decided}\t{row.kind}{f' [{row.scope}]' if row.scope else ''}\t"
                       f"asked by {row.requested_by}\t{row.summary}")
        if not rows:
            typer.echo("no requests")


@app.command("show")
def show_command(request_id: Annotated[int, typer.Argument(help="The request's id")]) -> None:
    """Show one request as JSON."""
    from telreg.core import dual_control

    rt = runtime()
    with session_scope(rt) as session:
        _print(dual_control.get_request(session, request_id))
