"""What downloads and online checks share: the nightly update window and whether the caller may use a register.

Both refuse with the reason in words a sender understands (not subscribed, expired and in grace, still pending,
outside an API key's scope), because a bare 403 makes people phone the office.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from telreg.config import Settings
from telreg.core.clock import Clock
from telreg.core.errors import UpdateWindowClosed
from telreg.core.i18n import N_, Msgid, format_message, translate
from telreg.dnc.service import in_update_window, seconds_until_window_closes
from telreg.senders.errors import RegisterNotUsable
from telreg.senders.vocabulary import PENDING_STATES, AccountState

if TYPE_CHECKING:  # deps.py is the FastAPI edge; services only need the caller's shape
    from telreg.senders.deps import SenderCaller

__all__ = ["REGISTER_NAMES", "ensure_account_usable", "ensure_register_usable", "ensure_usage_open",
           "refusal", "refusal_sentence"]

REGISTER_NAMES = {"fax": "Fax", "sms": "Short Messages", "prerecorded": "Pre-recorded"}
# A register as a refusal names it (said in the reader's language with the refusal: senders.errors._Composed).
_TITLES = {"fax": N_("Fax Register (fax)"), "sms": N_("Short Messages Register (sms)"),
           "prerecorded": N_("Pre-recorded Register (prerecorded)")}

# What the nightly update window closes, said whole so each reads naturally in every language.
_WINDOW_CLOSED = {
    "Downloads": N_("Downloads are not available from %(start)s to %(reopen)s Hong Kong time while the "
                    "registers are updated. They reopen at %(reopen)s; please try again then."),
    "Online checks": N_("Online checks are not available from %(start)s to %(reopen)s Hong Kong time while "
                        "the registers are updated. They reopen at %(reopen)s; please try again then."),
}


def ensure_usage_open(clock: Clock, settings: Settings, *, what: str) -> None:
    """Refuse ``what`` ("Downloads", "Online checks") during the nightly update window, saying when it reopens."""
    now = clock.now()
    if not in_update_window(now, settings):
        return
    retry_after = seconds_until_window_closes(now, settings)
    raise UpdateWindowClosed(
        _WINDOW_CLOSED[what],
        retry_after=retry_after,
        reopens_at=(now + dt.timedelta(seconds=retry_after)).replace(microsecond=0).isoformat(),
        start=settings.update_window_start.strftime("%H:%M"),
        reopen=settings.update_window_end.strftime("%H:%M"),
    )


def refusal_sentence(caller: SenderCaller, register: str) -> tuple[str, Msgid | str, dict[str, Any]]:
    """Say why ``register`` may not be used now: (a short reason code, a sentence marked for the catalogs, its
    parameters)."""
    access = caller.access
    name = _TITLES.get(register) or f"{register} Register ({register})"
    if access.state is AccountState.cancelled:
        return "cancelled", access.reason_template, access.reason_params
    if access.state in PENDING_STATES:
        return "pending", access.reason_template, access.reason_params
    status = access.held.get(register)
    if status is None:
        if not access.held:
            return "not-subscribed", N_("Your account does not subscribe to the %(name)s; it subscribes to "
                                        "no register."), {"name": name}
        return "not-subscribed", N_("Your account does not subscribe to the %(name)s; it subscribes to "
                                    "%(held)s."), {"name": name, "held": _listing(access.held)}
    if status.status == "grace":
        return "expired", N_("Your subscription to the %(name)s expired on %(expired_on)s; downloads and "
                             "checks are closed until a renewal is paid. Renew it before %(renew_by)s to use "
                             "it again."), {"name": name, "expired_on": status.expires_on.isoformat(),
                                            "renew_by": status.grace_ends_on.isoformat()}
    if status.status == "lapsed":
        return "expired", N_("Your subscription to the %(name)s expired on %(expired_on)s; downloads and "
                             "checks are closed until a renewal is paid."), {
            "name": name, "expired_on": status.expires_on.isoformat()}
    if status.status == "not-started":
        return "not-started", N_("Your subscription to the %(name)s starts on %(starts_on)s."), {
            "name": name, "starts_on": status.starts_on.isoformat()}
    if caller.scope is not None and register not in caller.scope:
        if not caller.scope:
            return "outside-key-scope", N_("This API key may use only no register; it is not scoped for the "
                                           "%(name)s."), {"name": name}
        return "outside-key-scope", N_("This API key may use only %(scope)s; it is not scoped for the "
                                       "%(name)s."), {"name": name, "scope": _listing(caller.scope)}
    return "not-usable", access.reason_template, access.reason_params  # pragma: no cover - all said above


def refusal(caller: SenderCaller, register: str, lang: str = "en") -> tuple[str, str]:
    """Say why ``register`` may not be used now: (a short reason code, a sentence for the sender in LANG)."""
    reason, template, params = refusal_sentence(caller, register)
    said = {key: translate(lang, value) if isinstance(value, Msgid) else value
            for key, value in params.items()}
    return reason, format_message(lang, template, said)


def ensure_register_usable(caller: SenderCaller, register: str) -> None:
    if caller.may_use(register):
        return
    reason, template, params = refusal_sentence(caller, register)
    raise RegisterNotUsable(template, **params, register=register, reason=reason)


def ensure_account_usable(caller: SenderCaller) -> None:
    """Refuse at once when the account may use no register at all (pending, expired, or out of the key's scope)."""
    if caller.registers:
        return
    access = caller.access
    if access.state in PENDING_STATES or access.state is AccountState.cancelled or not access.held:
        reason = ("pending" if access.state in PENDING_STATES else
                  "cancelled" if access.state is AccountState.cancelled else "not-subscribed")
        raise RegisterNotUsable(access.reason_template, **access.reason_params, register=None, reason=reason)
    # Expired, or active with nothing in reach: explain with the register that was subscribed the longest.
    ensure_register_usable(caller, max(access.held.values(), key=lambda s: s.expires_on).register)


def _listing(registers: object) -> str:
    names = sorted(registers)  # type: ignore[call-overload]
    return ", ".join(names) if names else "no register"
