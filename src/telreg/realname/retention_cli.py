"""`telreg realname retention report|run`: the retention report, and an erasure run by hand.

The worker erases every day by itself (retention_jobs.py); ``run`` does the same now (e.g. after a policy
change shortened the period), with a progress bar. Both take ``--as-of`` to see a given day (not in production).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from telreg.core.cli_support import AsOfOption, parse_date, print_json, runtime, session_scope
from telreg.core.clock import today
from telreg.realname import retention, retention_report

retention_app = typer.Typer(no_args_is_help=True, help="Retention of personal data after termination, erasure")

ACTOR = "cli"
DEFAULT_DAYS = 30


def register(app: typer.Typer) -> None:
    """Add `retention` to the `telreg realname` sub-app."""
    app.add_typer(retention_app, name="retention")


@retention_app.command("report")
def report_command(
    as_json: Annotated[bool, typer.Option("--json", help="Print the whole report as JSON")] = False,
    date_from: Annotated[str | None, typer.Option("--from", help="First day of erasures listed (YYYY-MM-DD; "
                                                  "default: 30 days ago)")] = None,
    date_to: Annotated[str | None, typer.Option("--to", help="Last day (default: today)")] = None,
    operator: Annotated[str | None, typer.Option("--operator", help="Only the people one operator registered")]
    = None,
    as_of: AsOfOption = None,
) -> None:
    """Print what is due for erasure, held by lawful access, kept for an e-Cert, and erased in the period."""
    rt = runtime(as_of)
    end = parse_date(date_to, what="--to") if date_to else today(rt.clock)
    start = parse_date(date_from, what="--from") if date_from else end - dt.timedelta(days=DEFAULT_DAYS)
    with session_scope(rt) as session:
        scope = retention_report.operator_id(session, operator) if operator else None
        data = retention_report.report(session, clock=rt.clock, settings=rt.settings, date_from=start,
                                       date_to=end, operator_id=scope)
    if as_json:
        print_json(data)
        return
    typer.echo(f"retention period: {data['policy_days']} days after the last registration ended "
               f"(as of {data['as_of']})")
    typer.echo(f"  due now: {data['due']['count']}")
    for row in data["due"]["identities"]:
        typer.echo(f"    identity {row['identity_id']} ({row['doc_type']}): last ended {row['last_ended_at']}, "
                   f"{row['days_overdue']} day(s) overdue")
    typer.echo(f"  held by lawful access: {data['held']['count']}")
    for row in data["held"]["identities"]:
        typer.echo(f"    identity {row['identity_id']} ({row['doc_type']}): tasks {', '.join(row['holds'])}")
    typer.echo(f"  kept (e-Cert still valid): {data['kept']['count']}")
    typer.echo(f"  erased {data['from']} to {data['to']}: {data['erased']['count']}")
    for row in data["erased"]["identities"]:
        typer.echo(f"    identity {row['identity_id']} at {row['erased_at']} by {row['actor']}: "
                   f"{len(row['fields'])} field(s)")


@retention_app.command("run")
def run_command(
    batch: Annotated[int, typer.Option("--batch", min=1, help="Identities per batch")] = 500,
    as_of: AsOfOption = None,
) -> None:
    """Erase now every identity whose retention period is over (not held, not kept); print the counts."""
    rt = runtime(as_of)
    console = Console(stderr=True)
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console, transient=True) as progress:
        task = progress.add_task("erasing", total=None)

        def advance(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        with session_scope(rt) as session:
            counts = retention.run(session, runtime=rt, batch=batch, actor=ACTOR, on_batch=advance)
    if counts["erased"]:
        retention.reclaim_sqlite_pages(rt.engine)
    print_json(counts)
