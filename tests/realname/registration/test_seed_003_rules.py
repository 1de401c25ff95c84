"""Seed 003's registration rules under the shipped mainland-China policy, each from the sentence it encodes.
SQLite and PostgreSQL.

The household register is used where a document is typed by hand: the policy forbids typing only the resident
ID card (notice 182), and a booklet has no chip to read.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import select

from telreg.core.db import unit_of_work
from telreg.core.errors import InvalidInput
from telreg.realname.models import Registration
from telreg.realname.schemas import RegistrationRequest, parse_request
from telreg.runtime import Runtime
from tests.web.conftest import OFFICER_PASSWORD, make_officer

from .helpers import HONG_KONG, MAINLAND, hkid, make_operator, person, refusals, request, resident_id, submit

BORN = dt.date(1990, 1, 1)
ADDRESS = "北京市东城区东长安街1号"
FIXED = "01065529988"  # a Beijing fixed line (010 6552 9988)


def _zhang(*, address: str | None = ADDRESS, born: dt.date = BORN) -> dict[str, Any]:
    return person("张三", born, doc_type="cn-household-register", number=resident_id(born), capture="manual",
                  address=address)


def _agent(*, address: str | None = "上海市黄浦区人民大道200号") -> dict[str, Any]:
    born = dt.date(1970, 5, 5)
    return person("李四", born, doc_type="cn-household-register", number=resident_id(born, region="310101"),
                  address=address)


def _mobile(i: int) -> str:
    return f"1380013{i:04d}"


@pytest.fixture(autouse=True)
def _operators(runtime: Runtime) -> None:
    make_operator(runtime, "cmcc", "China Mobile")
    make_operator(runtime, "unicom", "China Unicom")


def test_five_postpaid_and_ten_prepaid_numbers_coexist_and_the_next_is_refused(runtime: Runtime) -> None:
    """China Unicom: 同一客户名称、身份证件号码下:最多只可办理5个后付费号码(不含固话)。最多只可办理10个预付费号码。"""
    for i in range(10):
        body = request(_mobile(i), _zhang(), operator="cmcc", service="prepaid")
        done = submit(runtime, body, policy=MAINLAND)
        assert done["quota"] == {"held": i + 1, "limit": 10}, done
    for i in range(5):
        done = submit(runtime, request(_mobile(100 + i), _zhang(), operator="cmcc", service="postpaid"),
                      policy=MAINLAND)
        assert done["quota"] == {"held": i + 1, "limit": 5}, done
    prepaid = submit(runtime, request(_mobile(200), _zhang(), operator="cmcc", service="prepaid"),
                     policy=MAINLAND)
    assert prepaid["code"] == "quota_reached"
    assert prepaid["reason"] == "张* already holds 10 of 10 prepaid numbers with cmcc (Mainland China policy)"
    postpaid = submit(runtime, request(_mobile(201), _zhang(), operator="cmcc", service="postpaid",
                                       line="data-only"), policy=MAINLAND)
    assert postpaid["code"] == "quota_reached"
    assert postpaid["reason"] == ("张* already holds 5 of 5 postpaid numbers (data-only, mobile lines) with "
                                  "cmcc (Mainland China policy)")
    # The refusals table keeps the sentence without the holder's name.
    assert refusals(runtime)[-2:] == [("cmcc", _mobile(200), "quota_reached"),
                                      ("cmcc", _mobile(201), "quota_reached")]


def test_fixed_lines_are_not_counted_against_the_postpaid_limit(runtime: Runtime) -> None:
    """最多只可办理5个后付费号码(不含固话): a sixth postpaid line that is a fixed line is not refused."""
    for i in range(5):
        submit(runtime, request(_mobile(i), _zhang(), operator="cmcc", service="postpaid"), policy=MAINLAND)
    fixed = submit(runtime, request(FIXED, _zhang(), operator="cmcc", service="postpaid", line="fixed"),
                   policy=MAINLAND)
    assert fixed["status"] == "registered" and fixed["quota"] == {"held": 1, "limit": None}
    with unit_of_work(runtime.session_factory) as session:
        taken = session.scalar(select(Registration.quota_service)
                               .where(Registration.id == fixed["registration_id"]))
    assert taken == "postpaid:fixed"


def test_the_limits_are_per_operator(runtime: Runtime) -> None:
    """The operator's text limits numbers with that operator: another operator counts from zero."""
    for i in range(5):
        submit(runtime, request(_mobile(i), _zhang(), operator="cmcc", service="postpaid"), policy=MAINLAND)
    body = request(_mobile(50), _zhang(), operator="unicom", service="postpaid")
    other = submit(runtime, body, policy=MAINLAND)
    assert other["quota"] == {"held": 1, "limit": 5}


