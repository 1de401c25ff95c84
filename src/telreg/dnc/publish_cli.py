"""`telreg dnc publish | publications | prune`: the registers' nightly publication by hand."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import typer

from telreg.core.cli_support import AsOfOption, parse_date, print_json, runtime

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON")]


def publish(
    date: Annotated[str | None, typer.Option("--date", help="YYYY-MM-DD; default: the latest day that has closed")]
    = None,
    as_json: JsonOption = False,
    as_of: AsOfOption = None,
) -> None:
    """Publish every register as it stood at the close (23:00 HK) of a date; an existing publication is kept."""
    from telreg.core.db import unit_of_work
    from telreg.dnc.publish import service  # numpy and the zip writers: loaded by the commands that publish

    rt = runtime(as_of)
    now = rt.clock.now()
    if date is not None:
        day = parse_date(date, what="--date")
    else:
        day = now.date() if now >= service.cutoff_for(now.date(), rt.settings) else now.date() - dt.timedelta(days=1)
    with unit_of_work(rt.read_session_factory) as session:
        result = service.publish(session, clock=rt.clock, settings=rt.settings, day=day)
    if as_json:
        print_json(result.as_dict())
        return
    if result.swept:
        typer.echo(f"removed unfinished build(s): {', '.join(result.swept)}")
    verb = "published" if result.status == "published" else "already published, left as is"
    typer.echo(f"{day.isoformat()} {verb}: {result.path}")
    for name, entry in result.manifest["registers"].items():
        changes = entry["changes"]
        typer.echo(f"  {name:<12} {entry['count']:>10,} numbers  changes #{changes['sequence']}: "
                   f"+{changes['added']} -{changes['removed']}")


def publications(as_json: JsonOption = False) -> None:
    """List publications, newest first."""
    from telreg.dnc.publish import service

    rows = service.list_publications(settings=runtime().settings)
    if as_json:
        print_json(rows)
        return
    for row in rows:
        counts = "  ".join(f"{name} {entry['count']:,} (#{entry['sequence']})" for name, entry in row["registers"].items())
        kept = "" if row["files_kept"] else "  [files pruned]"
        typer.echo(f"{row['date']}  {counts}{kept}")


def prune(as_json: JsonOption = False, as_of: AsOfOption = None) -> None:
    """Delete published files older than the retention period (manifests are kept)."""
    from telreg.dnc.publish import service

    rt = runtime(as_of)
    deleted = service.prune(clock=rt.clock, settings=rt.settings)
    if as_json:
        print_json({"deleted": deleted})
        return
    typer.echo(f"deleted {len(deleted)} file(s) older than {rt.settings.publication_retention_days} days")


def register(app: typer.Typer) -> None:
    """Add the publication commands to the dnc sub-app."""
    app.command("publish")(publish)
    app.command("publications")(publications)
    app.command("prune")(prune)
