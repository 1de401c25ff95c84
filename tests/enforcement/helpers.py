"""Small builders for the enforcement tests (others may add theirs): reports inserted directly, sender accounts.

``make_report`` inserts a received Report row as the intake would leave it (proved, assessed), without running the
intake: the cases tests build on it."""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
from typing import Any

from sqlalchemy.orm import Session

from telreg.core.clock import Clock
from telreg.enforcement.matching import normalise_sender_number
from telreg.enforcement.models import Report
from telreg.senders.models import SenderAccount

_counter = itertools.count(1)


def make_report(session: Session, clock: Clock, **overrides: Any) -> Report:
    """A received report (verdict apparent_contravention) of a message an hour ago; flushed, not filed."""
    n = next(_counter)
    now = clock.now()
    values: dict[str, Any] = {
        "reference": f"R-T{n:06d}", "source": "phone", "state": "received", "receiving_number": "91234584",
        "register_claim": "sms", "received_at": now - dt.timedelta(hours=1),
        "sender_identification": "+852 3111 2222", "message_text": f"Buy now! ({n})", "language": "en",
        "contact_kind": "none", "proof": "officer", "recorded_by": "olivia", "verdict": "apparent_contravention",
        "assessment": {"verdict": "apparent_contravention", "lines": []}, "assessed_at": now,
        "created_at": now, "proved_at": now, "updated_at": now}
    values.update(overrides)
    values.setdefault("sender_number", normalise_sender_number(values["sender_identification"]))
    values.setdefault("content_sha256", hashlib.sha256(f"{n}{values['message_text']}".encode()).hexdigest())
    report = Report(**values)
    session.add(report)
    session.flush()
    return report


def make_account(session: Session, clock: Clock, name: str = "ABC Telemarketing Ltd", **overrides: Any) -> SenderAccount:
    """An active sender account inserted directly (no application, documents or payment)."""
    n = next(_counter)
    now = clock.now()
    values: dict[str, Any] = {
        "username": f"sender{n}", "login_name": f"sender{n}", "password_hash": "x", "security_question": "q",
        "security_answer_hash": "x", "capacity": "hk-company", "name": name, "contact_email": f"sender{n}@example.com",
        "state": "active", "applied_at": now, "applied_on": now.date(), "activated_at": now,
        "state_changed_at": now, "password_changed_at": now}
    values.update(overrides)
    account = SenderAccount(**values)
    session.add(account)
    session.flush()
    return account
