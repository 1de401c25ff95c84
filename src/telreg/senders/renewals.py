"""Renewal: a sender orders a renewal (awaiting payment); when an officer records it paid, periods are added.

Each renewed register gets one new period starting at its current expiry date (no overlap, no gap), or on the
payment day if the register had lapsed while the account lived on through another register (see periods.py).
An order completes once: the order's state changes ``awaiting-payment → paid`` conditionally, and a period is
unique per (order, register), so a renewal paid twice never extends twice.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from telreg.config import Settings
from telreg.core import audit
from telreg.core.clock import Clock, today
from telreg.core.i18n import N_
from telreg.senders import emails, fees, lifecycle, repository
from telreg.senders.errors import (
    AccountCancelled,
    AccountNotFound,
    OrderNotFound,
    OrderNotPayable,
    RegisterNotHeld,
    RenewalPending,
    WrongState,
)
from telreg.senders.models import SenderAccount, SenderOrder, SenderOrderLine, SenderSubscription
from telreg.senders.periods import register_statuses, renewal_start
from telreg.senders.vocabulary import PENDING_STATES, AccountState, Plan, Register, add_months, format_hkd

__all__ = ["cancel_renewal", "complete_renewal", "request_renewal"]


def _live_account(session: Session, *, clock: Clock, settings: Settings, account_id: int) -> SenderAccount:
    account = repository.lock_account(session, account_id)
    if account is None:
        raise AccountNotFound(N_("There is no sender account %(account_id)s."), account_id=account_id)
    state = lifecycle.settle(session, clock=clock, settings=settings, account=account)
    if state is AccountState.cancelled:
        raise AccountCancelled(
            N_("This account is cancelled (more than two months after expiry) and cannot be renewed; apply "
               "again as a new applicant."), account_id=account_id)
    if state in PENDING_STATES:
        raise WrongState(N_("The account is not active yet; a renewal is possible once it has been "
                            "activated."), account_id=account_id, state=state.value)
    return account


def request_renewal(session: Session, *, clock: Clock, settings: Settings, account_id: int,
                    plans: dict[Register, Plan], actor: str) -> SenderOrder:
    """Order a renewal of some or all registers, each with a plan, at today's fees; it waits for payment."""
    account = _live_account(session, clock=clock, settings=settings, account_id=account_id)
    if not plans:
        raise WrongState(N_("Choose at least one register to renew."))
    on = today(clock)
    statuses = register_statuses(repository.subscriptions(session, account.id), on=on,
                                 grace_months=settings.sender_grace_months)
    for register in plans:
        if register.value not in statuses:
            raise RegisterNotHeld(
                N_("This account does not subscribe to the %(register)s register, so it cannot be renewed; "
                   "it holds %(held)s."), register=register.value, held=", ".join(sorted(statuses)))
    for order in repository.orders(session, account.id, state="awaiting-payment", kind="renewal"):
        raise RenewalPending(
            N_("Renewal order %(order_id)s (%(total)s) is already waiting for payment; pay it or cancel it "
               "before ordering another."), order_id=order.id, total=format_hkd(order.total_cents))
    lines = [SenderOrderLine(register=r.value, plan=p.value, months=p.months,
                             fee_cents=fees.fee_for(session, settings=settings, plan=p, on=on))
             for r, p in sorted(plans.items(), key=lambda item: item[0].value)]
    order = SenderOrder(account_id=account.id, kind="renewal", state="awaiting-payment", ordered_on=on,
                        total_cents=sum(line.fee_cents for line in lines), created_at=clock.now())
    repository.add(session, order)
    for line in lines:
        line.order_id = order.id
        repository.add(session, line)
    audit.record(session, clock=clock, actor=actor, action="sender-renewal-ordered", subject_type="sender",
                 subject_key=str(account.id),
                 details={"order": order.id, "plans": {line.register: line.plan for line in lines},
                          "total_cents": order.total_cents})
    emails.renewal_ordered(session, clock=clock, account=account, order=order, lines=lines)
    return order


def cancel_renewal(session: Session, *, clock: Clock, account_id: int, order_id: int, actor: str) -> SenderOrder:
    """Withdraw a renewal order that has not been paid (partial payments must be refunded first)."""
    account = repository.lock_account(session, account_id)
    order = repository.get_order(session, order_id, for_update=True)
    if account is None or order is None or order.account_id != account_id or order.kind != "renewal":
        raise OrderNotFound(N_("There is no renewal order %(order_id)s on this account."), order_id=order_id)
    if order.state != "awaiting-payment":
        raise OrderNotPayable(N_("Renewal order %(order_id)s is %(order_state)s and cannot be cancelled."),
                              order_id=order_id, order_state=order.state)
    if repository.paid_cents(session, order.id):
        raise OrderNotPayable(N_("Renewal order %(order_id)s is partly paid; ask an officer to refund it "
                                 "first."), order_id=order_id)
    repository.mark_order_if(session, order, expected="awaiting-payment",
                             values={"state": "void", "void_reason": str(N_("withdrawn by the sender"))})
    audit.record(session, clock=clock, actor=actor, action="sender-renewal-cancelled", subject_type="sender",
                 subject_key=str(account_id), details={"order": order_id})
    return order


def complete_renewal(session: Session, *, clock: Clock, settings: Settings, account: SenderAccount,
                     order: SenderOrder, actor: str) -> list[SenderSubscription]:
    """Add the paid renewal's periods (caller holds the account lock and has marked the order paid)."""
    on, now = today(clock), clock.now()
    statuses = register_statuses(repository.subscriptions(session, account.id), on=on,
                                 grace_months=settings.sender_grace_months)
    periods = []
    for line in repository.order_lines(session, order.id):
        starts_on = renewal_start(statuses.get(line.register), on=on)
        period = SenderSubscription(account_id=account.id, register=line.register, plan=line.plan,
                                    starts_on=starts_on, ends_on=add_months(starts_on, line.months),
                                    order_id=order.id, created_at=now)
        if not repository.try_add(session, period):
            raise OrderNotPayable(N_("Renewal order %(order_id)s was already applied."), order_id=order.id)
        periods.append(period)
    audit.record(session, clock=clock, actor=actor, action="sender-renewed", subject_type="sender",
                 subject_key=str(account.id),
                 details={"order": order.id, "periods": {p.register: [p.starts_on.isoformat(), p.ends_on.isoformat()]
                                                         for p in periods}})
    lifecycle.settle(session, clock=clock, settings=settings, account=account, actor=actor)
    emails.renewed(session, clock=clock, account=account, order=order, periods=periods)
    lifecycle.ensure_daily_job(session, clock=clock, settings=settings)
    return periods
