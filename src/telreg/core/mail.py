"""Outgoing email through an outbox: enqueued in the caller's transaction, delivered over SMTP by the worker.

A message is a row of ``mail_outbox`` with a unique ``key`` chosen by the caller (``senders:activated:42``), so
enqueuing the same notice twice keeps one message. Enqueuing also queues a ``mail.deliver`` job for it.

Delivery of one message is one transaction: lock the row (``FOR UPDATE`` on PostgreSQL, the writer lock on
SQLite), skip it unless it is still pending, hand it to the SMTP server, mark it sent; the job runner commits.
A refused or unreachable server leaves the message pending with ``attempts`` and ``next_attempt_at`` moved on and
a new job for that time; a permanent refusal (5xx) or ``mail_max_attempts`` failures park it as ``failed``, kept
for an operator to requeue (:func:`requeue_failed`). Nothing is dropped.

**At-least-once, deliberately.** The one unavoidable gap is a crash after the server accepted a message and
before our commit: the row is still pending and the message goes out again. The alternative (commit "sending"
first) would lose that message instead. A reminder seen twice is better than an activation notice never seen,
and every delivery of a message carries the same ``Message-ID`` (derived from its key), which mail clients use
to fold the duplicate away.

    pending ──sent──▶ sent
       │  ▲
       │  └─ temporary failure (attempts < max): retried at next_attempt_at
       └──── permanent failure / attempts exhausted ──▶ failed ──requeue_failed──▶ pending
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import smtplib
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy import CheckConstraint, Index, Integer, String, Text, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from telreg.core import audit, jobs
from telreg.core.clock import Clock
from telreg.core.db import Base, unit_of_work
from telreg.core.errors import InvalidInput
from telreg.core.i18n import N_

if TYPE_CHECKING:
    from telreg.config import Settings
    from telreg.runtime import Runtime

__all__ = [
    "DELIVER_JOB",
    "LoggingTransport",
    "MailTransport",
    "OutboxMessage",
    "OutboxStats",
    "SmtpTransport",
    "TemporaryFailure",
    "PermanentFailure",
    "deliver",
    "deliver_due",
    "enqueue",
    "outbox",
    "outbox_stats",
    "requeue_failed",
    "transport_for",
    "undelivered",
]

log = logging.getLogger("telreg.mail")
DELIVER_JOB = "mail.deliver"
STATES = ("pending", "sent", "failed")
_MAX_BACKOFF = dt.timedelta(hours=1)


class OutboxMessage(Base):
    """One email to send; ``key`` makes enqueuing idempotent, ``state`` says whether it has left."""

    __tablename__ = "mail_outbox"
    __table_args__ = (
        CheckConstraint("state IN ('pending', 'sent', 'failed')", name="state"),
        Index("ix_mail_outbox_due", "state", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime]
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[dt.datetime]
    sent_at: Mapped[dt.datetime | None]


# ---- transports -----------------------------------------------------------------------------------------------

class TemporaryFailure(Exception):
    """The server could not take the message now (unreachable, 4xx): try again later."""


class PermanentFailure(Exception):
    """The server refused the message for good (5xx, e.g. no such mailbox): retrying will not help."""


class MailTransport(Protocol):
    def send(self, message: EmailMessage) -> None:
        """Hand one message over; raise TemporaryFailure or PermanentFailure when it was not accepted."""
        ...


@dataclass
class SmtpTransport:
    host: str
    port: int
    timeout: float = 10.0

    def send(self, message: EmailMessage) -> None:
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
                smtp.send_message(message)
        except smtplib.SMTPResponseException as exc:
            text = f"{exc.smtp_code} {exc.smtp_error!r}"
            raise (PermanentFailure if 500 <= exc.smtp_code < 600 else TemporaryFailure)(text) from exc
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            failure = PermanentFailure if all(500 <= c < 600 for c in codes) else TemporaryFailure
            raise failure(f"recipients refused: {exc.recipients}") from exc
        except (smtplib.SMTPException, OSError) as exc:  # refused connection, timeout, dropped line
            raise TemporaryFailure(f"{type(exc).__name__}: {exc}") from exc


class LoggingTransport:
    """Write each message to the log instead of sending it (demo setups without a mail server)."""

    def send(self, message: EmailMessage) -> None:
        log.info("mail to %s: %s\n%s", message["To"], message["Subject"], message.get_content())


def transport_for(settings: Settings) -> MailTransport:
    if settings.mail_adapter == "logging":
        return LoggingTransport()
    if settings.mail_adapter != "smtp":
        raise InvalidInput(N_("TELREG_MAIL_ADAPTER='%(adapter)s'; use smtp or logging."), adapter=settings.mail_adapter)
    return SmtpTransport(settings.smtp_host, settings.smtp_port, settings.smtp_timeout_seconds)


# ---- enqueue ----------------------------------------------------------------------------------------------------

def enqueue(session: Session, *, clock: Clock, key: str, to: str, subject: str, body: str) -> OutboxMessage:
    """Queue one message in the caller's transaction; a key already queued returns the first message unchanged."""
    existing = session.scalar(select(OutboxMessage).where(OutboxMessage.key == key))
    if existing is not None:
        return existing
    now = clock.now()
    message = OutboxMessage(key=key, to_address=to, subject=subject, body=body, state="pending", attempts=0,
                            next_attempt_at=now, created_at=now)
    try:
        with session.begin_nested():
            session.add(message)
    except IntegrityError:
        # A concurrent transaction queued the same notice first; theirs is the one that will be sent.
        return session.scalars(select(OutboxMessage).where(OutboxMessage.key == key)).one()
    _schedule(session, clock=clock, message=message, run_at=now)
    return message