def test_an_agent_without_the_holders_letter_is_refused(runtime: Runtime) -> None:
    """Operators: 如他人代办,需要提供双方有效证件原件,并同时提供机主授权代办人办理业务的"代办(委托)授权书";
    China Mobile: 代办则需持双方有效身份证件原件和代办委托书."""
    refused = submit(runtime, request(_mobile(1), _zhang(), operator="cmcc", agent=_agent()), policy=MAINLAND)
    assert (refused["code"], refused["party"]) == ("agent_letter_required", "agent")
    assert refusals(runtime) == [("cmcc", _mobile(1), "agent_letter_required")]
    # The Hong Kong policy asks no letter of an agent (seed 000 says nothing of agents).
    make_operator(runtime, "op1", "Operator One")
    body = request("51234567", agent=person("LAU Agent", "1970-01-01", number=hkid("E", "999999")))
    hong_kong = submit(runtime, body, policy=HONG_KONG)
    assert hong_kong["status"] == "registered", hong_kong


def test_the_agents_letter_is_stored_sealed(runtime: Runtime) -> None:
    """The letter is kept like the organisation's: sealed, readable only through the vault."""
    letter = "代办委托书 2026-03-02 张三 授权 李四"
    done = submit(runtime, request(_mobile(1), _zhang(), operator="cmcc", agent=_agent(),
                                   agent_authorisation_letter=letter), policy=MAINLAND)
    assert done["status"] == "registered", done
    with unit_of_work(runtime.session_factory) as session:
        row = session.get(Registration, done["registration_id"])
        assert row is not None and row.agent_id is not None and row.agent_letter_sealed is not None
        assert letter not in row.agent_letter_sealed and "李四" not in row.agent_letter_sealed
        assert runtime.vault.open("realname_registrations.agent_letter", row.agent_letter_sealed) == letter


def test_a_letter_without_an_agent_is_a_malformed_request() -> None:
    body = request(_mobile(1), _zhang(), operator="cmcc", agent_authorisation_letter="LETTER-1")
    with pytest.raises(InvalidInput, match="agent_authorisation_letter was given without an agent"):
        parse_request(RegistrationRequest, body, source="the test")


@pytest.mark.parametrize("role", ["holder", "agent"])
def test_a_card_registered_without_the_address_on_it_is_refused(runtime: Runtime, role: str) -> None:
    """Order 25 art. 9: 电信业务经营者应当对用户出示的证件进行查验,并如实登记证件类别以及证件上所记载的姓名(名称)、
    号码、住址信息;对于用户委托他人办理入网手续的,应当同时查验受托人的证件并登记受托人的上述信息。"""
    holder = _zhang(address=None if role == "holder" else ADDRESS)
    agent = _agent(address=None if role == "agent" else "上海市黄浦区人民大道200号")
    refused = submit(runtime, request(_mobile(1), holder, operator="cmcc", agent=agent,
                                      agent_authorisation_letter="LETTER-1"), policy=MAINLAND)
    assert (refused["code"], refused["party"]) == ("required_field_missing", role)
    assert "address" in refused["reason"] and "cn-household-register" in refused["reason"]
    assert refusals(runtime) == [("cmcc", _mobile(1), "required_field_missing")]


def test_a_passport_carries_no_address_and_needs_none(runtime: Runtime) -> None:
    passport = person("SMITH John", "1980-01-01", doc_type="passport", number="X1234567")
    done = submit(runtime, request(_mobile(1), passport, operator="cmcc"), policy=MAINLAND)
    assert done["status"] == "registered", done


def test_an_organisation_without_its_licence_address_is_refused(runtime: Runtime) -> None:
    """Art. 9 covers units too: 证件上所记载的姓名(名称)、号码、住址信息 — the business licence's address."""
    company: dict[str, Any] = {"kind": "organisation", "name": "某某科技有限公司",
                               "document": {"type": "cn-uscc", "number": "91350100M000100Y43"},
                               "handler": _agent(), "authorisation_letter": "单位授权书 2026-001"}
    refused = submit(runtime, request(_mobile(1), company, operator="cmcc"), policy=MAINLAND)
    assert (refused["code"], refused["party"]) == ("required_field_missing", "holder")
    company["address"] = "福州市鼓楼区五四路1号"
    done = submit(runtime, request(_mobile(1), company, operator="cmcc"), policy=MAINLAND)
    assert done["status"] == "registered", done


def test_the_api_refuses_an_agent_without_a_letter(client: Any,
                                                     runtime: Runtime) -> None:
    runtime.settings.realname_policy = "mainland-china"
    make_officer(runtime, username="clerk.wang", roles=("operator-staff",), operator="cmcc")
    login = client.post("/api/v1/auth/login", json={"username": "clerk.wang", "password": OFFICER_PASSWORD})
    headers = {"X-CSRF-Token": login.json()["csrf_token"]}
    body = request(_mobile(1), _zhang(), operator="cmcc", agent=_agent())
    refused = client.post("/api/v1/realname/registrations", json=body, headers=headers)
    assert refused.status_code == 422
    assert refused.json()["code"] == "agent_letter_required"
    body["agent_authorisation_letter"] = "LETTER-1"
    done = client.post("/api/v1/realname/registrations", json=body, headers=headers)
    assert done.status_code == 201, done.text
