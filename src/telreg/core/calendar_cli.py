"""`telreg calendar …`: working days and weather warnings."""

from __future__ import annotations

import typer

from telreg.core.cli_support import parse_date, runtime, session_scope
from telreg.core.weather import load_calendar

app = typer.Typer(no_args_is_help=True, help="Working days and weather warnings")


@app.command("add-working-days")
def add_working_days(date: str, n: int) -> None:
    """Print the date (ISO) that is N working days after DATE."""
    rt = runtime()
    start = parse_date(date, what="DATE")
    with session_scope(rt) as session:
        calendar = load_calendar(session, rt.settings)
    typer.echo(calendar.add_working_days(start, n).isoformat())
