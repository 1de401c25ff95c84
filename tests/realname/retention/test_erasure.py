"""Erasure after the retention period: what is erased, what is not yet, what holds or keeps it (both databases)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select, update

from telreg.core.db import unit_of_work
from telreg.core.models import AuditEvent
from telreg.lawful.hi1 import dictionaries as hi1
from telreg.lawful.holds import held_identity_ids, holds_for
from telreg.lawful.models import Result
from telreg.realname import identities, retention
from telreg.realname.retention_models import Erasure
from telreg.runtime import Runtime
from tests.realname.pii_helpers import assert_absent_in_database
from tests.realname.registration.helpers import hkid, organisation

from .helpers import (
    DAYS,
    HOLDER,
    add_certificate,
    certificate,
    close_task,
    erase,
    erasures,
    hold,
    identity,
    identity_of,
    make_operator,
    person,
    register,
    run,
    task_object_id,
    terminate,
    wait_days,
)

AGENT = ("WONG Siu Ming", "1981-07-14", hkid("B", "234567"))
LETTER = "Authorisation letter of ACME Trading Limited for LEE Ka Fai, ref ACME/2026/017"


@pytest.fixture
def ended(runtime: Runtime) -> int:
    """A holder registered and terminated now; returns the identity id."""
    make_operator(runtime)
    register(runtime, "51234567")
    terminate(runtime, "51234567")
    return identity_of(runtime, "51234567")


def _opened(runtime: Runtime, identity_id: int) -> dict[str, Any]:
    return identities.open_details(runtime.vault, identity(runtime, identity_id))


def test_a_terminated_holder_past_the_period_is_erased(runtime: Runtime, ended: int) -> None:
    before = identity(runtime, ended)
    assert _opened(runtime, ended)["name"] == HOLDER[0]
    wait_days(runtime, DAYS + 1)
    assert run(runtime) == {"erased": 1, "held": 0, "kept": 0, "failed": 0}

    after = identity(runtime, ended)
    clear = _opened(runtime, ended)
    assert (clear["name"], clear["document"], clear["date_of_birth"], clear["address"]) == ("", "", None, None)
    assert after.erased_at == runtime.clock.now()
    assert after.document_index != before.document_index
    # The document no longer finds this identity.
    normalised = HOLDER[2].replace("(", "").replace(")", "")
    index = identities.document_index(runtime.vault, doc_type="hkid", normalised=normalised)
    assert index == before.document_index
    with unit_of_work(runtime.session_factory) as session:
        row = session.scalar(select(Erasure).where(Erasure.identity_id == ended))
        assert row is not None and row.policy_days == DAYS and row.actor == "test"
        assert set(row.fields) >= {"realname_identities.name_sealed", "realname_identities.document_sealed",
                                   "realname_identities.date_of_birth_sealed", "realname_identities.address_sealed",
                                   "realname_identities.document_index"}
        [event] = session.scalars(select(AuditEvent).where(AuditEvent.action == retention.ERASED_ACTION))
        assert event.subject_key == str(ended) and event.details["fields"] == row.fields
        assert HOLDER[0] not in str(event.details) and normalised not in str(event.details)
    assert_absent_in_database(runtime.engine, [HOLDER[0], HOLDER[2], normalised, HOLDER[3]])


def test_one_day_short_of_the_period_nothing_is_erased(runtime: Runtime, ended: int) -> None:
    wait_days(runtime, DAYS - 1)
    assert run(runtime)["erased"] == 0
    assert erase(runtime, ended) == "not-due"
    assert _opened(runtime, ended)["name"] == HOLDER[0]
    wait_days(runtime, 2)  # now past it
    assert erase(runtime, ended) == "erased"


@pytest.mark.parametrize("role", ["holder", "guardian", "agent"])
def test_a_person_still_in_a_current_registration_is_kept(runtime: Runtime, ended: int, role: str) -> None:
    me = person(HOLDER[0], HOLDER[1], number=HOLDER[2])
    if role == "holder":
        register(runtime, "51234568", me)
    elif role == "guardian":
        register(runtime, "51234568", person("CHAN Siu Ling", "2015-06-01", number=hkid("C", "345678")),
                 guardian=me)
    else:
        register(runtime, "51234568", person(*AGENT[:2], number=AGENT[2]), agent=me,
                 agent_authorisation_letter="Letter of WONG Siu Ming authorising CHAN Tai Man")
    assert identity_of(runtime, "51234568", f"{role}_id") == ended
    wait_days(runtime, DAYS + 1)
    assert run(runtime)["erased"] == 0
    assert erase(runtime, ended) == "not-due"
    assert _opened(runtime, ended)["name"] == HOLDER[0]


def test_the_other_parties_letters_and_flags_are_erased_with_them(runtime: Runtime) -> None:
    make_operator(runtime)
    handler = person("LEE Ka Fai", "1985-02-28", number=hkid("D", "456789"))
    register(runtime, "51234569", organisation("ACME Trading Limited", handler=handler, letter=LETTER))
    terminate(runtime, "51234569")
    company, person_id = identity_of(runtime, "51234569"), identity_of(runtime, "51234569", "handler_id")
    wait_days(runtime, DAYS + 1)
    assert run(runtime)["erased"] == 2
    with unit_of_work(runtime.session_factory) as session:
        row = session.scalar(select(Erasure).where(Erasure.identity_id == company))
        assert row is not None and "realname_registrations.authorisation_letter_sealed" in row.fields
    assert _opened(runtime, person_id)["name"] == ""
    assert_absent_in_database(runtime.engine, ["ACME Trading Limited", "LEE Ka Fai", LETTER])


def test_a_lawful_access_hold_suspends_erasure_until_the_task_closes(runtime: Runtime, ended: int) -> None:
    task = hold(runtime, ended)
    wait_days(runtime, DAYS + 1)
    assert run(runtime) == {"erased": 0, "held": 1, "kept": 0, "failed": 0}
    assert erase(runtime, ended) == "held"
    with unit_of_work(runtime.session_factory) as session:
        listing = retention.due(session, clock=runtime.clock, settings=runtime.settings)
    assert [c.identity_id for c in listing.held] == [ended] and listing.due == []
    close_task(runtime, task, hi1.REJECTED)  # the operator rejected it: nothing holds the data any more
    assert run(runtime) == {"erased": 1, "held": 0, "kept": 0, "failed": 0}
    assert _opened(runtime, ended)["name"] == ""


def test_a_disclosed_result_not_yet_downloaded_holds(runtime: Runtime, ended: int) -> None:
    available = hold(runtime, ended, status=hi1.DISCLOSED, result="available")
    hold(runtime, ended, status=hi1.DISCLOSED, result="downloaded")
    hold(runtime, ended, status=hi1.CANCELLED)
    wait_days(runtime, DAYS + 1)
    assert erase(runtime, ended) == "held"
    object_id = task_object_id(runtime, available)
    with unit_of_work(runtime.session_factory) as session:
        assert holds_for(session, ended) == [object_id]
        assert held_identity_ids(session) == {ended}
        session.execute(update(Result).where(Result.task_id == available).values(state="downloaded"))
    assert erase(runtime, ended) == "erased"


def test_an_emergency_whose_backing_clock_runs_holds(runtime: Runtime, ended: int) -> None:
    wait_days(runtime, DAYS + 1)
    hold(runtime, ended, status=hi1.REJECTED, emergency_due=runtime.clock.now())
    assert erase(runtime, ended) == "held"


def test_a_good_ecert_keeps_the_identity_and_a_revoked_one_is_pseudonymised(runtime: Runtime, ended: int) -> None:
    cert = add_certificate(runtime, ended, state="good")
    with pytest.raises(AssertionError, match="in clear"):  # the check can fail: the subject is in clear now
        assert_absent_in_database(runtime.engine, [HOLDER[0]])
    wait_days(runtime, DAYS + 1)
    assert run(runtime) == {"erased": 0, "held": 0, "kept": 1, "failed": 0}
    assert erase(runtime, ended) == "kept"
    with unit_of_work(runtime.session_factory) as session:
        from telreg.ecert.models import Certificate

        row = session.get(Certificate, cert)
        assert row is not None
        row.state, row.revoked_at, row.revocation_reason = "revoked", runtime.clock.now(), "cessationOfOperation"
    assert run(runtime)["erased"] == 1
    after = certificate(runtime, cert)
    assert after.der is None and after.pseudonym is None and HOLDER[0] not in after.subject
    assert after.serial and after.state == "revoked"  # what CRL and OCSP answer from is kept
    retention.reclaim_sqlite_pages(runtime.engine)  # SQLite keeps old page images until then (see retention.py)
    assert_absent_in_database(runtime.engine, [HOLDER[0], "DER of CHAN"])


def test_erasing_twice_is_erasing_once(runtime: Runtime, ended: int) -> None:
    wait_days(runtime, DAYS + 1)
    assert erase(runtime, ended) == "erased"
    token = identity(runtime, ended).name_sealed
    assert erase(runtime, ended) == "already-erased"
    assert run(runtime)["erased"] == 0
    assert erasures(runtime, ended) == 1 and identity(runtime, ended).name_sealed == token
    with unit_of_work(runtime.session_factory) as session:
        events = session.scalars(select(AuditEvent).where(AuditEvent.action == retention.ERASED_ACTION)).all()
    assert len(events) == 1


def test_the_same_person_registering_again_gets_a_fresh_identity(runtime: Runtime, ended: int) -> None:
    wait_days(runtime, DAYS + 1)
    assert erase(runtime, ended) == "erased"
    register(runtime, "51234570")
    fresh = identity_of(runtime, "51234570")
    assert fresh != ended
    assert _opened(runtime, fresh)["name"] == HOLDER[0] and identity(runtime, fresh).erased_at is None
    assert _opened(runtime, ended)["name"] == ""


def test_an_unknown_identity_is_refused_with_a_clear_message(runtime: Runtime) -> None:
    from telreg.core.errors import NotFound

    with pytest.raises(NotFound, match="No identity has the id 999"):
        erase(runtime, 999)


def test_every_sealed_column_is_erased_or_kept_for_a_stated_reason() -> None:
    assert retention.unclassified_sealed_columns() == []


@pytest.mark.parametrize(("state", "days_valid", "outcome"), [
    ("hold", 3650, "kept"),  # suspended, may be released: it still asserts the identity
    ("good", -1, "erased"),  # expired: nobody relies on it any more
])
def test_certificates_on_hold_keep_and_expired_ones_do_not(runtime: Runtime, ended: int, state: str,
                                                           days_valid: int, outcome: str) -> None:
    cert = add_certificate(runtime, ended, state=state, days_valid=days_valid)
    wait_days(runtime, DAYS + 1)
    assert erase(runtime, ended) == outcome
    assert (certificate(runtime, cert).der is None) == (outcome == "erased")


def test_the_ecert_application_and_subscription_lose_the_csr_and_addresses(runtime: Runtime, ended: int) -> None:
    from telreg.ecert.models import Application
    from telreg.ecert.subscription_models import EcertSubscription

    cert = add_certificate(runtime, ended, state="revoked")
    now = runtime.clock.now()
    csr = "-----BEGIN CERTIFICATE REQUEST-----\nCN=CHAN Tai Man\n-----END CERTIFICATE REQUEST-----"
    with unit_of_work(runtime.session_factory) as session:
        session.add(Application(reference="APP-2026-000001", profile="personal", identity_id=ended,
                                key_origin="csr", csr_pem=csr, email="chan.taiman@example.hk", state="issued",
                                created_at=now, created_by="test"))
        session.add(EcertSubscription(certificate_id=cert, email="chan.taiman@example.hk", started_on=now.date(),
                                      ends_on=now.date(), paid_until=now.date(), created_at=now, updated_at=now))
    wait_days(runtime, DAYS + 1)
    assert erase(runtime, ended) == "erased"
    with unit_of_work(runtime.session_factory) as session:
        application = session.scalars(select(Application)).one()
        subscription = session.scalars(select(EcertSubscription)).one()
        assert (application.csr_pem, application.email, subscription.email) == (None, None, None)
        row = session.scalar(select(Erasure).where(Erasure.identity_id == ended))
        assert row is not None and {"ecert_applications.csr_pem", "ecert_applications.email",
                                    "ecert_subscriptions.email", "ecert_certificates.der"} <= set(row.fields)
    retention.reclaim_sqlite_pages(runtime.engine)
    assert_absent_in_database(runtime.engine, ["chan.taiman@example.hk", HOLDER[0]])


def test_flags_on_the_document_lose_the_number_and_a_withdrawn_one_its_index(runtime: Runtime, ended: int) -> None:
    from telreg.realname.verification_models import VerificationFlag

    index, now = identity(runtime, ended).document_index, runtime.clock.now()
    seal = runtime.vault.seal
    with unit_of_work(runtime.session_factory) as session:
        for withdrawn in (now, None):
            session.add(VerificationFlag(
                doc_type="hkid", document_index=index, result="impostor", reason="reported by the holder",
                document_sealed=seal("realname_verification_flags.document", "A1234563"),
                owner_name_sealed=seal("realname_verification_flags.owner_name", "CHAN Tai Man"),
                loaded_at=now, loaded_by="test", withdrawn_at=withdrawn, withdrawn_by="test" if withdrawn else None))
    wait_days(runtime, DAYS + 1)
    assert erase(runtime, ended) == "erased"
    with unit_of_work(runtime.session_factory) as session:
        withdrawn_flag, in_force = session.scalars(select(VerificationFlag).order_by(VerificationFlag.id)).all()
        assert withdrawn_flag.document_index != index
        assert in_force.document_index == index  # the register goes on refusing that document
        for flag in (withdrawn_flag, in_force):
            assert runtime.vault.open("realname_verification_flags.document", flag.document_sealed) == ""
            assert flag.owner_name_sealed is None


def test_the_period_is_read_through_the_policy_in_force(runtime: Runtime, ended: int,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    from telreg.realname.policy.model import Retention
    from tests.realname.registration.helpers import HONG_KONG

    shorter = HONG_KONG.model_copy(update={"retention": Retention(personal_data_days=30)})
    seen: list[object] = []

    def in_force(session, settings, *, clock=None):  # type: ignore[no-untyped-def]
        seen.append(clock)
        return shorter

    monkeypatch.setattr(retention, "effective_policy", in_force)  # an approved change shortened the period
    wait_days(runtime, 31)
    assert run(runtime)["erased"] == 1
    assert seen and all(clock is runtime.clock for clock in seen)
    with unit_of_work(runtime.session_factory) as session:
        assert session.scalar(select(Erasure.policy_days).where(Erasure.identity_id == ended)) == 30
