"""`telreg ecert fees|pay|subscriptions|subscription`: the subscription fee table, payments at the counter and
the subscriptions due or lapsed, from an officer's terminal. The same services as the API (fees.py,
subscriptions.py); each command is one unit of work."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from telreg.core.cli_support import AsOfOption, parse_date, print_json, runtime, session_scope
from telreg.core.errors import InvalidInput
from telreg.core.i18n import N_

__all__ = ["register"]

fees_app = typer.Typer(help="The e-Cert annual subscription fees and free-use periods (run without a sub-command "
                       "to show the fees)")
OfficerOption = Annotated[str, typer.Option("--officer", help="Username of the CA officer acting")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON")]


def _actor(session: Any, username: str) -> str:
    from telreg.core.users import officer
    from telreg.ecert.deps import CA_OFFICER_ROLE

    return f"staff:{officer(session, username, role=CA_OFFICER_ROLE).username}"


@fees_app.callback(invoke_without_command=True)
def fees_show(ctx: typer.Context, as_json: JsonOption = False, as_of: AsOfOption = None) -> None:
    """Show the default fee, every revision and the fees in force today."""
    if ctx.invoked_subcommand is not None:
        return
    from telreg.ecert import fees

    rt = runtime(as_of)
    with session_scope(rt) as session:
        table: dict[str, Any] = fees.fee_table(session, settings=rt.settings, clock=rt.clock)
    if as_json:
        print_json(table)
        return
    for entry in table["entries"]:
        typer.echo(f"{entry['profile']:<16} {entry['amount']:>12} a year  from {entry['effective_from']}  "
                   f"({entry['source']})")
    in_force = ", ".join(f"{profile} {v['amount']}" for profile, v in table["in_force"].items())
    typer.echo(f"in force on {table['as_of']}: {in_force}")


@fees_app.command("revise")
def fees_revise(
    profile: Annotated[str, typer.Option("--profile", help='A certificate profile, or "*" for every profile')],
    amount: Annotated[str, typer.Option("--amount", help="Annual fee in HK$, e.g. 50.00")],
    effective_from: Annotated[str, typer.Option("--from", help="First day of the new fee (today or later)")],
    officer_name: OfficerOption,
    as_of: AsOfOption = None,
) -> None:
    """Publish a revised annual fee for a profile from a date."""
    from telreg.ecert import fees

    rt = runtime(as_of)
    with session_scope(rt) as session:
        row = fees.revise_fee(session, clock=rt.clock, profile=profile, amount_cents=fees.parse_hkd(amount),
                              effective_from=parse_date(effective_from, what="--from"),
                              actor=_actor(session, officer_name))
        typer.echo(f"{row.profile} fee is {fees.format_hkd(row.amount_cents)} a year from {row.effective_from}")


@fees_app.command("free-periods")
def free_periods(include_withdrawn: Annotated[bool, typer.Option("--all", help="Include withdrawn ones")] = False,
                 as_json: JsonOption = False) -> None:
    """List the free-use periods."""
    from telreg.ecert import fees

    rt = runtime()
    with session_scope(rt) as session:
        periods = fees.free_periods(session, include_withdrawn=include_withdrawn)
        rows = [{"id": p.id, "profile": p.profile, "kind": p.kind, "months": p.months,
                 "issued_from": p.issued_from, "issued_until": p.issued_until, "note": p.note,
                 "withdrawn_at": p.withdrawn_at} for p in periods]
    if as_json:
        print_json(rows)
        return
    for p in rows:
        free = "until the end of the validity" if p["kind"] == "validity" else f"for {p['months']} months"
        withdrawn = "  (withdrawn)" if p["withdrawn_at"] else ""
        typer.echo(f"{p['id']:>4}  {p['profile']:<16} issued {p['issued_from'] or '…'} to {p['issued_until'] or '…'}: "
                   f"free {free}{withdrawn}")


@fees_app.command("add-free-period")
def add_free_period(
    profile: Annotated[str, typer.Option("--profile", help='A certificate profile, or "*"')],
    officer_name: OfficerOption,
    months: Annotated[int | None, typer.Option("--months", help="Free for N months from issue (default: until "
                                                                "the end of the validity)")] = None,
    issued_from: Annotated[str | None, typer.Option("--issued-from", help="First issue date covered")] = None,
    issued_until: Annotated[str | None, typer.Option("--issued-until", help="Last issue date covered")] = None,
    note: Annotated[str | None, typer.Option("--note")] = None,
    as_of: AsOfOption = None,
) -> None:
    """Add a free-use period for the certificates issued between two dates."""
    from telreg.ecert import fees

    rt = runtime(as_of)
    with session_scope(rt) as session:
        row = fees.add_free_period(
            session, clock=rt.clock, profile=profile, kind="months" if months is not None else "validity",
            months=months, issued_from=parse_date(issued_from, what="--issued-from") if issued_from else None,
            issued_until=parse_date(issued_until, what="--issued-until") if issued_until else None, note=note,
            actor=_actor(session, officer_name))
        typer.echo(f"free-use period {row.id} added")


@fees_app.command("withdraw-free-period")
def withdraw_free_period(period_id: int, officer_name: OfficerOption, as_of: AsOfOption = None) -> None:
    """Withdraw a free-use period (subscriptions already started keep theirs)."""
    from telreg.ecert import fees

    rt = runtime(as_of)
    with session_scope(rt) as session:
        fees.withdraw_free_period(session, clock=rt.clock, period_id=period_id, actor=_actor(session, officer_name))
        typer.echo(f"free-use period {period_id} withdrawn")


def pay(
    serial: str,
    years: Annotated[int, typer.Option("--years", help="Whole years paid")],
    amount: Annotated[str, typer.Option("--amount", help="HK$ paid: the fee in force × years, e.g. 50.00")],
    officer_name: OfficerOption,
    method: Annotated[str, typer.Option("--method", help="cash | cheque | eps | octopus | card | pps")] = "cash",
    reference: Annotated[str | None, typer.Option("--reference", help="Receipt, cheque or transaction number")]
    = None,
    as_of: AsOfOption = None,
) -> None:
    """Record a payment of a certificate's subscription (releases a hold placed because it lapsed)."""
    from telreg.ecert import fees, subscriptions

    rt = runtime(as_of)
    with session_scope(rt) as session:
        certificate = subscriptions.certificate_by_serial(session, serial)
        outcome = subscriptions.record_payment(
            session, clock=rt.clock, settings=rt.settings, certificate_id=certificate.id, years=years,
            amount_cents=fees.parse_hkd(amount), method=method, reference=reference,
            actor=_actor(session, officer_name))
        typer.echo(f"{certificate.serial}: paid {fees.format_hkd(outcome.payment.amount_cents)} for {years} "
                   f"year(s); subscription paid until {outcome.subscription.paid_until}")
        if outcome.released:
            typer.echo(f"{certificate.serial}: the hold for the lapsed subscription was released")


