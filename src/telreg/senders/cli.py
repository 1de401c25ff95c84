"""`telreg senders …`: subscription accounts from an officer's terminal. Same services as the API."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from telreg.core import mail
from telreg.core.cli_support import AsOfOption, parse_date, print_json, runtime, session_scope
from telreg.core.clock import to_hk
from telreg.ecert import client_auth_cli
from telreg.senders import (api_keys, applications, documents, downloads, fees, jobs, payments, profile,
                            signin)
from telreg.senders.lists import cli as lists_cli
from telreg.senders.vocabulary import format_hkd, parse_hkd, parse_method, parse_plan

app = typer.Typer(no_args_is_help=True, help="Senders' subscription accounts")
fees_app = typer.Typer(help="The fee table (run without a sub-command to show it)")
app.add_typer(fees_app, name="fees")
app.add_typer(lists_cli.app, name="lists")
app.add_typer(client_auth_cli.app, name="client-cert")

OfficerOption = Annotated[str, typer.Option("--officer", help="Username of the officer acting")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON")]


@fees_app.callback(invoke_without_command=True)
def fees_show(ctx: typer.Context, as_json: JsonOption = False, as_of: AsOfOption = None) -> None:
    """Show every fee entry and the fees in force today."""
    if ctx.invoked_subcommand is not None:
        return
    rt = runtime(as_of)
    with session_scope(rt) as session:
        table = fees.fee_table(session, settings=rt.settings, clock=rt.clock)
    if as_json:
        print_json(table)
        return
    for entry in table["entries"]:  # type: ignore[attr-defined]
        typer.echo(f"{entry['plan']:<10} {entry['amount']:>12}  from {entry['effective_from']}  ({entry['source']})")
    in_force = ", ".join(f"{plan} {v['amount']}" for plan, v in table["in_force"].items())  # type: ignore[attr-defined]
    typer.echo(f"in force on {table['as_of']}: {in_force} per register")


@fees_app.command("revise")
def fees_revise(
    plan: Annotated[str, typer.Option("--plan", help="12-months | 3-months")],
    amount: Annotated[str, typer.Option("--amount", help="Fee per register in HK$, e.g. 1700")],
    effective_from: Annotated[str, typer.Option("--from", help="First day of the new fee (today or later)")],
    officer_name: OfficerOption,
    as_of: AsOfOption = None,
) -> None:
    """Publish a revised fee for a plan from a date."""
    rt = runtime(as_of)
    with session_scope(rt) as session:
        row = fees.revise_fee(session, clock=rt.clock, plan=parse_plan(plan), amount_cents=parse_hkd(amount),
                              effective_from=parse_date(effective_from, what="--from"), officer_name=officer_name)
        typer.echo(f"{row.plan} fee is {format_hkd(row.amount_cents)} per register from {row.effective_from}")


@app.command("applications")
def list_applications(
    state: Annotated[str | None, typer.Option("--state", help="Only this state (default: pending ones)")] = None,
    as_json: JsonOption = False,
) -> None:
    """List applications waiting for documents or payment, newest first."""
    rt = runtime()
    with session_scope(rt) as session:
        rows = applications.list_applications(session, state=state)
    if as_json:
        print_json(rows)
        return
    for row in rows:
        orders_due: Any = row["orders_due"]
        due = ",".join(str(order["id"]) for order in orders_due) or "-"
        missing = ",".join(row["documents"]["missing"]) or "-"  # type: ignore[index]
        typer.echo(f"{row['id']:>5}  {row['username']:<20} {row['state']:<19} orders due {due} "
                   f"outstanding {format_hkd(int(str(row['outstanding_cents'])))}  missing: {missing}")


@app.command("accept-documents")
def accept_documents(account_id: int, officer_name: OfficerOption, as_of: AsOfOption = None) -> None:
    """Accept ACCOUNT_ID's documents (activates the account if its fees are paid)."""
    rt = runtime(as_of)
    with session_scope(rt) as session:
        account = documents.accept_documents(session, clock=rt.clock, settings=rt.settings, account_id=account_id,
                                             officer_name=officer_name)
        typer.echo(f"documents of account {account.id} accepted; the account is {account.state}")


