"""Builders for registration tests: request bodies, operators, and running the service in its own transaction.

Document numbers are built with the independent reference check digits of
tests/realname/documents/reference.py, so a "valid" document here is valid by the published standard, not by
telreg's say-so.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select

from telreg.core.db import unit_of_work
from telreg.realname import capture_proof, operators, service
from telreg.realname.documents import check_document
from telreg.realname.models import Refusal
from telreg.realname.policy import Policy, load_policy
from telreg.realname.schemas import RegistrationRequest, TransferRequest
from telreg.realname.verification import FakeVerifier, IdentityVerifier
from telreg.runtime import Runtime
from tests.realname.documents.reference import hkid_check, mod11_2

HONG_KONG = load_policy("hong-kong")
MAINLAND = load_policy("mainland-china")
TODAY = dt.date(2026, 3, 2)  # the `clock` fixture's day (tests/conftest.py START)


def hkid(prefix: str, digits: str) -> str:
    """An HKID as printed, e.g. A123456(3), with the check digit of the published algorithm."""
    return f"{prefix}{digits}({hkid_check(prefix, digits)})"


def resident_id(born: dt.date, *, region: str = "110105", sequence: str = "002") -> str:
    """A mainland resident ID number (GB 11643): region, date of birth, sequence, MOD 11-2 check."""
    first17 = region + born.strftime("%Y%m%d") + sequence
    return first17 + mod11_2(first17)


def person(name: str = "CHAN Tai Man", born: str | dt.date = "1990-01-01", *, doc_type: str = "hkid",
           number: str | None = None, capture: str | None = None,
           address: str | None = None) -> dict[str, Any]:
    document: dict[str, Any] = {"type": doc_type, "number": number or hkid("A", "123456")}
    if capture:
        document["capture"] = capture
    body: dict[str, Any] = {"kind": "person", "name": name, "date_of_birth": str(born), "document": document}
    if address:
        body["address"] = address
    return body


def proved(runtime: Runtime, party: dict[str, Any], *, device: str = "TEST-READER-01") -> dict[str, Any]:
    """The party with the capture proof its declared capture needs (a card reader's by default), made now.

    Under a policy that keeps a document type from manual entry (mainland: cn-resident-id), a registration
    needs the proof of the reader or the online verification (capture_proof.py); this stands in for the
    reader.
    """
    document = dict(party["document"])
    document.setdefault("capture", "card_reader")
    normalised = check_document(document["type"], document["number"]).normalised
    assert normalised is not None, "a proof is for a valid document"
    document["proof"] = capture_proof.issue(runtime.vault, clock=runtime.clock, doc_type=document["type"],
                                            normalised=normalised, capture=document["capture"], device=device)
    return {**party, "document": document}


def organisation(name: str = "ACME Trading Limited", *, br: str = "12345678",
                 handler: dict[str, Any] | None = None,
                 letter: str | None = "LETTER-2026-0001") -> dict[str, Any]:
    body: dict[str, Any] = {"kind": "organisation", "name": name, "document": {"type": "hk-br", "number": br}}
    if handler is not None:
        body["handler"] = handler
    if letter is not None:
        body["authorisation_letter"] = letter
    return body


def request(number: str = "51234567", holder: dict[str, Any] | None = None, *, operator: str = "op1",
            service: str = "prepaid", **extra: Any) -> dict[str, Any]:
    return {"operator": operator, "number": number, "service": service, "holder": holder or person(), **extra}


def make_operator(runtime: Runtime, code: str = "op1", name: str = "Operator One") -> None:
    with unit_of_work(runtime.session_factory) as session:
        operators.add_operator(session, clock=runtime.clock, code=code, name=name)


def submit(runtime: Runtime, body: dict[str, Any], *, policy: Policy = HONG_KONG,
           verifier: IdentityVerifier | None = None) -> dict[str, Any]:
    """Register in a unit of work of its own (committed), return the outcome as its stable JSON."""
    with unit_of_work(runtime.session_factory) as session:
        outcome = service.register(session, vault=runtime.vault, policy=policy, clock=runtime.clock,
                                   verifier=verifier or FakeVerifier(), request=RegistrationRequest(**body),
                                   actor="test")
    return outcome.as_dict()


def submit_transfer(runtime: Runtime, body: dict[str, Any], *, policy: Policy = HONG_KONG,
                    verifier: IdentityVerifier | None = None) -> dict[str, Any]:
    with unit_of_work(runtime.session_factory) as session:
        outcome = service.transfer(session, vault=runtime.vault, policy=policy, clock=runtime.clock,
                                   verifier=verifier or FakeVerifier(), request=TransferRequest(**body),
                                   actor="test")
    return outcome.as_dict()


def refusals(runtime: Runtime) -> list[tuple[str, str, str]]:
    """Every recorded refusal as (operator code, number, code), oldest first."""
    with unit_of_work(runtime.session_factory) as session:
        rows = session.scalars(select(Refusal).order_by(Refusal.id))
        return [(r.operator_code, r.number, r.code) for r in rows]
