"""`telreg realname policy set` and `… overrides`: change a policy value under the two-person rule, list the changes
(realname/policy/overrides.py). Registered on the `policy` sub-app by policy_cli.py."""

from __future__ import annotations

from typing import Annotated

import typer

from telreg.core.cli_support import runtime, session_scope
from telreg.core.clock import to_hk
from telreg.realname.policy.model import Policy


def register(policy_app: typer.Typer) -> None:
    policy_app.command("set")(set_value)
    policy_app.command("overrides")(list_overrides)


def set_value(
    key: Annotated[str, typer.Argument(help="e.g. lawful_access.emergency_backing_hours, retention.personal_data_days, "
                                            "consent_purposes")],
    value: Annotated[str, typer.Argument(help="The new value (JSON: 24, [\"a\", \"b\"]; purposes also a,b)")],
    effective_from: Annotated[str, typer.Option("--effective-from", help="ISO date; in force from its midnight, "
                                                                         "Hong Kong time")],
    approval: Annotated[int | None, typer.Option("--approval", help="The approved policy-change request")] = None,
    by: Annotated[str | None, typer.Option("--by", help="Your username: the one who asked for the change")] = None,
) -> None:
    """Change one policy value from a date on, with an approved policy-change request (the two-person rule)."""
    from telreg.core.dual_control import DualControlRefused
    from telreg.core.dual_control_cli import acting_user
    from telreg.core.i18n import N_
    from telreg.realname.policy import overrides

    if approval is None or not by:
        raise DualControlRefused(
            N_("A policy change needs a second person's approval (the two-person rule). Ask for it with "
               "`%(command)s`, have another regulator or administrator approve it, then run this again with "
               "--approval ID --by YOU."),
            command=(f"telreg approvals request policy-change --param key={key} --param value={value} "
                     f"--param effective_from={effective_from} --reason '…' --by YOU"))
    rt = runtime()
    with session_scope(rt) as session:
        row = overrides.apply_override(session, clock=rt.clock, settings=rt.settings,
                                       user=acting_user(session, by), request_id=approval, key=key,
                                       value=overrides.parse_value(value), effective_from=effective_from)
        typer.echo(f"{row.key} = {overrides.dump(row.value)} from {to_hk(row.effective_from).date().isoformat()} "
                   f"(approval {row.approval_id}, approved by {row.approved_by})")


def list_overrides() -> None:
    """List every policy change recorded, newest first, and say which are in force."""
    from telreg.realname.policy import overrides

    rt = runtime()
    with session_scope(rt) as session:
        current = {c.id for c in overrides.in_force(session, clock=rt.clock)}
        rows = overrides.list_overrides(session)
        for row in rows:
            state = "in force" if row.id in current else (
                "from " + to_hk(row.effective_from).date().isoformat() if row.effective_from > rt.clock.now()
                else "superseded")
            typer.echo(f"{row.id}\t{row.key} = {overrides.dump(row.value)}\t{state}\tasked by {row.requested_by}, "
                       f"approved by {row.approved_by} (approval {row.approval_id})")
        if not rows:
            typer.echo("no policy changes")


def policy_in_force(policy: Policy) -> tuple[Policy, list[str]]:
    """The policy with the approved changes in force, and a line per change, for `policy show`.

    The file's policy alone, said so, when the database cannot be read (`show` also checks a file offline).
    """
    from sqlalchemy.exc import SQLAlchemyError

    from telreg.realname.policy import overrides

    try:
        rt = runtime()
        with session_scope(rt) as session:
            changes = overrides.in_force(session, clock=rt.clock)
            current = overrides.effective_policy(session, rt.settings, clock=rt.clock) if changes else policy
    except SQLAlchemyError:
        return policy, ["  changes approved under the two-person rule: not read (no database)"]
    return current, [f"  changed: {c.key} = {overrides.dump(c.value)} since {to_hk(c.effective_from).date()} "
                     f"(approval {c.approval_id}, approved by {c.approved_by})" for c in changes]
