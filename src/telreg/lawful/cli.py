"""`telreg lawful …`: law-enforcement agencies, and the lawful-access sweep run once by hand.

    telreg lawful agency add CODE NAME [--country HK]   create an agency (its officers' accounts name it)
    telreg lawful agency list                            the agencies, by code
    telreg lawful sweep                                  expire approvals, revoke emergencies not backed in
                                                         time, destroy results past their time; print the counts

The worker runs the sweep on its own schedule (lawful/jobs.py); the command is for an operator who wants it now.
"""

from __future__ import annotations

from typing import Annotated

import typer

from telreg.core.cli_support import AsOfOption, print_json, runtime, session_scope

__all__ = ["app"]

app = typer.Typer(no_args_is_help=True, help="Lawful access: law-enforcement agencies and the sweep")
agency_app = typer.Typer(no_args_is_help=True, help="Law-enforcement agencies")
app.add_typer(agency_app, name="agency")

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON")]


@agency_app.command("add")
def agency_add(
    code: Annotated[str, typer.Argument(help="1-32 lower-case letters, digits, '-' or '_', e.g. hkpf")],
    name: Annotated[str, typer.Argument(help="The agency's name, e.g. 'Hong Kong Police Force'")],
    country: Annotated[str, typer.Option("--country", help="ISO 3166 country code (HI-1 CountryCode)")] = "HK",
) -> None:
    """Create a law-enforcement agency."""
    from telreg.lawful import agencies

    rt = runtime()
    with session_scope(rt) as session:
        row = agencies.add_agency(session, clock=rt.clock, code=code, name=name, country_code=country,
                                  actor="cli")
        typer.echo(f"added agency {row.code} ({row.name}, {row.country_code})")


@agency_app.command("list")
def agency_list(as_json: JsonOption = False) -> None:
    """List the agencies by code."""
    from telreg.lawful import agencies

    with session_scope(runtime()) as session:
        rows = [{"code": a.code, "name": a.name, "country": a.country_code} for a in agencies.list_agencies(session)]
    if as_json:
        print_json(rows)
    elif not rows:
        typer.echo("no agencies")
    else:
        typer.echo("\n".join(f"{r['code']}\t{r['country']}\t{r['name']}" for r in rows))


@app.command("sweep")
def sweep(as_of: AsOfOption = None, as_json: JsonOption = False) -> None:
    """Run the lawful-access sweep once and print what it did."""
    from telreg.lawful import service

    rt = runtime(as_of)
    with session_scope(rt) as session:
        counts = service.sweep(session, runtime=rt)
    if as_json:
        print_json(counts)
    else:
        typer.echo("\n".join(f"{what}: {count}" for what, count in sorted(counts.items())) or "nothing to do")
