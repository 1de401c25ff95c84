"""The porting API over signed-in staff sessions, on SQLite and PostgreSQL (the `client` fixture).

Seed 004 Q4.3: 由於擁有權或登記用戶沒有改變,毋須就轉攜至其他營辦商的號碼重新登記 — the receiving operator asks with
the holder's document, the donor confirms, and the number arrives registered to the same holder.
"""

from __future__ import annotations

from typing import Any

from telreg.runtime import Runtime
from tests.realname.registration.helpers import hkid
from tests.web.conftest import list_number

from .helpers import (
    CHAN_HKID,
    NUMBER,
    counters,
    feed_entries,
    history,
    registered,
    staff_headers,
    two_operators,
)

API = "/api/v1/realname"
DNC_STATUS = "/api/v1/dnc/status"
BODY = {"operator": "op2", "number": NUMBER, "document": {"type": "hkid", "number": CHAN_HKID}}


def test_the_whole_port_through_the_api(client: Any, runtime: Runtime) -> None:
    """The recipient's clerk asks, the donor's clerk sees it waiting and confirms; the number, its
    registration and the quota place move, and its do-not-call listing stays (答4.3)."""
    two_operators(runtime)
    registered(runtime)
    list_number(runtime, NUMBER)

    recipient = staff_headers(client, runtime, "clerk.two", operator="op2")
    asked = client.post(f"{API}/ports", json=BODY, headers=recipient)
    assert asked.status_code == 201, asked.text
    port = asked.json()
    assert (port["state"], port["donor"], port["recipient"], port["requested_by"]) == (
        "requested", "op1", "op2", "staff:clerk.two")
    assert port["holder"]["name"] == "CHAN T** M**" and "CHAN Tai Man" not in asked.text
    again = client.post(f"{API}/ports", json=BODY, headers=recipient)
    assert again.status_code == 409 and again.json()["error"] == "port_open"
    own = client.post(f"{API}/ports/{port['id']}/confirm", json={"operator": "op2"}, headers=recipient)
    assert own.status_code == 403 and own.json()["error"] == "not_donor"
    assert client.get(f"{API}/ports").json()[0]["id"] == port["id"]  # the recipient sees its request

    donor = staff_headers(client, runtime, "clerk.one", operator="op1")
    waiting = client.get(f"{API}/ports", params={"state": "requested"})
    assert [p["id"] for p in waiting.json()] == [port["id"]]
    done = client.post(f"{API}/ports/{port['id']}/confirm", json={"operator": "op1"}, headers=donor)
    assert done.status_code == 200, done.text
    assert done.json()["state"] == "completed" and done.json()["quota"] == {"held": 1, "limit": 10}

    shown = client.get(f"{API}/numbers/{NUMBER}")  # op1's clerk no longer sees it: another operator's number
    assert shown.status_code == 404
    before, after = history(runtime)
    assert before["end_reason"] == "ported" and after["operator"] == "op2"
    assert after["holder"] == before["holder"]
    assert counters(runtime) == {("op1", "prepaid"): 0, ("op2", "prepaid"): 1}
    assert feed_entries(runtime) == 0
    listed = client.get(f"{DNC_STATUS}/{NUMBER}")  # the public do-not-call status: still listed
    assert listed.status_code == 200 and all(r["listed"] for r in listed.json()["registers"].values())

    staff_headers(client, runtime, "clerk.two", operator="op2")
    number = client.get(f"{API}/numbers/{NUMBER}").json()
    assert number["operator"] == "op2" and number["registration"]["id"] == after["id"]


def test_the_donor_rejects_with_a_reason_the_recipient_reads(client: Any, runtime: Runtime) -> None:
    two_operators(runtime)
    registered(runtime)
    recipient = staff_headers(client, runtime, "clerk.two", operator="op2")
    port = client.post(f"{API}/ports", json=BODY, headers=recipient).json()

    donor = staff_headers(client, runtime, "clerk.one", operator="op1")
    blank = client.post(f"{API}/ports/{port['id']}/reject", json={"operator": "op1"}, headers=donor)
    assert blank.status_code == 422 and blank.json()["error"] == "invalid_input"
    refused = client.post(f"{API}/ports/{port['id']}/reject",
                          json={"operator": "op1", "reason": "Unpaid bills"}, headers=donor)
    assert refused.status_code == 200 and refused.json()["state"] == "rejected"

    staff_headers(client, runtime, "clerk.two", operator="op2")
    mine = client.get(f"{API}/ports", params={"state": "rejected"}).json()
    assert [(p["id"], p["reason"]) for p in mine] == [(port["id"], "Unpaid bills")]
    assert len(history(runtime)) == 1


def test_who_may_ask_decide_and_list(client: Any, runtime: Runtime) -> None:
    two_operators(runtime)
    registered(runtime)
    assert client.post(f"{API}/ports", json=BODY).status_code == 401

    donor = staff_headers(client, runtime, "clerk.one", operator="op1")
    # A clerk of op1 cannot ask in op2's name, nor ask for a port of a number to the operator it is with.
    forged = client.post(f"{API}/ports", json=BODY, headers=donor)
    assert forged.status_code == 403 and forged.json()["error"] == "permission_denied"
    same = client.post(f"{API}/ports", json={**BODY, "operator": "op1"}, headers=donor)
    assert same.status_code == 409 and same.json()["error"] == "same_operator"
    no_token = client.post(f"{API}/ports", json={**BODY, "operator": "op1"})
    assert no_token.status_code == 403 and no_token.json()["error"] == "csrf_rejected"

    recipient = staff_headers(client, runtime, "clerk.two", operator="op2")
    other = {"type": "hkid", "number": hkid("B", "234567")}
    wrong = client.post(f"{API}/ports", json={**BODY, "document": other}, headers=recipient)
    assert wrong.status_code == 422 and wrong.json()["error"] == "not_holder"
    port = client.post(f"{API}/ports", json=BODY, headers=recipient).json()
    assert client.get(f"{API}/ports", params={"operator": "op1"}).status_code == 403
    assert client.get(f"{API}/ports", params={"state": "gone"}).status_code == 422

    # The donor's clerk cannot confirm in op2's name either (permission), nor reach an unknown request.
    donor = staff_headers(client, runtime, "clerk.one", operator="op1")
    assert client.post(f"{API}/ports/{port['id']}/confirm", json={"operator": "op2"},
                       headers=donor).status_code == 403
    assert client.post(f"{API}/ports/999/confirm", json={"operator": "op1"}, headers=donor).status_code == 404

    staff_headers(client, runtime, "reg.wong", operator=None, roles=("regulator",))
    every = client.get(f"{API}/ports")
    assert every.status_code == 200 and [p["id"] for p in every.json()] == [port["id"]]
    staff_headers(client, runtime, "dnc.lee", operator=None, roles=("dnc-officer",))
    assert client.get(f"{API}/ports").status_code == 403
