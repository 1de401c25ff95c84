"""Expiry reminders: from one month before a register's expiry, one email a week until it expires or is renewed.

For an expiry date ``E`` the reminder days are ``E - 1 month``, then every 7 days while still before ``E``
(settings ``sender_reminder_lead_months`` / ``sender_reminder_interval_days``). Registers expiring on the same day
share one email. A renewal moves the register's expiry date, so the old schedule simply stops applying.

The daily run queues the latest reminder day that has arrived; the outbox key includes that day, so running twice
(or catching up after a missed day) never queues the same reminder twice, and a missed day is sent late rather
than lost.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from telreg.config import Settings
from telreg.core.clock import Clock, today
from telreg.senders import emails, repository
from telreg.senders.lifecycle import computed_state
from telreg.senders.periods import register_statuses
from telreg.senders.vocabulary import AccountState, add_months

__all__ = ["queue_due_reminders", "reminder_days"]


def reminder_days(expires_on: dt.date, *, settings: Settings) -> list[dt.date]:
    """Every day a reminder is due for this expiry date, in order."""
    day = add_months(expires_on, -settings.sender_reminder_lead_months)
    days = []
    while day < expires_on:
        days.append(day)
        day += dt.timedelta(days=settings.sender_reminder_interval_days)
    return days


def queue_due_reminders(session: Session, *, clock: Clock, settings: Settings) -> int:
    """Queue today's reminders (and any missed, latest only) for every active account; returns how many."""
    on = today(clock)
    accounts = repository.accounts(session, states=[AccountState.active.value])
    periods = repository.subscriptions_of(session, [a.id for a in accounts])
    queued = 0
    for account in accounts:
        statuses = register_statuses(periods[account.id], on=on, grace_months=settings.sender_grace_months)
        if computed_state(account, statuses) is not AccountState.active:
            continue
        by_expiry: dict[dt.date, list[str]] = {}
        for status in statuses.values():
            if status.status == "active":
                by_expiry.setdefault(status.expires_on, []).append(status.register)
        for expires_on, registers in sorted(by_expiry.items()):
            due = [day for day in reminder_days(expires_on, settings=settings) if day <= on]
            if not due:
                continue
            emails.expiry_reminder(session, clock=clock, account=account, expires_on=expires_on,
                                   registers=sorted(registers), slot=due[-1])
            queued += 1
    return queued
