"""No personal data in clear in the stored database: the SQLite file (and its WAL), or a pg_dump."""

from __future__ import annotations

import datetime as dt

from telreg.runtime import Runtime
from tests.realname.pii_helpers import assert_absent_in_database

from .helpers import MAINLAND, hkid, make_operator, organisation, person, proved, request, resident_id, submit

CHILD = ("CHAN Siu Ling", "2015-06-01", hkid("C", "345678"))
GUARDIAN = ("CHAN Tai Man", "1979-11-23", hkid("A", "123456"))
AGENT = ("WONG Siu Ming", "1981-07-14", hkid("B", "234567"))
HANDLER = ("LEE Ka Fai", "1985-02-28", hkid("D", "456789"))
LETTER = "Authorisation letter of ACME Trading Limited for LEE Ka Fai, ref ACME/2026/017"


def _spellings(name: str, born: str, document: str) -> list[str]:
    return [name, born, document, document.replace("(", "").replace(")", "")]


def test_a_registration_with_guardian_agent_and_handler_leaves_nothing_in_clear(runtime: Runtime) -> None:
    make_operator(runtime)
    child = person(CHILD[0], CHILD[1], number=CHILD[2])
    guardian = person(GUARDIAN[0], GUARDIAN[1], number=GUARDIAN[2])
    agent = person(AGENT[0], AGENT[1], number=AGENT[2])
    outcome = submit(runtime, request("51234567", child, guardian=guardian, agent=agent))
    assert outcome["status"] == "registered"
    handler = person(HANDLER[0], HANDLER[1], number=HANDLER[2])
    company = organisation("ACME Trading Limited", br="12345678", handler=handler, letter=LETTER)
    assert submit(runtime, request("51234568", company))["status"] == "registered"
    # Refusals are stored too: one that names the holder (masked) in its answer, one with a bad document.
    assert submit(runtime, request("51234569", guardian, agent=child))["code"] == "agent_minor"
    assert submit(runtime, request("51234569", person(GUARDIAN[0], number="A123456(4)")))["code"] == \
        "invalid_document"

    values = ["ACME Trading Limited", LETTER]
    for party in (CHILD, GUARDIAN, AGENT, HANDLER):
        values += _spellings(*party)
    assert_absent_in_database(runtime.engine, values)


def test_a_mainland_registration_with_an_address_leaves_nothing_in_clear(runtime: Runtime) -> None:
    make_operator(runtime, "cmcc", "China Mobile")
    card = resident_id(dt.date(1988, 8, 8), region="310104", sequence="123")
    holder = person("王小明", "1988-08-08", doc_type="cn-resident-id", number=card, capture="card_reader",
                    address="上海市徐汇区漕溪北路88号")
    outcome = submit(runtime, request("13900139000", proved(runtime, holder), operator="cmcc"),
                     policy=MAINLAND)
    assert outcome["status"] == "registered"
    assert_absent_in_database(runtime.engine,
                              ["王小明", "1988-08-08", card, "上海市徐汇区漕溪北路88号", "19880808"])
