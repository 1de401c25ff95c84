"""Applications at the counter and their issue: verified identities only, the document as a pseudonym only,
references, decisions, and one certificate when two officers issue one application at once."""

from __future__ import annotations

import subprocess
import threading
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import NameOID
from sqlalchemy import func, select

from telreg.core.db import unit_of_work
from telreg.core.models import AuditEvent
from telreg.ecert import applications, lifecycle, subjects
from telreg.ecert.errors import ApplicationClosed, BadRequestData, IdentityNotVerified
from telreg.ecert.keys import Hierarchy
from telreg.ecert.models import Application, Certificate
from telreg.ecert.subjects import KeyedDocument
from telreg.ecert.subscription_models import EcertSubscription
from telreg.realname import verification_register
from telreg.realname.documents import check_document
from telreg.runtime import Runtime
from tests.ecert.identity_helpers import (
    csr_pem,
    registered_organisation,
    registered_person,
    unregistered_person,
)
from tests.ecert.pkilint_checks import lint_certificate
from tests.realname.registration.helpers import hkid


def _submit(runtime: Runtime, document: KeyedDocument, *, profile: str = "personal", key_origin: str = "csr",
            csr: bytes | None = None, authorised: KeyedDocument | None = None, consent: bool = False,
            email: str | None = "chan@example.com") -> str:
    if key_origin == "csr" and csr is None:
        csr, _ = csr_pem()
    with unit_of_work(runtime.session_factory) as session:
        row = applications.submit(
            session, vault=runtime.vault, clock=runtime.clock, settings=runtime.settings, profile=profile,
            document=document, authorised_person=authorised, key_origin=key_origin, csr=csr, email=email,
            value_added_consent=consent, counter="GPO Counter 3", actor="officer:ca.lam")
        return row.reference


def _issue(runtime: Runtime, hierarchy: Hierarchy, reference: str, **extra: object) -> lifecycle.Issued:
    with unit_of_work(runtime.session_factory) as session:
        issued = lifecycle.issue_application(session, runtime=runtime, hierarchy=hierarchy, reference=reference,
                                             actor="officer:ca.lam", **extra)  # type: ignore[arg-type]
        session.expunge_all()
        return issued


def _count(runtime: Runtime, model: type) -> int:
    """Rows of MODEL; for certificates, the subscribers' only (the CA's own are there from the ceremony)."""
    stmt = select(func.count()).select_from(model)
    if model is Certificate:
        stmt = stmt.where(Certificate.subject_kind.in_(("person", "organisation")))
    with unit_of_work(runtime.session_factory) as session:
        return session.scalar(stmt) or 0


def _verify_chain(tmp_path: Path, hierarchy: Hierarchy, certificate: x509.Certificate) -> subprocess.CompletedProcess:
    root, issuing, leaf = tmp_path / "root.pem", tmp_path / "issuing.pem", tmp_path / "leaf.pem"
    root.write_bytes(hierarchy.root.public_bytes(Encoding.PEM))
    issuing.write_bytes(hierarchy.issuing.certificate.public_bytes(Encoding.PEM))
    leaf.write_bytes(certificate.public_bytes(Encoding.PEM))
    return subprocess.run(["openssl", "verify", "-CAfile", str(root), "-untrusted", str(issuing), str(leaf)],
                          capture_output=True, text=True, check=False)


def test_an_application_gets_a_yearly_reference_and_records_consent_with_its_time(runtime: Runtime) -> None:
    chan = registered_person(runtime)
    first = _submit(runtime, chan, consent=True)
    second = _submit(runtime, chan, consent=False)
    assert (first, second) == ("EC-2026-000001", "EC-2026-000002")
    with unit_of_work(runtime.session_factory) as session:
        rows = {row.reference: row for row in session.scalars(select(Application))}
        assert rows[first].value_added_consent is True and rows[second].value_added_consent is False
        assert rows[first].consent_recorded_at == runtime.clock.now()
        assert rows[first].state == "submitted" and rows[first].counter == "GPO Counter 3"
        events = session.scalars(select(AuditEvent).where(AuditEvent.action == "ecert.application-submitted"))
        details = [event.details for event in events]
    assert len(details) == 2 and all("A123456" not in str(d) and "CHAN" not in str(d) for d in details)


