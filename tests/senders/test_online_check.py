"""The online check: ≤100 numbers, only held registers, per-number answers with protection dates; recorded."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from telreg.core.db import unit_of_work
from telreg.core.errors import InvalidNumber
from telreg.core.phone import parse_registrable
from telreg.dnc.vocabulary import Register
from telreg.senders.models import SenderCheck

from ..dnc.publish_helpers import register
from .usage_helpers import DAY1, DAY2, at, make_accounts, sender_client, sign_in

URL = "/api/v1/senders/me/check"


@pytest.fixture
def accounts(runtime, clock):
    ids = make_accounts(runtime)  # on Monday 2 March 2026
    register(runtime, "21234567", Register.sms, Register.fax)
    register(runtime, "61234567", Register.fax)
    clock.set(at(DAY2, 9))
    return ids


def _checks(runtime, account_id):
    with unit_of_work(runtime.read_session_factory) as session:
        return [(c.registers, c.numbers_checked, c.client_address, c.api_key_id)
                for c in session.scalars(select(SenderCheck).where(SenderCheck.account_id == account_id))]


def _reason(raw):
    with pytest.raises(InvalidNumber) as problem:
        parse_registrable(raw)
    return problem.value.message


def test_a_listed_number_is_not_protected_until_the_tenth_working_day(runtime, accounts):
    with sender_client(runtime) as client:
        headers = sign_in(client, accounts["sms"])
        today = client.post(URL, json={"numbers": ["2123 4567", "+852 6123 4567"]}, headers=headers)
        friday = client.post(URL, json={"numbers": ["21234567"], "on": "2026-03-13"}, headers=headers)
        thursday = client.post(URL, json={"numbers": ["21234567"], "on": "2026-03-12"}, headers=headers)
    assert today.status_code == 200, today.text
    body = today.json()
    assert body["registers"] == ["sms"] and body["on"] == DAY2.isoformat()
    listed, other = body["results"]
    assert listed["number"] == "21234567" and listed["input"] == "2123 4567"
    # Registered Monday 2 March 2026: protection from Friday 13 March (10 working days, the README's example).
    assert listed["registers"]["sms"] == {"status": "listed", "registered_on": "2026-03-02",
                                          "protection_starts_on": "2026-03-13", "protected": False}
    assert other["registers"]["sms"]["status"] == "not_listed"  # listed on fax only, which is not held
    assert body["summary"] == {"numbers": 2, "invalid": 0, "listed": 1, "protected": 0}
    assert friday.json()["results"][0]["registers"]["sms"]["protected"] is True
    assert thursday.json()["results"][0]["registers"]["sms"]["protected"] is False
    assert _checks(runtime, accounts["sms"]) == [("sms", 2, "testclient", None), ("sms", 1, "testclient", None),
                                                 ("sms", 1, "testclient", None)]


def test_a_hundred_numbers_pass_and_a_hundred_and_one_are_refused_with_the_limit(runtime, accounts):
    numbers = [f"2123{i:04d}" for i in range(4500, 4600)]
    assert "21234567" in numbers
    with sender_client(runtime) as client:
        headers = sign_in(client, accounts["sms"])
        hundred = client.post(URL, json={"numbers": numbers}, headers=headers)
        too_many = client.post(URL, json={"numbers": [*numbers, "21239999"]}, headers=headers)
    assert hundred.status_code == 200, hundred.text
    results = hundred.json()["results"]
    assert [r["number"] for r in results] == numbers
    assert [r["number"] for r in results if r["registers"]["sms"]["status"] == "listed"] == ["21234567"]
    assert too_many.status_code == 422
    assert too_many.json()["error"] == "too_many_numbers"
    assert "at most 100 numbers per check" in too_many.json()["detail"] and "101" in too_many.json()["detail"]
    assert _checks(runtime, accounts["sms"]) == [("sms", 100, "testclient", None)]  # the refused one is not


def test_malformed_numbers_are_answered_invalid_with_the_reason(runtime, accounts):
    entries = ["21234567", "2123-abcd", "12345", "+44 20 7946 0958", "800 123 456", "", 21234567, None]
    with sender_client(runtime) as client:
        headers = sign_in(client, accounts["sms"])
        response = client.post(URL, json={"numbers": entries}, headers=headers)
    assert response.status_code == 200, response.text
    results = response.json()["results"]
    assert [r["valid"] for r in results] == [True, False, False, False, False, False, True, False]
    for entry, result in zip(entries, results):
        if not result["valid"]:
            assert result["reason"] == _reason(None if entry is None else str(entry))
            assert result["registers"]["sms"]["status"] == "invalid" and result["number"] is None
    assert "letters" in results[1]["reason"] and "toll-free" in results[4]["reason"]
    assert results[6]["registers"]["sms"]["status"] == "listed"  # a JSON number is read as its digits
    assert response.json()["summary"]["invalid"] == 6


def test_only_registers_the_account_holds_and_may_use(runtime, clock, accounts):
    with sender_client(runtime) as client:
        headers = sign_in(client, accounts["sms"])
        fax = client.post(URL, json={"numbers": ["21234567"], "registers": ["sms", "fax"]}, headers=headers)
        unknown = client.post(URL, json={"numbers": ["21234567"], "registers": ["email"]}, headers=headers)
        no_token = client.post(URL, json={"numbers": ["21234567"]})

        headers = sign_in(client, accounts["pending"])
        pending = client.post(URL, json={"numbers": ["21234567"]}, headers=headers)

        clock.set(at(dt.date(2026, 6, 2), 9))  # the 3-month plan ended: grace
        headers = sign_in(client, accounts["short"])
        grace = client.post(URL, json={"numbers": ["21234567"], "registers": ["sms"]}, headers=headers)
    assert fax.status_code == 403 and fax.json()["register"] == "fax" and fax.json()["reason"] == "not-subscribed"
    assert "Fax Register" in fax.json()["detail"]
    assert unknown.status_code == 422 and unknown.json()["error"] == "unknown_register"
    assert no_token.status_code == 403 and no_token.json()["error"] == "csrf_rejected"
    assert pending.status_code == 403 and pending.json()["reason"] == "pending"
    assert grace.status_code == 403 and grace.json()["reason"] == "expired" and "2026-06-02" in grace.json()["detail"]
    for name in ("sms", "pending", "short"):
        assert _checks(runtime, accounts[name]) == []


def test_checks_close_for_the_update_window(runtime, clock, accounts):
    with sender_client(runtime) as client:
        headers = sign_in(client, accounts["sms"])
        clock.set(at(DAY2, 23, 0))
        closed = client.post(URL, json={"numbers": ["21234567"]}, headers=headers)
        clock.set(at(DAY2, 22, 59))
        open_ = client.post(URL, json={"numbers": ["21234567"]}, headers=headers)
    assert closed.status_code == 503 and closed.headers["retry-after"] == "3600"
    assert "Online checks" in closed.json()["detail"] and "00:00" in closed.json()["detail"]
    assert open_.status_code == 200
    assert len(_checks(runtime, accounts["sms"])) == 1


def test_a_warm_check_reads_nothing_from_the_database(runtime, accounts, monkeypatch):
    """Listings come from the in-memory index, the caller and the seeds from the process's caches: once warm, a
    check of 100 numbers only writes its record (and the listing index may read its change feed)."""
    from sqlalchemy import event

    from telreg.senders import deps, online_check

    # The caches keep an answer 1 s of wall time; on a loaded machine the two requests were once further apart than
    # that, and the second asked the database again, as it should then. The business clock is frozen here.
    for cache in (deps._CALLERS, online_check._SEEDS):
        monkeypatch.setattr(cache, "_ttl", 600.0)
    statements: list[str] = []

    def count(conn, cursor, statement, *args):  # noqa: ANN001
        statements.append(" ".join(statement.split()).upper())

    numbers = [f"2123{i:04d}" for i in range(4500, 4600)]
    with sender_client(runtime) as client:
        headers = sign_in(client, accounts["sms"])
        assert client.post(URL, json={"numbers": numbers[:1]}, headers=headers).status_code == 200  # warm up
        event.listen(runtime.engine, "before_cursor_execute", count)
        try:
            answer = client.post(URL, json={"numbers": numbers}, headers=headers)
        finally:
            event.remove(runtime.engine, "before_cursor_execute", count)
    assert answer.status_code == 200, answer.text
    assert [r["number"] for r in answer.json()["results"] if r["registers"]["sms"]["status"] == "listed"] == [
        "21234567"]
    reads = [s for s in statements if s.startswith("SELECT") and "AUDIT_EVENTS" not in s]
    assert not [s for s in reads if "DNC_LISTINGS" in s or "SENDER_" in s or "AUTH_SESSIONS" in s
                or "ENF_SEED" in s], reads
    assert any(s.startswith("INSERT INTO SENDER_CHECKS") for s in statements)
    assert len(_checks(runtime, accounts["sms"])) == 2


def test_the_day_defaults_to_today_in_hong_kong(runtime, clock, accounts):
    clock.set(at(dt.date(2026, 3, 13), 0, 30))  # 16:30 UTC on the 12th: Hong Kong is already on the 13th
    with sender_client(runtime) as client:
        headers = sign_in(client, accounts["sms"])
        body = client.post(URL, json={"numbers": ["21234567"]}, headers=headers).json()
    assert body["on"] == "2026-03-13"
    assert body["results"][0]["registers"]["sms"]["protected"] is True
    assert DAY1.isoformat() == body["results"][0]["registers"]["sms"]["registered_on"]


def test_an_empty_list_of_registers_is_refused_not_read_as_every_register(runtime, accounts):
    with sender_client(runtime) as client:
        headers = sign_in(client, accounts["sms"])
        empty = client.post(URL, json={"numbers": ["21234567"], "registers": []}, headers=headers)
        omitted = client.post(URL, json={"numbers": ["21234567"]}, headers=headers)
    assert empty.status_code == 422 and empty.json()["registers"] == []
    assert "Choose at least one register to check" in empty.json()["detail"]
    assert omitted.status_code == 200 and omitted.json()["registers"] == ["sms"]  # not said: every usable one
    assert len(_checks(runtime, accounts["sms"])) == 1  # the refused request is not recorded as a check
