"""`telreg realname operator|register|transfer|terminate|change-details|show`: the same services as the API.

`register` and `transfer` print the outcome as JSON and exit 0 whether the number was registered or refused
(a refusal is an answer); they exit 1 only when the request file cannot be read or is not a valid request.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from telreg.core.cli_support import AsOfOption, print_json, runtime, session_scope
from telreg.core.errors import InvalidInput
from telreg.core.i18n import N_
from telreg.realname import changes, operators, service, views
from telreg.realname.policy import get_policy
from telreg.realname.schemas import RegistrationRequest, TransferRequest, parse_request
from telreg.realname.verification import verifier_for

operator_app = typer.Typer(no_args_is_help=True, help="Network operators")

ACTOR = "cli"
RequestOption = Annotated[Path, typer.Option("--request", help="The request as JSON (the API's body)")]
OperatorOption = Annotated[str, typer.Option("--operator", help="Code of the operator the number belongs to")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON")]


def register(app: typer.Typer) -> None:
    """Add the registration commands to the `telreg realname` sub-app."""
    app.add_typer(operator_app, name="operator")
    app.command("register")(register_command)
    app.command("transfer")(transfer_command)
    app.command("terminate")(terminate_command)
    app.command("change-details")(change_details_command)
    app.command("show")(show_command)


@operator_app.command("add")
def operator_add(
    code: Annotated[str, typer.Argument(metavar="CODE", help="Short code, e.g. op1")],
    name: Annotated[str, typer.Option("--name", help="The operator's name")],
) -> None:
    """Add an operator; an existing CODE is an error (exit 1)."""
    rt = runtime()
    with session_scope(rt) as session:
        row = operators.add_operator(session, clock=rt.clock, code=code, name=name, actor=ACTOR)
        typer.echo(f"added operator {row.code} ({row.name})")


@operator_app.command("list")
def operator_list(as_json: JsonOption = False) -> None:
    """List the operators."""
    rt = runtime()
    with session_scope(rt) as session:
        rows = [{"code": o.code, "name": o.name} for o in operators.list_operators(session)]
    if as_json:
        print_json(rows)
        return
    for row in rows:
        typer.echo(f"{row['code']}\t{row['name']}")


def register_command(request: RequestOption, as_of: AsOfOption = None) -> None:
    """Register a number to the holder in the request file; print the outcome as JSON."""
    body = parse_request(RegistrationRequest, _read_json(request), source=str(request))
    rt = runtime(as_of)
    with session_scope(rt) as session:
        outcome = service.register(session, vault=rt.vault, policy=get_policy(rt.settings), clock=rt.clock,
                                   verifier=verifier_for(rt), request=body, actor=ACTOR)
    print_json(outcome.as_dict())


def transfer_command(request: RequestOption, as_of: AsOfOption = None) -> None:
    """Transfer a registered number to the new holder in the request file; print the outcome as JSON."""
    body = parse_request(TransferRequest, _read_json(request), source=str(request))
    rt = runtime(as_of)
    with session_scope(rt) as session:
        outcome = service.transfer(session, vault=rt.vault, policy=get_policy(rt.settings), clock=rt.clock,
                                   verifier=verifier_for(rt), request=body, actor=ACTOR)
    print_json(outcome.as_dict())


def terminate_command(
    number: Annotated[str, typer.Argument(metavar="NUMBER")],
    operator: OperatorOption,
    as_of: AsOfOption = None,
) -> None:
    """End NUMBER's registration at the holder's request; print when the network must have cut it."""
    rt = runtime(as_of)
    with session_scope(rt) as session:
        result = changes.terminate(session, clock=rt.clock, settings=rt.settings,
                                   policy=get_policy(rt.settings), operator=operator, number=number,
                                   actor=ACTOR)
    print_json(result)


def change_details_command(
    number: Annotated[str, typer.Argument(metavar="NUMBER")],
    operator: OperatorOption,
    name: Annotated[str | None, typer.Option("--name", help="The corrected name, as on the document")] = None,
    address: Annotated[str | None, typer.Option("--address", help="The corrected address")] = None,
    as_of: AsOfOption = None,
) -> None:
    """Correct the name or address of NUMBER's holder (same document); print the holder, masked."""
    rt = runtime(as_of)
    with session_scope(rt) as session:
        holder = changes.change_details(session, vault=rt.vault, clock=rt.clock,
                                        policy=get_policy(rt.settings), operator=operator, number=number,
                                        name=name, address=address, actor=ACTOR)
    print_json(holder)


def show_command(number: Annotated[str, typer.Argument(metavar="NUMBER")]) -> None:
    """Show NUMBER's operator, state and current registration, personal data masked."""
    rt = runtime()
    with session_scope(rt) as session:
        print_json(views.number_view(session, vault=rt.vault, policy=get_policy(rt.settings), number=number))


def _read_json(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InvalidInput(N_("The request file %(path)s cannot be read: %(detail)s."), path=str(path),
                           detail=str(exc.strerror or exc)) from None
    except UnicodeDecodeError:
        raise InvalidInput(N_("The request file %(path)s is not UTF-8 text."), path=str(path)) from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInput(N_("The request file %(path)s is not JSON: %(detail)s at line %(line)s, column "
                              "%(column)s."), path=str(path), detail=exc.msg, line=exc.lineno,
                           column=exc.colno) from None
