"""The mainland-China policy: resident ID cards never typed by hand, mainland numbering, addresses. SQLite and
PostgreSQL. (The per-identity limits and the other seed-003 rules: test_seed_003_rules.py.)
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from telreg.core.db import unit_of_work
from telreg.realname import views
from telreg.realname.models import Identity
from telreg.runtime import Runtime

from .helpers import MAINLAND, make_operator, person, proved, request, resident_id, submit

BORN = dt.date(1990, 1, 1)
CARD = resident_id(BORN)


def _zhang(capture: str = "card_reader", doc_type: str = "cn-resident-id") -> dict[str, object]:
    return person("张三", BORN, doc_type=doc_type, number=CARD, capture=capture,
                  address="北京市东城区东长安街1号")


@pytest.fixture(autouse=True)
def _operator(runtime: Runtime) -> None:
    make_operator(runtime, "cmcc", "China Mobile")


def test_a_resident_id_is_refused_typed_and_accepted_from_a_reader(runtime: Runtime) -> None:
    typed = submit(runtime, request("13800138000", _zhang("manual"), operator="cmcc", service="postpaid"),
                   policy=MAINLAND)
    assert typed["code"] == "manual_entry_forbidden"
    for capture in ("card_reader", "online_verification"):
        number = "13800138000" if capture == "card_reader" else "13800138001"
        read = submit(runtime, request(number, proved(runtime, _zhang(capture)), operator="cmcc",
                                       service="postpaid"), policy=MAINLAND)
        assert read["status"] == "registered", read


def test_the_household_register_is_the_same_person_as_the_card(runtime: Runtime) -> None:
    # Both carry the citizen number (GB 11643): one identity, one quota.
    submit(runtime, request("13800138000", proved(runtime, _zhang()), operator="cmcc", service="postpaid"),
           policy=MAINLAND)
    booklet = _zhang("manual", doc_type="cn-household-register")  # a booklet has no chip: typed by hand
    second = submit(runtime, request("13800138001", booklet, operator="cmcc", service="postpaid"),
                    policy=MAINLAND)
    assert second["quota"] == {"held": 2, "limit": 5}  # one postpaid counter for both documents
    with unit_of_work(runtime.session_factory) as session:
        assert len(session.scalars(select(Identity)).all()) == 1


def test_mainland_numbering_and_the_address_masked(runtime: Runtime) -> None:
    hong_kong_number = submit(runtime, request("51234567", proved(runtime, _zhang()), operator="cmcc"),
                              policy=MAINLAND)
    assert hong_kong_number["code"] == "invalid_number"
    outcome = submit(runtime, request("+86 138 0013 8000", proved(runtime, _zhang()), operator="cmcc"),
                     policy=MAINLAND)
    assert outcome["number"] == "13800138000"
    assert outcome["holder"]["address"] == "北京市东城区****"  # the first six characters, then a fixed ****
    assert outcome["holder"]["document"]["number"] == "110105***********" + CARD[-1]
    with unit_of_work(runtime.session_factory) as session:
        shown = views.number_view(session, vault=runtime.vault, policy=MAINLAND, number="13800138000")
    assert shown["registration"]["holder"]["name"] == "张*"
