"""`telreg senders lists …`: import, export and inspect a sender's consent and unsubscribe lists."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy.orm import Session

from telreg.core.cli_support import AsOfOption, print_json, runtime, session_scope
from telreg.core.clock import to_hk
from telreg.core.i18n import N_
from telreg.runtime import Runtime
from telreg.senders import lifecycle, signin
from telreg.senders.errors import InstructionsFileRefused
from telreg.senders.lists import bulk, service

app = typer.Typer(no_args_is_help=True, help="A sender's own consent and unsubscribe lists")

AccountArgument = Annotated[str, typer.Argument(help="Account id, or the username of a live account")]
RegisterOption = Annotated[str, typer.Option("--register", help="fax | sms | prerecorded")]
ClientOption = Annotated[str, typer.Option("--client", help="Client company's reference (default: own list)")]


def _key(session: Session, rt: Runtime, account: str, register: str, client: str) -> service.ListKey:
    account_id = signin.resolve_account(session, account)
    access = lifecycle.access(session, clock=rt.clock, settings=rt.settings, account_id=account_id)
    return service.open_list(access, register=register, client_ref=client)


@app.command("import")
def import_file(
    account: AccountArgument,
    file: Annotated[Path, typer.Argument(help="CSV with header number,instruction,at[,how,reference,channel]")],
    register: RegisterOption,
    client: ClientOption = "",
    how: Annotated[str, typer.Option("--how", help="How, for lines without a 'how' column")] = "not-stated",
    recorded_by: Annotated[str, typer.Option("--by", help="Who is recording")] = "terminal",
    as_of: AsOfOption = None,
) -> None:
    """Append every instruction of FILE to ACCOUNT's list; a file with any bad line records nothing, and lines
    recorded before (the same file again) are counted, not added."""
    try:
        data = file.read_bytes()
    except OSError as exc:
        raise InstructionsFileRefused(N_("%(source)s: cannot be read (%(reason)s)."), source=str(file),
                                      reason=exc.strerror) from None
    rt = runtime(as_of)
    with session_scope(rt) as session:
        key = _key(session, rt, account, register, client)
        result = bulk.import_in_batches(session, clock=rt.clock, key=key, data=data, source=file.name,
                                        recorded_by=recorded_by, default_how=how,
                                        batch_rows=rt.settings.list_import_batch_rows)
    listed = f"client {key.client_ref!r}" if key.client_ref else "own"
    typer.echo(f"recorded {result.recorded} instruction(s) on account {key.account_id}'s {listed} {key.register} "
               f"list: {result.consents} consent, {result.unsubscribes} unsubscribe; "
               f"{result.already_recorded} already recorded (not added again)")


@app.command("export")
def export(
    account: AccountArgument,
    register: RegisterOption,
    client: ClientOption = "",
    full: Annotated[bool, typer.Option("--full", help="The whole history, not just each number's latest")] = False,
    out: Annotated[Path | None, typer.Option("--out", help="Write here instead of standard output")] = None,
) -> None:
    """Print the list's current state (or full history) as CSV that imports again."""
    rt = runtime()
    with session_scope(rt) as session:
        key = _key(session, rt, account, register, client)
        text, count = service.export(session, clock=rt.clock, key=key, full=full, actor="cli")
    if out is None:
        typer.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8")
        typer.echo(f"wrote {count} row(s) to {out}")


@app.command("history")
def history(
    account: AccountArgument,
    number: Annotated[str, typer.Argument(help="The number, in any accepted form")],
    register: RegisterOption,
    client: ClientOption = "",
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON")] = False,
) -> None:
    """Every instruction NUMBER gave, oldest first; the last line is its current state."""
    rt = runtime()
    with session_scope(rt) as session:
        key = _key(session, rt, account, register, client)
        rows = service.history(session, key=key, number=number)
        found = [{"number": r.number, "instruction": r.instruction, "at": to_hk(r.given_at).isoformat(),
                  "how": r.how, "reference": r.reference, "recorded_at": to_hk(r.recorded_at).isoformat(),
                  "recorded_by": r.recorded_by} for r in rows]
    if as_json:
        print_json(found)
        return
    if not found:
        typer.echo(f"no instructions for {number} on this list")
    for r in found:
        typer.echo(f"{r['at']}  {r['instruction']:<11} {r['how']:<12} {r['reference'] or '-'}  "
                   f"(recorded {r['recorded_at']} by {r['recorded_by']})")
