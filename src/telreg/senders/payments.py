"""Officers record payments (cheque, Payment-by-Phone, cash) against an application or renewal order.

A payment reference is recorded once per method, ever (a unique constraint, so two officers keying the same
cheque at once record it once). A payment larger than what is outstanding is refused; a smaller one is recorded
and the outstanding amount reported. The payment that settles an order completes it: an application order may
activate the account (with its documents accepted), a renewal order adds the new periods.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from telreg.config import Settings
from telreg.core import audit
from telreg.core.clock import Clock, today
from telreg.core.errors import InvalidInput
from telreg.core.i18n import N_, translate
from telreg.core.users import officer
from telreg.senders import lifecycle, renewals, repository
from telreg.senders.errors import AccountCancelled, DuplicatePayment, OrderNotFound, OrderNotPayable, Overpayment
from telreg.senders.models import SenderOrder, SenderPayment, SenderSubscription
from telreg.senders.vocabulary import AccountState, PaymentMethod, format_hkd

__all__ = ["PaymentOutcome", "order_summary", "outcome_view", "record_payment"]


@dataclass
class PaymentOutcome:
    payment: SenderPayment
    order: SenderOrder
    outstanding_cents: int
    message: str
    periods: list[SenderSubscription] = field(default_factory=list)


def order_summary(session: Session, order: SenderOrder) -> dict[str, object]:
    """An order with its lines, payments and what is still outstanding (for profiles and officers' lists)."""
    paid = repository.paid_cents(session, order.id)
    return {
        "id": order.id, "kind": order.kind, "state": order.state, "ordered_on": order.ordered_on.isoformat(),
        "total_cents": order.total_cents, "total": format_hkd(order.total_cents), "paid_cents": paid,
        "outstanding_cents": order.total_cents - paid if order.state == "awaiting-payment" else 0,
        "lines": [{"register": line.register, "plan": line.plan, "fee_cents": line.fee_cents,
                   "fee": format_hkd(line.fee_cents)} for line in repository.order_lines(session, order.id)],
        "payments": [{"method": p.method, "reference": p.reference, "amount_cents": p.amount_cents,
                      "received_on": p.received_on.isoformat(), "recorded_by": p.recorded_by}
                     for p in repository.payments(session, order.id)],
    }


def outcome_view(session: Session, outcome: PaymentOutcome) -> dict[str, object]:
    """What an officer is shown after recording a payment: the order now, the message, the account's state."""
    account = repository.get_account(session, outcome.order.account_id)
    return {"order": order_summary(session, outcome.order), "outstanding_cents": outcome.outstanding_cents,
            "message": outcome.message, "account_state": account.state if account else None}


def record_payment(
    session: Session,
    *,
    clock: Clock,
    settings: Settings,
    order_id: int,
    method: PaymentMethod,
    reference: str,
    amount_cents: int,
    officer_name: str,
    received_on: dt.date | None = None,
) -> PaymentOutcome:
    """Record money received against an order; settle the order when it is paid in full."""
    clerk = officer(session, officer_name)
    actor = f"officer:{clerk.username}"
    reference = " ".join(reference.split()).upper()
    if not reference:
        raise InvalidInput(N_("Give the payment's reference: cheque number, PPS reference or receipt "
                              "number."))
    if amount_cents <= 0:
        raise InvalidInput(N_("A payment must be more than HK$0."))
    received_on = received_on or today(clock)
    if received_on > today(clock):
        raise InvalidInput(N_("A payment cannot be received in the future (%(received_on)s)."),
                           received_on=received_on.isoformat())
    found = repository.get_order(session, order_id)
    if found is None:
        raise OrderNotFound(N_("There is no order %(order_id)s."), order_id=order_id)
    # Lock the account first, then re-read the order: every change to an account goes through its lock.
    account = repository.lock_account(session, found.account_id)
    order = repository.get_order(session, order_id, for_update=True)
    assert account is not None and order is not None
    earlier = repository.payment_by_reference(session, method.value, reference)
    if earlier is not None:
        raise DuplicatePayment(
            N_("%(via)s %(reference)s was already recorded on %(recorded_on)s by %(recorded_by)s against "
               "order %(order_id)s; it is not counted twice."),
            reference=reference, order_id=earlier.order_id, via=method.value,
            recorded_on=earlier.recorded_at.date().isoformat(), recorded_by=earlier.recorded_by)
    if order.state == "paid":
        raise OrderNotPayable(
            N_("Order %(order_id)s was already paid in full on %(paid_on)s; this payment was not recorded "
               "(it would pay twice). Return it to the payer."), order_id=order.id,
            paid_on=order.paid_at.date().isoformat() if order.paid_at else "?")
    if order.state == "void":
        void_reason = order.void_reason or ""  # a marked reason (renewals, lifecycle): said in the language
        raise OrderNotPayable(N_("Order %(order_id)s is void (%(void_reason)s); nothing can be paid on it."),
                              order_id=order.id,
                              parts={"void_reason": lambda lang: translate(lang, void_reason)})
    if account.state == AccountState.cancelled.value or (
        order.kind == "renewal"
        and lifecycle.settle(session, clock=clock, settings=settings, account=account) is AccountState.cancelled
    ):
        raise AccountCancelled(N_("The account is cancelled; its orders can no longer be paid. The sender "
                                  "must apply again as a new applicant."), order_id=order.id)
    outstanding = order.total_cents - repository.paid_cents(session, order.id)
    if amount_cents > outstanding:
        raise Overpayment(
            N_("%(amount)s is more than the %(outstanding)s outstanding on order %(order_id)s; nothing was "
               "recorded."),
            amount_cents=amount_cents, outstanding_cents=outstanding, order_id=order.id,
            amount=format_hkd(amount_cents), outstanding=format_hkd(outstanding))
    payment = SenderPayment(order_id=order.id, method=method.value, reference=reference, amount_cents=amount_cents,
                            received_on=received_on, recorded_by=clerk.username, recorded_at=clock.now())
    if not repository.try_add(session, payment):
        raise DuplicatePayment(N_("%(via)s %(reference)s was just recorded by someone else; it is not "
                                  "counted twice."), reference=reference, via=method.value)
    outstanding -= amount_cents
    audit.record(session, clock=clock, actor=actor, action="sender-payment-recorded", subject_type="sender",
                 subject_key=str(account.id),
                 details={"order": order.id, "method": method.value, "reference": reference,
                          "amount_cents": amount_cents, "outstanding_cents": outstanding})
    if outstanding > 0:
        return PaymentOutcome(payment, order, outstanding,
                              f"Recorded {format_hkd(amount_cents)}; {format_hkd(outstanding)} is still outstanding "
                              f"on order {order.id}.")
    if not repository.mark_order_if(session, order, expected="awaiting-payment",
                                    values={"state": "paid", "paid_at": clock.now()}):
        raise OrderNotPayable(N_("Order %(order_id)s was settled by someone else at the same moment."),
                              order_id=order.id)
    if order.kind == "application":
        periods = lifecycle.activate_if_ready(session, clock=clock, settings=settings, account=account, actor=actor)
        message = (f"Order {order.id} is paid in full; the account is now active." if periods else
                   f"Order {order.id} is paid in full; the account activates when its documents are accepted.")
    else:
        periods = renewals.complete_renewal(session, clock=clock, settings=settings, account=account, order=order,
                                            actor=actor)
        message = f"Order {order.id} is paid in full; the subscription is renewed."
    return PaymentOutcome(payment, order, 0, message, periods)
