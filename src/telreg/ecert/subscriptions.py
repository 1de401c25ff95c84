"""A certificate's subscription, separate from its validity: started at issue, paid by the year, held on lapse.

A certificate is valid for its validity (3 years for a personal e-Cert); using it also needs a paid-up
subscription (seed 002 Q9: "the normal subscription fee (i.e. HK$50 per year)"). The subscription covers whole
days up to ``paid_until``; ``ends_on`` is the last day that needs cover (the day before the notAfter date).

**Starting** (:func:`start_subscription`, called by the lifecycle right after a subscriber certificate is
issued). Decision, following the seed ("all new applications … will be charged the normal subscription fee"):
the first year's fee is due at issuance. The subscription starts *unpaid* — ``paid_until`` the day before issue
— and the officer records the first payment at the counter (:func:`record_payment`) as the subscriber pays, in
the same visit. A free-use period that covers the certificate (fees.py) starts it paid up to the end of that
period instead (the 2007 Smart ID rule: to the end of the validity); a renewal (``renewal_of_id``) carries over
what was paid for the certificate it replaces beyond its issue date, so renewing early costs nothing twice. A
certificate whose first year is never paid is held the day after issue by the daily run, like any lapse.

**Paying** (:func:`record_payment`): whole years at the fee in force on the day (fees.fee_for) for the
certificate's profile; the amount must equal fee × years, or nothing is recorded. A payment extends
``paid_until`` by whole years from where it was (arrears are paid, not forgiven), at most up to the end of the
validity. The subscription row is locked first (``FOR UPDATE`` on PostgreSQL; SQLite serialises writers), so two
payments at once extend by exactly their years. When the subscription is covered again and the certificate is
on hold *because it lapsed* (its latest hold's status event says ``{"cause": "subscription_lapsed"}``), the
hold is released at once; a hold an officer placed for another cause is never lifted by a payment.

**Ending**: a subscription ends with its certificate's validity or revocation: no reminders, no fees, no
payments after that.

**The daily run** (subscription_jobs.run_daily): for each subscription that still has something to pay, a
reminder ``ecert_reminder_days`` before ``paid_until`` (the latest one due only, so a missed day sends
one late reminder rather than several), through the mail outbox under the key
``ecert:subscription:<id>:reminder:<paid_until>:<days>`` — the key is what makes each reminder go once per period;
and on the day after ``paid_until`` a hold (certificateHold, revocation.hold). Reminders are in English and
Traditional Chinese, as no language is recorded for a subscriber.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from telreg.config import Settings
from telreg.core import audit
from telreg.core.clock import Clock, hk_iso, to_hk, today
from telreg.core.db import add_unless_duplicate, locked
from telreg.core.errors import Conflict, InvalidInput, NotFound
from telreg.core.i18n import N_
from telreg.core.masking import mask_name
from telreg.ecert import fees, revocation
from telreg.ecert.models import Certificate, StatusEvent
from telreg.ecert.subscription_models import PAYMENT_METHODS, EcertPayment, EcertSubscription

__all__ = ["ACTOR", "LAPSED_CAUSE", "NoSubscription", "NothingDue", "PaymentOutcome", "SubscriptionEnded",
           "WrongAmount", "certificate_by_serial", "fresh_certificate", "list_subscriptions", "open_subscriptions",
           "record_payment", "start_subscription", "subscription_of", "subscription_view"]

LAPSED_CAUSE = "subscription_lapsed"
ACTOR = "ecert.subscriptions"
MAX_YEARS = 10


class NoSubscription(NotFound):
    code = "unknown_subscription"


class SubscriptionEnded(Conflict):
    code = "subscription_ended"


class NothingDue(Conflict):
    code = "nothing_due"


class WrongAmount(InvalidInput):
    code = "wrong_amount"


@dataclass(frozen=True)
class PaymentOutcome:
    payment: EcertPayment
    subscription: EcertSubscription
    released: bool


# ---- dates --------------------------------------------------------------------------------------------------------

def _add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later; a day the month lacks (31st, 29 February) becomes its last day."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, candidate))
        except ValueError:
            continue
    raise AssertionError("unreachable")  # pragma: no cover


def _extend(paid_until: dt.date, years: int) -> dt.date:
    """The last day covered by YEARS more whole years after PAID_UNTIL."""
    return _add_months(paid_until + dt.timedelta(days=1), 12 * years) - dt.timedelta(days=1)


def _years_to_end(paid_until: dt.date, ends_on: dt.date) -> int:
    years = 0
    while paid_until < ends_on:
        paid_until = _extend(paid_until, 1)
        years += 1
    return years


def _issued_on(certificate: Certificate, clock: Clock) -> dt.date:
    return to_hk(certificate.issued_at or certificate.not_before or clock.now()).date()


# ---- queries ------------------------------------------------------------------------------------------------------

def certificate_by_serial(session: Session, serial: str) -> Certificate:
    cert = session.scalar(select(Certificate).where(Certificate.serial == serial.strip().lower()))
    if cert is None:
        raise NoSubscription(N_("There is no certificate with serial number %(serial)s."), serial=serial)
    return cert


def subscription_of(session: Session, certificate_id: int, *, for_update: bool = False) -> EcertSubscription:
    stmt = select(EcertSubscription).where(EcertSubscription.certificate_id == certificate_id)
    if for_update:
        stmt = locked(session, stmt).execution_options(populate_existing=True)
    row = session.scalars(stmt).first()
    if row is None:
        raise NoSubscription(N_("Certificate %(certificate)s has no subscription (only subscribers' certificates "
                                "have one)."), certificate=certificate_id)
    return row


def fresh_certificate(session: Session, certificate_id: int) -> Certificate:
    stmt = select(Certificate).where(Certificate.id == certificate_id).execution_options(populate_existing=True)
    return session.scalars(stmt).one()


def _latest_hold(session: Session, certificate_id: int) -> StatusEvent | None:
    stmt = (select(StatusEvent).where(StatusEvent.certificate_id == certificate_id, StatusEvent.action == "hold")
            .order_by(StatusEvent.id.desc()).limit(1))
    return session.scalars(stmt).first()


def _held_for_lapse(session: Session, certificate: Certificate) -> bool:
    if certificate.state != "hold":
        return False
    event = _latest_hold(session, certificate.id)
    return event is not None and (event.details or {}).get("cause") == LAPSED_CAUSE


# ---- start --------------------------------------------------------------------------------------------------------

def start_subscription(session: Session, *, clock: Clock, settings: Settings, certificate: Certificate,
                       email: str | None) -> dt.date:
    """Start a newly issued certificate's subscription; return the date it is paid (or free) until.

    Unpaid (due at issuance, the day before issue is returned) unless a free-use period covers the certificate.
    Calling it again for the same certificate returns the existing subscription's date.
    """
    existing = session.scalar(select(EcertSubscription).where(EcertSubscription.certificate_id == certificate.id))
    if existing is not None:
        return existing.paid_until
    if email is not None:
        email = email.strip() or None
    if email is not None and (len(email) > 254 or "@" not in email[1:-1] or any(c.isspace() for c in email)):
        raise InvalidInput(N_("'%(email)s' is not an email address for subscription reminders."), email=email)
    issued_on = _issued_on(certificate, clock)
    ends_on = max(issued_on, to_hk(certificate.not_after).date() - dt.timedelta(days=1))
    free_until, free_period_id = None, None
    for rule in fees.matching_free_periods(session, profile=certificate.profile, issued_on=issued_on):
        until = ends_on if rule.kind == "validity" else min(
            ends_on, _add_months(issued_on, rule.months or 0) - dt.timedelta(days=1))
        if free_until is None or until > free_until:
            free_until, free_period_id = until, rule.id
    paid_until = free_until if free_until is not None else issued_on - dt.timedelta(days=1)
    carried = _carried_over(session, certificate=certificate, issued_on=issued_on, ends_on=ends_on)
    paid_until = max(paid_until, carried or paid_until)
    now = clock.now()
    row = EcertSubscription(certificate_id=certificate.id, email=email, started_on=issued_on, ends_on=ends_on,
                            paid_until=paid_until, free_until=free_until, free_period_id=free_period_id,
                            created_at=now, updated_at=now)
    if not add_unless_duplicate(session, row):  # started by a concurrent call: theirs stands
        return subscription_of(session, certificate.id).paid_until
    audit.record(session, clock=clock, actor=ACTOR, action="ecert.subscription-started",
                 subject_type="ecert_certificate", subject_key=certificate.serial,
                 details={"paid_until": paid_until.isoformat(), "ends_on": ends_on.isoformat(),
                          "free_period_id": free_period_id, "carried_over": carried.isoformat() if carried else None,
                          "reminders": email is not None})
    return paid_until


def _carried_over(session: Session, *, certificate: Certificate, issued_on: dt.date,
                  ends_on: dt.date) -> dt.date | None:
    """The paid-up days a renewal brings from the certificate it replaces (one subscriber, one subscription's
    worth of fees: renewing early must not make them pay the same months twice)."""
    if certificate.renewal_of_id is None:
        return None
    old = session.scalar(select(EcertSubscription)
                         .where(EcertSubscription.certificate_id == certificate.renewal_of_id))
    if old is None or old.paid_until < issued_on:
        return None
    return min(old.paid_until, ends_on)


# ---- pay ----------------------------------------------------------------------------------------------------------

def record_payment(session: Session, *, clock: Clock, settings: Settings, certificate_id: int, years: int,
                   amount_cents: int, method: str, reference: str | None, actor: str) -> PaymentOutcome:
    """Record a payment of whole years at the fee in force today; release a hold placed because it lapsed."""
    if not isinstance(years, int) or not 1 <= years <= MAX_YEARS:
        raise InvalidInput(N_("Pay for 1 to %(limit)s whole years (got %(years)s)."), limit=MAX_YEARS, years=years)
    if method not in PAYMENT_METHODS:
        raise InvalidInput(N_("'%(method)s' is not a payment method; use one of %(known)s."), method=method,
                           known=", ".join(PAYMENT_METHODS))
    reference = (reference or "").strip() or None
    if reference is not None and len(reference) > 64:
        raise InvalidInput(N_("A payment reference may have at most %(limit)s characters."), limit=64)
    subscription = subscription_of(session, certificate_id, for_update=True)  # serialises payments of one
    certificate = fresh_certificate(session, certificate_id)
    on = today(clock)
    if certificate.state == "revoked":
        raise SubscriptionEnded(N_("Certificate %(serial)s was revoked: its subscription has ended and takes no "
                                   "payment."), serial=certificate.serial)
    if on > subscription.ends_on or certificate.state not in ("good", "hold"):
        raise SubscriptionEnded(N_("The validity of certificate %(serial)s has ended, and its subscription with "
                                   "it: nothing is due. Apply for a new certificate instead."),
                                serial=certificate.serial)
    needed = _years_to_end(subscription.paid_until, subscription.ends_on)
    if needed == 0:
        raise NothingDue(N_("The subscription of certificate %(serial)s is paid up to the end of its validity "
                            "(%(ends_on)s): nothing is due."), serial=certificate.serial,
                         ends_on=subscription.ends_on.isoformat())
    if years > needed:
        raise InvalidInput(N_("At most %(needed)s year(s) can be paid for certificate %(serial)s: its validity "
                              "ends on %(ends_on)s."), needed=needed, serial=certificate.serial,
                           ends_on=subscription.ends_on.isoformat())
    fee = fees.fee_for(session, settings=settings, profile=certificate.profile, on=on)
    if amount_cents != fee * years:
        raise WrongAmount(N_("The subscription fee for %(years)s year(s) is %(expected)s (%(fee)s a year), but "
                             "%(paid)s was given; nothing was recorded."), years=years,
                          expected=fees.format_hkd(fee * years), fee=fees.format_hkd(fee),
                          paid=fees.format_hkd(max(amount_cents, 0)))
    period_from = subscription.paid_until + dt.timedelta(days=1)
    new_until = min(_extend(subscription.paid_until, years), max(subscription.ends_on, subscription.paid_until))
    now = clock.now()
    payment = EcertPayment(subscription_id=subscription.id, years=years, amount_cents=amount_cents, method=method,
                           reference=reference, period_from=period_from, period_until=new_until, paid_at=now,
                           recorded_by=actor)
    if not add_unless_duplicate(session, payment):
        raise Conflict(N_("A %(method)s payment with reference %(reference)s was recorded already."),
                       method=method, reference=reference)
    subscription.paid_until = new_until
    subscription.updated_at = now
    session.flush()
    audit.record(session, clock=clock, actor=actor, action="ecert.subscription-paid",
                 subject_type="ecert_certificate", subject_key=certificate.serial,
                 details={"payment_id": payment.id, "years": years, "amount_cents": amount_cents, "method": method,
                          "paid_until": new_until.isoformat()})
    released = False
    if new_until >= on and _held_for_lapse(session, certificate):
        revocation.release(session, clock=clock, certificate=certificate, actor=actor,
                           details={"cause": "subscription_paid", "payment_id": payment.id})
        released = True
    return PaymentOutcome(payment=payment, subscription=subscription, released=released)


# ---- views --------------------------------------------------------------------------------------------------------

def _status(subscription: EcertSubscription, certificate: Certificate, on: dt.date, settings: Settings) -> str:
    if certificate.state == "revoked" or on > subscription.ends_on:
        return "ended"
    if subscription.paid_until >= subscription.ends_on:
        return "free" if subscription.free_until == subscription.paid_until else "complete"
    if subscription.paid_until < on:
        return "lapsed"
    if (subscription.paid_until - on).days <= max(settings.ecert_reminder_days, default=0):
        return "due"
    return "free" if subscription.free_until == subscription.paid_until else "paid"


def _payments(session: Session, subscription_id: int) -> list[EcertPayment]:
    stmt = select(EcertPayment).where(EcertPayment.subscription_id == subscription_id).order_by(EcertPayment.id)
    return list(session.scalars(stmt))


def _mask_email(email: str | None) -> str | None:
    if email is None:
        return None
    local, _, domain = email.partition("@")
    return f"{mask_name(local)}@{domain}"


def _view(session: Session, *, subscription: EcertSubscription, certificate: Certificate, on: dt.date,
          settings: Settings) -> dict[str, Any]:
    fee = fees.fee_for(session, settings=settings, profile=certificate.profile, on=on)
    return {
        "serial": certificate.serial, "profile": certificate.profile, "certificate_state": certificate.state,
        "status": _status(subscription, certificate, on, settings),
        "started_on": subscription.started_on.isoformat(), "ends_on": subscription.ends_on.isoformat(),
        "paid_until": subscription.paid_until.isoformat(),
        "free_until": subscription.free_until.isoformat() if subscription.free_until else None,
        "years_to_end": _years_to_end(subscription.paid_until, subscription.ends_on),
        "annual_fee_cents": fee, "annual_fee": fees.format_hkd(fee),
        "held_for_lapse": _held_for_lapse(session, certificate),
        "email": _mask_email(subscription.email),  # CA staff see personal data masked (seed 002 Q7)
    }


def subscription_view(session: Session, *, clock: Clock, settings: Settings, serial: str) -> dict[str, Any]:
    """Return a certificate's subscription, with its payments, for a CA officer."""
    certificate = certificate_by_serial(session, serial)
    subscription = subscription_of(session, certificate.id)
    view = _view(session, subscription=subscription, certificate=certificate, on=today(clock), settings=settings)
    view["payments"] = [
        {"id": p.id, "years": p.years, "amount_cents": p.amount_cents, "amount": fees.format_hkd(p.amount_cents),
         "method": p.method, "reference": p.reference, "period_from": p.period_from.isoformat(),
         "period_until": p.period_until.isoformat(), "paid_at": hk_iso(p.paid_at),
         "recorded_by": p.recorded_by} for p in _payments(session, subscription.id)]
    return view