@app.command("reject-document")
def reject_document(document_id: int, reason: Annotated[str, typer.Option("--reason")], officer_name: OfficerOption,
                    as_of: AsOfOption = None) -> None:
    """Reject DOCUMENT_ID with a reason the sender is emailed."""
    rt = runtime(as_of)
    with session_scope(rt) as session:
        documents.reject_document(session, clock=rt.clock, document_id=document_id, reason=reason,
                                  officer_name=officer_name)
        typer.echo(f"document {document_id} rejected")


@app.command("record-payment")
def record_payment(
    order_id: int,
    method: Annotated[str, typer.Option("--method", help="cheque | payment-by-phone | cash")],
    reference: Annotated[str, typer.Option("--reference", help="Cheque number, PPS reference or receipt number")],
    amount: Annotated[str, typer.Option("--amount", help="HK$, e.g. 1600 or 425.00")],
    officer_name: OfficerOption,
    received_on: Annotated[str | None, typer.Option("--received-on", help="Default: today")] = None,
    as_json: JsonOption = False,
    as_of: AsOfOption = None,
) -> None:
    """Record a payment against ORDER_ID; paying in full activates or renews the account."""
    rt = runtime(as_of)
    with session_scope(rt) as session:
        outcome = payments.record_payment(
            session, clock=rt.clock, settings=rt.settings, order_id=order_id, method=parse_method(method),
            reference=reference, amount_cents=parse_hkd(amount), officer_name=officer_name,
            received_on=parse_date(received_on, what="--received-on") if received_on else None,
        )
        view = payments.outcome_view(session, outcome)
    if as_json:
        print_json(view)
    else:
        typer.echo(view["message"])


@app.command("profile")
def show_profile(account_id: int, as_json: JsonOption = False, as_of: AsOfOption = None) -> None:
    """Show ACCOUNT_ID's profile: state, each register's expiry date, renewal options."""
    rt = runtime(as_of)
    with session_scope(rt) as session:
        data = profile.profile(session, clock=rt.clock, settings=rt.settings, account_id=account_id)
    if as_json:
        print_json(data)
        return
    typer.echo(f"account {data['id']} {data['username']} ({data['name']}): {data['state']} — {data['message']}")
    for reg in data["registers"]:  # type: ignore[attr-defined]
        typer.echo(f"  {reg['register']:<12} {reg['status']:<8} expires {reg['expires_on']}  "
                   f"(grace until {reg['grace_ends_on']})")


@app.command("expire")
def expire(
    deliver: Annotated[bool, typer.Option("--deliver/--no-deliver", help="Also send the mail now due")] = True,
    as_json: JsonOption = False,
    as_of: AsOfOption = None,
) -> None:
    """Run the daily expiry, cancellation and reminder processing now (with --as-of, for that moment)."""
    rt = runtime(as_of)
    with session_scope(rt) as session:
        report = jobs.run_daily(session, clock=rt.clock, settings=rt.settings)
    if deliver:
        report["mail"] = mail.deliver_due(rt)
    if as_json:
        print_json(report)
        return
    changes = ", ".join(f"{n} {state}" for state, n in report["state_changes"].items()) or "none"
    typer.echo(f"state changes: {changes}; reminders due: {report['reminders_due']}")
    if deliver:
        typer.echo(f"mail: {report['mail'] or 'nothing due'}")


@app.command("sweep-files")
def sweep_files(
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Count what would go; delete nothing")] = False,
    as_json: JsonOption = False,
    as_of: AsOfOption = None,
) -> None:
    """Delete stored documents no row refers to, stale uploads and the working directories of failed and
    expired washes (older than sweep_grace_hours); the counts are audited (issue 14)."""
    from telreg.senders.file_sweep import sweep_files as sweep

    rt = runtime(as_of)
    with session_scope(rt) as session:
        counts = sweep(session, clock=rt.clock, settings=rt.settings, dry_run=dry_run, actor="cli")
    if as_json:
        print_json(counts)
        return
    verb = "would remove" if dry_run else "removed"
    typer.echo(f"{verb} {counts['documents_removed']} document(s) and {counts['pending_removed']} stale upload(s) "
               f"({counts['bytes_removed']:,} bytes), {counts['wash_directories_removed']} wash directorie(s); "
               f"recovered {counts['pending_recovered']} upload(s)")


