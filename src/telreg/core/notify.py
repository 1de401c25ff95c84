"""Adapters to the outside world that telreg cannot own: the telephone network, short messages and fax.

Each is a small Protocol with a logging implementation (for the demo: it writes what it would do and reports
success) and an in-memory fake with scripted outcomes (for the tests).
"""

from __future__ import annotations

import logging
from collections import defaultdict, deque
from dataclasses import dataclass, field
from enum import Enum
from typing import Protocol

log = logging.getLogger("telreg.notify")


class CallOutcome(str, Enum):
    confirmed = "confirmed"  # answered and pressed the confirm key
    declined = "declined"  # answered and did not confirm
    no_answer = "no_answer"
    busy = "busy"


class FaxOutcome(str, Enum):
    delivered = "delivered"
    busy = "busy"
    failed = "failed"


class Telephony(Protocol):
    def call_for_confirmation(self, number: str, message: str) -> CallOutcome:
        """Place an outbound call, play the message, return what happened."""
        ...


class FaxSender(Protocol):
    def send_fax(self, number: str, text: str) -> FaxOutcome:
        """Send a one-page fax, return what happened."""
        ...


class SmsSender(Protocol):
    def send_sms(self, number: str, text: str) -> None:
        """Send a short message through the operator's SMS gateway (delivery is the network's business)."""
        ...


class LoggingTelephony:
    def call_for_confirmation(self, number: str, message: str) -> CallOutcome:
        log.info("outbound call to %s: %s (demo adapter: treated as confirmed)", number, message)
        return CallOutcome.confirmed


class LoggingFax:
    def send_fax(self, number: str, text: str) -> FaxOutcome:
        log.info("fax to %s: %s", number, text)
        return FaxOutcome.delivered


class LoggingSms:
    def send_sms(self, number: str, text: str) -> None:
        log.info("SMS to %s: %s", number, text)


@dataclass
class FakeSms:
    """Every message sent, in order; ``to(number)`` reads one number's messages."""

    sent: list[tuple[str, str]] = field(default_factory=list)

    def send_sms(self, number: str, text: str) -> None:
        self.sent.append((number, text))

    def to(self, number: str) -> list[str]:
        return [text for to, text in self.sent if to == number]


@dataclass
class FakeTelephony:
    """Scripted outcomes per number (default: no answer); every call is recorded."""

    scripted: dict[str, deque[CallOutcome]] = field(default_factory=lambda: defaultdict(deque))
    calls: list[tuple[str, str]] = field(default_factory=list)

    def script(self, number: str, *outcomes: CallOutcome) -> None:
        self.scripted[number].extend(outcomes)

    def call_for_confirmation(self, number: str, message: str) -> CallOutcome:
        self.calls.append((number, message))
        queue = self.scripted.get(number)
        return queue.popleft() if queue else CallOutcome.no_answer


@dataclass
class FakeFax:
    scripted: dict[str, deque[FaxOutcome]] = field(default_factory=lambda: defaultdict(deque))
    sent: list[tuple[str, str]] = field(default_factory=list)

    def script(self, number: str, *outcomes: FaxOutcome) -> None:
        self.scripted[number].extend(outcomes)

    def send_fax(self, number: str, text: str) -> FaxOutcome:
        self.sent.append((number, text))
        queue = self.scripted.get(number)
        return queue.popleft() if queue else FaxOutcome.delivered


def make_telephony(name: str) -> Telephony:
    return FakeTelephony() if name == "fake" else LoggingTelephony()


def make_fax_sender(name: str) -> FaxSender:
    return FakeFax() if name == "fake" else LoggingFax()


def make_sms_sender(name: str) -> SmsSender:
    return FakeSms() if name == "fake" else LoggingSms()
