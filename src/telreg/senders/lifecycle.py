"""The life of a subscription account, and what it allows now.

::

                   documents accepted      ┌──────────────────┐  fees paid in full
              ┌───────────────────────────▶│ awaiting-payment │─────────────────┐
    ┌─────────┤                            └──────────────────┘                 ▼
    │ applied │                                                            ┌────────┐
    └─────────┤                            ┌────────────────────┐documents │ active │◀─────────┐
              └───────────────────────────▶│ awaiting-documents │─────────▶│        │          │
                   fees paid in full       └────────────────────┘ accepted └────────┘          │ renewal paid
                                                                  every register │              │ (new period from
                                                                  past its expiry ▼              │  the old expiry)
                                                                       ┌─────────────────┐      │
                                                                       │ expired (grace) │──────┘
                                                                       └─────────────────┘
                                                          grace months over │
                                                                            ▼
                                                                      ┌───────────┐
                                                                      │ cancelled │  (final)
                                                                      └───────────┘

- **applied / awaiting-documents / awaiting-payment**: the sender may log in (to upload documents and see what is
  owed) but holds no register. Activation happens the moment both conditions hold, whichever comes last; the
  first period of each register starts that day and an activation email is queued.
- **active**: at least one register is within a paid period.
- **expired (grace)**: no register is within a period, and the latest expiry was less than
  ``sender_grace_months`` ago: log in and renew, but no download or check.
- **cancelled**: the grace months are over. No login; the username is freed; open renewal orders are void; the
  sender must apply again as a new applicant.

Active, expired and cancelled are *computed from dates* with the injected clock (:func:`computed_state`), so
:func:`access` is right at midnight even before the daily job runs; the daily job (:func:`apply_expiries`) writes
the stored state, the audit events and the notices. The pending states change only through officers' actions.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from telreg.config import Settings
from telreg.core import audit, jobs
from telreg.core.clock import HK, Clock, today
from telreg.core.i18n import N_, format_message
from telreg.senders import emails, repository
from telreg.senders.errors import AccountNotFound
from telreg.senders.models import SenderAccount, SenderSubscription
from telreg.senders.periods import RegisterStatus, register_statuses
from telreg.senders.vocabulary import PENDING_STATES, AccountState, add_months

__all__ = [
    "AccountAccess",
    "DAILY_JOB",
    "access",
    "activate_if_ready",
    "apply_expiries",
    "computed_state",
    "ensure_daily_job",
    "settle",
]

DAILY_JOB = "senders.daily"


def computed_state(account: SenderAccount, statuses: dict[str, RegisterStatus]) -> AccountState:
    """The state the dates say the account is in (pending states are taken as stored)."""
    stored = AccountState(account.state)
    if stored is AccountState.cancelled or account.activated_at is None:
        return stored
    kinds = {s.status for s in statuses.values()}
    if kinds & {"active", "not-started"}:
        return AccountState.active
    if "grace" in kinds:
        return AccountState.expired
    return AccountState.cancelled


@dataclass(frozen=True)
class AccountAccess:
    """What a sender may do now. The sign-in, download and online-check code asks this and nothing else.

    Why the account may not be used is a sentence marked for the catalogs (``reason_template``) and its
    ``reason_params``, so a refusal can be said in the reader's language; ``reason`` is its English.
    """

    account_id: int
    state: AccountState
    can_log_in: bool
    registers: frozenset[str]  # registers that may be downloaded and checked now
    reason_template: str
    held: dict[str, RegisterStatus] = field(default_factory=dict)
    reason_params: dict[str, str] = field(default_factory=dict)

    @property
    def reason(self) -> str:
        return format_message("en", self.reason_template, self.reason_params)

    def may_use(self, register: str) -> bool:
        return register in self.registers


def _statuses(session: Session, account: SenderAccount, *, on: dt.date, settings: Settings) -> dict[str, RegisterStatus]:
    return register_statuses(repository.subscriptions(session, account.id), on=on,
                             grace_months=settings.sender_grace_months)


def access(session: Session, *, clock: Clock, settings: Settings, account_id: int) -> AccountAccess:
    """Tell whether the account may log in now and which registers it may download or check now. Read-only."""
    account = repository.get_account(session, account_id)
    if account is None:
        raise AccountNotFound(N_("There is no sender account %(account_id)s."), account_id=account_id)
    on = today(clock)
    statuses = _statuses(session, account, on=on, settings=settings)
    state = computed_state(account, statuses)
    usable = frozenset(r for r, s in statuses.items() if s.status == "active")
    if state is AccountState.cancelled:
        return AccountAccess(account.id, state, False, frozenset(),
                             N_("This account is cancelled; apply again as a new applicant."), statuses)
    if state in PENDING_STATES:
        return AccountAccess(account.id, state, True, frozenset(),
                             N_("The account is not active yet: documents or fees are outstanding."),
                             statuses)
    if state is AccountState.expired:
        ends = max(s.grace_ends_on for s in statuses.values())
        return AccountAccess(account.id, state, True, frozenset(),
                             N_("The subscription has expired; renew before %(renew_by)s to download again."),
                             statuses, {"renew_by": ends.isoformat()})
    return AccountAccess(account.id, state, True, usable, "active", statuses)


def ensure_daily_job(session: Session, *, clock: Clock, settings: Settings) -> None:
    """Make sure the next daily expiry/reminder run is queued (idempotent: one job per day)."""
    now = clock.now()
    run_at = dt.datetime.combine(now.date(), settings.senders_daily_at, tzinfo=HK)
    if run_at <= now:
        run_at += dt.timedelta(days=1)
    jobs.enqueue(session, clock=clock, kind=DAILY_JOB, payload={"date": run_at.date().isoformat()}, run_at=run_at,
                 unique_key=f"{DAILY_JOB}:{run_at.date().isoformat()}")


def _set_state(session: Session, *, clock: Clock, account: SenderAccount, to: AccountState,
               expected: tuple[AccountState, ...], actor: str, extra: dict[str, object] | None = None) -> bool:
    before = account.state
    values: dict[str, object] = {"state": to.value, "state_changed_at": clock.now(), **(extra or {})}
    if not repository.set_state_if(session, account, expected=[s.value for s in expected], values=values):
        return False
    audit.record(session, clock=clock, actor=actor, action=f"sender-account-{to.value}", subject_type="sender",
                 subject_key=str(account.id), details={"from": before})
    return True


def activate_if_ready(session: Session, *, clock: Clock, settings: Settings, account: SenderAccount,
                      actor: str) -> list[SenderSubscription]:
    """Move a pending account on after an officer's action; activate it when documents and fees are both done.

    The caller holds the account's lock. The state change is also conditional (``WHERE state IN pending``) and
    the periods are unique per (order, register): two officers finishing at once activate it once.
    """
    if AccountState(account.state) not in PENDING_STATES:
        return []
    application = repository.orders(session, account.id, kind="application")[0]
    paid = application.state == "paid"
    docs = account.documents_accepted_at is not None
    if not (paid and docs):
        target = (AccountState.awaiting_payment if docs else
                  AccountState.awaiting_documents if paid else AccountState.applied)
        if target.value != account.state:
            _set_state(session, clock=clock, account=account, to=target, expected=PENDING_STATES, actor=actor)
        return []
    now, on = clock.now(), today(clock)
    if not _set_state(session, clock=clock, account=account, to=AccountState.active, expected=PENDING_STATES,
                      actor=actor, extra={"activated_at": now}):
        return []
    periods = []
    for line in repository.order_lines(session, application.id):
        period = SenderSubscription(account_id=account.id, register=line.register, plan=line.plan, starts_on=on,
                                    ends_on=add_months(on, line.months), order_id=application.id, created_at=now)
        repository.add(session, period)
        periods.append(period)
    emails.activated(session, clock=clock, account=account, periods=periods)
    ensure_daily_job(session, clock=clock, settings=settings)
    return periods


def settle(session: Session, *, clock: Clock, settings: Settings, account: SenderAccount,
           actor: str = "system:expiry") -> AccountState:
    """Bring an activated account's stored state in line with the dates: expire, cancel or reactivate it,
    with its audit event and notice. Returns the state now stored."""
    if account.activated_at is None or account.state == AccountState.cancelled.value:
        return AccountState(account.state)
    statuses = _statuses(session, account, on=today(clock), settings=settings)
    target = computed_state(account, statuses)
    if target.value == account.state:
        return target
    if target is AccountState.expired:
        if _set_state(session, clock=clock, account=account, to=target, expected=(AccountState.active,),
                      actor=actor):
            latest = max(statuses.values(), key=lambda s: s.expires_on)
            emails.expired(session, clock=clock, account=account, expired_on=latest.expires_on,
                           grace_ends_on=latest.grace_ends_on)
    elif target is AccountState.cancelled:
        if _set_state(session, clock=clock, account=account, to=target,
                      expected=(AccountState.active, AccountState.expired), actor=actor,
                      extra={"cancelled_at": clock.now(), "login_name": None}):
            for order in repository.orders(session, account.id, state="awaiting-payment"):
                repository.mark_order_if(session, order, expected="awaiting-payment",  # a marked reason:
                                         values={"state": "void",  # payments says it in the reader's language
                                                 "void_reason": str(N_("account cancelled"))})
            emails.cancelled(session, clock=clock, account=account, on=today(clock))
    else:
        _set_state(session, clock=clock, account=account, to=target, expected=(AccountState.expired,), actor=actor)
    return AccountState(account.state)


def apply_expiries(session: Session, *, clock: Clock, settings: Settings) -> dict[str, int]:
    """Settle every active or expired account; return how many changed to each state."""
    changed: dict[str, int] = {}
    for account in repository.accounts(session, states=[AccountState.active.value, AccountState.expired.value]):
        before = account.state
        after = settle(session, clock=clock, settings=settings, account=account)
        if after.value != before:
            changed[after.value] = changed.get(after.value, 0) + 1
    return changed