def test_issuing_a_csr_application_names_the_person_and_carries_the_document_only_as_a_pseudonym(
        runtime: Runtime, hierarchy: Hierarchy, tmp_path: Path) -> None:
    chan = registered_person(runtime, name="CHAN Tai Man")
    csr, key = csr_pem()
    reference = _submit(runtime, chan, csr=csr)
    issued = _issue(runtime, hierarchy, reference)

    certificate = issued.cert
    assert certificate.public_key() == key.public_key()
    assert certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "CHAN Tai Man"
    pseudonym = certificate.subject.get_attributes_for_oid(NameOID.SERIAL_NUMBER)[0].value
    assert len(pseudonym) == 64 and pseudonym == issued.certificate.pseudonym
    der = certificate.public_bytes(Encoding.DER)
    normalised = check_document("hkid", chan.number).normalised
    assert normalised is not None
    for spelling in (chan.number, normalised, normalised[:-1], "123456"):
        assert spelling.encode() not in der
    assert _verify_chain(tmp_path, hierarchy, certificate).returncode == 0
    assert lint_certificate(der) == []

    with unit_of_work(runtime.session_factory) as session:
        row = session.scalar(select(Certificate).where(Certificate.serial == issued.certificate.serial))
        application = session.scalar(select(Application).where(Application.reference == reference))
        assert row is not None and application is not None
        assert row.state == "good" and row.application_id == application.id and application.state == "issued"
        assert row.identity_id == application.identity_id and row.counter == "GPO Counter 3"
        assert application.decided_by == "officer:ca.lam"
        subscription = session.scalar(select(EcertSubscription).where(EcertSubscription.certificate_id == row.id))
        assert subscription is not None and subscription.email == "chan@example.com"  # the reminders' address
        actions = set(session.scalars(select(AuditEvent.action)))
    assert {"ecert.application-issued", "ecert.issue"} <= actions


def test_the_same_document_in_another_spelling_gives_the_same_pseudonym(runtime: Runtime) -> None:
    chan = registered_person(runtime)
    with unit_of_work(runtime.session_factory) as session:
        one = subjects.find_verified(session, vault=runtime.vault, document=chan)
        other = subjects.find_verified(session, vault=runtime.vault, document=KeyedDocument(
            doc_type="hkid", number=chan.number.replace("(", " ").replace(")", "").lower(), name="chan tai-man"))
        assert subjects.pseudonym_of(runtime.vault, one.identity) == subjects.pseudonym_of(runtime.vault,
                                                                                            other.identity)


@pytest.mark.parametrize("case", ["unknown", "unregistered", "flagged", "name"])
def test_an_identity_not_verified_is_refused_saying_which_check_failed(runtime: Runtime, case: str) -> None:
    chan = registered_person(runtime)
    if case == "unknown":
        keyed = KeyedDocument(doc_type="hkid", number=hkid("Z", "999999"), name="NOBODY Known")
        expected = "not on record"
    elif case == "unregistered":
        keyed = unregistered_person(runtime)
        expected = "never registered"
    elif case == "flagged":
        with unit_of_work(runtime.session_factory) as session:
            verification_register.load_rows(session, vault=runtime.vault, clock=runtime.clock, actor="regulator",
                                            rows=[{"doc_type": "hkid", "number": chan.number, "result": "forged",
                                                   "reason": "report from the Immigration Department"}])
        keyed, expected = chan, "flagged"
    else:
        keyed = KeyedDocument(doc_type="hkid", number=chan.number, name="WONG Siu Ming")
        expected = "does not match"
    with pytest.raises(IdentityNotVerified) as refused:
        _submit(runtime, keyed)
    message = str(refused.value)
    assert expected in message
    # Nothing the officer did not key is revealed: not the recorded name, not the number.
    assert "CHAN" not in message and "123456" not in message
    assert _count(runtime, Application) == 0


def test_a_flag_loaded_after_the_application_stops_its_issue(runtime: Runtime, hierarchy: Hierarchy) -> None:
    chan = registered_person(runtime)
    reference = _submit(runtime, chan)
    with unit_of_work(runtime.session_factory) as session:
        verification_register.load_rows(session, vault=runtime.vault, clock=runtime.clock, actor="regulator",
                                        rows=[{"doc_type": "hkid", "number": chan.number, "result": "impostor",
                                               "reason": "police report"}])
    with pytest.raises(IdentityNotVerified, match="flagged"):
        _issue(runtime, hierarchy, reference)
    assert _count(runtime, Certificate) == 0
    with unit_of_work(runtime.session_factory) as session:
        assert applications.get_application(session, reference).state == "submitted"


