"""The verification register through the public HTTP API, on SQLite and PostgreSQL (the `client` fixture).

Seed 003, MIIT Order No. 25: 若用户……冒用他人的证件,或者使用伪造、变造的证件的,
电信业务经营者不得为其办理入网手续 —
a document the regulator flags as forged, lost or used by an impostor is refused at registration
(POST /api/v1/realname/registrations), under the default ``register`` identity verifier.
"""

from __future__ import annotations

from typing import Any

import pytest

from telreg.core import audit
from telreg.core.db import unit_of_work
from telreg.realname.verification_register import AUDIT_SUBJECT
from telreg.runtime import Runtime
from tests.realname.pii_helpers import assert_absent_in_database
from tests.realname.registration.helpers import hkid, make_operator, person, refusals, request
from tests.web.conftest import make_officer

from .helpers import (
    CLERK,
    FLAGS,
    FORGED_HKID,
    IMPOSTOR_HKID,
    LOST_HKID,
    REGISTRATIONS,
    REGULATOR,
    login,
    registration,
    staff_and_regulator,
)

BAD_FILE = (
    "doc_type,number,result,reason,owner_name\n"
    f"hkid,{FORGED_HKID},forged,seized at a shop,\n"       # line 2: good
    "hkid,A123456(4),lost,reported lost,\n"                # line 3: wrong check digit
    "hkid-card,A123456(3),forged,seized,\n"                # line 4: unknown type
    f"hkid,{LOST_HKID},stolen,reported,\n"                 # line 5: no such result
    f"hkid,{IMPOSTOR_HKID},impostor,,\n"                   # line 6: no reason
    f"hkid,{FORGED_HKID.replace('(', '').replace(')', '').lower()},lost,again,\n"  # line 7: line 2's card
    f"hkid,{hkid('B', '234567')},forged,seized,CHAN Tai Man\n"  # line 8: an owner for a forged card
)


@pytest.fixture
def world(runtime: Runtime) -> None:
    make_operator(runtime)
    staff_and_regulator(runtime)


def _flag(client: Any, *rows: dict[str, str]) -> dict[str, Any]:
    response = client.post(FLAGS, json={"rows": list(rows)}, headers=login(client, REGULATOR))
    assert response.status_code == 201, response.text
    return response.json()


def _row(number: str, result: str, **extra: str) -> dict[str, str]:
    return {"doc_type": "hkid", "number": number, "result": result, "reason": "report to the regulator",
            **extra}


@pytest.mark.parametrize(("result", "number", "code"), [
    ("forged", FORGED_HKID, "document_forged"),      # 使用伪造、变造的证件
    ("lost", LOST_HKID, "document_lost"),            # reported lost: whoever shows it is not its holder
    ("impostor", IMPOSTOR_HKID, "identity_impostor"),  # 冒用他人的证件
])
def test_a_flagged_document_is_refused_and_the_refusal_recorded(client: Any, runtime: Runtime, world: None,
                                                                 result: str, number: str, code: str) -> None:
    """Order 25: 冒用他人的证件,或者使用伪造、变造的证件的,电信业务经营者不得为其办理入网手续."""
    assert _flag(client, _row(number, result))["added"] == 1
    clerk = login(client, CLERK)
    refused = client.post(REGISTRATIONS, json=request(holder=person(number=number)), headers=clerk)
    assert refused.status_code == 422, refused.text
    assert (refused.json()["status"], refused.json()["code"], refused.json()["party"]) == ("refused", code,
                                                                                         "holder")
    assert refusals(runtime) == [("op1", "51234567", code)]
    other = client.post(REGISTRATIONS, json=request(holder=person(number=hkid("B", "234567"))), headers=clerk)
    assert other.status_code == 201, other.text  # only the flagged document is refused
    assert registration(runtime, other.json()["registration_id"]).verified_by == "register: verified"


def test_a_flag_holds_whatever_the_spelling_and_for_every_party(client: Any, runtime: Runtime,
                                                                world: None) -> None:
    """Order 25 art. 6: an agent shows their own valid document too; lost, it is refused like the holder's."""
    _flag(client, _row(LOST_HKID, "lost"))
    clerk = login(client, CLERK)
    spelt = LOST_HKID.replace("(", " ").replace(")", "").lower()  # as typed: lower case, no brackets
    refused = client.post(REGISTRATIONS, json=request(holder=person(number=spelt)), headers=clerk)
    assert refused.json()["code"] == "document_lost"
    agent = person("LAU Agent", "1970-01-01", number=LOST_HKID)
    by_agent = client.post(REGISTRATIONS, json=request("51234568", agent=agent), headers=clerk)
    assert (by_agent.json()["code"], by_agent.json()["party"]) == ("document_lost", "agent")


