"""`telreg two-factor …`: staff two-factor sign-in, from the operations console (core/two_factor.py)."""

from __future__ import annotations

import typer

from telreg.core import two_factor, users
from telreg.core.cli_support import runtime, session_scope

app = typer.Typer(no_args_is_help=True, help="Staff two-factor sign-in")


@app.command("status")
def status(username: str) -> None:
    """Say whether a staff user has an authenticator set up, and how many recovery codes are left."""
    rt = runtime()
    with session_scope(rt) as session:
        user = users.get_user(session, username)
        required = two_factor.is_required(rt.settings, user.roles)
        if two_factor.is_enrolled(session, user):
            left = two_factor.remaining_recovery_codes(session, user)
            typer.echo(f"user {user.username}: two-factor set up, {left} recovery code(s) left")
        else:
            typer.echo(f"user {user.username}: two-factor not set up"
                       + (" (required for its role: it is asked to set it up at sign-in)" if required else ""))


@app.command("reset")
def reset(username: str) -> None:
    """Remove a staff user's authenticator and recovery codes (a lost phone); they set it up again at the next
    sign-in. Recorded in the audit trail."""
    rt = runtime()
    with session_scope(rt) as session:
        done = two_factor.reset(session, clock=rt.clock, username=username, actor="cli")
    name = username.strip().lower()
    typer.echo(f"two-factor sign-in reset for user {name}" if done
               else f"user {name} had no two-factor sign-in set up; nothing changed")
