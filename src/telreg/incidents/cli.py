"""`telreg incident open|list|show|affected|step add|step done|contain|unfreeze|close`.

The commands call the same services as ``/api/v1/incidents`` and act as the staff account named by ``--by``
(role admin, regulator, or operator-compliance for that operator's incidents), checked like a signed-in
person: the audit trail names that person, never "cli". Times are ISO date-times, Hong Kong time unless an
offset is given. ``affected --csv FILE`` writes the masked list for notification.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from telreg.core.cli_support import parse_datetime, print_json, runtime, session_scope
from telreg.core.clock import to_hk
from telreg.core.i18n import N_
from telreg.core.users import get_user
from telreg.incidents import affected as affected_list
from telreg.incidents import service, views
from telreg.incidents.errors import IncidentForbidden

__all__ = ["app"]

app = typer.Typer(no_args_is_help=True, help="Personal-data incidents: open (freezing the scope), affected "
                                              "holders, remedy steps, contain, close")
step_app = typer.Typer(no_args_is_help=True, help="Remedy steps of an incident")
app.add_typer(step_app, name="step")

ByOption = Annotated[str, typer.Option("--by", help="Username of the staff member acting (admin, regulator or "
                                                    "operator-compliance)")]
ReferenceArgument = Annotated[str, typer.Argument(metavar="REFERENCE", help="e.g. INC-2026-0001")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON")]


def _acting(session: Any, username: str) -> Any:
    user = get_user(session, username)
    if not user.is_active:
        raise IncidentForbidden(N_("User '%(username)s' is not active."), username=username)
    return user


def _when(value: Any) -> str:
    return to_hk(value).strftime("%Y-%m-%d %H:%M") if value else "-"


def _print_incident(view: dict[str, Any]) -> None:
    typer.echo(f"{view['reference']}  {view['state']}  {view['category']}  {view['title']}")
    typer.echo(f"  window {_when(view['window_start'])} to {_when(view['window_end'])}; operator "
               f"{view['operator'] or '(platform-wide)'}; opened by {view['opened_by']}")
    for item in view["scope"]:
        typer.echo(f"  frozen {item['kind']} {item['identifier']}: {item['outcome']}")
    for step in view["steps"]:
        mark = f"done {_when(step['done_at'])} by {step['done_by']}" if step["done_at"] else f"due {_when(step['due_at'])}"
        typer.echo(f"  step {step['id']}: {step['text']} ({step['owner']}, {mark})")


@app.command("open")
def open_incident(
    title: Annotated[str, typer.Option("--title")],
    category: Annotated[str, typer.Option("--category", help="leak, damage, loss, wrong-person-disclosure, other")],
    start: Annotated[str, typer.Option("--from", help="Start of the window")],
    end: Annotated[str, typer.Option("--to", help="End of the window (not in the future)")],
    by: ByOption,
    description: Annotated[str, typer.Option("--description")] = "",
    accounts: Annotated[list[str] | None, typer.Option("--account", help="Staff account to freeze")] = None,
    api_keys: Annotated[list[str] | None, typer.Option("--api-key", help="Sender API key number to revoke")] = None,
    certificates: Annotated[list[str] | None, typer.Option("--certificate", help="e-Cert serial to hold")] = None,
    two_factor: Annotated[list[str] | None, typer.Option("--two-factor", help="Account whose authenticator to "
                                                                                "remove")] = None,
    operator: Annotated[str | None, typer.Option("--operator", help="Operator code; default platform-wide")] = None,
    as_json: JsonOption = False,
) -> None:
    """Open an incident and freeze its scope at once (API keys are revoked for good)."""
    rt = runtime()
    window = service.Window(parse_datetime(start, what="--from"), parse_datetime(end, what="--to"))
    with session_scope(rt) as session:
        row = service.open_incident(session, runtime=rt, user=_acting(session, by), title=title, category=category,
                                    description=description, window=window, accounts=accounts or [],
                                    api_keys=api_keys or [], certificates=certificates or [],
                                    two_factor=two_factor or [], operator=operator)
        view = views.incident_view(session, row)
    print_json(view) if as_json else _print_incident(view)


@app.command("list")
def list_incidents(by: ByOption, state: Annotated[str | None, typer.Option("--state")] = None,
                   as_json: JsonOption = False) -> None:
    """List incidents, newest first."""
    with session_scope(runtime()) as session:
        rows = [views.summary_view(r) for r in service.list_incidents(session, user=_acting(session, by),
                                                                       state=state)]
    if as_json:
        print_json(rows)
        return
    for row in rows:
        typer.echo(f"{row['reference']}  {row['state']:<9}  {row['category']:<24}  {row['title']}")


@app.command("show")
def show(reference: ReferenceArgument, by: ByOption, as_json: JsonOption = False) -> None:
    """Show an incident: its scope and what freezing did, its steps."""
    with session_scope(runtime()) as session:
        view = views.incident_view(session, service.get_incident(session, user=_acting(session, by),
                                                                 reference=reference))
    print_json(view) if as_json else _print_incident(view)


@app.command("affected")
def affected(reference: ReferenceArgument, by: ByOption,
             csv_file: Annotated[Path | None, typer.Option("--csv", help="Write the masked list as CSV here")] = None,
             as_json: JsonOption = False) -> None:
    """The holders and operators affected (masked), for notification."""
    rt = runtime()
    with session_scope(rt) as session:
        row = service.get_incident(session, user=_acting(session, by), reference=reference)
        result = affected_list.affected(session, vault=rt.vault, incident=row)
    if csv_file is not None:
        csv_file.write_text(affected_list.as_csv(result), encoding="utf-8")
        typer.echo(f"wrote {len(result.holders)} holder(s) to {csv_file}")
        return
    if as_json:
        print_json({"holders": [vars(h) for h in result.holders], "operators": result.operators,
                    "numbers_without_holder": result.numbers_without_holder, "events": result.events})
        return
    for holder in result.holders:
        typer.echo(f"{holder.name}  {holder.document_type} {holder.document_number}  "
                   f"{', '.join(holder.numbers) or '-'}  {', '.join(holder.operators) or '-'}  "
                   f"{len(holder.events)} event(s)")
    for code, numbers in sorted(result.numbers_without_holder.items()):
        typer.echo(f"no holder ({code or 'unknown operator'}): {', '.join(numbers)}")
    typer.echo(f"{len(result.holders)} holder(s), operators: {', '.join(result.operators) or '-'}")


@step_app.command("add")
def step_add(reference: ReferenceArgument, by: ByOption, text: Annotated[str, typer.Option("--text")],
             due: Annotated[str, typer.Option("--due", help="Due date-time")],
             owner: Annotated[str | None, typer.Option("--owner", help="Staff username; default --by")] = None) -> None:
    """Add a remedy step."""
    rt = runtime()
    with session_scope(rt) as session:
        step = service.add_step(session, clock=rt.clock, user=_acting(session, by), reference=reference, text=text,
                                due_at=parse_datetime(due, what="--due"), owner=owner)
        typer.echo(f"step {step.id} added to {reference.upper()}")


@step_app.command("done")
def step_done(reference: ReferenceArgument, step_id: Annotated[int, typer.Argument(metavar="STEP")], by: ByOption,
              note: Annotated[str | None, typer.Option("--note")] = None) -> None:
    """Mark a remedy step done."""
    rt = runtime()
    with session_scope(rt) as session:
        step = service.complete_step(session, clock=rt.clock, user=_acting(session, by), reference=reference,
                                     step_id=step_id, note=note)
        typer.echo(f"step {step.id} done")


@app.command("contain")
def contain(reference: ReferenceArgument, by: ByOption) -> None:
    """Record that the incident is contained."""
    rt = runtime()
    with session_scope(rt) as session:
        row = service.contain(session, clock=rt.clock, user=_acting(session, by), reference=reference)
        typer.echo(f"{row.reference} contained")


@app.command("unfreeze")
def unfreeze(reference: ReferenceArgument, by: ByOption,
             kind: Annotated[str, typer.Option("--kind", help="account or certificate")],
             identifier: Annotated[str, typer.Option("--identifier", help="Username or serial")]) -> None:
    """Undo a freeze once the incident is contained."""
    rt = runtime()
    with session_scope(rt) as session:
        item = service.unfreeze(session, clock=rt.clock, user=_acting(session, by), reference=reference, kind=kind,
                                identifier=identifier)
        typer.echo(f"{item.kind} {item.identifier}: {item.outcome}")


@app.command("close")
def close(reference: ReferenceArgument, by: ByOption, summary: Annotated[str, typer.Option("--summary")]) -> None:
    """Close a contained incident (every step done) with a summary."""
    rt = runtime()
    with session_scope(rt) as session:
        row = service.close(session, clock=rt.clock, user=_acting(session, by), reference=reference, summary=summary)
        typer.echo(f"{row.reference} closed")
