"""`telreg dnc …`: the registers from an officer's terminal. Same services as the API and the IVR."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from telreg.core.cli_support import AsOfOption, print_json, read_only, runtime, session_scope
from telreg.core.errors import InvalidInput
from telreg.core.i18n import N_
from telreg.dnc.vocabulary import Channel, Verification, parse_registers

if TYPE_CHECKING:
    from telreg.dnc import service

# Only what `telreg dnc status` needs is imported here (issue 18 §5: a status look-up in under half a second):
# it reads through the database's bare driver (telreg.dnc.status, core/plain_sql.py), without SQLAlchemy, the
# models or the rest of the runtime. The services, the officers' modules (users, files, paper, feeds) and rich are
# imported by the commands that use them.
app = typer.Typer(no_args_is_help=True, help="Do-not-call registers")
paper_app = typer.Typer(no_args_is_help=True, help="Paper applications (with a recent phone bill)")
feed_app = typer.Typer(no_args_is_help=True, help="Operators' feeds of terminated numbers")
app.add_typer(paper_app, name="paper")
app.add_typer(feed_app, name="feed")

RegisterOption = Annotated[list[str], typer.Option("--register", help="fax | sms | prerecorded (repeatable)")]
OfficerOption = Annotated[str, typer.Option("--officer", help="Username of the officer acting")]
ChannelOption = Annotated[str, typer.Option("--channel", help="Only 'paper' is taken from the command line")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON")]


def _officer_channel(channel: str) -> None:
    if channel != Channel.paper.value:
        raise InvalidInput(
            N_("Channel '%(channel)s' cannot be used from the command line: hotline channels verify the "
               "caller themselves. Use --channel paper for an application an officer has checked."),
            channel=channel,
        )


def _print_outcomes(outcomes: list[service.ChangeOutcome], as_json: bool) -> None:
    if as_json:
        print_json([o.as_dict() for o in outcomes])
        return
    for o in outcomes:
        extra = f" (registered on {o.registered_on}, protected from {o.protected_from})" if o.protected_from else ""
        typer.echo(f"{o.number} {o.register}: {o.result}{extra}")


@app.command("register")
def register(
    number: str,
    registers: RegisterOption,
    officer_name: OfficerOption,
    channel: ChannelOption = "paper",
    bill: Annotated[Path | None, typer.Option("--bill", help="The recent phone bill (PDF/PNG/JPEG)")] = None,
    as_json: JsonOption = False,
    as_of: AsOfOption = None,
) -> None:
    """List NUMBER on the given registers on an officer's authority (paper channel)."""
    from telreg.core.files import store_document
    from telreg.core.users import officer
    from telreg.dnc import service

    _officer_channel(channel)
    rt = runtime(as_of)
    with session_scope(rt) as session:
        clerk = officer(session, officer_name)
        details = {}
        if bill is not None:
            stored = store_document(rt.settings.data_dir, filename=bill.name, content=bill.read_bytes(),
                                    max_bytes=rt.settings.max_upload_bytes, area="dnc-paper")
            details = {"bill_sha256": stored.sha256}
        outcomes = service.register_number(
            session, clock=rt.clock, settings=rt.settings, number=number, registers=parse_registers(registers),
            channel=Channel.paper, verification=Verification.phone_bill, actor=f"officer:{clerk.username}",
            details=details,
        )
    _print_outcomes(outcomes, as_json)


@app.command("deregister")
def deregister(
    number: str,
    registers: RegisterOption,
    officer_name: OfficerOption,
    channel: ChannelOption = "paper",
    as_json: JsonOption = False,
    as_of: AsOfOption = None,
) -> None:
    """Remove NUMBER from the given registers today, on an officer's authority (paper channel)."""
    from telreg.core.users import officer
    from telreg.dnc import service

    _officer_channel(channel)
    rt = runtime(as_of)
    with session_scope(rt) as session:
        clerk = officer(session, officer_name)
        outcomes = service.deregister_number(
            session, clock=rt.clock, settings=rt.settings, number=number, registers=parse_registers(registers),
            channel=Channel.paper, verification=Verification.phone_bill, actor=f"officer:{clerk.username}",
        )
    _print_outcomes(outcomes, as_json)


@app.command("status")
def status(number: str, as_json: JsonOption = False) -> None:
    """Show whether NUMBER is listed on each register, since when, and from when it is protected."""
    from telreg.dnc.status import read_status

    with read_only() as (settings, reader):  # the bare driver: no SQLAlchemy import (core/plain_sql.py)
        data = read_status(reader, settings=settings, number=number)
    if as_json:
        print_json(data)
        return
    from rich.console import Console
    from rich.table import Table

    table = Table("register", "listed", "registered on", "protected from", title=f"Status of {data['number']}")
    for name, entry in data["registers"].items():
        table.add_row(name, "yes" if entry["listed"] else "no", entry.get("registered_on", ""),
                      entry.get("protected_from", ""))
    Console().print(table)


@app.command("history")
def history(number: str, as_json: JsonOption = False) -> None:
    """Show every event about NUMBER, oldest first."""
    from telreg.dnc import service

    rt = runtime()
    with session_scope(rt) as session:
        events = service.listing_history(session, number=number)
    if as_json:
        print_json(events)
        return
    for event in events:
        typer.echo(f"{event['at']}  {event['event']:<24} {event['register'] or '-':<12} {event['actor']}")


