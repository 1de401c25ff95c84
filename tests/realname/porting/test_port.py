"""Porting a number to another operator (seed 004 Q4.3), through the service, on SQLite and PostgreSQL.

問4.3 在登記後,我將電話號碼轉攜至另一營辦商,是否需要重新登記該號碼?
答4.3 由於擁有權或登記用戶沒有改變,毋須就轉攜至其他營辦商的號碼重新登記。
— a ported number keeps its holder, its registration (carried to the recipient) and its do-not-call listings.
"""

from __future__ import annotations

import json

from telreg.core.db import unit_of_work
from telreg.dnc.service import number_status
from telreg.realname import feeds
from telreg.runtime import Runtime
from tests.realname.registration.helpers import hkid, organisation, person, submit_transfer
from tests.web.conftest import list_number

from .helpers import (
    NUMBER,
    ask,
    audit_events,
    confirm,
    contract_number,
    counters,
    feed_entries,
    history,
    number_operator,
    registered,
    reject,
    two_operators,
)


def test_the_holder_stays_and_the_registration_moves_to_the_recipient(runtime: Runtime) -> None:
    """答4.3: ownership and the registered user do not change, so the number is not registered anew: the
    same holder, guardian and agent identities, capture and checks carry over to a registration at the
    recipient."""
    two_operators(runtime)
    guardian = person("CHAN Ka Yan", "1970-02-02", number=hkid("C", "345678"))
    agent = person("LEE Man Wai", "1985-03-03", number=hkid("D", "456789"))
    child = person("CHAN Siu Ming", "2015-06-01", number=hkid("B", "111111"))
    registered(runtime, holder=child, guardian=guardian, agent=agent)
    child_hkid = child["document"]["number"]

    port = ask(runtime, doc_number=child_hkid)
    assert port["state"] == "requested" and port["donor"] == "op1" and port["recipient"] == "op2"
    assert port["holder_checked"] is True and port["holder"]["name"] == "CHAN S** M***"
    done = confirm(runtime, port["id"])

    assert done["state"] == "completed" and done["completed_at"] and done["decided_by"] == "test:donor"
    assert number_operator(runtime) == "op2"
    before, after = history(runtime)
    assert (before["operator"], before["ended"], before["end_reason"]) == ("op1", True, "ported")
    assert (after["operator"], after["ended"], after["end_reason"]) == ("op2", False, None)
    assert done["registration_before_id"] == before["id"] and done["registration_after_id"] == after["id"]
    for party in ("holder", "guardian", "agent", "handler", "capture", "verified_by", "quota_service"):
        assert after[party] == before[party], party
    assert {k: v for k, v in after["checks"].items() if k != "ported"} == before["checks"]
    assert after["checks"]["ported"] == {"from_registration": before["id"], "from_operator": "op1",
                                         "port_request": port["id"]}


def test_an_organisations_handler_and_letter_are_carried(runtime: Runtime) -> None:
    two_operators(runtime)
    handler = person("HO Wing", "1975-04-04", number=hkid("E", "567890"))
    registered(runtime, holder=organisation(handler=handler))
    done = confirm(runtime, ask(runtime, doc_type="hk-br", doc_number="12345678")["id"])
    before, after = history(runtime)
    assert after["handler"] == before["handler"] is not None
    assert after["letter"] == before["letter"] is not None  # the vault token, the same column: it still opens
    assert done["holder"]["kind"] == "organisation"


def test_the_quota_place_moves_from_the_donor_to_the_recipient(runtime: Runtime) -> None:
    two_operators(runtime)
    registered(runtime)
    registered(runtime, "51234568")
    assert counters(runtime) == {("op1", "prepaid"): 2}
    done = confirm(runtime, ask(runtime)["id"])
    assert counters(runtime) == {("op1", "prepaid"): 1, ("op2", "prepaid"): 1}
    assert done["quota"] == {"held": 1, "limit": 10}


def test_no_do_not_call_feed_entry_and_the_listing_stays(runtime: Runtime) -> None:
    """毋須重新登記: the user is unchanged, so nothing is handed to the do-not-call registers and a listed
    number stays listed (unlike a transfer, whose new holder starts clean)."""
    two_operators(runtime)
    registered(runtime)
    list_number(runtime, NUMBER)
    confirm(runtime, ask(runtime)["id"])

    assert feed_entries(runtime) == 0
    with unit_of_work(runtime.session_factory) as session:
        assert feeds.pending_count(session) == 0
        assert feeds.deliver(session, clock=runtime.clock, settings=runtime.settings) == {"delivered": 0,
                                                                                          "removed": 0}
        status = number_status(session, settings=runtime.settings, number=NUMBER)
    assert all(register["listed"] for register in status["registers"].values()), status

    # The contrast: a transfer to a new holder does feed the registers.
    submit_transfer(runtime, {"operator": "op2", "number": NUMBER,
                              "holder": person("WONG Siu Ming", "1980-05-05", number=hkid("B", "234567"))})
    assert feed_entries(runtime) == 1


def test_audit_events_name_identities_never_personal_data(runtime: Runtime) -> None:
    two_operators(runtime)
    registered(runtime)
    port = ask(runtime)
    confirm(runtime, port["id"])
    events = audit_events(runtime)
    assert [e.action for e in events] == ["realname-port-requested", "realname-port-confirmed",
                                          "realname-port-completed"]
    completed = events[-1].details
    assert (completed["port_id"], completed["donor"], completed["recipient"]) == (port["id"], "op1", "op2")
    assert completed["holder_identity"] == history(runtime)[0]["holder"]
    assert completed["quota"] == {"service": "prepaid", "held": 1, "limit": 10}
    assert completed["released"] == "prepaid"
    dumped = json.dumps([e.details for e in events], ensure_ascii=False)
    assert "CHAN" not in dumped and "A123456" not in dumped


def test_a_monthly_subscribers_contract_number_ports_without_a_registration(runtime: Runtime) -> None:
    """A legacy monthly subscriber's number held by contract has no registration row: the number moves, there
    is nothing to carry, and the document cannot be compared (the donor checks its contract)."""
    two_operators(runtime)
    contract_number(runtime, "61234567")
    port = ask(runtime, "61234567", doc_number=hkid("Z", "999999"))
    assert port["holder_checked"] is False and port["holder"] is None
    done = confirm(runtime, port["id"])
    assert done["state"] == "completed" and done["registration_after_id"] is None and done["quota"] is None
    assert number_operator(runtime, "61234567") == "op2" and history(runtime, "61234567") == []
    assert feed_entries(runtime) == 0


def test_a_rejected_request_changes_nothing_and_a_new_one_may_follow(runtime: Runtime) -> None:
    two_operators(runtime)
    registered(runtime)
    port = ask(runtime)
    rejected = reject(runtime, port["id"], reason="The contract runs until June")
    assert rejected["state"] == "rejected" and rejected["reason"] == "The contract runs until June"
    assert number_operator(runtime) == "op1" and len(history(runtime)) == 1
    assert counters(runtime) == {("op1", "prepaid"): 1}
    assert [e.action for e in audit_events(runtime)] == ["realname-port-requested", "realname-port-rejected"]
    assert "June" not in json.dumps([e.details for e in audit_events(runtime)])  # the clerk's text stays out
    assert ask(runtime)["state"] == "requested"  # the number is free for a new request
