"""Successful registrations: the outcome document, minors at the birthday, guardians, agents, organisations,
quotas and their wording. SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import select

from telreg.core.db import unit_of_work
from telreg.realname import views
from telreg.realname.models import Identity, Registration
from telreg.realname.policy import Quota
from telreg.realname.verification import UncheckedVerifier
from telreg.runtime import Runtime

from .helpers import HONG_KONG, hkid, make_operator, organisation, person, refusals, request, submit

GUARDIAN = person("CHAN Tai Man", "1980-01-01", number=hkid("A", "123456"))
AGENT = person("WONG Siu Ming", "1980-05-05", number=hkid("B", "234567"))


@pytest.fixture(autouse=True)
def _operator(runtime: Runtime) -> None:
    make_operator(runtime)


def _registration(runtime: Runtime, registration_id: int) -> Registration:
    with unit_of_work(runtime.session_factory) as session:
        row = session.get(Registration, registration_id)
        assert row is not None
        session.expunge(row)
        return row


def test_the_stable_example_registers_with_the_holder_masked(runtime: Runtime) -> None:
    # The request of the stable interface, word for word.
    body = {"operator": "op1", "number": "51234567", "service": "prepaid", "holder": {
        "kind": "person", "name": "CHAN Tai Man", "date_of_birth": "1990-01-01",
        "document": {"type": "hkid", "number": "A123456(3)"}}}
    outcome = submit(runtime, body)
    assert isinstance(outcome.pop("registration_id"), int)
    # Masks as the issue gives them: A123***(*) and CHAN T** M**; a date of birth keeps its year.
    assert outcome == {
        "status": "registered", "number": "51234567",
        "holder": {"kind": "person", "name": "CHAN T** M**", "date_of_birth": "1990-**-**", "address": None,
                   "document": {"type": "hkid", "number": "A123***(*)"}},
        "quota": {"held": 1, "limit": 10},
    }
    assert refusals(runtime) == []


def test_the_number_is_stored_as_national_digits_and_the_capture_recorded(runtime: Runtime) -> None:
    outcome = submit(runtime, request("+852 5123 4567", person(capture="card_reader"), line="data-only"))
    assert outcome["number"] == "51234567"
    registration = _registration(runtime, outcome["registration_id"])
    assert registration.capture_method == "card_reader"
    assert registration.verified_by == "fake: verified"
    with unit_of_work(runtime.session_factory) as session:
        shown = views.number_view(session, vault=runtime.vault, policy=HONG_KONG, number="51234567")
    assert (shown["state"], shown["service"], shown["line"], shown["operator"]) == ("active", "prepaid",
                                                                                   "data-only", "op1")


def test_the_default_adapter_records_that_nothing_was_verified_online(runtime: Runtime) -> None:
    outcome = submit(runtime, request(), verifier=UncheckedVerifier())
    assert _registration(runtime, outcome["registration_id"]).verified_by == "none: not verified online"


@pytest.mark.parametrize(
    ("born", "needs_guardian"),
    [
        ("2010-03-02", False),  # 16 today (the clock's day is 2026-03-02): an adult from the start of the day
        ("2010-03-03", True),  # 16 tomorrow
        ("2010-03-01", False),  # 16 since yesterday
    ],
)
def test_minors_at_the_exact_birthday(runtime: Runtime, born: str, needs_guardian: bool) -> None:
    holder = person("CHAN Siu Ling", born, number=hkid("C", "345678"))
    alone = submit(runtime, request(holder=holder))
    assert (alone.get("code") == "minor_without_guardian") is needs_guardian
    if needs_guardian:
        accompanied = submit(runtime, request(holder=holder, guardian=GUARDIAN))
        assert accompanied["status"] == "registered"
        registration = _registration(runtime, accompanied["registration_id"])
        assert registration.guardian_id is not None and registration.guardian_id != registration.holder_id


def test_a_guardian_who_turns_16_today_is_an_adult(runtime: Runtime) -> None:
    child = person("CHAN Siu Ling", "2015-06-01", number=hkid("C", "345678"))
    guardian = person("CHAN Siu Keung", "2010-03-02", number=hkid("D", "456789"))
    assert submit(runtime, request(holder=child, guardian=guardian))["status"] == "registered"


def test_an_agent_is_recorded_with_the_holder(runtime: Runtime) -> None:
    outcome = submit(runtime, request(agent=AGENT))
    registration = _registration(runtime, outcome["registration_id"])
    assert registration.agent_id is not None and registration.agent_id != registration.holder_id
    assert set(registration.checks) == {"holder", "agent"}
    with unit_of_work(runtime.session_factory) as session:
        assert len(session.scalars(select(Identity)).all()) == 2
        shown = views.number_view(session, vault=runtime.vault, policy=HONG_KONG, number="51234567")
    assert shown["registration"]["holder"]["name"] == "CHAN T** M**"
    assert shown["registration"]["agent"]["name"] == "WONG S** M***"
    assert shown["registration"]["agent"]["document"] == {"type": "hkid", "number": "B234***(*)"}


def test_an_organisation_registers_through_its_handler_with_a_letter(runtime: Runtime) -> None:
    letter = "JVBERi0xLjQKJSBhdXRob3Jpc2F0aW9uIGxldHRlcg=="  # base64 of a PDF's first bytes
    outcome = submit(runtime, request(holder=organisation(handler=AGENT, letter=letter)))
    assert outcome["status"] == "registered"
    assert outcome["holder"]["kind"] == "organisation" and outcome["holder"]["date_of_birth"] is None
    assert outcome["quota"] == {"held": 1, "limit": 25}  # Hong Kong: 25 per company (seed 000, Q3)
    registration = _registration(runtime, outcome["registration_id"])
    assert registration.handler_id is not None
    assert registration.authorisation_letter_sealed != letter
    opened = runtime.vault.open("realname_registrations.authorisation_letter",
                                registration.authorisation_letter_sealed or "")
    assert opened == letter


def test_the_eleventh_prepaid_card_is_refused_with_the_quota_in_words(runtime: Runtime) -> None:
    for i in range(10):
        outcome = submit(runtime, request(f"5123456{i}"))
        assert outcome["quota"] == {"held": i + 1, "limit": 10}
    refused = submit(runtime, request("59876543"))
    assert refused == {
        "status": "refused", "code": "quota_reached", "party": "holder",
        "reason": "CHAN T** M** already holds 10 of 10 prepaid numbers with op1 (Hong Kong policy)",
    }
    # Postpaid is not limited in Hong Kong (monthly-fee users were already known: seed 000, Q4), but counted.
    postpaid = submit(runtime, request("59876543", service="postpaid"))
    assert postpaid["quota"] == {"held": 1, "limit": None}
    # Quotas are per operator: the same person may hold more with another operator.
    make_operator(runtime, "op2", "Operator Two")
    assert submit(runtime, request("59876544", operator="op2"))["quota"] == {"held": 1, "limit": 10}


def test_a_quota_over_any_service_counts_them_together(runtime: Runtime) -> None:
    policy = HONG_KONG.model_copy(update={"quotas": [
        Quota(holder_kind="person", service="any", limit=2, scope="operator")]})
    assert submit(runtime, request("51234560"), policy=policy)["quota"] == {"held": 1, "limit": 2}
    assert submit(runtime, request("51234561", service="postpaid"), policy=policy)["quota"] == {"held": 2,
                                                                                              "limit": 2}
    refused = submit(runtime, request("51234562"), policy=policy)
    assert refused["reason"] == "CHAN T** M** already holds 2 of 2 numbers with op1 (Hong Kong policy)"


def test_one_identity_whatever_the_spelling_of_name_and_document(runtime: Runtime) -> None:
    first = submit(runtime, request("51234560", person("CHAN Tai Man", number="A123456(3)")))
    again = submit(runtime, request("51234561", person("Chan Tai-man", number="a 123456 3")))
    assert again["status"] == "registered", again
    assert again["quota"]["held"] == 2 and first["quota"]["held"] == 1
    with unit_of_work(runtime.session_factory) as session:
        assert len(session.scalars(select(Identity)).all()) == 1


def test_the_refusal_record_holds_no_personal_data(runtime: Runtime) -> None:
    for i in range(10):
        submit(runtime, request(f"5123456{i}"))
    submit(runtime, request("59876543"))
    from telreg.realname.models import Refusal

    with unit_of_work(runtime.session_factory) as session:
        row = session.scalars(select(Refusal)).one()
    assert row.message == "The holder already holds 10 of 10 prepaid numbers with op1 (Hong Kong policy)"
    assert (row.operator_code, row.number, row.action, row.code) == ("op1", "59876543", "register",
                                                                    "quota_reached")


def test_a_minor_holder_counts_against_their_own_quota_not_the_guardians(runtime: Runtime) -> None:
    child: dict[str, Any] = person("CHAN Siu Ling", "2015-06-01", number=hkid("C", "345678"))
    outcome = submit(runtime, request(holder=child, guardian=GUARDIAN))
    assert outcome["quota"] == {"held": 1, "limit": 10}
    assert submit(runtime, request("51234568", GUARDIAN))["quota"] == {"held": 1, "limit": 10}


def test_the_date_is_the_clocks(runtime: Runtime) -> None:
    # The ICAO specimen passport expired on 2012-04-15: on the eve of expiry it registers.
    from tests.realname.documents.test_passport import SPECIMEN_TD3

    runtime.clock.set(dt.datetime(2012, 4, 15, 12, 0))  # type: ignore[attr-defined]
    holder = person("ERIKSSON Anna Maria", "1974-08-12", doc_type="passport-mrz", number=SPECIMEN_TD3,
                    capture="mrz_scan")
    assert submit(runtime, request(holder=holder))["status"] == "registered"
