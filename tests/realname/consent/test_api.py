"""The consent API over HTTP with signed-in sessions: record (CSRF), check before use, the marketing list as
the only use, and who may call what. SQLite and PostgreSQL (the `client` fixture)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from telreg.core.db import unit_of_work
from telreg.core.models import AuditEvent
from telreg.runtime import Runtime
from tests.web.conftest import OFFICER_PASSWORD, make_officer

from .helpers import CHAN_AT_OP1, CHAN_AT_OP2, PURPOSE, WONG_AT_OP1, holdings

API = "/api/v1/realname/consents"


def _sign_in(client: Any, runtime: Runtime, username: str, roles: tuple[str, ...],
             operator: str | None = None) -> dict[str, str]:
    client.cookies.clear()
    make_officer(runtime, username=username, roles=roles, operator=operator)
    response = client.post("/api/v1/auth/login", json={"username": username, "password": OFFICER_PASSWORD})
    assert response.status_code == 200, response.text
    return {"X-CSRF-Token": response.json()["csrf_token"]}


def _instruction(number: str = CHAN_AT_OP1, decision: str = "granted", **extra: Any) -> dict[str, Any]:
    return {"number": number, "purpose": PURPOSE, "decision": decision, "channel": "counter",
            "given_at": "2026-03-12T09:30:00", **extra}


@pytest.fixture
def world(runtime: Runtime) -> Runtime:
    holdings(runtime)
    runtime.clock.advance(days=10)
    return runtime


def test_staff_record_and_check_before_use(client: Any, world: Runtime) -> None:
    clerk = _sign_in(client, world, "clerk.chan", ("operator-staff",), operator="op1")
    before = client.get(f"{API}/check", params={"number": CHAN_AT_OP1, "purpose": PURPOSE})
    assert before.status_code == 200
    assert before.json() == {"allowed": False, "decision": None, "given_at": None, "channel": None}

    assert client.post(API, json=_instruction()).json()["error"] == "csrf_rejected"
    made = client.post(API, json=_instruction(reference="FORM-7"), headers=clerk)
    assert made.status_code == 201, made.text
    assert made.json()["number"] == "5123****" and made.json()["decision"] == "granted"
    assert made.json()["given_at"] == "2026-03-12T09:30:00+08:00" and made.json()["reference"] == "FORM-7"
    after = client.get(f"{API}/check", params={"number": "5123 4567", "purpose": PURPOSE})
    assert after.json() == {"allowed": True, "decision": "granted", "given_at": "2026-03-12T09:30:00+08:00",
                            "channel": "counter"}


@pytest.mark.parametrize(("body", "status", "error", "detail"), [
    (_instruction(purpose="profiling"), 422, "unknown_purpose",
     "'profiling' is not a purpose consent is recorded for; the policy's purposes are value-added-marketing."),
    (_instruction(given_at="2026-03-12T10:30:00+08:00"), 422, "invalid_given_at",
     "The consent cannot have been given in the future: 2026-03-12 10:30:00 is after now (2026-03-12 10:00:00)."),
    (_instruction(CHAN_AT_OP2), 403, "permission_denied", "clerk.chan acts for op1, not op2."),
    (_instruction("51234569"), 409, "not_registered",
     "Number 51234569 has no registered holder, so there is nobody whose consent could be recorded."),
])
def test_bad_instructions_are_refused_with_a_clear_sentence(client: Any, world: Runtime, body: dict[str, Any],
                                                            status: int, error: str, detail: str) -> None:
    clerk = _sign_in(client, world, "clerk.chan", ("operator-staff",), operator="op1")
    answer = client.post(API, json=body, headers=clerk)
    assert answer.status_code == status and answer.json()["error"] == error
    assert answer.json()["detail"] == detail


def test_the_marketing_list_holds_only_consenting_numbers(client: Any, world: Runtime) -> None:
    compliance = _sign_in(client, world, "comp.ho", ("operator-compliance",), operator="op1")
    for number, decision in ((CHAN_AT_OP1, "granted"), (WONG_AT_OP1, "withdrawn")):
        assert client.post(API, json=_instruction(number, decision), headers=compliance).status_code == 201
    answer = client.get(f"{API}/marketing-list", params={"purpose": PURPOSE})
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/csv")
    assert answer.text == f"number\n{CHAN_AT_OP1}\n"
    assert "op1-value-added-marketing-20260312.csv" in answer.headers["content-disposition"]
    as_json = client.get(f"{API}/marketing-list", params={"purpose": PURPOSE, "format": "json"}).json()
    assert as_json == {"operator": "op1", "purpose": PURPOSE, "count": 1, "numbers": [CHAN_AT_OP1]}
    assert client.get(f"{API}/marketing-list", params={"purpose": "x"}).json()["error"] == "unknown_purpose"
    with unit_of_work(world.session_factory) as session:
        exported = session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "realname-consent-list-exported"))
    assert exported == 2


@pytest.mark.parametrize(("username", "roles", "operator", "record", "check", "listing"), [
    ("clerk.chan", ("operator-staff",), "op1", 201, 200, 403),
    ("comp.ho", ("operator-compliance",), "op1", 201, 200, 200),
    ("clerk.wu", ("operator-staff",), "op2", 403, 403, 403),
    ("boss", ("admin",), None, 403, 403, 403),
    ("reg", ("regulator",), None, 403, 403, 403),
    ("ca.lam", ("ca-officer",), None, 403, 403, 403),
])
def test_only_the_operators_own_accounts_record_and_check(client: Any, world: Runtime, username: str,
                                                          roles: tuple[str, ...], operator: str | None,
                                                          record: int, check: int, listing: int) -> None:
    headers = _sign_in(client, world, username, roles, operator=operator)
    assert client.post(API, json=_instruction(), headers=headers).status_code == record
    assert client.get(f"{API}/check", params={"number": CHAN_AT_OP1, "purpose": PURPOSE}).status_code == check
    assert client.get(f"{API}/marketing-list", params={"purpose": PURPOSE}).status_code == listing


def test_anonymous_callers_are_told_to_sign_in_and_the_export_needs_a_lookup(client: Any, world: Runtime) -> None:
    assert client.post(API, json=_instruction()).status_code == 401
    assert client.get(f"{API}/check", params={"number": CHAN_AT_OP1, "purpose": PURPOSE}).status_code == 401
    # Under the Hong Kong policy there is no one-identity lookup, so no holder's export either.
    assert client.get(f"{API}/export").json()["error"] == "lookup_not_offered"
