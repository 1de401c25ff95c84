"""The Account Profile (FAQ Q4.3): the expiry date of each register and the renewal options with their fees."""

from __future__ import annotations

from sqlalchemy.orm import Session

from telreg.config import Settings
from telreg.core.clock import Clock, hk_iso, today
from telreg.core.i18n import N_
from telreg.senders import fees, lifecycle, repository
from telreg.senders.documents import document_summary
from telreg.senders.errors import AccountNotFound
from telreg.senders.payments import order_summary
from telreg.senders.periods import renewal_start
from telreg.senders.vocabulary import AccountState, Plan, add_months, format_hkd

__all__ = ["profile"]


def profile(session: Session, *, clock: Clock, settings: Settings, account_id: int) -> dict[str, object]:
    """Return the account, each register's period and expiry, renewal options priced today, and open orders."""
    account = repository.get_account(session, account_id)
    if account is None:
        raise AccountNotFound(N_("There is no sender account %(account_id)s."), account_id=account_id)
    on = today(clock)
    allowed = lifecycle.access(session, clock=clock, settings=settings, account_id=account_id)
    renewable = allowed.state in (AccountState.active, AccountState.expired)
    prices = {plan: fees.fee_for(session, settings=settings, plan=plan, on=on) for plan in Plan}
    registers = []
    for register, status in allowed.held.items():
        start = renewal_start(status, on=on)
        options = [
            {"plan": plan.value, "fee_cents": prices[plan], "fee": format_hkd(prices[plan]),
             "starts_on": start.isoformat(), "expires_on": add_months(start, plan.months).isoformat()}
            for plan in Plan
        ] if renewable else []
        registers.append({**status.as_dict(), "downloadable": allowed.may_use(register),
                          "renewal_options": options})
    open_orders = [order_summary(session, o) for o in repository.orders(session, account.id, state="awaiting-payment")]
    return {
        "id": account.id,
        "username": account.username,
        "name": account.name,
        "capacity": account.capacity,
        "contact_email": account.contact_email,
        "state": allowed.state.value,
        "can_log_in": allowed.can_log_in,
        "message": allowed.reason,
        "applied_on": account.applied_on.isoformat(),
        "activated_at": hk_iso(account.activated_at) if account.activated_at else None,
        "as_of": on.isoformat(),
        "registers": registers,
        "documents": document_summary(session, account),
        "open_orders": open_orders,
    }
