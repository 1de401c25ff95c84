"""`telreg realname export`: an operator's registration records as CSV, under the two-person rule
(realname/bulk_export.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from telreg.core.cli_support import runtime, session_scope


def register(app: typer.Typer) -> None:
    """Add `export` to the `telreg realname` sub-app."""
    app.command("export")(export)


def export(
    operator: Annotated[str, typer.Option("--operator", help="The operator's code")],
    out: Annotated[Path, typer.Option("--out", help="The CSV file to write (created; an existing file is refused)")],
    approval: Annotated[int | None, typer.Option("--approval", help="The approved request's id")] = None,
    by: Annotated[str | None, typer.Option("--by", help="Your username: the compliance officer who asked")] = None,
    unmasked: Annotated[bool, typer.Option("--unmasked", help="Include full names, document numbers and dates of "
                                                              "birth (needs a bulk-unmask approval)")] = False,
) -> None:
    """Write every registration record of an operator to a CSV file, masked unless --unmasked.

    Needs an approval of this very export: one compliance officer of the operator asks (`telreg approvals request
    bulk-export --scope CODE …`, or bulk-unmask), another approves, and the one who asked runs this command.
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from telreg.core.dual_control import DualControlRefused
    from telreg.core.dual_control_cli import acting_user
    from telreg.core.errors import InvalidInput
    from telreg.core.i18n import N_
    from telreg.realname import bulk_export

    kind = bulk_export.UNMASK if unmasked else bulk_export.EXPORT
    if approval is None or not by:
        raise DualControlRefused(
            N_("An export needs a second compliance officer's approval (the two-person rule). Ask for it with "
               "`%(command)s`, have another compliance officer of the operator approve it, then run this again "
               "with --approval ID --by YOU."),
            command=f"telreg approvals request {kind} --scope {operator} --reason '…' --by YOU")
    if out.exists():
        raise InvalidInput(N_("%(path)s exists already; choose a new file for the export."), path=str(out))
    rt = runtime()
    written = False
    try:
        with session_scope(rt) as session, out.open("x", encoding="utf-8", newline="") as target:
            written = True
            total = bulk_export.count_rows(session, operator_code=operator)
            with Progress(TextColumn("exporting"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                          transient=True) as progress:
                task = progress.add_task("export", total=total)
                count, _ = bulk_export.run_export(
                    session, clock=rt.clock, vault=rt.vault, user=acting_user(session, by), request_id=approval,
                    operator_code=operator, unmasked=unmasked, out=target,
                    on_batch=lambda n: progress.update(task, advance=n))
    except BaseException:
        if written:
            out.unlink(missing_ok=True)  # no half file, no personal data left behind by a refusal
        raise
    typer.echo(f"exported {count} registration record(s) of {operator} to {out}")
