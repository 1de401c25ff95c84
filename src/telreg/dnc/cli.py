"""`telreg dnc …`: registers from the command line."""

from __future__ import annotations

from typing import Annotated

import typer

from telreg.core.cli_support import print_json, runtime, session_scope
from telreg.dnc import service

app = typer.Typer(no_args_is_help=True, help="Do-not-call registers")


@app.command("status")
def status(number: str, as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Show whether NUMBER is listed on each register."""
    rt = runtime()
    with session_scope(rt) as session:
        data = service.number_status(session, settings=rt.settings, number=number)
    print_json(data)