def test_a_withdrawn_flag_no_longer_refuses(client: Any, runtime: Runtime, world: None) -> None:
    _flag(client, _row(FORGED_HKID, "forged"))
    clerk = login(client, CLERK)
    body = request(holder=person(number=FORGED_HKID))
    assert client.post(REGISTRATIONS, json=body, headers=clerk).json()["code"] == "document_forged"

    regulator = login(client, REGULATOR)
    [flag] = client.get(FLAGS).json()
    withdrawn = client.delete(f"{FLAGS}/{flag['id']}", headers=regulator)
    assert withdrawn.status_code == 200, withdrawn.text
    assert (withdrawn.json()["in_force"], withdrawn.json()["withdrawn_by"]) == (False, f"officer:{REGULATOR}")
    again = client.delete(f"{FLAGS}/{flag['id']}", headers=regulator)
    assert again.status_code == 409 and again.json()["error"] == "flag_withdrawn"
    assert client.delete(f"{FLAGS}/999999", headers=regulator).json()["error"] == "unknown_flag"
    assert client.get(FLAGS).json() == []
    assert [f["in_force"] for f in client.get(FLAGS, params={"include_withdrawn": "true"}).json()] == [False]

    clerk = login(client, CLERK)
    assert client.post(REGISTRATIONS, json=body, headers=clerk).status_code == 201
    with unit_of_work(runtime.session_factory) as session:
        events = audit.history(session, subject_type=AUDIT_SUBJECT, subject_key=str(flag["id"]))
        actions = [event.action for event in events]
    assert actions == ["realname-verification-flag-loaded", "realname-verification-flag-withdrawn"]


def test_the_listing_shows_numbers_and_owners_masked_and_nothing_is_stored_in_clear(
        client: Any, runtime: Runtime, world: None) -> None:
    _flag(client, _row(IMPOSTOR_HKID, "impostor", owner_name="KWOK Mei Ling"), _row(LOST_HKID, "lost"))
    listing = client.get(FLAGS)
    assert listing.status_code == 200
    shown = {flag["result"]: flag for flag in listing.json()}
    assert (shown["impostor"]["document"], shown["impostor"]["owner_name"]) == ("S300***(*)", "KWOK M** L***")
    assert shown["lost"]["document"] == "R200***(*)" and shown["lost"]["owner_name"] is None
    assert "300003" not in listing.text and "Mei Ling" not in listing.text
    clear = [IMPOSTOR_HKID, IMPOSTOR_HKID.replace("(", "").replace(")", ""), LOST_HKID,
             LOST_HKID.replace("(", "").replace(")", ""), "KWOK Mei Ling"]
    assert_absent_in_database(runtime.engine, clear)


def test_a_bad_file_is_rejected_whole_with_every_problem_and_its_line(client: Any, runtime: Runtime,
                                                                     world: None) -> None:
    regulator = login(client, REGULATOR)
    upload = {"file": ("flags.csv", BAD_FILE.encode(), "text/csv")}
    response = client.post(FLAGS, files=upload, headers=regulator)
    assert response.status_code == 422, response.text
    answer = response.json()
    assert answer["error"] == "invalid_input"
    assert [p["line"] for p in answer["problems"]] == [3, 4, 5, 6, 7, 8]
    assert "line 7: the same document as line 2" in answer["detail"]
    assert "A123456" not in answer["detail"]  # the reasons never quote a document number
    assert client.get(FLAGS, params={"include_withdrawn": "true"}).json() == []  # not even line 2

    good = "\n".join(BAD_FILE.splitlines()[:2]) + "\n"
    loaded = client.post(FLAGS, files={"file": ("flags.csv", good.encode(), "text/csv")}, headers=regulator)
    assert loaded.status_code == 201 and loaded.json()["added"] == 1
    rows = client.post(FLAGS, json={"rows": [_row(LOST_HKID, "lost"), _row("A123456(4)", "lost")]},
                       headers=regulator)
    assert rows.status_code == 422 and [p["row"] for p in rows.json()["problems"]] == [2]
    assert len(client.get(FLAGS).json()) == 1


def test_only_the_regulator_and_administrators_keep_the_register(client: Any, runtime: Runtime,
                                                                 world: None) -> None:
    body = {"rows": [_row(FORGED_HKID, "forged")]}
    assert client.get(FLAGS).status_code == 401
    clerk = login(client, CLERK)
    assert client.get(FLAGS).status_code == 403
    assert client.post(FLAGS, json=body, headers=clerk).status_code == 403
    login(client, REGULATOR)
    no_token = client.post(FLAGS, json=body)
    assert no_token.status_code == 403 and no_token.json()["error"] == "csrf_rejected"
    make_officer(runtime, username="root", roles=("admin",))
    admin = login(client, "root")
    assert client.post(FLAGS, json=body, headers=admin).status_code == 201
    assert [flag["loaded_by"] for flag in client.get(FLAGS).json()] == ["officer:root"]