def test_an_organisation_needs_its_verified_authorised_person(runtime: Runtime, hierarchy: Hierarchy,
                                                              tmp_path: Path) -> None:
    acme, wong = registered_organisation(runtime)
    with pytest.raises(IdentityNotVerified, match="authorised person"):
        _submit(runtime, acme, profile="organisational")
    stranger = unregistered_person(runtime)
    with pytest.raises(IdentityNotVerified, match="never registered"):
        _submit(runtime, acme, profile="organisational", authorised=stranger)
    with pytest.raises(BadRequestData, match="organisational profile"):
        _submit(runtime, acme, profile="personal", authorised=wong)

    reference = _submit(runtime, acme, profile="organisational", authorised=wong,
                        csr=csr_pem(name="WONG Siu Ming")[0])
    issued = _issue(runtime, hierarchy, reference)
    subject = issued.cert.subject
    assert subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value == "ACME Trading Limited"
    assert subject.get_attributes_for_oid(NameOID.ORGANIZATION_IDENTIFIER)[0].value == "NTRHK-12345678"
    assert subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "WONG Siu Ming"
    assert issued.certificate.subject_kind == "organisation" and issued.certificate.authorised_person_id
    der = issued.cert.public_bytes(Encoding.DER)
    assert b"654321" not in der  # the authorised person's HKID digits
    assert _verify_chain(tmp_path, hierarchy, issued.cert).returncode == 0
    assert lint_certificate(der) == []


def test_reject_and_withdraw_decide_once(runtime: Runtime, hierarchy: Hierarchy) -> None:
    chan = registered_person(runtime)
    rejected, withdrawn = _submit(runtime, chan), _submit(runtime, chan)
    with unit_of_work(runtime.session_factory) as session:
        with pytest.raises(BadRequestData, match="reason"):
            applications.reject(session, clock=runtime.clock, reference=rejected, reason="  ", actor="o")
        row = applications.reject(session, clock=runtime.clock, reference=rejected.lower(),
                                  reason="documents not original", actor="officer:ca.lam")
        assert (row.state, row.reason, row.decided_by) == ("rejected", "documents not original", "officer:ca.lam")
        assert applications.withdraw(session, clock=runtime.clock, reference=withdrawn, actor="o").state == \
            "withdrawn"
    with pytest.raises(ApplicationClosed, match="rejected already"), unit_of_work(runtime.session_factory) as session:
        applications.withdraw(session, clock=runtime.clock, reference=rejected, actor="o")
    with pytest.raises(ApplicationClosed, match="withdrawn already"):
        _issue(runtime, hierarchy, withdrawn)
    assert _count(runtime, Certificate) == 0


def test_issuing_twice_gives_one_certificate(runtime: Runtime, hierarchy: Hierarchy) -> None:
    reference = _submit(runtime, registered_person(runtime))
    _issue(runtime, hierarchy, reference)
    with pytest.raises(ApplicationClosed, match="issued already"):
        _issue(runtime, hierarchy, reference)
    assert _count(runtime, Certificate) == 1


@pytest.mark.parametrize("backend", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True)
def test_two_officers_issuing_one_application_at_once_make_one_certificate(runtime: Runtime,
                                                                           hierarchy: Hierarchy) -> None:
    reference = _submit(runtime, registered_person(runtime))
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def officer(name: str) -> None:
        barrier.wait()
        try:
            with unit_of_work(runtime.session_factory) as session:
                lifecycle.issue_application(session, runtime=runtime, hierarchy=hierarchy, reference=reference,
                                            actor=f"officer:{name}")
            outcomes.append("issued")
        except ApplicationClosed:
            outcomes.append("closed")

    threads = [threading.Thread(target=officer, args=(name,)) for name in ("one", "two")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["closed", "issued"]
    with unit_of_work(runtime.session_factory) as session:
        states = list(session.scalars(select(Certificate.state).where(Certificate.subject_kind == "person")))
    assert states == ["good"]
