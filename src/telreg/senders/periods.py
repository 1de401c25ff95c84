"""Pure date rules of subscription periods: what each register's status is on a day, where a renewal starts.

A period covers ``[starts_on, ends_on)``; a register's expiry date is the latest ``ends_on`` among its periods.
On a day ``d`` a register is

    active   starts_on <= d < expiry date (some period covers d)
    grace    expiry date <= d < expiry date + grace months    (log in, renew; no download or check)
    lapsed   after that

A renewal paid while the register is active or in grace starts on the expiry date (no overlap, no gap, even when
paid during grace); a lapsed register of an account that is still alive through another register starts anew on
the day it is paid.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from telreg.senders.models import SenderSubscription
from telreg.senders.vocabulary import add_months

__all__ = ["RegisterStatus", "register_statuses", "renewal_start"]


@dataclass(frozen=True)
class RegisterStatus:
    register: str
    status: str  # active | grace | lapsed | not-started
    plan: str  # plan of the latest period
    starts_on: dt.date  # first day of the current (or latest) period
    expires_on: dt.date  # the subscription ends at 00:00 on this day
    grace_ends_on: dt.date  # from this day the register can no longer be renewed from its expiry

    def as_dict(self) -> dict[str, str]:
        return {"register": self.register, "status": self.status, "plan": self.plan,
                "starts_on": self.starts_on.isoformat(), "expires_on": self.expires_on.isoformat(),
                "grace_ends_on": self.grace_ends_on.isoformat()}


def register_statuses(
    periods: Iterable[SenderSubscription], *, on: dt.date, grace_months: int
) -> dict[str, RegisterStatus]:
    """Return the status of every register that has at least one paid period."""
    by_register: dict[str, list[SenderSubscription]] = {}
    for period in periods:
        by_register.setdefault(period.register, []).append(period)
    result: dict[str, RegisterStatus] = {}
    for register, rows in sorted(by_register.items()):
        rows.sort(key=lambda p: p.starts_on)
        latest = rows[-1]
        expires_on = max(p.ends_on for p in rows)
        grace_ends_on = add_months(expires_on, grace_months)
        covering = next((p for p in rows if p.starts_on <= on < p.ends_on), None)
        if covering is not None:
            status, starts_on = "active", covering.starts_on
        elif on < rows[0].starts_on:
            status, starts_on = "not-started", rows[0].starts_on
        elif on < expires_on:
            # A hole between periods cannot arise from renewals (they chain); treat it as not covered.
            status, starts_on = "grace", latest.starts_on
        elif on < grace_ends_on:
            status, starts_on = "grace", latest.starts_on
        else:
            status, starts_on = "lapsed", latest.starts_on
        result[register] = RegisterStatus(register, status, latest.plan, starts_on, expires_on, grace_ends_on)
    return result


def renewal_start(status: RegisterStatus | None, *, on: dt.date) -> dt.date:
    """Where a renewal paid on `on` starts for a register: its expiry date, unless it lapsed (then `on`)."""
    if status is None or status.status == "lapsed":
        return on
    return status.expires_on
