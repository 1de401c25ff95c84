"""Adapters to the outside world that telreg cannot own: the telephone network, short messages and fax.

Each is a small Protocol with a demo implementation and an in-memory fake with scripted outcomes (tests).

The demo adapters (``TELREG_TELEPHONY_ADAPTER=logging`` or ``demo``) write what they do to the log and share
one :class:`DemoLines` per runtime: outcomes scripted per number (a busy fax line, an unanswered callback) and
a bounded record of every call, fax and short message. Unscripted, a call is confirmed and a fax delivered.
The development-only API ``/api/v1/dev/lines`` (``telreg.core.dev_api``) scripts them in a running server,
whose job worker process sees the script through the run's shared directory (``telreg.core.dev_share``; seed
004 Q3.2, Q3.5: the retry 15 minutes later).
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections import defaultdict, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import Enum
from typing import Literal, Protocol, TypeVar

from telreg.core.clock import SystemClock
from telreg.core.errors import InvalidInput
from telreg.core.i18n import N_

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


RECENT_KEPT = 500
_Outcome = TypeVar("_Outcome", CallOutcome, FaxOutcome)


@dataclass(frozen=True)
class LineEvent:
    """One call, fax or short message a demo adapter made; ``outcome`` is None for a short message."""

    at: dt.datetime
    kind: Literal["call", "fax", "sms"]
    number: str
    text: str
    outcome: str | None
    scripted: bool


class DemoLines:
    """The demo's telephone network: outcomes scripted per number, a record of the last calls, faxes and SMS.

    One object is shared by the demo adapters of a runtime and reached from the API's threads and the
    worker's, hence the lock. ``now`` reads the runtime's clock, so a frozen clock dates the record too.
    """

    def __init__(self, *, now: Callable[[], dt.datetime] | None = None, keep: int = RECENT_KEPT) -> None:
        self._now = now or SystemClock().now
        self._lock = threading.Lock()
        self._calls: dict[str, deque[CallOutcome]] = defaultdict(deque)
        self._faxes: dict[str, deque[FaxOutcome]] = defaultdict(deque)
        self._recent: deque[LineEvent] = deque(maxlen=keep)

    def script(self, number: str, *, calls: Iterable[str] = (), faxes: Iterable[str] = ()) -> None:
        """Queue outcomes for the next calls and faxes to the number; nothing if one value is wrong."""
        call_outcomes = _outcomes(CallOutcome, calls, what="call")
        fax_outcomes = _outcomes(FaxOutcome, faxes, what="fax")
        with self._lock:
            if call_outcomes:
                self._calls[number].extend(call_outcomes)
            if fax_outcomes:
                self._faxes[number].extend(fax_outcomes)

    def clear(self, number: str) -> None:
        """Forget what was scripted for the number (the record of what was sent stays)."""
        with self._lock:
            self._calls.pop(number, None)
            self._faxes.pop(number, None)

    def scripted(self, number: str | None = None) -> dict[str, dict[str, list[str]]]:
        """The outcomes still queued, per number (only the given number when one is given)."""
        with self._lock:
            numbers = sorted({n for n, q in (*self._calls.items(), *self._faxes.items()) if q})
            if number is not None:
                numbers = [number]
            return {n: {"call": [o.value for o in self._calls.get(n, ())],
                        "fax": [o.value for o in self._faxes.get(n, ())]} for n in numbers}

    def recent(self, limit: int | None = None) -> list[LineEvent]:
        """What the demo adapters did, newest first."""
        with self._lock:
            events = list(reversed(self._recent))
        return events if limit is None else events[:limit]

    def call(self, number: str, message: str) -> CallOutcome:
        with self._lock:
            outcome, scripted = _take(self._calls, number, CallOutcome.confirmed)
            self._record("call", number, message, outcome.value, scripted)
        return outcome

    def fax(self, number: str, text: str) -> FaxOutcome:
        with self._lock:
            outcome, scripted = _take(self._faxes, number, FaxOutcome.delivered)
            self._record("fax", number, text, outcome.value, scripted)
        return outcome

    def sms(self, number: str, text: str) -> None:
        with self._lock:
            self._record("sms", number, text, None, False)

    def _record(self, kind: Literal["call", "fax", "sms"], number: str, text: str, outcome: str | None,
                scripted: bool) -> None:
        self._recent.append(LineEvent(self._now(), kind, number, text, outcome, scripted))


def _take(queues: dict[str, deque[_Outcome]], number: str, default: _Outcome) -> tuple[_Outcome, bool]:
    queue = queues.get(number)
    if not queue:
        return default, False
    outcome = queue.popleft()
    if not queue:
        del queues[number]
    return outcome, True


_NOT_AN_OUTCOME = {
    "call": N_("'%(value)s' is not a call outcome; use %(others)s or %(last)s."),
    "fax": N_("'%(value)s' is not a fax outcome; use %(others)s or %(last)s."),
}


def _outcomes(kind: type[_Outcome], values: Iterable[str], *, what: str) -> list[_Outcome]:
    allowed = [o.value for o in kind]
    parsed = []
    for value in values:
        try:
            parsed.append(kind(value))
        except ValueError:
            raise InvalidInput(
                _NOT_AN_OUTCOME[what], field=what, value=value, allowed=allowed,
                others=", ".join(allowed[:-1]), last=allowed[-1],
            ) from None
    return parsed


@dataclass
class DemoTelephony:
    """Log each call; its outcome is the next one scripted for the number, else confirmed."""

    lines: DemoLines

    def call_for_confirmation(self, number: str, message: str) -> CallOutcome:
        outcome = self.lines.call(number, message)
        log.info("outbound call to %s: %s (demo adapter: %s)", number, message, outcome.value)
        return outcome


@dataclass
class DemoFax:
    """Log each fax; its outcome is the next one scripted for the number, else delivered."""

    lines: DemoLines

    def send_fax(self, number: str, text: str) -> FaxOutcome:
        outcome = self.lines.fax(number, text)
        log.info("fax to %s: %s (demo adapter: %s)", number, text, outcome.value)
        return outcome


@dataclass
class DemoSms:
    lines: DemoLines

    def send_sms(self, number: str, text: str) -> None:
        self.lines.sms(number, text)
        log.info("SMS to %s: %s", number, text)


def shared_demo_lines(telephony: Telephony, fax: FaxSender) -> DemoLines | None:
    """The DemoLines behind both the telephony and the fax adapter; None when they are not demo ones."""
    if isinstance(telephony, DemoTelephony) and isinstance(fax, DemoFax) and telephony.lines is fax.lines:
        return telephony.lines
    return None


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


def make_telephony(name: str, lines: DemoLines | None = None) -> Telephony:
    return FakeTelephony() if name == "fake" else DemoTelephony(lines or DemoLines())


def make_fax_sender(name: str, lines: DemoLines | None = None) -> FaxSender:
    return FakeFax() if name == "fake" else DemoFax(lines or DemoLines())


def make_sms_sender(name: str, lines: DemoLines | None = None) -> SmsSender:
    return FakeSms() if name == "fake" else DemoSms(lines or DemoLines())
