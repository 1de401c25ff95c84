"""What downloads and online checks share: the nightly update window and whether the caller may use a register.

Both refuse with the reason in words a sender understands (not subscribed, expired and in grace, still pending,
outside an API key's scope), because a bare 403 makes people phone the office.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from telreg.config import Settings
from telreg.core.clock import Clock
from telreg.core.errors import UpdateWindowClosed
from telreg.dnc.service import in_update_window, seconds_until_window_closes
from telreg.senders.errors import RegisterNotUsable
from telreg.senders.vocabulary import PENDING_STATES, AccountState

if TYPE_CHECKING:  # deps.py is the FastAPI edge; services only need the caller's shape
    from telreg.senders.deps import SenderCaller

__all__ = ["REGISTER_NAMES", "ensure_account_usable", "ensure_register_usable", "ensure_usage_open", "refusal"]

REGISTER_NAMES = {"fax": "Fax", "sms": "Short Messages", "prerecorded": "Pre-recorded"}


def ensure_usage_open(clock: Clock, settings: Settings, *, what: str) -> None:
    """Refuse ``what`` ("Downloads", "Online checks") during the nightly update window, saying when it reopens."""
    now = clock.now()
    if not in_update_window(now, settings):
        return
    retry_after = seconds_until_window_closes(now, settings)
    start = settings.update_window_start.strftime("%H:%M")
    reopen = settings.update_window_end.strftime("%H:%M")
    raise UpdateWindowClosed(
        f"{what} are not available from {start} to {reopen} Hong Kong time while the registers are updated. "
        f"They reopen at {reopen}; please try again then.",
        retry_after=retry_after,
        reopens_at=(now + dt.timedelta(seconds=retry_after)).replace(microsecond=0).isoformat(),
    )


def refusal(caller: SenderCaller, register: str) -> tuple[str, str]:
    """Say why ``register`` may not be used now: (a short reason code, a sentence for the sender)."""
    access = caller.access
    name = f"{REGISTER_NAMES.get(register, register)} Register ({register})"
    if access.state is AccountState.cancelled:
        return "cancelled", access.reason
    if access.state in PENDING_STATES:
        return "pending", access.reason
    status = access.held.get(register)
    if status is None:
        return "not-subscribed", (f"Your account does not subscribe to the {name}; it subscribes to "
                                  f"{_listing(access.held)}.")
    if status.status in ("grace", "lapsed"):
        renew = (f" Renew it before {status.grace_ends_on.isoformat()} to use it again."
                 if status.status == "grace" else "")
        return "expired", (f"Your subscription to the {name} expired on {status.expires_on.isoformat()}; "
                           f"downloads and checks are closed until a renewal is paid.{renew}")
    if status.status == "not-started":
        return "not-started", f"Your subscription to the {name} starts on {status.starts_on.isoformat()}."
    if caller.scope is not None and register not in caller.scope:
        return "outside-key-scope", (f"This API key may use only {_listing(caller.scope)}; it is not scoped "
                                     f"for the {name}.")
    return "not-usable", access.reason  # pragma: no cover - access and the caller agree on everything above


def ensure_register_usable(caller: SenderCaller, register: str) -> None:
    if caller.may_use(register):
        return
    reason, message = refusal(caller, register)
    raise RegisterNotUsable(message, register=register, reason=reason)


def ensure_account_usable(caller: SenderCaller) -> None:
    """Refuse at once when the account may use no register at all (pending, expired, or out of the key's scope)."""
    if caller.registers:
        return
    access = caller.access
    if access.state in PENDING_STATES or access.state is AccountState.cancelled or not access.held:
        reason = ("pending" if access.state in PENDING_STATES else
                  "cancelled" if access.state is AccountState.cancelled else "not-subscribed")
        raise RegisterNotUsable(access.reason, register=None, reason=reason)
    # Expired, or active with nothing in reach: explain with the register that was subscribed the longest.
    ensure_register_usable(caller, max(access.held.values(), key=lambda s: s.expires_on).register)


def _listing(registers: object) -> str:
    names = sorted(registers)  # type: ignore[call-overload]
    return ", ".join(names) if names else "no register"
