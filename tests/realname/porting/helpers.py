"""Builders for porting tests, on top of the registration helpers: two operators, a registered number, each
porting use case in a unit of work of its own (committed), and what the tables hold afterwards.

Seed 004 Q4.3: 由於擁有權或登記用戶沒有改變,毋須就轉攜至其他營辦商的號碼重新登記 — a number ported to another
operator needs no new registration, its registered user being the same.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from telreg.core.db import unit_of_work
from telreg.core.errors import DomainError
from telreg.core.models import AuditEvent
from telreg.realname import porting
from telreg.realname.lifecycle_models import DncFeedEntry
from telreg.realname.models import Number, Operator, QuotaCounter, Registration
from telreg.runtime import Runtime
from tests.realname.registration.helpers import HONG_KONG, hkid, make_operator, person, request, submit
from tests.web.conftest import OFFICER_PASSWORD, make_officer

NUMBER = "51234567"
CHAN_HKID = hkid("A", "123456")  # the document of the registration helpers' default holder, CHAN Tai Man
SEED = "問4.3 … 由於擁有權或登記用戶沒有改變,毋須就轉攜至其他營辦商的號碼重新登記。"


def two_operators(runtime: Runtime) -> None:
    """op1 (the donor in these tests) and op2 (the recipient)."""
    make_operator(runtime, "op1", "Operator One")
    make_operator(runtime, "op2", "Operator Two")


def registered(runtime: Runtime, number: str = NUMBER, *, operator: str = "op1",
               holder: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    """Register NUMBER with OPERATOR (to CHAN Tai Man unless told) and return the outcome."""
    outcome = submit(runtime, request(number, holder or person(), operator=operator, **extra))
    assert outcome["status"] == "registered", outcome
    return outcome


def contract_number(runtime: Runtime, number: str = "61234567", *, operator: str = "op1") -> None:
    """A legacy monthly subscriber's number held by contract: no registration row (seed 000 Q4)."""
    with unit_of_work(runtime.session_factory) as session:
        owner = session.scalars(select(Operator).where(Operator.code == operator)).one()
        now = runtime.clock.now()
        session.add(Number(operator_id=owner.id, number=number, service="postpaid", line="mobile",
                           state="contract", legacy=True, created_at=now, state_changed_at=now))


def set_state(runtime: Runtime, number: str, state: str) -> None:
    with unit_of_work(runtime.session_factory) as session:
        session.scalars(select(Number).where(Number.number == number)).one().state = state


def ask(runtime: Runtime, number: str = NUMBER, *, operator: str = "op2", doc_type: str = "hkid",
        doc_number: str = CHAN_HKID) -> dict[str, Any]:
    """Request a port as the receiving OPERATOR, committed."""
    with unit_of_work(runtime.session_factory) as session:
        return porting.request_port(session, vault=runtime.vault, policy=HONG_KONG, clock=runtime.clock,
                                    operator=operator, number=number, document_type=doc_type,
                                    document_number=doc_number, actor="test:recipient")


def confirm(runtime: Runtime, port_id: int, *, operator: str = "op1") -> dict[str, Any]:
    with unit_of_work(runtime.session_factory) as session:
        return porting.confirm_port(session, vault=runtime.vault, policy=HONG_KONG, clock=runtime.clock,
                                    port_id=port_id, operator=operator, actor="test:donor")


def reject(runtime: Runtime, port_id: int, *, operator: str = "op1", reason: str = "Contract still running"
           ) -> dict[str, Any]:
    with unit_of_work(runtime.session_factory) as session:
        return porting.reject_port(session, vault=runtime.vault, clock=runtime.clock, port_id=port_id,
                                   operator=operator, reason=reason, actor="test:donor")


def cancel(runtime: Runtime, port_id: int, *, operator: str = "op2") -> dict[str, Any]:
    with unit_of_work(runtime.session_factory) as session:
        return porting.cancel_port(session, vault=runtime.vault, clock=runtime.clock, port_id=port_id,
                                   operator=operator, actor="test:recipient")


def number_operator(runtime: Runtime, number: str = NUMBER) -> str:
    with unit_of_work(runtime.session_factory) as session:
        return session.scalar(select(Operator.code).join(Number, Number.operator_id == Operator.id)
                              .where(Number.number == number)) or ""


def history(runtime: Runtime, number: str = NUMBER) -> list[dict[str, Any]]:
    """The number's registrations, oldest first: operator code, identities, end, quota key, checks."""
    with unit_of_work(runtime.session_factory) as session:
        rows = session.execute(
            select(Registration, Operator.code).join(Operator, Registration.operator_id == Operator.id)
            .join(Number, Registration.number_id == Number.id).where(Number.number == number)
            .order_by(Registration.id)).all()
        return [{"id": r.id, "operator": code, "holder": r.holder_id, "guardian": r.guardian_id,
                 "agent": r.agent_id, "handler": r.handler_id, "ended": r.ended_at is not None,
                 "end_reason": r.end_reason, "quota_service": r.quota_service, "checks": r.checks,
                 "capture": r.capture_method, "verified_by": r.verified_by,
                 "letter": r.authorisation_letter_sealed} for r, code in rows]


def counters(runtime: Runtime) -> dict[tuple[str, str], int]:
    """Quota counters as {(operator code, counter key): held}."""
    with unit_of_work(runtime.session_factory) as session:
        rows = session.execute(select(Operator.code, QuotaCounter.service, QuotaCounter.held)
                               .join(Operator, QuotaCounter.operator_id == Operator.id)).all()
        return {(code, service): held for code, service, held in rows}


def feed_entries(runtime: Runtime) -> int:
    with unit_of_work(runtime.session_factory) as session:
        return session.scalar(select(func.count()).select_from(DncFeedEntry)) or 0


def audit_events(runtime: Runtime, prefix: str = "realname-port-") -> list[AuditEvent]:
    with unit_of_work(runtime.session_factory) as session:
        return list(session.scalars(select(AuditEvent).where(AuditEvent.action.startswith(prefix))
                                    .order_by(AuditEvent.id)))


def staff_headers(client: Any, runtime: Runtime, username: str, *, operator: str | None,
                  roles: tuple[str, ...] = ("operator-staff",)) -> dict[str, str]:
    """Sign USERNAME in over the API (a fresh cookie jar; the account is created the first time) and return
    the CSRF header for its changes."""
    client.cookies.clear()
    try:
        make_officer(runtime, username=username, roles=roles, operator=operator)
    except DomainError:  # signed in before in this test: the account exists
        pass
    response = client.post("/api/v1/auth/login", json={"username": username, "password": OFFICER_PASSWORD})
    assert response.status_code == 200, response.text
    return {"X-CSRF-Token": response.json()["csrf_token"]}
