"""`telreg realname verification load|withdraw|list|reader-token`: the verification register, capture proofs.

The register's commands act as an officer with the ``regulator`` role (``--officer``; administrators too) and
call the same services as ``/api/v1/realname/verification/flags``. ``reader-token`` is the demo stand-in for a
card reader's signing key: it prints the proof a reader would give for the document it read, to send as
``document.proof`` with capture ``card_reader`` (or ``mrz_scan``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from telreg.core.cli_support import AsOfOption, print_json, runtime, session_scope
from telreg.core.files import read_capped
from telreg.core.users import officer
from telreg.realname import verification_checks, verification_register
from telreg.realname.documents import DOCUMENT_TYPES

__all__ = ["register"]

REGULATOR_ROLE = "regulator"
verification_app = typer.Typer(
    no_args_is_help=True, help="Identity verification: the register of flagged documents, capture proofs")

OfficerOption = Annotated[
    str, typer.Option("--officer", help="Username of the officer acting (role regulator or admin)")
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON")]
DocTypeArgument = Annotated[str, typer.Argument(metavar="DOC_TYPE",
                                                help=f"One of: {', '.join(DOCUMENT_TYPES)}")]
NumberArgument = Annotated[str, typer.Argument(metavar="NUMBER", help="The document number as printed")]


def register(app: typer.Typer) -> None:
    """Add `verification` to the `telreg realname` sub-app."""
    app.add_typer(verification_app, name="verification")


@verification_app.command("load")
def load(
    csv_path: Annotated[Path, typer.Argument(
        metavar="FILE", help="CSV with header doc_type,number,result,reason[,owner_name]")],
    officer_name: OfficerOption,
    as_json: JsonOption = False,
) -> None:
    """Load flagged documents (forged, lost, impostor): all of the file or, on any bad line, none of it."""
    rt = runtime()
    limit = rt.settings.max_upload_bytes
    content = read_capped(csv_path, limit=limit)
    with session_scope(rt) as session:
        clerk = officer(session, officer_name, role=REGULATOR_ROLE)
        outcome = verification_register.load_csv(
            session, vault=rt.vault, clock=rt.clock, content=content,
            actor=f"officer:{clerk.username}", max_bytes=limit, source=csv_path.name)
        data = outcome.as_dict()
    if as_json:
        print_json(data)
        return
    typer.echo(f"loaded {data['added']} flag(s), of which {data['replaced']} replaced a flag in force; "
               f"{data['unchanged']} already in force")
    for unchanged in data["unchanged_lines"]:
        typer.echo(f"  line {unchanged['line']}: already flagged as #{unchanged['flag_id']}")


@verification_app.command("withdraw")
def withdraw(doc_type: DocTypeArgument, number: NumberArgument, officer_name: OfficerOption) -> None:
    """Withdraw the flag in force for a document: registrations with it are no longer refused."""
    rt = runtime()
    with session_scope(rt) as session:
        clerk = officer(session, officer_name, role=REGULATOR_ROLE)
        flag = verification_register.withdraw_document(session, vault=rt.vault, clock=rt.clock,
                                                       doc_type=doc_type, number=number,
                                                       actor=f"officer:{clerk.username}")
        view = verification_register.flag_view(rt.vault, flag)
    typer.echo(f"withdrew flag #{view['id']} ({view['result']}) of {view['doc_type']} {view['document']}")


@verification_app.command("list")
def list_flags(
    include_withdrawn: Annotated[bool, typer.Option("--all", help="Also the withdrawn flags")] = False,
    as_json: JsonOption = False,
) -> None:
    """List the register's flags, newest first; numbers and names masked."""
    rt = runtime()
    with session_scope(rt) as session:
        rows = verification_register.list_flags(session, vault=rt.vault, include_withdrawn=include_withdrawn)
    if as_json:
        print_json(rows)
        return
    if not rows:
        typer.echo("no flags in force" if not include_withdrawn else "no flags")
        return
    table = Table("id", "type", "document", "result", "reason", "loaded (HK)", "by", "withdrawn (HK)",
                  title="Verification register")
    for row in rows:
        table.add_row(str(row["id"]), row["doc_type"], row["document"], row["result"], row["reason"],
                      row["loaded_at"][:16].replace("T", " "), row["loaded_by"],
                      (row["withdrawn_at"] or "-")[:16].replace("T", " "))
    Console(width=160).print(table)


@verification_app.command("reader-token")
def reader_token(
    device_id: Annotated[str, typer.Argument(metavar="DEVICE_ID",
                                             help="The reader's id, e.g. SHOP-READER-01")],
    doc_type: DocTypeArgument,
    number: NumberArgument,
    capture: Annotated[str, typer.Option("--capture", help="card_reader or mrz_scan")] = "card_reader",
    as_json: JsonOption = False,
    as_of: AsOfOption = None,
) -> None:
    """Print the capture proof a card reader would sign for the document it read (demo stand-in for a device
    key); good for 30 minutes."""
    rt = runtime(as_of)
    data = verification_checks.reader_token(rt.vault, clock=rt.clock, device=device_id, doc_type=doc_type,
                                            number=number, capture=capture)
    if as_json:
        print_json(data)
        return
    typer.echo(data["proof"])
