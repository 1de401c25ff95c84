"""`telreg realname …`: real-name registration from an operator's terminal.

The registration commands (register, transfer, terminate, show, operator) are in registration_cli.py; this
module keeps the document check, which needs no database.
"""

from __future__ import annotations

from typing import Annotated

import typer

from telreg.config import get_settings
from telreg.core.cli_support import AsOfOption, clock_for, parse_date, print_json
from telreg.core.clock import today
from telreg.realname import lifecycle_cli, policy_cli, porting_cli, registration_cli, verification_cli
from telreg.realname import retention_cli
from telreg.realname.documents import DOCUMENT_TYPES, check_document
from telreg.realname import bulk_export_cli  # issue 16

app = typer.Typer(no_args_is_help=True, help="Real-name registration of SIM cards and numbers")
policy_cli.register(app)
registration_cli.register(app)
lifecycle_cli.register(app)
porting_cli.register(app)
verification_cli.register(app)
retention_cli.register(app)
bulk_export_cli.register(app)  # issue 16: `telreg realname export`, under the two-person rule

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON")]


@app.command("check-document")
def check_document_command(
    doc_type: Annotated[str, typer.Argument(metavar="TYPE", help=f"One of: {', '.join(DOCUMENT_TYPES)}")],
    value: Annotated[str, typer.Argument(metavar="VALUE", help="The number; for passport-mrz the MRZ lines")],
    date_of_birth: Annotated[
        str | None,
        typer.Option("--date-of-birth", help="YYYY-MM-DD; must agree with the document's, if it has one"),
    ] = None,
    as_json: JsonOption = False,
    as_of: AsOfOption = None,
) -> None:
    """Check a document's number: form, check digits, embedded dates. Exits 0 whether valid or not."""
    # Only a clock is needed, not the runtime: the check must work on a machine with no database.
    on = today(clock_for(as_of, production=get_settings().is_production))
    born = parse_date(date_of_birth, what="--date-of-birth") if date_of_birth is not None else None
    result = check_document(doc_type, value, date_of_birth=born, on=on)
    if as_json:
        print_json({
            "valid": result.valid,
            "reason": result.reason,
            "doc_type": result.doc_type,
            "holder_kind": result.holder_kind,
            "normalised": result.normalised,
            "date_of_birth": result.date_of_birth.isoformat() if result.date_of_birth else None,
            "expires_on": result.expires_on.isoformat() if result.expires_on else None,
        })
    elif result.valid:
        typer.echo(f"valid {result.doc_type}: {result.normalised}")
    else:
        typer.echo(f"invalid {result.doc_type}: {result.reason}")
