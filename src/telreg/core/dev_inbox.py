"""The development inbox: an SMTP sink inside `telreg serve` that keeps the last mails it received.

``make run`` points the outbox at ``localhost:8025``. Outside production, ``telreg serve`` starts a real SMTP
server there (aiosmtpd, on a thread of its own) when the host is this machine and nothing listens on the port
yet, so activation notices and reminders are delivered as they would be in production, over SMTP, and can be
read on ``/dev/inbox`` and ``GET /api/v1/dev/inbox`` beside the demo's short messages, calls and faxes
(``telreg.core.notify.DemoLines``). A Mailpit or MailHog already listening on the port is left to do the job.

The inbox is one :class:`DevInbox` per runtime (``runtime.inbox``), bounded like the demo lines, dated by the
runtime's clock; in production nothing is started and it stays empty. `telreg serve` runs the sink in its
supervising process and the pages in worker processes: there every process's inbox is a
``telreg.core.dev_share.SharedDevInbox`` on the run's shared directory.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import logging
import socket
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from typing import TYPE_CHECKING, Any

from telreg.core.clock import SystemClock
from telreg.core.notify import LineEvent, shared_demo_lines

if TYPE_CHECKING:
    from telreg.runtime import Runtime

__all__ = ["DevInbox", "InboxMail", "SmtpSink", "is_local_host", "start_smtp_sink", "what_was_sent"]

log = logging.getLogger("telreg.dev_inbox")
KEPT = 500
_LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1", "ip6-localhost"})


@dataclass(frozen=True)
class InboxMail:
    """One mail the sink accepted; ``to`` is the envelope's recipients."""

    received_at: dt.datetime
    sender: str
    to: tuple[str, ...]
    subject: str
    text: str
    message_id: str | None


class DevInbox:
    """The last mails received, newest first on reading; shared by the SMTP thread and the request threads."""

    def __init__(self, *, now: Callable[[], dt.datetime] | None = None, keep: int = KEPT) -> None:
        self._now = now or SystemClock().now
        self._lock = threading.Lock()
        self._mails: deque[InboxMail] = deque(maxlen=keep)

    def receive(self, *, sender: str, to: list[str], content: bytes) -> InboxMail:
        """Keep one message as received over SMTP (``content`` is the raw RFC 5322 text)."""
        message = email.message_from_bytes(content, policy=email.policy.default)
        mail = InboxMail(
            received_at=self._now(),
            sender=str(message.get("From") or sender),
            to=tuple(to),
            subject=str(message.get("Subject") or ""),
            text=_text_of(message),  # type: ignore[arg-type]  # policy.default parses to EmailMessage
            message_id=message.get("Message-ID"),
        )
        with self._lock:
            self._mails.append(mail)
        return mail

    def mails(self, limit: int | None = None) -> list[InboxMail]:
        """The mails kept, newest first."""
        with self._lock:
            mails = list(reversed(self._mails))
        return mails if limit is None else mails[:limit]

    def clear(self) -> None:
        with self._lock:
            self._mails.clear()


def what_was_sent(runtime: Runtime, *, limit: int = 100) -> tuple[list[InboxMail], list[LineEvent]]:
    """The mails received and the SMS, calls and faxes the demo adapters made, each newest first (no line
    events when the runtime does not use the demo adapters)."""
    lines = shared_demo_lines(runtime.telephony, runtime.fax)
    return runtime.inbox.mails(limit), (lines.recent(limit) if lines is not None else [])


def _text_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    try:
        text = str(part.get_content())
    except (LookupError, ValueError):  # an unknown charset: show what we can rather than drop the mail
        payload = part.get_payload(decode=True)
        text = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else str(payload)
    return text.replace("\r\n", "\n")  # SMTP's line ends, not the writer's


class _Handler:
    """aiosmtpd's handler: every message accepted goes into the inbox."""

    def __init__(self, inbox: DevInbox) -> None:
        self.inbox = inbox

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd's)
        mail = self.inbox.receive(sender=envelope.mail_from or "", to=list(envelope.rcpt_tos),
                                  content=envelope.original_content or envelope.content)
        log.info("mail received", extra={"event": "dev_inbox.received", "to": ",".join(mail.to),
                                         "subject": mail.subject})
        return "250 Message accepted for delivery"


@dataclass
class SmtpSink:
    """A running sink; ``stop()`` closes it (its thread is a daemon, so an exiting server needs no call)."""

    host: str
    port: int
    _controller: Any

    def stop(self) -> None:
        self._controller.stop()


def is_local_host(host: str) -> bool:
    return host.strip("[]").lower() in _LOCAL_HOSTS


def _listening(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def start_smtp_sink(runtime: Runtime) -> SmtpSink | None:
    """Start the sink on smtp_host:smtp_port when this is not production, mail goes out over SMTP to this
    machine, and the port is free; otherwise return None and say why in the log."""
    settings = runtime.settings
    host, port = settings.smtp_host, settings.smtp_port
    reason = None
    if settings.is_production:
        reason = "production"
    elif settings.mail_adapter != "smtp":
        reason = f"mail adapter is {settings.mail_adapter}"
    elif not is_local_host(host):
        reason = f"{host} is not this machine"
    elif _listening(host, port):
        reason = "a server already listens there"
    if reason is not None:
        log.info("development SMTP sink not started: %s", reason,
                 extra={"event": "dev_inbox.skipped", "host": host, "port": port})
        return None
    from aiosmtpd.controller import Controller  # only development servers need it loaded

    # Named because, left unnamed, aiosmtpd asks DNS for this machine's name (seconds where there is none).
    controller = Controller(_Handler(runtime.inbox), hostname=host.strip("[]"), port=port,
                            server_hostname="localhost")
    try:
        controller.start()
    except (OSError, RuntimeError) as exc:  # taken between our check and the bind, or no such address here
        log.warning("development SMTP sink could not start: %s", exc,
                    extra={"event": "dev_inbox.failed", "host": host, "port": port})
        return None
    log.info("development SMTP sink listening; mails are shown on /dev/inbox",
             extra={"event": "dev_inbox.started", "host": host, "port": port})
    return SmtpSink(host, port, controller)
