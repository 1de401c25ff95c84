"""Operator staff act for their own operator only; the regulator and administrators for every one (issue 5).

Over the HTTP API with signed-in sessions, on SQLite and PostgreSQL (the `client` fixture).
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from telreg.core.db import unit_of_work
from telreg.core.models import AuditEvent
from telreg.core.users import get_user
from telreg.realname import repository
from telreg.runtime import Runtime
from tests.web.conftest import OFFICER_PASSWORD, make_officer

from .helpers import hkid, make_operator, person, refusals, request, submit

API = "/api/v1/realname"
OTHERS = "clerk.chan acts for op1, not op2."  # the sentence the brief asks for, written out by hand


def _sign_in(client: Any, runtime: Runtime, username: str, roles: tuple[str, ...],
             operator: str | None = None) -> dict[str, str]:
    client.cookies.clear()
    make_officer(runtime, username=username, roles=roles, operator=operator)
    response = client.post("/api/v1/auth/login", json={"username": username, "password": OFFICER_PASSWORD})
    assert response.status_code == 200, response.text
    return {"X-CSRF-Token": response.json()["csrf_token"]}


def _audit_count(runtime: Runtime) -> int:
    with unit_of_work(runtime.session_factory) as session:
        return session.scalar(select(func.count()).select_from(AuditEvent)) or 0


def _known(runtime: Runtime, number: str) -> bool:
    with unit_of_work(runtime.session_factory) as session:
        return repository.number_row(session, number) is not None


@pytest.fixture
def two_operators(runtime: Runtime) -> None:
    make_operator(runtime, "op1", "Operator One")
    make_operator(runtime, "op2", "Operator Two")


@pytest.fixture
def clerk(client: Any, runtime: Runtime, two_operators: None) -> dict[str, str]:
    return _sign_in(client, runtime, "clerk.chan", ("operator-staff",), operator="op1")


def test_staff_register_for_their_operator_and_not_for_another(client: Any, runtime: Runtime,
                                                               clerk: dict[str, str]) -> None:
    own = client.post(f"{API}/registrations", json=request("51234567", operator="op1"), headers=clerk)
    assert own.status_code == 201 and own.json()["status"] == "registered"

    before = _audit_count(runtime)
    other = client.post(f"{API}/registrations", json=request("61234567", operator="op2"), headers=clerk)
    assert other.status_code == 403
    assert other.json() == {"error": "permission_denied", "detail": OTHERS, "username": "clerk.chan",
                            "acts_for": "op1", "operator": "op2"}
    # Nothing written: no number, no refusal record, no audit event.
    assert not _known(runtime, "61234567")
    assert refusals(runtime) == []
    assert _audit_count(runtime) == before


def test_staff_cannot_transfer_terminate_or_read_another_operators_number(client: Any, runtime: Runtime,
                                                                          clerk: dict[str, str]) -> None:
    assert submit(runtime, request("61234567", operator="op2"))["status"] == "registered"
    new_holder = person("WONG Siu Ming", "1980-05-05", number=hkid("B", "234567"))
    before = _audit_count(runtime)

    transfer = {"operator": "op2", "number": "61234567", "holder": new_holder}
    moved = client.post(f"{API}/transfers", json=transfer, headers=clerk)
    ended = client.post(f"{API}/numbers/61234567/termination", json={"operator": "op2"}, headers=clerk)
    shown = client.get(f"{API}/numbers/61234567")
    for answer in (moved, ended):
        assert answer.status_code == 403 and answer.json()["detail"] == OTHERS, answer.text
    # Reading another operator's number answers exactly as an unknown number does: staff cannot tell it exists.
    unknown = client.get(f"{API}/numbers/69999999")
    assert shown.status_code == unknown.status_code == 404
    assert shown.json()["detail"] == "Number 61234567 is not one of op1's numbers."
    assert unknown.json()["detail"] == "Number 69999999 is not one of op1's numbers."
    assert shown.json().keys() == unknown.json().keys() and shown.json()["error"] == unknown.json()["error"]
    assert "CHAN" not in shown.text and "op2" not in shown.text
    assert _audit_count(runtime) == before

    admin = _sign_in(client, runtime, "admin.lee", ("admin",))
    still = client.get(f"{API}/numbers/61234567", headers=admin).json()
    assert still["state"] == "active" and still["registration"]["holder"]["name"] == "CHAN T** M**"


def test_staff_can_still_list_every_operator(client: Any, clerk: dict[str, str]) -> None:
    codes = [row["code"] for row in client.get(f"{API}/operators").json()]
    assert codes == ["op1", "op2"]


def test_flags_of_another_operator_are_refused(client: Any, clerk: dict[str, str]) -> None:
    assert client.get(f"{API}/flags", params={"operator": "op1"}).json() == []
    other = client.get(f"{API}/flags", params={"operator": "op2"})
    assert other.status_code == 403 and other.json()["detail"] == OTHERS


def test_a_staff_account_without_an_operator_acts_for_none(client: Any, runtime: Runtime,
                                                           two_operators: None) -> None:
    # Accounts made before the column existed have no operator; they are refused until one is attached.
    headers = _sign_in(client, runtime, "clerk.old", ("operator-staff",), operator="op1")
    with unit_of_work(runtime.session_factory) as session:
        get_user(session, "clerk.old").operator_code = None
    refused = client.post(f"{API}/registrations", json=request(operator="op1"), headers=headers)
    assert refused.status_code == 403 and "clerk.old acts for no operator" in refused.json()["detail"]


def test_admin_and_regulator_act_for_every_operator(client: Any, runtime: Runtime,
                                                    two_operators: None) -> None:
    admin = _sign_in(client, runtime, "admin.lee", ("admin",))
    for number, code in (("51234567", "op1"), ("61234567", "op2")):
        done = client.post(f"{API}/registrations", json=request(number, operator=code), headers=admin)
        assert done.status_code == 201, done.text
    assert client.get(f"{API}/flags", params={"operator": "op2"}).status_code == 200

    _sign_in(client, runtime, "ofca.lam", ("regulator",))
    for number, code in (("51234567", "op1"), ("61234567", "op2")):
        shown = client.get(f"{API}/numbers/{number}")
        assert shown.status_code == 200 and shown.json()["operator"] == code
    assert client.get(f"{API}/flags", params={"operator": "op2"}).status_code == 200
    assert [row["code"] for row in client.get(f"{API}/operators").json()] == ["op1", "op2"]


def test_the_regulator_reads_but_does_not_register(client: Any, runtime: Runtime,
                                                   two_operators: None) -> None:
    regulator = _sign_in(client, runtime, "ofca.lam", ("regulator",))
    refused = client.post(f"{API}/registrations", json=request(operator="op2"), headers=regulator)
    assert refused.status_code == 403 and "operator-staff" in refused.json()["detail"]
    assert not _known(runtime, "51234567")
    officer = _sign_in(client, runtime, "dnc.lee", ("dnc-officer",))
    assert client.get(f"{API}/numbers/51234567", headers=officer).status_code == 403


def test_registering_or_transferring_another_operators_number_answers_as_an_unknown_number(
        client: Any, runtime: Runtime, clerk: dict[str, str]) -> None:
    """Issue 14: registration said "belongs to another operator" (422 number_other_operator) where reading says
    404; now both answer exactly as for an unknown number, and the attempt is recorded and audited."""
    assert submit(runtime, request("61234567", operator="op2"))["status"] == "registered"
    before = _audit_count(runtime)

    registered = client.post(f"{API}/registrations", json=request("61234567", operator="op1"), headers=clerk)
    shown = client.get(f"{API}/numbers/61234567")
    assert registered.status_code == shown.status_code == 404, registered.text
    assert registered.json() == shown.json() == {
        "error": "unknown_number", "detail": "Number 61234567 is not one of op1's numbers.", "number": "61234567",
        "scope": "op1"}
    chinese = client.post(f"{API}/registrations", json=request("61234567", operator="op1"),
                          headers={**clerk, "Accept-Language": "zh-Hant"})
    assert chinese.json() == client.get(f"{API}/numbers/61234567", headers={"Accept-Language": "zh-Hant"}).json()

    new_holder = person("WONG Siu Ming", "1980-05-05", number=hkid("B", "234567"))
    theirs = client.post(f"{API}/transfers", json={"operator": "op1", "number": "61234567", "holder": new_holder},
                         headers=clerk)
    unknown = client.post(f"{API}/transfers", json={"operator": "op1", "number": "69999999", "holder": new_holder},
                          headers=clerk)
    assert theirs.status_code == unknown.status_code == 422
    same = unknown.json()["reason"].replace("69999999", "61234567")
    assert theirs.json() == {**unknown.json(), "reason": same, "detail": same}
    assert theirs.json()["code"] == "not_registered" and "op2" not in theirs.text and "another" not in theirs.text

    # Recorded as what it was (for the regulator), and audited; op2's registration is untouched.
    assert [r for r in refusals(runtime) if r[1] == "61234567"] == [
        ("op1", "61234567", "number_other_operator")] * 3
    with unit_of_work(runtime.session_factory) as session:
        events = session.scalars(select(AuditEvent).where(
            AuditEvent.action == "realname-other-operator-number").order_by(AuditEvent.id)).all()
        assert [(e.actor, e.subject_key, e.details["attempt"]) for e in events] == [
            ("staff:clerk.chan", "61234567", "register")] * 2 + [("staff:clerk.chan", "61234567", "transfer")]
    assert _audit_count(runtime) == before + 3
    admin = _sign_in(client, runtime, "admin.lee", ("admin",))
    still = client.get(f"{API}/numbers/61234567", headers=admin).json()
    assert still["operator"] == "op2" and still["registration"]["holder"]["name"] == "CHAN T** M**"
