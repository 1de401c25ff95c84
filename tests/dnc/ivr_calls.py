"""Play hotline calls through the webhook in tests: one object per call, numbering its turns.

``Call`` and ``signed_post`` talk to the IVR listener (the ``ivr_client`` fixture) and sign every request as the
telephony platform does (telreg.dnc.ivr.signing.sign), dated by the runtime's clock.
"""

from __future__ import annotations

import itertools
import json
from typing import Any

from sqlalchemy import func, select

from telreg.core import jobs
from telreg.core.db import unit_of_work
from telreg.core.models import AuditEvent, Job
from telreg.dnc.ivr.signing import sign, signature
from telreg.dnc.models import Listing, Verification

IVR_PATH = "/api/v1/ivr/turn"
_ids = itertools.count(1)


def signed_post(client: Any, body: dict[str, Any] | bytes, *, secret: str | None = None,
                timestamp: int | None = None, headers: dict[str, str] | None = None) -> Any:
    """POST a turn to the IVR listener, signed with its first secret (or SECRET) at the clock's time.

    Like the platform, each delivery is signed anew: under a frozen clock, a body already sent at this second
    is signed a second earlier, so a deliberate re-delivery is not mistaken for a replay.
    """
    raw = body if isinstance(body, bytes) else json.dumps(body).encode("utf-8")
    secret = secret or client.app.state.ivr_secrets[0]
    if timestamp is None:
        timestamp = int(client.app.state.runtime.clock.now().timestamp())
        sent: set[str] = client.__dict__.setdefault("_ivr_signatures_sent", set())
        while signature(secret, raw, timestamp) in sent:
            timestamp -= 1
        sent.add(signature(secret, raw, timestamp))
    return client.post(IVR_PATH, content=raw, headers={"Content-Type": "application/json",
                                                        **sign(secret, raw, timestamp), **(headers or {})})


class Call:
    def __init__(self, client: Any, line: str = "sms", caller_id: str | None = None, lang: str | None = "en") -> None:
        self.client, self.line, self.caller_id, self.lang = client, line, caller_id, lang
        self.call_id = f"test-call-{next(_ids)}"
        self.seq = 0
        self.last: dict[str, Any] = {}

    def post(self, event: str, keys: str | None = None, *, seq: int | None = None, status: int = 200,
             **extra: Any) -> dict[str, Any]:
        if seq is None:
            self.seq += 1
            seq = self.seq
        body = {"call_id": self.call_id, "line": self.line, "event": event, "seq": seq, **extra}
        if keys is not None:
            body["keys"] = keys
        response = signed_post(self.client, body)
        assert response.status_code == status, response.text
        if status == 200:
            self.last = response.json()
        return response.json()

    def start(self, **extra: Any) -> dict[str, Any]:
        body = {"caller_id": self.caller_id, **extra}
        if self.lang and "lang" not in extra:
            body["lang"] = self.lang
        return self.post("start", seq=0, **body)

    def press(self, *keys: str) -> dict[str, Any]:
        reply: dict[str, Any] = {}
        for key in keys:
            reply = self.post("keys", key)
        return reply


def read(runtime: Any, fn: Any) -> Any:
    """Run fn(session) in a short transaction of its own (a long-lived reader would block SQLite's writers)."""
    with unit_of_work(runtime.session_factory) as session:
        return fn(session)


def listing(runtime: Any, number: str, register: str = "sms") -> Listing | None:
    return read(runtime, lambda s: s.scalar(
        select(Listing).where(Listing.number == number, Listing.register == register)))


def verifications(runtime: Any, number: str) -> list[Verification]:
    return read(runtime, lambda s: list(s.scalars(
        select(Verification).where(Verification.number == number).order_by(Verification.id))))


def events(runtime: Any, *, subject_type: str, subject_key: str, action: str | None = None) -> list[AuditEvent]:
    stmt = select(AuditEvent).where(AuditEvent.subject_type == subject_type, AuditEvent.subject_key == subject_key)
    if action:
        stmt = stmt.where(AuditEvent.action == action)
    return read(runtime, lambda s: list(s.scalars(stmt.order_by(AuditEvent.id))))


def queued(runtime: Any, kind: str | None = None) -> list[Job]:
    return read(runtime, lambda s: jobs.pending(s, kind=kind))


def job_count(runtime: Any) -> int:
    return read(runtime, lambda s: s.scalar(select(func.count()).select_from(Job)) or 0)


def run_due(runtime: Any) -> list[jobs.RunResult]:
    """Run every job due now, as a worker would."""
    import telreg.dnc.jobs  # noqa: F401  (registers the handlers)

    results = []
    while (result := jobs.run_one(runtime, worker="test-worker")) is not None:
        results.append(result)
    return results