def open_subscriptions(session: Session, *, on: dt.date, horizon: dt.date,
                        actionable: bool = False) -> list[tuple[EcertSubscription, Certificate]]:
    """Subscriptions with something still to pay, not ended, and paid until before HORIZON; ``actionable``
    leaves out the lapsed ones already on hold (nothing to do for them until they are paid)."""
    stmt = (select(EcertSubscription, Certificate)
            .join(Certificate, Certificate.id == EcertSubscription.certificate_id)
            .where(Certificate.state.in_(("good", "hold")),
                   EcertSubscription.paid_until < EcertSubscription.ends_on,
                   EcertSubscription.ends_on >= on,
                   EcertSubscription.paid_until < horizon)
            .order_by(EcertSubscription.paid_until, EcertSubscription.id))
    if actionable:
        stmt = stmt.where(or_(EcertSubscription.paid_until >= on, Certificate.state == "good"))
    return [(s, c) for s, c in session.execute(stmt)]


def list_subscriptions(session: Session, *, clock: Clock, settings: Settings, which: str,
                       limit: int = 500) -> list[dict[str, Any]]:
    """List subscriptions ``due`` (a reminder is due: paid until within the reminder days) or ``lapsed``."""
    if which not in ("due", "lapsed"):
        raise InvalidInput(N_("List subscriptions that are due or lapsed (got '%(which)s')."), which=which)
    on = today(clock)
    horizon = on + dt.timedelta(days=max(settings.ecert_reminder_days, default=0) + 1)  # as the daily run's
    rows = []
    for subscription, certificate in open_subscriptions(session, on=on, horizon=horizon):
        lapsed = subscription.paid_until < on
        if lapsed == (which == "lapsed"):
            rows.append(_view(session, subscription=subscription, certificate=certificate, on=on,
                              settings=settings))
        if len(rows) >= limit:
            break
    return rows
