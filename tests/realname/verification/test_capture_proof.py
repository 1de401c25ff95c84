"""Capture proofs through the public HTTP API under the mainland policy, on SQLite and PostgreSQL.

Seed 003, MIIT notice 182号: 必须采取二代身份证识别设备、联网核验等措施核验用户身份信息,
禁止人工录入居民身份证信息 — a resident ID card declared read by a card reader or verified online must come
with the proof the reader or the online verification issued for it; declaring the capture is not enough.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from telreg.runtime import Runtime
from tests.realname.registration.helpers import make_operator, person, proved, refusals, request

from .helpers import (
    CARD,
    CHECKS,
    CLERK,
    FLAGS,
    OTHER_CARD,
    REGISTRATIONS,
    REGULATOR,
    TRANSFERS,
    login,
    registration,
    staff_and_regulator,
    zhang,
)

NUMBER = "13800138000"


@pytest.fixture
def clerk(client: Any, runtime: Runtime) -> dict[str, str]:
    runtime.settings = runtime.settings.model_copy(update={"realname_policy": "mainland-china"})
    make_operator(runtime, "cmcc", "China Mobile")
    staff_and_regulator(runtime, operator="cmcc")
    return login(client, CLERK)


def _register(client: Any, clerk: dict[str, str], holder: dict[str, Any], **extra: Any) -> Any:
    body = request(NUMBER, holder, operator="cmcc", service="postpaid", **extra)
    return client.post(REGISTRATIONS, json=body, headers=clerk)


def _online_proof(client: Any, clerk: dict[str, str], number: str = CARD) -> dict[str, Any]:
    body = {"document": {"type": "cn-resident-id", "number": number}, "name": "张三"}
    checked = client.post(CHECKS, json=body, headers=clerk)
    assert checked.status_code == 200, checked.text
    return checked.json()


def _reader_token(cli: Any, number: str = CARD, device: str = "SHOP-READER-01") -> str:
    code, out, err = cli("realname", "verification", "reader-token", device, "cn-resident-id", number)
    assert code == 0, err
    return out.strip()


def _claims(token: str) -> dict[str, Any]:
    encoded = token.split(".")[0]
    return json.loads(base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)))


@pytest.mark.parametrize("capture", ["card_reader", "online_verification", "mrz_scan"])
def test_a_declared_capture_without_its_proof_is_refused(client: Any, runtime: Runtime, clerk: dict[str, str],
                                                         capture: str) -> None:
    """Notice 182号: 禁止人工录入居民身份证信息 — saying "card reader" does not make the card read."""
    refused = _register(client, clerk, zhang(capture))
    assert refused.status_code == 422, refused.text
    assert (refused.json()["code"], refused.json()["party"]) == ("capture_unproven", "holder")
    assert refusals(runtime) == [("cmcc", NUMBER, "capture_unproven")]


def test_online_verification_vouches_and_the_registration_records_it(client: Any, runtime: Runtime,
                                                                     clerk: dict[str, str]) -> None:
    """Notice 182号: 联网核验 — the checks endpoint verifies the card; its proof carries the registration."""
    checked = _online_proof(client, clerk)
    assert (checked["result"], checked["refused"], checked["adapter"]) == ("verified", False, "register")
    assert checked["document"] == "110105***********" + CARD[-1]
    claims = _claims(checked["proof"])
    assert (claims["by"], claims["capture"], claims["doc"]) == ("register", "online_verification",
                                                                "cn-resident-id")
    assert CARD not in checked["proof"] and CARD not in json.dumps(claims)  # the token names no one

    done = _register(client, clerk, zhang("online_verification", proof=checked["proof"]))
    assert done.status_code == 201, done.text
    checks = registration(runtime, done.json()["registration_id"]).checks
    assert checks["holder"] == {"capture": "online_verification", "adapter": "register", "result": "verified",
                                "vouched_by": "register"}


def test_a_card_readers_token_vouches_with_the_device(client: Any, runtime: Runtime, cli: Any,
                                                      clerk: dict[str, str]) -> None:
    """Notice 182号: 二代身份证识别设备 — the reader that read the card is recorded."""
    done = _register(client, clerk, zhang("card_reader", proof=_reader_token(cli)))
    assert done.status_code == 201, done.text
    checks = registration(runtime, done.json()["registration_id"]).checks
    assert checks["holder"]["vouched_by"] == "SHOP-READER-01"


def test_proofs_that_do_not_hold_are_refused(client: Any, runtime: Runtime, cli: Any,
                                             clerk: dict[str, str]) -> None:
    token = _reader_token(cli)
    claims_part, mac = token.split(".")
    # Change the first character: it carries 6 whole bits of the MAC, so the text still decodes (the last
    # character of unpadded base64 carries only 4, and changing it can make the text undecodable instead).
    other_mac = ("B" if mac[0] != "B" else "C") + mac[1:]
    other_claims = json.dumps({**_claims(token), "by": "OTHER-READER"}, separators=(",", ":"), sort_keys=True)
    renamed = base64.urlsafe_b64encode(other_claims.encode()).rstrip(b"=").decode()
    cases = {
        "forged MAC": (zhang(proof=f"{claims_part}.{other_mac}"), "does not match this document"),
        "claims altered": (zhang(proof=f"{renamed}.{mac}"), "does not match this document"),
        "another card's proof": (zhang(proof=_reader_token(cli, OTHER_CARD)), "does not match this document"),
        "another capture": (zhang("online_verification", proof=token), "not by online verification"),
        "not a proof": (zhang(proof="read-by-me"), "is not a capture proof"),
    }
    for case, (holder, reason) in cases.items():
        refused = _register(client, clerk, holder)
        assert refused.json()["code"] == "capture_proof_invalid", case
        assert reason in refused.json()["reason"], (case, refused.json()["reason"])
    assert _register(client, clerk, zhang(proof=token)).status_code == 201  # the genuine one still works


def test_a_proof_expires_after_thirty_minutes(client: Any, runtime: Runtime, cli: Any, clerk: dict[str, str],
                                              clock: Any) -> None:
    online = _online_proof(client, clerk)["proof"]
    clock.advance(minutes=30, seconds=1)
    refused = _register(client, clerk, zhang("online_verification", proof=online))
    assert refused.json()["code"] == "capture_proof_invalid" and "expired at" in refused.json()["reason"]
    fresh = _online_proof(client, clerk)["proof"]  # verified again: a new proof
    assert _register(client, clerk, zhang("online_verification", proof=fresh)).status_code == 201


def test_every_party_proves_their_capture(client: Any, runtime: Runtime, cli: Any,
                                          clerk: dict[str, str]) -> None:
    """Order 25 art. 6: the agent's own card is checked like the holder's (and read like it, notice 182号)."""
    agent = person("李四", "1985-06-15", doc_type="cn-resident-id", number=OTHER_CARD, capture="card_reader",
                   address="上海市黄浦区人民大道200号")
    holder = zhang(proof=_reader_token(cli))
    refused = _register(client, clerk, holder, agent=agent, agent_authorisation_letter="LETTER-1")
    assert (refused.json()["code"], refused.json()["party"]) == ("capture_unproven", "agent")
    done = _register(client, clerk, holder, agent=proved(runtime, agent),
                     agent_authorisation_letter="LETTER-1")
    assert done.status_code == 201, done.text
    checks = registration(runtime, done.json()["registration_id"]).checks
    assert {role: check["vouched_by"] for role, check in checks.items()} == {"holder": "SHOP-READER-01",
                                                                              "agent": "TEST-READER-01"}


def test_a_transfer_proves_the_new_holders_capture(client: Any, runtime: Runtime, cli: Any,
                                                    clerk: dict[str, str]) -> None:
    assert _register(client, clerk, zhang(proof=_reader_token(cli))).status_code == 201
    li = person("李四", "1985-06-15", doc_type="cn-resident-id", number=OTHER_CARD, capture="card_reader",
                address="上海市黄浦区人民大道200号")
    body = {"operator": "cmcc", "number": NUMBER, "holder": li}
    refused = client.post(TRANSFERS, json=body, headers=clerk)
    assert (refused.status_code, refused.json()["code"]) == (422, "capture_unproven")
    body["holder"] = proved(runtime, li)
    moved = client.post(TRANSFERS, json=body, headers=clerk)
    assert moved.status_code == 201, moved.text


def test_a_flagged_card_gets_no_proof_and_a_read_one_is_still_refused(client: Any, runtime: Runtime, cli: Any,
                                                                      clerk: dict[str, str]) -> None:
    """Order 25: 使用伪造、变造的证件的,电信业务经营者不得为其办理入网手续 — a read card may be a forgery."""
    rows = [{"doc_type": "cn-resident-id", "number": CARD, "result": "forged",
             "reason": "not in the records"}]
    assert client.post(FLAGS, json={"rows": rows}, headers=login(client, REGULATOR)).status_code == 201
    clerk = login(client, CLERK)
    checked = _online_proof(client, clerk)
    assert (checked["refused"], checked["code"], checked["proof"]) == (True, "document_forged", None)
    refused = _register(client, clerk, zhang(proof=_reader_token(cli)))
    assert refused.json()["code"] == "document_forged"


def test_the_checks_are_for_operators_staff(client: Any, runtime: Runtime, clerk: dict[str, str]) -> None:
    body = {"document": {"type": "cn-resident-id", "number": CARD}, "name": "张三"}
    login(client, REGULATOR)
    assert client.post(CHECKS, json=body).status_code == 403
    clerk = login(client, CLERK)
    mistyped = {"type": "cn-resident-id", "number": CARD[:-1] + ("0" if CARD[-1] != "0" else "1")}
    bad = client.post(CHECKS, json={**body, "document": mistyped}, headers=clerk)
    assert bad.status_code == 422 and bad.json()["error"] == "invalid_input"


def test_the_hong_kong_policy_needs_no_proof(client: Any, runtime: Runtime) -> None:
    """Seed 000's Hong Kong policy forbids no manual entry (manual_entry_forbidden = []): a declared reader is
    taken at its word."""
    make_operator(runtime)
    staff_and_regulator(runtime)
    body = request(holder=person(capture="card_reader"))
    done = client.post(REGISTRATIONS, json=body, headers=login(client, CLERK))
    assert done.status_code == 201, done.text
    assert "vouched_by" not in registration(runtime, done.json()["registration_id"]).checks["holder"]