def _schedule(session: Session, *, clock: Clock, message: OutboxMessage, run_at: dt.datetime) -> None:
    jobs.enqueue(session, clock=clock, kind=DELIVER_JOB, payload={"message_id": message.id}, run_at=run_at,
                 unique_key=f"{DELIVER_JOB}:{message.id}:{message.attempts + 1}", max_attempts=3)


# ---- delivery ---------------------------------------------------------------------------------------------------

def _as_email(message: OutboxMessage, *, sender: str, at: dt.datetime) -> EmailMessage:
    email = EmailMessage()
    email["From"] = sender
    email["To"] = message.to_address
    email["Subject"] = message.subject
    email["Date"] = format_datetime(at)
    # Stable across retries, so a duplicate after a crash (see module docstring) is recognisably the same mail.
    email["Message-ID"] = f"<{hashlib.sha256(message.key.encode()).hexdigest()[:32]}@telreg.outbox>"
    email["X-Telreg-Key"] = message.key
    email.set_content(message.body)
    return email


def _backoff(attempts: int) -> dt.timedelta:
    return min(dt.timedelta(minutes=2 ** max(attempts - 1, 0)), _MAX_BACKOFF)


def deliver(session: Session, *, clock: Clock, settings: Settings, transport: MailTransport, message_id: int) -> str:
    """Send one message if it is still pending; return sent | retry | failed | skipped. Only flushes."""
    message = session.scalars(
        select(OutboxMessage).where(OutboxMessage.id == message_id).with_for_update()
        .execution_options(populate_existing=True)
    ).first()
    if message is None or message.state != "pending":
        return "skipped"  # already sent (or parked) by another worker: never send twice
    now = clock.now()
    fields = {"key": message.key, "to": message.to_address, "attempt": message.attempts + 1}
    try:
        transport.send(_as_email(message, sender=settings.smtp_from, at=now))
    except (TemporaryFailure, PermanentFailure) as exc:
        message.attempts += 1
        message.last_error = str(exc)[:500]
        if isinstance(exc, PermanentFailure) or message.attempts >= settings.mail_max_attempts:
            message.state = "failed"
            log.warning("mail %s to %s parked as failed: %s", message.key, message.to_address, exc,
                        extra={"event": "mail.parked", **fields, "error": message.last_error})
            session.flush()
            return "failed"
        message.next_attempt_at = now + _backoff(message.attempts)
        # One refusal is routine (a server restarting); from mail_warn_attempts on, someone should look.
        level = logging.WARNING if message.attempts >= settings.mail_warn_attempts else logging.INFO
        log.log(level, "mail %s not delivered, attempt %d: %s", message.key, message.attempts, exc,
                extra={"event": "mail.attempt_failed", **fields, "error": message.last_error,
                       "next_attempt_at": message.next_attempt_at.isoformat()})
        session.flush()
        _schedule(session, clock=clock, message=message, run_at=message.next_attempt_at)
        return "retry"
    log.info("mail %s sent", message.key, extra={"event": "mail.sent", **fields})
    message.state = "sent"
    message.attempts += 1
    message.sent_at = now
    message.last_error = None
    session.flush()
    return "sent"


