"""Every query of the senders context. Adds and flushes; never commits.

``lock_account`` is how every change to an account starts: it takes the account's row lock (``FOR UPDATE`` on
PostgreSQL; on SQLite the whole transaction already holds the writer lock, see core.db), so two officers acting
on one account at once are serialised and the second sees what the first did.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from telreg.core.db import add_unless_duplicate
from telreg.senders.models import (
    SenderAccount,
    SenderDocument,
    SenderFee,
    SenderOrder,
    SenderOrderLine,
    SenderPayment,
    SenderSubscription,
)


def add(session: Session, row: object) -> None:
    session.add(row)
    session.flush()


def try_add(session: Session, row: object) -> bool:
    """Insert a row; return False (and leave the transaction usable) when a unique constraint refuses it."""
    return add_unless_duplicate(session, row)


# ---- accounts ---------------------------------------------------------------------------------------------------

def get_account(session: Session, account_id: int) -> SenderAccount | None:
    return session.get(SenderAccount, account_id)


def lock_account(session: Session, account_id: int) -> SenderAccount | None:
    stmt = (select(SenderAccount).where(SenderAccount.id == account_id).with_for_update()
            .execution_options(populate_existing=True))
    return session.scalars(stmt).first()


def account_by_login(session: Session, login_name: str) -> SenderAccount | None:
    return session.scalar(select(SenderAccount).where(SenderAccount.login_name == login_name))


def accounts(session: Session, *, states: Sequence[str] | None = None, limit: int | None = None,
             offset: int = 0) -> list[SenderAccount]:
    stmt = select(SenderAccount).order_by(SenderAccount.applied_at.desc(), SenderAccount.id.desc())
    if states:
        stmt = stmt.where(SenderAccount.state.in_(list(states)))
    return list(session.scalars(stmt.offset(offset or None).limit(limit)))


def count_accounts(session: Session, *, states: Sequence[str] | None = None) -> int:
    stmt = select(func.count()).select_from(SenderAccount)
    if states:
        stmt = stmt.where(SenderAccount.state.in_(list(states)))
    return int(session.scalar(stmt) or 0)


def _waiting(states: Sequence[str]) -> Any:
    awaiting = select(SenderOrder.account_id).where(SenderOrder.state == "awaiting-payment")
    return or_(SenderAccount.state.in_(list(states)), SenderAccount.id.in_(awaiting))


def accounts_waiting(session: Session, *, states: Sequence[str], limit: int | None = None,
                     offset: int = 0) -> list[SenderAccount]:
    """Accounts in one of the states or with an order waiting for payment (a renewal), newest first."""
    stmt = (select(SenderAccount).where(_waiting(states))
            .order_by(SenderAccount.applied_at.desc(), SenderAccount.id.desc()))
    return list(session.scalars(stmt.offset(offset or None).limit(limit)))


def count_accounts_waiting(session: Session, *, states: Sequence[str]) -> int:
    return int(session.scalar(select(func.count()).select_from(SenderAccount).where(_waiting(states))) or 0)


def set_state_if(session: Session, account: SenderAccount, *, expected: Sequence[str], values: dict[str, object]) -> bool:
    """Change an account only if it is still in one of the expected states; True when this call changed it."""
    result = session.execute(
        update(SenderAccount)
        .where(SenderAccount.id == account.id, SenderAccount.state.in_(list(expected)))
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    session.refresh(account)
    return (result.rowcount or 0) == 1


# ---- documents --------------------------------------------------------------------------------------------------

def documents(session: Session, account_id: int) -> list[SenderDocument]:
    stmt = select(SenderDocument).where(SenderDocument.account_id == account_id).order_by(SenderDocument.id)
    return list(session.scalars(stmt))


def get_document(session: Session, document_id: int) -> SenderDocument | None:
    return session.get(SenderDocument, document_id)


# ---- fees -------------------------------------------------------------------------------------------------------

def fee_in_force(session: Session, plan: str, on: dt.date) -> SenderFee | None:
    stmt = (select(SenderFee).where(SenderFee.plan == plan, SenderFee.effective_from <= on)
            .order_by(SenderFee.effective_from.desc()).limit(1))
    return session.scalars(stmt).first()


def fee_rows(session: Session) -> list[SenderFee]:
    return list(session.scalars(select(SenderFee).order_by(SenderFee.plan, SenderFee.effective_from)))


# ---- orders and payments ----------------------------------------------------------------------------------------

def get_order(session: Session, order_id: int, *, for_update: bool = False) -> SenderOrder | None:
    stmt = select(SenderOrder).where(SenderOrder.id == order_id)
    if for_update:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    return session.scalars(stmt).first()


def orders(session: Session, account_id: int, *, state: str | None = None, kind: str | None = None) -> list[SenderOrder]:
    stmt = select(SenderOrder).where(SenderOrder.account_id == account_id).order_by(SenderOrder.id)
    if state is not None:
        stmt = stmt.where(SenderOrder.state == state)
    if kind is not None:
        stmt = stmt.where(SenderOrder.kind == kind)
    return list(session.scalars(stmt))


def order_lines(session: Session, order_id: int) -> list[SenderOrderLine]:
    stmt = select(SenderOrderLine).where(SenderOrderLine.order_id == order_id).order_by(SenderOrderLine.id)
    return list(session.scalars(stmt))


def payments(session: Session, order_id: int) -> list[SenderPayment]:
    stmt = select(SenderPayment).where(SenderPayment.order_id == order_id).order_by(SenderPayment.id)
    return list(session.scalars(stmt))


def paid_cents(session: Session, order_id: int) -> int:
    total = session.scalar(select(func.coalesce(func.sum(SenderPayment.amount_cents), 0))
                           .where(SenderPayment.order_id == order_id))
    return int(total or 0)


def payment_by_reference(session: Session, method: str, reference: str) -> SenderPayment | None:
    return session.scalar(select(SenderPayment).where(SenderPayment.method == method,
                                                      SenderPayment.reference == reference))


def mark_order_if(session: Session, order: SenderOrder, *, expected: str, values: dict[str, object]) -> bool:
    result = session.execute(
        update(SenderOrder).where(SenderOrder.id == order.id, SenderOrder.state == expected).values(**values)
        .execution_options(synchronize_session=False)
    )
    session.refresh(order)
    return (result.rowcount or 0) == 1


# ---- subscription periods -------------------------------------------------------------------------------------

def subscriptions(session: Session, account_id: int) -> list[SenderSubscription]:
    stmt = (select(SenderSubscription).where(SenderSubscription.account_id == account_id)
            .order_by(SenderSubscription.register, SenderSubscription.starts_on))
    return list(session.scalars(stmt))


def subscriptions_of(session: Session, account_ids: Sequence[int]) -> dict[int, list[SenderSubscription]]:
    found: dict[int, list[SenderSubscription]] = {account_id: [] for account_id in account_ids}
    if not account_ids:
        return found
    stmt = (select(SenderSubscription).where(SenderSubscription.account_id.in_(list(account_ids)))
            .order_by(SenderSubscription.register, SenderSubscription.starts_on))
    for row in session.scalars(stmt):
        found[row.account_id].append(row)
    return found
