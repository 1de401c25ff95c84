"""Builders for retention tests: register and terminate in committed transactions, move the clock, insert the
lawful-access and e-Cert rows that hold or keep an identity (directly: those contexts' flows are tested there).
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import func, select

from telreg.core.db import unit_of_work
from telreg.ecert.models import Certificate
from telreg.lawful.hi1 import dictionaries as hi1
from telreg.lawful.models import Agency, Authorisation, Result, Task, TaskRecord
from telreg.realname import changes, retention
from telreg.realname.models import Identity, Number, Registration
from telreg.realname.retention_models import Erasure
from telreg.runtime import Runtime
from tests.realname.registration.helpers import HONG_KONG, hkid, make_operator, person, request, submit

__all__ = [
    "DAYS",
    "HOLDER",
    "add_certificate",
    "erase",
    "erasures",
    "hold",
    "identity",
    "identity_of",
    "make_operator",
    "person",
    "register",
    "request",
    "run",
    "terminate",
    "wait_days",
]

DAYS = 730  # both shipped policies' retention.personal_data_days
HOLDER = ("CHAN Tai Man", "1990-01-01", hkid("A", "123456"), "Flat 8, 12 Nathan Road, Tsim Sha Tsui")


def register(runtime: Runtime, number: str, holder: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    outcome = submit(runtime, request(number, holder or person(HOLDER[0], HOLDER[1], number=HOLDER[2],
                                                                  address=HOLDER[3]), **extra))
    assert outcome["status"] == "registered", outcome
    return outcome


def terminate(runtime: Runtime, number: str, operator: str = "op1") -> None:
    with unit_of_work(runtime.session_factory) as session:
        changes.terminate(session, clock=runtime.clock, settings=runtime.settings, policy=HONG_KONG,
                          operator=operator, number=number, actor="test")


def wait_days(runtime: Runtime, days: float) -> None:
    runtime.clock.advance(days=days)  # type: ignore[attr-defined]  # the FixedClock of the tests


def identity_of(runtime: Runtime, number: str, role: str = "holder_id") -> int:
    """The identity id of a party of the number's latest registration."""
    with unit_of_work(runtime.session_factory) as session:
        stmt = (select(getattr(Registration, role)).join(Number, Number.id == Registration.number_id)
                .where(Number.number == number).order_by(Registration.id.desc()).limit(1))
        found = session.scalar(stmt)
        assert found is not None
        return found


def identity(runtime: Runtime, identity_id: int) -> Identity:
    with unit_of_work(runtime.session_factory) as session:
        row = session.get(Identity, identity_id)
        assert row is not None
        session.expunge(row)
        return row


def run(runtime: Runtime) -> dict[str, int]:
    with unit_of_work(runtime.session_factory) as session:
        return retention.run(session, runtime=runtime, actor="test")


def erase(runtime: Runtime, identity_id: int) -> str:
    with unit_of_work(runtime.session_factory) as session:
        return retention.erase(session, clock=runtime.clock, vault=runtime.vault, settings=runtime.settings,
                               identity_id=identity_id, actor="test")


def erasures(runtime: Runtime, identity_id: int | None = None) -> int:
    with unit_of_work(runtime.session_factory) as session:
        stmt = select(func.count()).select_from(Erasure)
        if identity_id is not None:
            stmt = stmt.where(Erasure.identity_id == identity_id)
        return session.scalar(stmt) or 0


def hold(runtime: Runtime, identity_id: int, *, status: str = hi1.AWAITING_APPROVAL, result: str | None = None,
         emergency_due: dt.datetime | None = None) -> int:
    """A lawful-access task naming the identity's latest registration as holder; return the task's id."""
    now = runtime.clock.now()
    with unit_of_work(runtime.session_factory) as session:
        agency = session.scalar(select(Agency).where(Agency.code == "hkpf"))
        if agency is None:
            agency = Agency(code="hkpf", name="Hong Kong Police Force", country_code="HK", created_at=now)
            session.add(agency)
            session.flush()
        authorisation = Authorisation(
            object_id=str(uuid.uuid4()), agency_id=agency.id, reference=f"W-{uuid.uuid4().hex[:8]}",
            legal_type=hi1.EMERGENCY if emergency_due else hi1.WARRANT, issuing_authority="Eastern Magistrates",
            grounds="life at risk" if emergency_due else None, timespan_start=now - dt.timedelta(days=4000),
            timespan_end=now, status=hi1.ACTIVE, filed_by="det.wong", filed_at=now, updated_at=now,
            backing_due_at=emergency_due)
        session.add(authorisation)
        session.flush()
        task = Task(object_id=str(uuid.uuid4()), authorisation_id=authorisation.id, reference="LD-1",
                    request_type=hi1.SUBSCRIBER_DATA, target_format=hi1.INTERNATIONAL_E164,
                    target_sealed=runtime.vault.seal("la_tasks.target", "85251234567"),
                    target_index=runtime.vault.blind_index("la-target", "85251234567"),
                    window_start=now - dt.timedelta(days=4000), window_end=now, status=status,
                    match_outcome="single", match_count=1, created_at=now, updated_at=now)
        session.add(task)
        session.flush()
        registration_id = session.scalar(select(Registration.id).where(Registration.holder_id == identity_id)
                                         .order_by(Registration.id.desc()).limit(1))
        session.add(TaskRecord(task_id=task.id, registration_id=registration_id, identity_id=identity_id))
        if result is not None:
            session.add(Result(task_id=task.id, state=result, record_count=1, content_sha256="0" * 64,
                               release_event_id=0, created_at=now, expires_at=now + dt.timedelta(hours=72)))
        return task.id


def close_task(runtime: Runtime, task_id: int, status: str = hi1.REJECTED) -> str:
    with unit_of_work(runtime.session_factory) as session:
        task = session.get(Task, task_id)
        assert task is not None
        task.status = status
        return task.object_id


def task_object_id(runtime: Runtime, task_id: int) -> str:
    with unit_of_work(runtime.session_factory) as session:
        task = session.get(Task, task_id)
        assert task is not None
        return task.object_id


def add_certificate(runtime: Runtime, identity_id: int, *, state: str = "good", days_valid: int = 3650,
                    subject: str = "CN=CHAN Tai Man,C=HK", der: bytes = b"\x30\x82DER of CHAN Tai Man") -> int:
    """An e-Cert row of the identity (no signature needed here: only its state, dates, subject and DER count)."""
    now = runtime.clock.now()
    revoked = state in ("hold", "revoked")
    with unit_of_work(runtime.session_factory) as session:
        row = Certificate(serial=uuid.uuid4().hex, profile="personal", subject_kind="person",
                          identity_id=identity_id, subject=subject, pseudonym="p" * 64, key_origin="csr",
                          key_algorithm="ec-p256", public_key_sha256=uuid.uuid4().hex * 2,
                          fingerprint_sha256=uuid.uuid4().hex * 2, der=der,
                          not_before=now - dt.timedelta(days=1), not_after=now + dt.timedelta(days=days_valid),
                          state=state, issued_at=now, issued_by="test",
                          revoked_at=now if revoked else None,
                          revocation_reason=("certificateHold" if state == "hold" else "cessationOfOperation")
                          if revoked else None,
                          status_changed_at=now, created_at=now)
        session.add(row)
        session.flush()
        return row.id


def certificate(runtime: Runtime, certificate_id: int) -> Certificate:
    with unit_of_work(runtime.session_factory) as session:
        row = session.get(Certificate, certificate_id)
        assert row is not None
        session.expunge(row)
        return row