@app.command("outbox")
def outbox(
    state: Annotated[str | None, typer.Option("--state", help="pending | sent | failed")] = None,
    requeue_failed: Annotated[bool, typer.Option("--requeue-failed", help="Retry parked messages")] = False,
    as_of: AsOfOption = None,
) -> None:
    """List outgoing mail; --requeue-failed puts parked messages back in the queue."""
    rt = runtime(as_of)
    with session_scope(rt) as session:
        if requeue_failed:
            typer.echo(f"requeued {mail.requeue_failed(session, clock=rt.clock)} message(s)")
        for m in mail.outbox(session, state=state):
            typer.echo(f"{m.id:>5}  {m.state:<8} tries {m.attempts:<2} {m.to_address:<30} {m.subject}")


@app.command("downloads")
def list_downloads(
    account_id: int,
    since: Annotated[str | None, typer.Option("--since", help="First day (Hong Kong), YYYY-MM-DD")] = None,
    until: Annotated[str | None, typer.Option("--until", help="Last day (Hong Kong), YYYY-MM-DD")] = None,
    as_json: JsonOption = False,
) -> None:
    """List ACCOUNT_ID's register downloads, newest first: file, publication, time, address, API key."""
    rt = runtime()
    with session_scope(rt) as session:
        rows = downloads.account_downloads(
            session, account_id=account_id, since=parse_date(since, what="--since") if since else None,
            until=parse_date(until, what="--until") if until else None)
    if as_json:
        print_json(rows)
        return
    if not rows:
        typer.echo(f"account {account_id} has no downloads in that period")
    for row in rows:
        key = f"key {row['api_key_id']}" if row["api_key_id"] else "web"
        typer.echo(f"{row['downloaded_at']}  {row['file_name']:<28} of {row['publication_date']}  "
                   f"from {row['client_address'] or '-'}  ({key})")


# ---- signing in: one-time passwords, unlocking, API access ---------------------------------------------------

AccountArgument = Annotated[str, typer.Argument(help="Account id, or the username of a live account")]


@app.command("one-time-password")
def one_time_password(account: AccountArgument, officer_name: OfficerOption, as_of: AsOfOption = None) -> None:
    """Issue a one-time password for ACCOUNT (to phone or fax to the sender); it also unlocks the account."""
    rt = runtime(as_of)
    with session_scope(rt) as session:
        account_id = signin.resolve_account(session, account)
        otp = signin.issue_one_time_password(session, clock=rt.clock, settings=rt.settings, account_id=account_id,
                                             officer=officer_name)
        expires_at = signin.sign_in_status(session, account_id=account_id)["otp_expires_at"]
    typer.echo(f"one-time password for account {account_id}: {otp}")
    typer.echo(f"valid until {to_hk(expires_at):%Y-%m-%d %H:%M} (Hong Kong time); "
               "the sender must change it at the next log-in")


@app.command("revoke-sessions")
def revoke_sessions(account: AccountArgument, officer_name: OfficerOption, as_of: AsOfOption = None) -> None:
    """End every session of ACCOUNT at once (its browsers are signed out everywhere; audited)."""
    rt = runtime(as_of)
    with session_scope(rt) as session:
        account_id = signin.resolve_account(session, account)
        ended = signin.revoke_sessions(session, clock=rt.clock, settings=rt.settings, account_id=account_id,
                                       officer=officer_name)
    typer.echo(f"ended {ended} session(s) of account {account_id}")


@app.command("unlock")
def unlock(account: AccountArgument, officer_name: OfficerOption, as_of: AsOfOption = None) -> None:
    """Clear ACCOUNT's failed log-ins and lock."""
    rt = runtime(as_of)
    with session_scope(rt) as session:
        account_id = signin.resolve_account(session, account)
        signin.unlock(session, clock=rt.clock, settings=rt.settings, account_id=account_id, officer=officer_name)
    typer.echo(f"account {account_id} unlocked")


@app.command("api-access")
def api_access(
    account: AccountArgument,
    officer_name: OfficerOption,
    enabled: Annotated[bool, typer.Option("--on/--off", help="Allow API keys, or stop every key of the account")],
    as_of: AsOfOption = None,
) -> None:
    """Turn automation by API key on or off for ACCOUNT."""
    rt = runtime(as_of)
    with session_scope(rt) as session:
        account_id = signin.resolve_account(session, account)
        row = api_keys.set_api_access(session, clock=rt.clock, settings=rt.settings, account_id=account_id,
                                      enabled=enabled, officer=officer_name)
        typer.echo(f"API access for account {row.id} is {'on' if row.api_access else 'off'}")
