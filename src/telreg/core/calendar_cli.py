"""`telreg calendar …`: working days and the weather warnings that make warning days."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from telreg.core import weather
from telreg.core.cli_support import parse_date, parse_datetime, print_json, runtime, session_scope
from telreg.core.errors import InvalidInput
from telreg.core.i18n import N_

app = typer.Typer(no_args_is_help=True, help="Working days and weather warnings")
warning_app = typer.Typer(no_args_is_help=True, help="Black rainstorm and gale warning periods")
app.add_typer(warning_app, name="warning")

OfficerOption = Annotated[
    str, typer.Option("--officer", help="Username of the officer acting (role dnc-officer or admin)")
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON")]


@app.command("add-working-days")
def add_working_days(
    date: Annotated[str, typer.Argument(help="The starting date, e.g. the registration date (ISO)")],
    n: Annotated[int, typer.Argument(help="How many working days to count after DATE")],
) -> None:
    """Print the date (ISO) that is N working days after DATE, counting from the day after DATE."""
    rt = runtime()
    start = parse_date(date, what="DATE")
    if n < 0:
        raise InvalidInput(N_("N must not be negative (got %(n)s)."), n=n)
    with session_scope(rt) as session:
        calendar = weather.load_calendar(session, rt.settings)
    typer.echo(calendar.add_working_days(start, n).isoformat())


@app.command("is-working-day")
def is_working_day(date: str, as_json: JsonOption = False) -> None:
    """Say whether DATE is a working day and, when it is not, why."""
    rt = runtime()
    day = parse_date(date, what="DATE")
    with session_scope(rt) as session:
        calendar = weather.load_calendar(session, rt.settings)
    reason = calendar.non_working_reason(day)
    if as_json:
        print_json({"date": day.isoformat(), "working_day": reason is None, "reason": reason})
    elif reason is None:
        typer.echo(f"{day.isoformat()} ({day:%A}) is a working day")
    else:
        typer.echo(f"{day.isoformat()} ({day:%A}) is not a working day: {reason}")


@warning_app.command("add")
def warning_add(
    kind: Annotated[str, typer.Option("--kind", help="black-rainstorm | gale")],
    start: Annotated[str, typer.Option("--start", help="When it was issued (ISO; HK time if no offset)")],
    end: Annotated[str, typer.Option("--end", help="When it was cancelled (ISO; HK time if no offset)")],
    officer_name: OfficerOption,
    note: Annotated[str | None, typer.Option("--note", help="e.g. the HKO bulletin reference")] = None,
    as_json: JsonOption = False,
) -> None:
    """Record a period during which a black rainstorm or gale warning was in force."""
    from telreg.core.users import officer

    rt = runtime()
    starts_at, ends_at = parse_datetime(start, what="--start"), parse_datetime(end, what="--end")
    with session_scope(rt) as session:
        clerk = officer(session, officer_name)
        warning = weather.add_warning(session, clock=rt.clock, kind=kind, starts_at=starts_at,
                                      ends_at=ends_at, note=note, actor=f"officer:{clerk.username}")
        data = weather.warning_as_dict(warning, settings=rt.settings)
    if as_json:
        print_json(data)
        return
    days = ", ".join(data["warning_days"]) or "none (outside the working-hours window)"
    typer.echo(f"recorded {data['kind']} warning #{data['id']}; warning days: {days}")


@warning_app.command("list")
def warning_list(
    year: Annotated[int | None, typer.Option("--year", help="Only those in force during that year")] = None,
    as_json: JsonOption = False,
) -> None:
    """List the recorded warning periods, oldest first, with the warning days they make."""
    from rich.console import Console
    from rich.table import Table

    rt = runtime()
    with session_scope(rt) as session:
        rows = [weather.warning_as_dict(w, settings=rt.settings)
                for w in weather.list_warnings(session, year=year)]
    if as_json:
        print_json(rows)
        return
    if not rows:
        typer.echo("no weather warnings recorded" + (f" for {year}" if year is not None else ""))
        return
    table = Table("id", "kind", "start (HK)", "end (HK)", "warning days", "note", title="Weather warnings")
    for row in rows:
        table.add_row(str(row["id"]), row["kind"], row["starts_at"][:16].replace("T", " "),
                      row["ends_at"][:16].replace("T", " "), ", ".join(row["warning_days"]) or "-",
                      row["note"] or "")
    Console(width=160).print(table)


@warning_app.command("remove")
def warning_remove(
    warning_id: Annotated[int, typer.Argument(metavar="ID", help="The warning's id, as listed")],
    officer_name: OfficerOption,
) -> None:
    """Delete a warning recorded by mistake (the audit trail keeps it)."""
    from telreg.core.users import officer

    rt = runtime()
    with session_scope(rt) as session:
        clerk = officer(session, officer_name)
        warning = weather.remove_warning(session, clock=rt.clock, warning_id=warning_id,
                                         actor=f"officer:{clerk.username}")
    typer.echo(f"removed {warning.kind} warning #{warning_id}")


@warning_app.command("import")
def warning_import(
    csv_path: Annotated[Path, typer.Argument(metavar="CSV", help="File with header kind,start,end[,note]")],
    officer_name: OfficerOption,
    as_json: JsonOption = False,
) -> None:
    """Record historical warnings from a CSV file: all of it, or, on any bad line, none of it."""
    from telreg.core.files import read_capped
    from telreg.core.users import officer

    rt = runtime()
    limit = rt.settings.max_upload_bytes
    content = read_capped(csv_path, limit=limit)
    with session_scope(rt) as session:
        clerk = officer(session, officer_name)
        outcome = weather.import_warnings_csv(session, clock=rt.clock, content=content,
                                              actor=f"officer:{clerk.username}", max_bytes=limit,
                                              source=csv_path.name)
        data = outcome.as_dict()
    if as_json:
        print_json(data)
        return
    typer.echo(f"imported {data['added']} warning(s); skipped {data['skipped']} already recorded")
    for skipped in data["skipped_lines"]:
        typer.echo(f"  line {skipped['line']}: already recorded as #{skipped['recorded_id']}")
