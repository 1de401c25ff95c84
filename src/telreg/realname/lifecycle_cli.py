"""`telreg realname legacy|lifecycle|report …`: legacy imports, the lifecycle run, the regulator's reports.

The worker runs the lifecycle and the snapshots by itself (lifecycle_jobs.py); these commands run the same
services by hand, e.g. ``telreg realname lifecycle run --as-of 2027-02-24T01:00`` to see what a day does.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer

from telreg.core.cli_support import AsOfOption, parse_date, print_json, runtime, session_scope
from telreg.core.clock import today
from telreg.core.errors import InvalidInput
from telreg.core.i18n import N_
from telreg.realname import feeds, legacy, lifecycle, noncompliance, operators, reports
from telreg.realname.policy import get_policy

legacy_app = typer.Typer(no_args_is_help=True, help="Legacy numbers, in service before real-name rules")
lifecycle_app = typer.Typer(no_args_is_help=True, help="The lifecycle of unregistered legacy numbers")
report_app = typer.Typer(no_args_is_help=True, help="Compliance and non-compliance reports")

ACTOR = "cli"
CsvOption = Annotated[bool, typer.Option("--csv", help="Print CSV instead of JSON")]


def register(app: typer.Typer) -> None:
    """Add the legacy, lifecycle and report commands to the `telreg realname` sub-app."""
    app.add_typer(legacy_app, name="legacy")
    app.add_typer(lifecycle_app, name="lifecycle")
    app.add_typer(report_app, name="report")


@legacy_app.command("import")
def legacy_import(
    file: Annotated[Path, typer.Argument(metavar="FILE.csv", help="number,service[,line] with a header")],
    operator: Annotated[str, typer.Option("--operator", help="Code of the operator the numbers belong to")],
    deadline: Annotated[str | None, typer.Option(
        "--deadline", help="YYYY-MM-DD; default: today plus the policy's legacy_deadline_days")] = None,
    as_of: AsOfOption = None,
) -> None:
    """Import legacy numbers, all or none; a problem names its line and exits 1."""
    try:
        content = file.read_bytes()
    except OSError as exc:
        raise InvalidInput(N_("%(file)s cannot be read: %(detail)s."), file=str(file),
                           detail=str(exc.strerror or exc)) from None
    due = parse_date(deadline, what="--deadline") if deadline else None
    rt = runtime(as_of)
    with session_scope(rt) as session:
        result = legacy.import_legacy(session, clock=rt.clock, policy=get_policy(rt.settings),
                                      operator=operator, content=content, filename=file.name, deadline=due,
                                      actor=ACTOR)
    print_json(result)


@lifecycle_app.command("run")
def lifecycle_run(as_of: AsOfOption = None) -> None:
    """Take the lifecycle steps due today (idempotent) and send the messages owed; print what moved."""
    rt = runtime(as_of)
    with session_scope(rt) as session:
        result = lifecycle.run(session, clock=rt.clock, policy=get_policy(rt.settings), sms=rt.sms)
    print_json(result)


@lifecycle_app.command("deliver-feed")
def deliver_feed(as_of: AsOfOption = None) -> None:
    """Hand pending terminated/deactivated numbers to the do-not-call registers now (exit 1 in the window)."""
    rt = runtime(as_of)
    with session_scope(rt) as session:
        print_json(feeds.deliver(session, clock=rt.clock, settings=rt.settings))


@report_app.command("snapshot")
def report_snapshot(
    day: Annotated[str | None, typer.Option("--day", help="YYYY-MM-DD; default: yesterday")] = None,
    as_of: AsOfOption = None,
) -> None:
    """Write a day's compliance rows (those not written yet)."""
    rt = runtime(as_of)
    which = parse_date(day, what="--day") if day else today(rt.clock) - dt.timedelta(days=1)
    with session_scope(rt) as session:
        written = reports.take_snapshots(session, clock=rt.clock, policy=get_policy(rt.settings), day=which)
    print_json({"day": which.isoformat(), "written": written})


@report_app.command("compliance")
def report_compliance(
    date_from: Annotated[str | None, typer.Option("--from", help="YYYY-MM-DD; default: 30 days ago")] = None,
    date_to: Annotated[str | None, typer.Option("--to", help="YYYY-MM-DD; default: today")] = None,
    as_csv: CsvOption = False,
    as_of: AsOfOption = None,
) -> None:
    """Print the daily compliance rows of a period."""
    rt = runtime(as_of)
    end = parse_date(date_to, what="--to") if date_to else today(rt.clock)
    start = parse_date(date_from, what="--from") if date_from else end - dt.timedelta(days=30)
    with session_scope(rt) as session:
        rows = reports.compliance(session, date_from=start, date_to=end)
    if as_csv:
        typer.echo(reports.compliance_csv(rows), nl=False)
    else:
        print_json({"from": start.isoformat(), "to": end.isoformat(), "days": rows})


@report_app.command("non-compliance")
def report_non_compliance(as_csv: CsvOption = False) -> None:
    """Print the non-compliant registrations (seed 003's four kinds) with counts per operator."""
    rt = runtime()
    with session_scope(rt) as session:
        findings = noncompliance.find(session, vault=rt.vault, policy=get_policy(rt.settings),
                                      settings=rt.settings)
        codes = [operator.code for operator in operators.list_operators(session)]
    if as_csv:
        typer.echo(noncompliance.findings_csv(findings), nl=False)
        return
    print_json({"counts": noncompliance.count_by_operator(findings, operators=codes),
                "findings": [vars(f) for f in findings]})