def deliver_due(runtime: Runtime, *, transport: MailTransport | None = None) -> dict[str, int]:
    """Deliver every pending message that is due, each in its own transaction (CLI and tests; the worker uses
    one job per attempt)."""
    transport = transport or transport_for(runtime.settings)
    with unit_of_work(runtime.session_factory) as session:
        ids = list(session.scalars(
            select(OutboxMessage.id)
            .where(OutboxMessage.state == "pending", OutboxMessage.next_attempt_at <= runtime.clock.now())
            .order_by(OutboxMessage.id)
        ))
    counts: dict[str, int] = {}
    for message_id in ids:
        with unit_of_work(runtime.session_factory) as session:
            outcome = deliver(session, clock=runtime.clock, settings=runtime.settings, transport=transport,
                              message_id=message_id)
        counts[outcome] = counts.get(outcome, 0) + 1
    return counts


def requeue_failed(session: Session, *, clock: Clock, actor: str | None = None) -> int:
    """Put parked messages back in the queue (after the mail server is fixed); returns how many.

    ``attempts`` is kept as history, so a message parked for exhausting its attempts gets one more try. With
    an ``actor`` (an officer on the mail delivery page) the requeue is an audit event too."""
    parked = list(session.scalars(select(OutboxMessage).where(OutboxMessage.state == "failed")))
    now = clock.now()
    for message in parked:
        session.execute(update(OutboxMessage).where(OutboxMessage.id == message.id, OutboxMessage.state == "failed")
                        .values(state="pending", next_attempt_at=now))
        session.refresh(message)
        _schedule(session, clock=clock, message=message, run_at=now)
    if parked:
        log.info("%d parked mail(s) queued again", len(parked),
                 extra={"event": "mail.requeued", "count": len(parked), "actor": actor or "-"})
    if parked and actor is not None:
        audit.record(session, clock=clock, actor=actor, action="mail.requeued", subject_type="mail_outbox",
                     subject_key="failed",
                     details={"count": len(parked), "keys": [m.key for m in parked[:50]]})
    return len(parked)


@dataclass(frozen=True)
class OutboxStats:
    pending: int
    failed: int
    oldest_pending_at: dt.datetime | None  # when the oldest message still waiting was queued


def outbox_stats(session: Session) -> OutboxStats:
    """Count pending and failed messages in one query on the state index (metrics read it at every scrape)."""
    rows = session.execute(
        select(OutboxMessage.state, func.count(), func.min(OutboxMessage.created_at))
        .where(OutboxMessage.state.in_(("pending", "failed")))
        .group_by(OutboxMessage.state)
    ).all()
    counts = {state: (count, oldest) for state, count, oldest in rows}
    pending, oldest = counts.get("pending", (0, None))
    return OutboxStats(pending=pending, failed=counts.get("failed", (0, None))[0], oldest_pending_at=oldest)


def undelivered(session: Session, *, limit: int = 200) -> tuple[list[OutboxMessage], int]:
    """Messages not delivered yet, parked ones first, then those that failed most often, then by age; and how
    many there are in all (the list stops at ``limit``)."""
    waiting = OutboxMessage.state.in_(("pending", "failed"))
    total = session.scalar(select(func.count()).select_from(OutboxMessage).where(waiting)) or 0
    rows = session.scalars(
        select(OutboxMessage).where(waiting)
        .order_by((OutboxMessage.state == "failed").desc(), OutboxMessage.attempts.desc(), OutboxMessage.id)
        .limit(limit)
    )
    return list(rows), total


def outbox(session: Session, *, state: str | None = None, to: str | None = None) -> list[OutboxMessage]:
    """List messages, oldest first, optionally by state or recipient."""
    stmt = select(OutboxMessage).order_by(OutboxMessage.id)
    if state is not None:
        if state not in STATES:
            raise InvalidInput(N_("'%(state)s' is not a mail state; use one of %(states)s."), state=state,
                               states=", ".join(STATES))
        stmt = stmt.where(OutboxMessage.state == state)
    if to is not None:
        stmt = stmt.where(OutboxMessage.to_address == to)
    return list(session.scalars(stmt))


@jobs.handler(DELIVER_JOB)
def _deliver_job(session: Session, runtime: Runtime, payload: dict[str, Any]) -> None:
    transport = runtime.extras.get("mail_transport") or transport_for(runtime.settings)
    deliver(session, clock=runtime.clock, settings=runtime.settings, transport=transport,  # type: ignore[arg-type]
            message_id=int(payload["message_id"]))