def list_subscriptions(
    due: Annotated[bool, typer.Option("--due", help="Subscriptions due within the reminder days")] = False,
    lapsed: Annotated[bool, typer.Option("--lapsed", help="Lapsed subscriptions (certificates on hold)")] = False,
    as_json: JsonOption = False,
    as_of: AsOfOption = None,
) -> None:
    """List the subscriptions due soon (--due, the default) or lapsed (--lapsed)."""
    from telreg.ecert import subscriptions

    if due and lapsed:
        raise InvalidInput(N_("Choose --due or --lapsed, not both."))
    rt = runtime(as_of)
    with session_scope(rt) as session:
        rows = subscriptions.list_subscriptions(session, clock=rt.clock, settings=rt.settings,
                                                which="lapsed" if lapsed else "due")
    if as_json:
        print_json(rows)
        return
    for row in rows:
        held = "  on hold until paid" if row["held_for_lapse"] else ""
        typer.echo(f"{row['serial']}  {row['profile']:<16} paid until {row['paid_until']}  {row['status']:<7} "
                   f"{row['annual_fee']} a year{held}")


def show_subscription(serial: str, as_json: JsonOption = False, as_of: AsOfOption = None) -> None:
    """Show a certificate's subscription and its payments."""
    from telreg.ecert import subscriptions

    rt = runtime(as_of)
    with session_scope(rt) as session:
        view = subscriptions.subscription_view(session, clock=rt.clock, settings=rt.settings, serial=serial)
    if as_json:
        print_json(view)
        return
    typer.echo(f"{view['serial']} ({view['profile']}, {view['certificate_state']}): {view['status']}, paid until "
               f"{view['paid_until']}, subscription ends {view['ends_on']}, {view['annual_fee']} a year")
    for p in view["payments"]:
        typer.echo(f"  {p['paid_at']}  {p['amount']} for {p['years']} year(s) by {p['method']} "
                   f"{p['reference'] or ''}  → {p['period_until']}")


def register(app: typer.Typer) -> None:
    app.add_typer(fees_app, name="fees")
    app.command("pay")(pay)
    app.command("subscriptions")(list_subscriptions)
    app.command("subscription")(show_subscription)
