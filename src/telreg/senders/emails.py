"""The emails a sender receives, queued in the outbox (core.mail) under keys that make each one unique.

A key names the event, so a notice is queued once however often the code path runs:
``senders:<account>:applied``, ``…:activated``, ``…:reminder:<expiry>:<slot date>``, ``…:renewed:<order>``…
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy.orm import Session

from telreg.core import mail
from telreg.core.clock import Clock
from telreg.senders.models import SenderAccount, SenderDocument, SenderOrder, SenderOrderLine, SenderSubscription
from telreg.senders.vocabulary import DocumentType, format_hkd

PORTAL = "http://tm.dnc.gov.hk"
PAYMENT_INSTRUCTIONS = """How to pay (quote order {order} with every payment):
  - by cheque payable to "The Government of the Hong Kong Special Administrative Region", posted to the
    Office of the Communications Authority, with the order number on the back;
  - by Payment-by-Phone (PPS), merchant code 9999, bill number {order};
  - in cash at the OFCA payment counter, where you receive an official receipt.
All fees must be paid before the subscription can be used."""


def _send(session: Session, *, clock: Clock, account: SenderAccount, key: str, subject: str, body: str) -> None:
    greeting = f"Dear {account.name},\n\n"
    footer = f"\n\nDo-not-call Registers, Office of the Communications Authority\n{PORTAL}\n"
    mail.enqueue(session, clock=clock, key=f"senders:{account.id}:{key}", to=account.contact_email,
                 subject=subject, body=greeting + body + footer)


def _lines(lines: Iterable[SenderOrderLine]) -> str:
    return "\n".join(f"  - {line.register} register, {line.plan}: {format_hkd(line.fee_cents)}" for line in lines)


def application_received(session: Session, *, clock: Clock, account: SenderAccount, order: SenderOrder,
                         lines: list[SenderOrderLine], required: Iterable[DocumentType]) -> None:
    documents = "\n".join(f"  - {d.label} (document type {d.value})" for d in required)
    body = (
        f"We have received your application for a subscription account (account {account.id}, username "
        f"{account.username}).\n\nPlease submit this documentary proof:\n{documents}\n\n"
        f"Fees (order {order.id}, at the fees in force on {order.ordered_on.isoformat()}):\n{_lines(lines)}\n"
        f"  Total: {format_hkd(order.total_cents)}\n\n" + PAYMENT_INSTRUCTIONS.format(order=order.id)
        + "\n\nWe will email you when your documents have been accepted and the fees settled."
    )
    _send(session, clock=clock, account=account, key="applied",
          subject="Do-not-call Registers: application received — documents and payment needed", body=body)


def document_rejected(session: Session, *, clock: Clock, account: SenderAccount, document: SenderDocument) -> None:
    label = DocumentType(document.doc_type).label
    body = (f"The {label} you uploaded ({document.filename}) could not be accepted:\n\n  {document.reason}\n\n"
            "Please log in and upload a replacement.")
    _send(session, clock=clock, account=account, key=f"document-rejected:{document.id}",
          subject="Do-not-call Registers: a document needs to be replaced", body=body)


def _periods(periods: Iterable[SenderSubscription]) -> str:
    return "\n".join(f"  - {p.register} register: {p.starts_on.isoformat()} to {p.ends_on.isoformat()} "
                     f"(expires at the start of {p.ends_on.isoformat()})" for p in periods)


def activated(session: Session, *, clock: Clock, account: SenderAccount, periods: list[SenderSubscription]) -> None:
    body = (f"Your subscription account {account.username} is now active:\n{_periods(periods)}\n\n"
            f"Log in at {PORTAL} with your username and password to download the registers.")
    _send(session, clock=clock, account=account, key="activated",
          subject="Do-not-call Registers: your subscription account is active", body=body)


def renewal_ordered(session: Session, *, clock: Clock, account: SenderAccount, order: SenderOrder,
                    lines: list[SenderOrderLine]) -> None:
    body = (f"You asked to renew your subscription (order {order.id}):\n{_lines(lines)}\n"
            f"  Total: {format_hkd(order.total_cents)}\n\n" + PAYMENT_INSTRUCTIONS.format(order=order.id))
    _send(session, clock=clock, account=account, key=f"renewal-ordered:{order.id}",
          subject="Do-not-call Registers: renewal payment details", body=body)


def renewed(session: Session, *, clock: Clock, account: SenderAccount, order: SenderOrder,
            periods: list[SenderSubscription]) -> None:
    body = f"Thank you: your renewal (order {order.id}) is paid. Your subscription now runs:\n{_periods(periods)}"
    _send(session, clock=clock, account=account, key=f"renewed:{order.id}",
          subject="Do-not-call Registers: subscription renewed", body=body)


def expiry_reminder(session: Session, *, clock: Clock, account: SenderAccount, expires_on: dt.date,
                    registers: list[str], slot: dt.date) -> None:
    names = ", ".join(registers)
    body = (f"Your subscription to the {names} register(s) expires at the start of {expires_on.isoformat()}.\n\n"
            f"Renew at any time before then from the Account Profile at {PORTAL}: the new period starts on the "
            "expiry date, so you lose no days by renewing early. You will be reminded every week until you "
            "renew or the subscription expires.")
    _send(session, clock=clock, account=account, key=f"reminder:{expires_on.isoformat()}:{slot.isoformat()}",
          subject=f"Do-not-call Registers: your subscription expires on {expires_on.isoformat()}", body=body)


def expired(session: Session, *, clock: Clock, account: SenderAccount, expired_on: dt.date,
            grace_ends_on: dt.date) -> None:
    body = (f"Your subscription expired on {expired_on.isoformat()}. You can still log in, but not download or "
            f"check the registers, until {grace_ends_on.isoformat()}. Renew and pay before then to keep your "
            "account; after that it is cancelled and you would have to apply again as a new applicant.")
    _send(session, clock=clock, account=account, key=f"expired:{expired_on.isoformat()}",
          subject="Do-not-call Registers: your subscription has expired", body=body)


def cancelled(session: Session, *, clock: Clock, account: SenderAccount, on: dt.date) -> None:
    body = (f"Your subscription account {account.username} was cancelled on {on.isoformat()}, two months after "
            "it expired. To use the registers again, please apply for a new account.")
    _send(session, clock=clock, account=account, key="cancelled",
          subject="Do-not-call Registers: your subscription account is cancelled", body=body)
