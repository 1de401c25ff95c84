"""The e-Cert application's answer on value-added use (seed 002 Q7) is also an instruction in the one consent
history: to the CA, for value-added marketing, at the counter, with the application's reference."""

from __future__ import annotations

from sqlalchemy import select

from telreg.core.db import unit_of_work
from telreg.ecert import applications
from telreg.ecert.subjects import KeyedDocument
from telreg.realname import consent
from telreg.realname.consent_models import Consent
from telreg.runtime import Runtime
from tests.ecert.identity_helpers import csr_pem, registered_person


def _apply(runtime: Runtime, document: KeyedDocument, *, answer: bool) -> str:
    csr, _ = csr_pem()
    with unit_of_work(runtime.session_factory) as session:
        return applications.submit(session, vault=runtime.vault, clock=runtime.clock, settings=runtime.settings,
                                   profile="personal", document=document, key_origin="csr", csr=csr,
                                   value_added_consent=answer, counter="GPO Counter 3",
                                   actor="officer:ca.lam").reference


def _instructions(runtime: Runtime) -> list[tuple[str, int | None, str, str, str, str | None]]:
    with unit_of_work(runtime.session_factory) as session:
        return [(r.controller, r.operator_id, r.purpose, r.decision, r.channel, r.reference)
                for r in session.scalars(select(Consent).order_by(Consent.id))]


def test_each_application_answer_is_an_instruction_to_the_ca(runtime: Runtime) -> None:
    chan = registered_person(runtime)
    first = _apply(runtime, chan, answer=True)
    runtime.clock.advance(days=30)
    second = _apply(runtime, chan, answer=False)
    assert _instructions(runtime) == [
        ("ecert", None, "value-added-marketing", "granted", "counter", first),
        ("ecert", None, "value-added-marketing", "withdrawn", "counter", second),
    ]
    with unit_of_work(runtime.session_factory) as session:
        identity_id = session.scalars(select(Consent.identity_id)).first()
        assert identity_id is not None
        exported = consent.history(session, identity_id=identity_id)
    assert [(e["controller_name"], e["decision"]) for e in exported] == [
        ("The e-Cert certification authority", "granted"), ("The e-Cert certification authority", "withdrawn")]


def test_the_same_answer_carried_over_is_not_recorded_twice(runtime: Runtime) -> None:
    chan = registered_person(runtime)
    reference = _apply(runtime, chan, answer=True)
    with unit_of_work(runtime.session_factory) as session:
        row = session.scalars(select(Consent)).one()
        # What a renewal does when it carries the earlier answer over: the same answer, the same time.
        again = consent.record_ecert_answer(session, clock=runtime.clock, identity_id=row.identity_id,
                                            granted=True, given_at=row.given_at, actor="officer:ca.lam",
                                            reference="EC-2026-999999")
        assert again is None
    assert [r[-1] for r in _instructions(runtime)] == [reference]
