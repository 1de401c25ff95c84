"""`telreg demo …`: demonstration data for a development database."""

from __future__ import annotations

from typing import Annotated

import typer

from telreg.core.cli_support import AsOfOption, print_json, runtime, session_scope
from telreg.demo.enforcement import load_enforcement
from telreg.demo.lawful import load_lawful_request
from telreg.demo.loader import DEMO_USERS, load_demo
from telreg.demo.sender import DEMO_SENDER

app = typer.Typer(no_args_is_help=True, help="Demonstration data (refused in production)")


@app.command("load")
def load(
    as_json: Annotated[bool, typer.Option("--json", help="Print what was created as JSON")] = False,
    as_of: AsOfOption = None,
) -> None:
    """Load demo staff, listings, warnings, an active sender and a first publication; running it again changes
    nothing."""
    rt = runtime(as_of)
    with session_scope(rt) as session:
        summary = load_demo(session, clock=rt.clock, settings=rt.settings)
    # Its own transaction, after the accounts and numbers it names are committed (the request runs the same
    # use case as the API).
    lawful_request = load_lawful_request(rt)
    enforcement = load_enforcement(rt)  # its own transaction too: reports, cases, a notice, seed numbers
    if as_json:
        print_json({**summary.as_dict(), "lawful_request": lawful_request,
                    "enforcement": enforcement.as_dict()})
        return
    if not summary.changed and lawful_request is None and not enforcement.changed:
        typer.echo("demo data already loaded; nothing changed")
    for username in summary.users:
        typer.echo(f"created user {username}")
    for number, register, day in summary.listings:
        typer.echo(f"listed {number} on the {register} register, registered on {day}")
    for kind, day in summary.warnings:
        typer.echo(f"recorded a {kind} warning on {day}")
    for username in summary.senders:
        registers = ", ".join(r.value for r in DEMO_SENDER.registers)
        typer.echo(f"created sender account {username}: {DEMO_SENDER.capacity.value}, active on {registers} "
                   f"({DEMO_SENDER.plan.value} plan), API access on")
    for code in summary.operators:
        typer.echo(f"added real-name operator {code}")
    for number in summary.registrations:
        typer.echo(f"registered {number} under the real-name rules")
    if summary.ca_created:
        typer.echo("created the demo certification authority (root passphrase in data_dir/ecert-demo-root-passphrase)")
    for code in summary.agencies:
        typer.echo(f"added law-enforcement agency {code}")
    if lawful_request is not None:
        typer.echo(f"filed the lawful-access request {lawful_request} as detective: awaiting approval and release "
                   "by harbour's compliance officers (compliance, then compliance2)")
    if enforcement.reports:
        typer.echo(f"recorded {len(enforcement.reports)} enforcement reports "
                   f"({', '.join(enforcement.reports)}) in the cases {', '.join(enforcement.cases)}; "
                   f"information request {', '.join(enforcement.documents)} served, enforcement notice "
                   f"{', '.join(enforcement.notices)} served and past its deadline")
    if enforcement.seeds:
        typer.echo(f"added {len(enforcement.seeds)} seed numbers to the pool: {', '.join(enforcement.seeds)}")
    for what in enforcement.missing:
        typer.echo(f"enforcement demo: left out, {what} is missing")
    if summary.published is not None:
        typer.echo(f"published the registers as at the close of {summary.published}")
    typer.echo("demo sign-in (demonstration databases only):")
    for user in DEMO_USERS:
        acts_for = f" for {user.operator}" if user.operator else f" of {user.agency}" if user.agency else ""
        typer.echo(f"  {user.username:<11} password {user.password:<18} role {user.role}{acts_for}")
    typer.echo(f"  {DEMO_SENDER.username:<11} password {DEMO_SENDER.password:<18} sender account (senders' portal)")
