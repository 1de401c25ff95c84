"""The worker's subscription run: once a day at ``ecert_daily_at`` (Hong Kong time) — reminders, holds on lapse.

A recurring schedule queues one job per date (unique key ``ecert.subscriptions:YYYY-MM-DD``), so calling it at
every worker iteration is harmless and two workers cannot queue the same day twice. The run (:func:`run_daily`):

- **Reminders** ``ecert_reminder_days`` before ``paid_until``, for each subscription that still has something to
  pay and an address to write to: the latest reminder due only, so a missed day sends one late reminder rather
  than several. They go through the mail outbox under the key
  ``ecert:subscription:<id>:reminder:<paid_until>:<days>`` — the key is what makes each one go once per period
  (a payment moves ``paid_until``, so the next period has reminders of its own). No language is recorded for a
  subscriber, so a reminder is written in English and Traditional Chinese.
- **Hold on lapse**: from the day after ``paid_until``, a valid certificate is put on hold (certificateHold,
  revocation.hold) with ``{"cause": "subscription_lapsed"}`` in its status event — what lets a payment release
  it later (subscriptions.record_payment) and never a hold an officer placed for another cause.

Idempotent and safe with two workers at once: the outbox key is unique, and the hold first locks the
subscription row (as a payment does) and looks again, then changes the certificate by a conditional update; a
late, repeated or concurrent run changes nothing more, and a missed day is caught up by the next run.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from telreg.config import Settings
from telreg.core import jobs, mail
from telreg.core.clock import HK, Clock, to_hk, today
from telreg.core.i18n import N_, ZH_HANT, format_message
from telreg.ecert import fees, revocation, subscriptions
from telreg.ecert.errors import StatusConflict
from telreg.ecert.models import Certificate
from telreg.ecert.subscription_models import EcertSubscription

if TYPE_CHECKING:
    from telreg.runtime import Runtime

__all__ = ["DAILY_JOB", "ensure_daily_job", "run_daily"]

DAILY_JOB = "ecert.subscriptions"
log = logging.getLogger("telreg.ecert.subscriptions")


def ensure_daily_job(session: Session, *, clock: Clock, settings: Settings) -> None:
    """Queue today's run for the configured time (once: the date is the job's unique key)."""
    day = today(clock)
    jobs.enqueue(session, clock=clock, kind=DAILY_JOB, payload={"date": day.isoformat()},
                 run_at=dt.datetime.combine(day, settings.ecert_daily_at, HK),
                 unique_key=f"{DAILY_JOB}:{day.isoformat()}")


@jobs.recurring(DAILY_JOB)
def schedule(session: Session, runtime: Runtime) -> None:
    ensure_daily_job(session, clock=runtime.clock, settings=runtime.settings)


@jobs.handler(DAILY_JOB)
def daily(session: Session, runtime: Runtime, payload: dict[str, Any]) -> None:
    result = run_daily(session, clock=runtime.clock, settings=runtime.settings)
    log.info("e-Cert subscriptions: %(reminded)s reminded, %(held)s held", result,
             extra={"event": "ecert.subscriptions", **result})


SUBJECT = N_("Your e-Cert subscription is due for renewal")
BODY = N_("The subscription of your e-Cert (serial number %(serial)s) is paid until %(paid_until)s. To keep "
          "using the certificate, please pay the annual subscription fee of %(fee)s at a designated post office "
          "by then. If it is not paid, the certificate will be suspended from %(hold_on)s until the fee is paid. "
          "The certificate itself remains valid until %(valid_until)s.")
FOOTER = N_("e-Cert certification authority. This message was sent automatically; please do not reply.")


def _bilingual(template: str, params: dict[str, Any]) -> str:
    english = format_message("en", template, params)
    chinese = format_message(ZH_HANT, template, params)
    return english if chinese == english else f"{english}\n\n{chinese}"


def _remind(session: Session, *, clock: Clock, settings: Settings, subscription: EcertSubscription,
            certificate: Certificate, days: int) -> bool:
    key = f"ecert:subscription:{subscription.id}:reminder:{subscription.paid_until.isoformat()}:{days}"
    if session.scalar(select(mail.OutboxMessage.id).where(mail.OutboxMessage.key == key)) is not None:
        return False
    fee = fees.fee_for(session, settings=settings, profile=certificate.profile, on=today(clock))
    params = {"serial": certificate.serial, "paid_until": subscription.paid_until.isoformat(),
              "fee": fees.format_hkd(fee),
              "hold_on": (subscription.paid_until + dt.timedelta(days=1)).isoformat(),
              "valid_until": to_hk(certificate.not_after).date().isoformat()}
    body = _bilingual(BODY, params) + "\n\n-- \n" + _bilingual(FOOTER, {})
    subject = format_message("en", SUBJECT)
    chinese_subject = format_message(ZH_HANT, SUBJECT)
    if chinese_subject != subject:
        subject = f"{subject} / {chinese_subject}"
    mail.enqueue(session, clock=clock, key=key, to=subscription.email or "", subject=subject, body=body)
    return True


def _lapse(session: Session, *, clock: Clock, subscription: EcertSubscription, on: dt.date) -> bool:
    # Lock the subscription as a payment does, then look again: a payment committed since the list was read
    # must win, or a subscriber who just paid would be suspended.
    subscription = subscriptions.subscription_of(session, subscription.certificate_id, for_update=True)
    certificate = subscriptions.fresh_certificate(session, subscription.certificate_id)
    if subscription.paid_until >= on or certificate.state != "good":
        return False  # paid meanwhile, or already on hold (ours, or an officer's for another cause), or revoked
    try:
        revocation.hold(session, clock=clock, certificate=certificate, actor=subscriptions.ACTOR,
                        details={"cause": subscriptions.LAPSED_CAUSE,
                                 "paid_until": subscription.paid_until.isoformat()})
    except StatusConflict:
        return False  # another worker or an officer changed it at the same moment; the next run looks again
    return True


def run_daily(session: Session, *, clock: Clock, settings: Settings) -> dict[str, int]:
    """Mail the reminders due today and hold the certificates whose subscription lapsed; idempotent."""
    on = today(clock)
    days_before = sorted(set(settings.ecert_reminder_days))
    horizon = on + dt.timedelta(days=max(days_before, default=0) + 1)
    reminded = held = 0
    candidates = subscriptions.open_subscriptions(session, on=on, horizon=horizon, actionable=True)
    for subscription, certificate in candidates:
        if subscription.paid_until < on:
            held += _lapse(session, clock=clock, subscription=subscription, on=on)
            continue
        if subscription.email is None:
            continue
        left = (subscription.paid_until - on).days
        due = [d for d in days_before if d >= left]
        if due:  # the latest reminder that has arrived; an earlier one missed is not sent late as well
            reminded += _remind(session, clock=clock, settings=settings, subscription=subscription,
                                certificate=certificate, days=min(due))
    session.flush()
    return {"reminded": reminded, "held": held}
