"""Automatic revocation from the real-name module: a flag or the last termination enqueues a job, the worker
revokes (or holds) the identity's certificates."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from telreg.core import jobs
from telreg.core.db import unit_of_work
from telreg.core.models import AuditEvent, Job
from telreg.ecert import identity_jobs, lifecycle
from telreg.ecert.keys import Hierarchy
from telreg.ecert.models import Certificate, StatusEvent
from telreg.ecert.subjects import KeyedDocument
from telreg.realname import changes, verification_register
from telreg.runtime import Runtime
from tests.ecert.identity_helpers import csr_pem, registered_organisation, registered_person
from tests.realname.registration.helpers import HONG_KONG, person, request, submit

KIND = identity_jobs.IDENTITY_CHANGED_JOB


def _issue(runtime: Runtime, hierarchy: Hierarchy, document: KeyedDocument, *, profile: str = "personal",
           authorised: KeyedDocument | None = None) -> str:
    with unit_of_work(runtime.session_factory) as session:
        issued = lifecycle.issue_direct(session, runtime=runtime, hierarchy=hierarchy, profile=profile,
                                        document=document, authorised_person=authorised, key_origin="csr",
                                        csr=csr_pem()[0], actor="officer:ca.lam")
        return issued.certificate.serial


def _flag(runtime: Runtime, document: KeyedDocument, result: str) -> None:
    with unit_of_work(runtime.session_factory) as session:
        verification_register.load_rows(session, vault=runtime.vault, clock=runtime.clock, actor="regulator",
                                        rows=[{"doc_type": document.doc_type, "number": document.number,
                                               "result": result, "reason": f"reported {result}"}])


def _payloads(runtime: Runtime) -> list[dict[str, Any]]:
    with unit_of_work(runtime.session_factory) as session:
        return [dict(job.payload) for job in session.scalars(select(Job).where(Job.kind == KIND).order_by(Job.id))]


def _run(runtime: Runtime) -> list[str]:
    outcomes = []
    while (result := jobs.run_one(runtime, worker="test", kinds=[KIND])) is not None:
        outcomes.append(result.status)
    return outcomes


def _state(runtime: Runtime, serial: str) -> tuple[str, str | None]:
    with unit_of_work(runtime.session_factory) as session:
        row = session.scalar(select(Certificate).where(Certificate.serial == serial))
        assert row is not None
        return row.state, row.revocation_reason


def test_a_forged_flag_revokes_privilege_withdrawn(runtime: Runtime, hierarchy: Hierarchy) -> None:
    chan = registered_person(runtime)
    serial = _issue(runtime, hierarchy, chan)
    _flag(runtime, chan, "forged")
    (payload,) = _payloads(runtime)
    assert payload["cause"] == "flagged" and payload["result"] == "forged" and isinstance(payload["identity_id"], int)
    assert _run(runtime) == ["done"]
    assert _state(runtime, serial) == ("revoked", "privilegeWithdrawn")
    with unit_of_work(runtime.session_factory) as session:
        event = session.scalar(select(StatusEvent).where(StatusEvent.action == "revoke"))
        assert event is not None and event.actor == "ecert.identity-hook"
        assert event.details["cause"] == "flagged"
        audited = session.scalar(select(AuditEvent).where(AuditEvent.action == "ecert.revoke",
                                                          AuditEvent.subject_key == serial))
        assert audited is not None and audited.actor == "ecert.identity-hook"


def test_a_lost_document_puts_the_certificate_on_hold_and_a_later_impostor_flag_revokes_it(
        runtime: Runtime, hierarchy: Hierarchy) -> None:
    chan = registered_person(runtime)
    serial = _issue(runtime, hierarchy, chan)
    _flag(runtime, chan, "lost")
    _run(runtime)
    assert _state(runtime, serial) == ("hold", "certificateHold")
    _run(runtime)  # nothing more to do
    _flag(runtime, chan, "impostor")  # replaces the lost flag
    assert [p["result"] for p in _payloads(runtime)] == ["lost", "impostor"]
    _run(runtime)
    assert _state(runtime, serial) == ("revoked", "privilegeWithdrawn")


def test_a_flagged_authorised_person_takes_the_organisations_certificate_with_them(
        runtime: Runtime, hierarchy: Hierarchy) -> None:
    acme, wong = registered_organisation(runtime)
    serial = _issue(runtime, hierarchy, acme, profile="organisational", authorised=wong)
    _flag(runtime, wong, "forged")
    _run(runtime)
    assert _state(runtime, serial) == ("revoked", "privilegeWithdrawn")


def test_terminating_the_last_registration_revokes_cessation_of_operation(runtime: Runtime,
                                                                          hierarchy: Hierarchy) -> None:
    chan = registered_person(runtime)  # one number, from identity_helpers
    second = "61234567"
    assert submit(runtime, request(second, person(chan.name, number=chan.number)))["status"] == "registered"
    serial = _issue(runtime, hierarchy, chan)
    with unit_of_work(runtime.session_factory) as session:
        numbers = _numbers_of(session, chan, runtime)
    assert len(numbers) == 2

    _terminate(runtime, numbers[0])
    assert _payloads(runtime) == []  # another number still verifies the holder
    _terminate(runtime, numbers[1])
    (payload,) = _payloads(runtime)
    assert payload["cause"] == "terminated"
    _run(runtime)
    assert _state(runtime, serial) == ("revoked", "cessationOfOperation")


def test_certificates_revoked_already_are_left_alone(runtime: Runtime, hierarchy: Hierarchy) -> None:
    chan = registered_person(runtime)
    serial = _issue(runtime, hierarchy, chan)
    with unit_of_work(runtime.session_factory) as session:
        lifecycle.revoke(session, runtime=runtime, serial=serial, reason="keyCompromise", actor="officer:ca.lam")
    _flag(runtime, chan, "forged")
    assert _run(runtime) == ["done"]
    assert _state(runtime, serial) == ("revoked", "keyCompromise")


def _numbers_of(session: Any, document: KeyedDocument, runtime: Runtime) -> list[str]:
    from telreg.ecert.subjects import find_verified
    from telreg.realname.models import Number, Registration

    identity = find_verified(session, vault=runtime.vault, document=document).identity
    stmt = (select(Number.number).join(Registration, Registration.number_id == Number.id)
            .where(Registration.holder_id == identity.id, Registration.ended_at.is_(None)).order_by(Number.number))
    return list(session.scalars(stmt))


def _terminate(runtime: Runtime, number: str) -> None:
    with unit_of_work(runtime.session_factory) as session:
        changes.terminate(session, clock=runtime.clock, settings=runtime.settings, policy=HONG_KONG, operator="op1",
                          number=number, actor="test")