@paper_app.command("record")
def paper_record(
    number: str,
    registers: RegisterOption,
    applicant: Annotated[str, typer.Option("--applicant", help="The applicant's name as on the bill")],
    bill: Annotated[Path, typer.Option("--bill", help="The recent phone bill (PDF/PNG/JPEG)", exists=True,
                                       dir_okay=False)],
    officer_name: OfficerOption,
    action: Annotated[str, typer.Option("--action", help="register | deregister")] = "register",
    as_of: AsOfOption = None,
) -> None:
    """Record a paper application with its phone bill; it waits for approval."""
    from telreg.core.files import store_document
    from telreg.dnc import paper

    rt = runtime(as_of)
    stored = store_document(rt.settings.data_dir, filename=bill.name, content=bill.read_bytes(),
                            max_bytes=rt.settings.max_upload_bytes, area="dnc-paper")
    with session_scope(rt) as session:
        application = paper.record_application(
            session, clock=rt.clock, number=number, registers=parse_registers(registers), action=action,
            applicant_name=applicant, bill=stored, officer_name=officer_name,
        )
        typer.echo(f"recorded paper application {application.id} for {application.number} (pending)")


@paper_app.command("list")
def paper_list(
    status_filter: Annotated[str | None, typer.Option("--status", help="pending | approved | rejected")] = None,
    as_json: JsonOption = False,
) -> None:
    """List paper applications, newest first."""
    from telreg.dnc import paper

    rt = runtime()
    with session_scope(rt) as session:
        rows = [
            {"id": a.id, "number": a.number, "registers": a.registers, "action": a.action, "status": a.status,
             "applicant": a.applicant_name, "submitted_at": a.submitted_at.isoformat(), "decided_by": a.decided_by,
             "reason": a.decision_reason}
            for a in paper.list_applications(session, status=status_filter)
        ]
    if as_json:
        print_json(rows)
        return
    for row in rows:
        typer.echo(f"{row['id']:>5}  {row['number']}  {','.join(row['registers']):<24} {row['action']:<10} "
                   f"{row['status']}")


@paper_app.command("approve")
def paper_approve(application_id: int, officer_name: OfficerOption, as_json: JsonOption = False,
                  as_of: AsOfOption = None) -> None:
    """Approve a pending paper application: the number is listed (or delisted) today."""
    from telreg.dnc import paper

    rt = runtime(as_of)
    with session_scope(rt) as session:
        outcomes = paper.approve(session, clock=rt.clock, settings=rt.settings, application_id=application_id,
                                 officer_name=officer_name)
    _print_outcomes(outcomes, as_json)


@paper_app.command("reject")
def paper_reject(application_id: int, officer_name: OfficerOption,
                 reason: Annotated[str, typer.Option("--reason", help="Why, in words the applicant understands")],
                 as_of: AsOfOption = None) -> None:
    """Reject a pending paper application."""
    from telreg.dnc import paper

    rt = runtime(as_of)
    with session_scope(rt) as session:
        application = paper.reject(session, clock=rt.clock, application_id=application_id,
                                   officer_name=officer_name, reason=reason)
        typer.echo(f"paper application {application.id} rejected")


@feed_app.command("import")
def feed_import(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="CSV: number,terminated_on")],
    operator: Annotated[str, typer.Option("--operator", help="The operator that sent the feed")],
    officer_name: OfficerOption,
    as_json: JsonOption = False,
    as_of: AsOfOption = None,
) -> None:
    """Import an operator's terminated numbers: validated whole first, then their listings are removed."""
    from telreg.core.users import officer
    from telreg.dnc import feeds

    rt = runtime(as_of)
    with session_scope(rt) as session:
        clerk = officer(session, officer_name)
        run = feeds.import_terminated(
            session, clock=rt.clock, settings=rt.settings, operator=operator, filename=file.name,
            content=file.read_bytes(), actor=f"officer:{clerk.username}",
        )
        summary = {"import": run.id, "status": run.status, "numbers": run.numbers, "removed": run.removed,
                   "errors": run.errors}
    if as_json:
        print_json(summary)
    elif run.status == "applied":
        typer.echo(f"feed {run.id} applied: {run.numbers} terminated numbers, {run.removed} listings removed")
    else:
        typer.echo(f"feed {run.id} rejected, nothing was changed:", err=True)
        for error in run.errors:
            typer.echo(f"  {error['error']}", err=True)
    if run.status != "applied":
        raise typer.Exit(1)


@feed_app.command("runs")
def feed_list(as_json: JsonOption = False) -> None:
    """List recent feed imports."""
    from telreg.dnc import feeds

    rt = runtime()
    with session_scope(rt) as session:
        rows = [
            {"id": r.id, "operator": r.operator, "filename": r.filename, "status": r.status, "numbers": r.numbers,
             "removed": r.removed, "errors": len(r.errors), "started_at": r.started_at.isoformat()}
            for r in feeds.feed_runs(session)
        ]
    if as_json:
        print_json(rows)
        return
    for row in rows:
        typer.echo(f"{row['id']:>5}  {row['operator']:<10} {row['status']:<9} {row['numbers']:>8} numbers "
                   f"{row['removed']:>8} removed  {row['filename']}")
__import__("telreg.dnc.publish_cli", fromlist=["register"]).register(app)  # publish, publications, prune
