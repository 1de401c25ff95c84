"""`telreg realname port request|confirm|reject|cancel|list`: number porting, the same services as the API.

Each change prints the port request as JSON and exits 0; a refusal (the number is not the holder's, a port is
open already, the recipient's quota is full, …) is an error: its sentence on stderr, exit 1.
"""

from __future__ import annotations

from typing import Annotated

import typer

from telreg.core.cli_support import AsOfOption, print_json, runtime, session_scope
from telreg.realname import porting
from telreg.realname.policy import get_policy
from telreg.realname.porting_models import PORT_STATES

port_app = typer.Typer(no_args_is_help=True,
                       help="Port numbers to another operator; the holder and the registration stay")

ACTOR = "cli"
PortId = Annotated[int, typer.Argument(metavar="ID", help="The port request's id")]


def register(app: typer.Typer) -> None:
    """Add the `port` commands to the `telreg realname` sub-app."""
    app.add_typer(port_app, name="port")


@port_app.command("request")
def request_command(
    number: Annotated[str, typer.Argument(metavar="NUMBER")],
    operator: Annotated[str, typer.Option("--operator", help="Code of the RECEIVING operator")],
    doc_type: Annotated[str, typer.Option("--doc-type", help="The holder's document type, e.g. hkid")],
    doc_number: Annotated[str, typer.Option("--doc-number", help="The holder's document number, as printed")],
    as_of: AsOfOption = None,
) -> None:
    """Ask to port NUMBER to the receiving operator, proven by the registered holder's document."""
    rt = runtime(as_of)
    with session_scope(rt) as session:
        port = porting.request_port(session, vault=rt.vault, policy=get_policy(rt.settings), clock=rt.clock,
                                    operator=operator, number=number, document_type=doc_type,
                                    document_number=doc_number, actor=ACTOR)
    print_json(port)


@port_app.command("confirm")
def confirm_command(
    port_id: PortId,
    operator: Annotated[str, typer.Option("--operator", help="Code of the DONOR operator")],
    as_of: AsOfOption = None,
) -> None:
    """Confirm port request ID as the donor; the port completes at once."""
    rt = runtime(as_of)
    with session_scope(rt) as session:
        port = porting.confirm_port(session, vault=rt.vault, policy=get_policy(rt.settings), clock=rt.clock,
                                    port_id=port_id, operator=operator, actor=ACTOR)
    print_json(port)


@port_app.command("reject")
def reject_command(
    port_id: PortId,
    operator: Annotated[str, typer.Option("--operator", help="Code of the DONOR operator")],
    reason: Annotated[str, typer.Option("--reason", help="Why, for the receiving operator")],
    as_of: AsOfOption = None,
) -> None:
    """Reject port request ID as the donor, saying why."""
    rt = runtime(as_of)
    with session_scope(rt) as session:
        port = porting.reject_port(session, vault=rt.vault, clock=rt.clock, port_id=port_id,
                                   operator=operator, reason=reason, actor=ACTOR)
    print_json(port)


@port_app.command("cancel")
def cancel_command(
    port_id: PortId,
    operator: Annotated[str, typer.Option("--operator", help="Code of the RECEIVING operator")],
    reason: Annotated[str | None, typer.Option("--reason", help="Why (optional)")] = None,
    as_of: AsOfOption = None,
) -> None:
    """Withdraw open port request ID as the receiving operator."""
    rt = runtime(as_of)
    with session_scope(rt) as session:
        port = porting.cancel_port(session, vault=rt.vault, clock=rt.clock, port_id=port_id,
                                   operator=operator, reason=reason, actor=ACTOR)
    print_json(port)


@port_app.command("list")
def list_command(
    operator: Annotated[str | None, typer.Option("--operator", help="Only this operator's (either side)")
                        ] = None,
    state: Annotated[str | None, typer.Option("--state", help=f"One of: {', '.join(PORT_STATES)}")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON")] = False,
) -> None:
    """List port requests, newest first."""
    rt = runtime()
    with session_scope(rt) as session:
        rows = porting.list_ports(session, vault=rt.vault, operator=operator, state=state)
    if as_json:
        print_json(rows)
        return
    for row in rows:
        typer.echo(f"{row['id']}\t{row['number']}\t{row['donor']} -> {row['recipient']}\t{row['state']}\t"
                   f"{row['requested_at']}")
