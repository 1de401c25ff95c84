"""Seed 003's four kinds of non-compliant records, found among current registrations and counted per operator;
names never leave in clear. SQLite and PostgreSQL.

Registrations the rules of today would refuse are made under a laxer policy (as records from before the rules
were), then reported under the shipped one.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from typing import Any

import pytest

from telreg.core.db import unit_of_work
from telreg.realname import noncompliance
from telreg.realname.policy import Policy
from telreg.runtime import Runtime
from tests.realname.registration.helpers import (
    HONG_KONG,
    MAINLAND,
    hkid,
    make_operator,
    organisation,
    person,
    proved,
    request,
    resident_id,
    submit,
)
from tests.web.conftest import OFFICER_PASSWORD, make_officer

LAX = Policy.model_validate({**HONG_KONG.model_dump(), "minor_age": 10,
                             "organisation_requires_handler": False,
                             "organisation_requires_authorisation_letter": False})
# Before Order 25 art. 9 was enforced at registration: a resident ID card registered without its address.
MAINLAND_LAX = Policy.model_validate({
    **MAINLAND.model_dump(), "documents": {**MAINLAND.documents.model_dump(), "required_fields": {}}})
# The report runs under the Hong Kong policy with the mainland's required fields, so one world has every kind.
REPORTED = Policy.model_validate({**HONG_KONG.model_dump(), "documents": {
    **HONG_KONG.documents.model_dump(), "required_fields": MAINLAND.documents.required_fields}})


def _registered(runtime: Runtime, body: dict[str, Any], policy: Policy = HONG_KONG) -> None:
    outcome = submit(runtime, body, policy=policy)
    assert outcome["status"] == "registered", outcome


@pytest.fixture(autouse=True)
def _world(runtime: Runtime) -> None:
    runtime.settings.realname_group_card_threshold = 2
    runtime.settings.realname_agent_holder_threshold = 2
    for code in ("op1", "op2", "cmcc"):
        make_operator(runtime, code, code.upper())
    # placeholder names (op1), and a real one that is not
    _registered(runtime, request("51230001", person("临时账户", number=hkid("D", "111111"))))
    _registered(runtime, request("51230002", person("TEST", number=hkid("D", "222222"))))
    _registered(runtime, request("51230003", person("X", number=hkid("D", "333333"))))
    wong = person("WONG Siu Ming", "1980-05-05", number=hkid("B", "234567"))
    _registered(runtime, request("51230004", wong))
    # incomplete: a company without handler or letter (op2); a resident ID card without its address (cmcc)
    _registered(runtime, request("51230005", organisation(letter=None), operator="op2"), LAX)
    born = dt.date(1985, 6, 15)
    card = person("张三", born, doc_type="cn-resident-id", capture="card_reader", number=resident_id(born))
    _registered(runtime, request("13800138000", proved(runtime, card), operator="cmcc"), MAINLAND_LAX)
    # holder/user mismatch: a 15-year-old without a guardian (op2); one agent for three holders (op1)
    _registered(runtime, request("51230006", person("HO Siu Ping", "2011-01-01", number=hkid("C", "345678")),
                                 operator="op2"), LAX)
    agent = person("LAU Dealer", "1970-01-01", number=hkid("E", "999999"))
    for i, letter in enumerate("FGH"):
        holder = person(f"CHEUNG Holder {letter}", "1975-01-01", number=hkid(letter, "123123"))
        _registered(runtime, request(f"5123010{i}", holder, agent=agent))
    # group cards: one person with three numbers across two operators
    chan = person("CHAN Tai Man", number=hkid("A", "123456"))
    for number, operator in (("61230001", "op1"), ("61230002", "op1"), ("61230003", "op2")):
        _registered(runtime, request(number, chan, operator=operator))


def _find(runtime: Runtime, policy: Policy = REPORTED) -> list[noncompliance.Finding]:
    with unit_of_work(runtime.session_factory) as session:
        return noncompliance.find(session, vault=runtime.vault, policy=policy, settings=runtime.settings)


def test_each_kind_is_found_on_the_right_numbers(runtime: Runtime) -> None:
    found = {(f.number, f.kind) for f in _find(runtime)}
    assert found == {
        ("51230001", "placeholder_name"), ("51230002", "placeholder_name"), ("51230003", "placeholder_name"),
        ("51230005", "incomplete_data"), ("13800138000", "incomplete_data"),
        ("51230006", "holder_user_mismatch"),
        ("51230100", "holder_user_mismatch"), ("51230101", "holder_user_mismatch"),
        ("51230102", "holder_user_mismatch"),
        ("61230001", "group_cards"), ("61230002", "group_cards"), ("61230003", "group_cards"),
    }


def test_details_say_what_is_wrong_without_clear_names(runtime: Runtime) -> None:
    details = {f.number: f.detail for f in _find(runtime)}
    assert details["51230005"] == "missing: handler, authorisation letter"
    assert details["13800138000"] == "missing: address"
    assert "under 16" in details["51230006"] and "3 different holders" in details["51230100"]
    assert "3 numbers" in details["61230001"]
    everything = json.dumps([vars(f) for f in _find(runtime)], ensure_ascii=False)
    for clear in ("临时账户", "TEST", "CHAN Tai Man", "HO Siu Ping", "LAU Dealer"):
        assert clear not in everything


def test_counts_per_operator(runtime: Runtime) -> None:
    counts = noncompliance.count_by_operator(_find(runtime), operators=["cmcc", "op1", "op2"])
    assert counts == {
        "op1": {"placeholder_name": 3, "incomplete_data": 0, "holder_user_mismatch": 3, "group_cards": 2},
        "op2": {"placeholder_name": 0, "incomplete_data": 1, "holder_user_mismatch": 1, "group_cards": 1},
        "cmcc": {"placeholder_name": 0, "incomplete_data": 1, "holder_user_mismatch": 0, "group_cards": 0},
    }


def test_the_thresholds_are_settings(runtime: Runtime) -> None:
    runtime.settings.realname_group_card_threshold = 3  # holding 3 is no longer more than the limit
    runtime.settings.realname_agent_holder_threshold = 3
    runtime.settings.realname_placeholder_names = [r"^TEST$"]
    kinds = {(f.number, f.kind) for f in _find(runtime)}
    assert ("61230001", "group_cards") not in kinds and ("51230100", "holder_user_mismatch") not in kinds
    assert {n for n, k in kinds if k == "placeholder_name"} == {"51230002"}


def test_csv_and_the_api(client: Any, runtime: Runtime) -> None:
    lines = list(csv.DictReader(io.StringIO(noncompliance.findings_csv(_find(runtime)))))
    assert len(lines) == 12 and set(lines[0]) == {"operator", "number", "kind", "detail"}
    assert client.get("/api/v1/realname/reports/non-compliance").status_code == 401
    make_officer(runtime, username="ofca.lam", roles=("regulator",))
    client.post("/api/v1/auth/login", json={"username": "ofca.lam", "password": OFFICER_PASSWORD})
    body = client.get("/api/v1/realname/reports/non-compliance").json()
    # The API reports under the deployment's policy (Hong Kong): it requires no address, so the mainland card
    # without one is not flagged there — 11 of the 12 findings.
    assert body["counts"]["op1"]["placeholder_name"] == 3 and len(body["findings"]) == 11
    assert "13800138000" not in {finding["number"] for finding in body["findings"]}
    download = client.get("/api/v1/realname/reports/non-compliance", params={"format": "csv"})
    assert download.headers["content-type"].startswith("text/csv") and len(download.text.splitlines()) == 12
