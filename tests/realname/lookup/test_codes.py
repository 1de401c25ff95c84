"""Proving an identity for the lookup: the code, its limits, and answers that never tell whether an identity
exists. SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select, text

from telreg.core.clock import FixedClock
from telreg.core.db import unit_of_work
from telreg.core.errors import InvalidInput
from telreg.core.models import AuditEvent
from telreg.core.notify import FakeSms
from telreg.realname import lookup
from telreg.realname.lookup.errors import LookupAccessEnded, LookupNotOffered, LookupRateLimited
from telreg.realname.lookup.models import LookupChallenge
from telreg.runtime import Runtime
from tests.realname.registration.helpers import HONG_KONG, resident_id

from .helpers import (
    CARD,
    LI_AT_CMCC,
    OTHER_CARD,
    ZHANG_AT_CMCC,
    ask,
    code_sent,
    holdings,
    prove,
    wrong,
)


@pytest.fixture(autouse=True)
def _holdings(runtime: Runtime) -> None:
    holdings(runtime)


def test_the_right_code_opens_the_lookup_once(runtime: Runtime, sms: FakeSms) -> None:
    requested = ask(runtime, lang="zh-Hans")
    assert requested.expires_at == runtime.clock.now() + dt.timedelta(minutes=10)
    assert [number for number, _ in sms.sent] == [ZHANG_AT_CMCC[1]]
    assert "验证码" in sms.sent[0][1]
    code = code_sent(sms, ZHANG_AT_CMCC[1])

    proof = prove(runtime, requested.token, code)
    assert proof.access_token and proof.rejected is None
    assert proof.expires_at == runtime.clock.now() + dt.timedelta(minutes=30)
    again = prove(runtime, requested.token, code)
    assert again.access_token is None and again.rejected is not None
    assert again.rejected.extra["reason"] == "used"


UNKNOWN_CARD = resident_id(dt.date(1970, 1, 1), region="310101", sequence="007")  # valid, not on record
NO_MATCH = {
    "unknown document": {"document": UNKNOWN_CARD},
    "another holder's number": {"number": LI_AT_CMCC},
    "unknown number": {"number": "13700137000"},
    "another holder's document": {"document": OTHER_CARD},
}


@pytest.mark.parametrize("case", list(NO_MATCH))
def test_no_match_is_answered_like_a_match_and_sends_nothing(runtime: Runtime, sms: FakeSms,
                                                             case: str) -> None:
    # The reference: a matched request, answered with a wrong code.
    matched = ask(runtime, number=ZHANG_AT_CMCC[0])
    matched_answer = prove(runtime, matched.token, wrong(code_sent(sms, ZHANG_AT_CMCC[0]))).rejected
    assert matched_answer is not None
    sms.sent.clear()

    unmatched = ask(runtime, **NO_MATCH[case])
    assert sms.sent == []
    assert set(vars(unmatched)) == set(vars(matched)) and len(unmatched.token) == len(matched.token)
    assert unmatched.expires_at == matched.expires_at
    # Every code is wrong for it, and the answer is word for word the answer to a wrong code.
    answers = [prove(runtime, unmatched.token, code).rejected for code in ("000000", "123456", "999999")]
    assert all(answer is not None for answer in answers)
    assert answers[0].to_dict() == matched_answer.to_dict()


def test_five_wrong_codes_lock_the_challenge(runtime: Runtime, sms: FakeSms) -> None:
    requested = ask(runtime)
    code = code_sent(sms, ZHANG_AT_CMCC[1])
    lefts = [prove(runtime, requested.token, wrong(code)).rejected.extra["attempts_left"] for _ in range(5)]
    assert lefts == [4, 3, 2, 1, 0]
    locked = prove(runtime, requested.token, code)  # the right code, too late
    assert locked.access_token is None and locked.rejected.extra["reason"] == "locked"


def test_a_code_expires_after_ten_minutes(runtime: Runtime, sms: FakeSms, clock: FixedClock) -> None:
    requested = ask(runtime)
    code = code_sent(sms, ZHANG_AT_CMCC[1])
    clock.advance(minutes=10)
    expired = prove(runtime, requested.token, code)
    assert expired.access_token is None and expired.rejected.extra["reason"] == "expired"


def test_a_code_just_before_expiry_still_works(runtime: Runtime, sms: FakeSms, clock: FixedClock) -> None:
    requested = ask(runtime)
    clock.advance(minutes=9, seconds=59)
    assert prove(runtime, requested.token, code_sent(sms, ZHANG_AT_CMCC[1])).access_token


def test_a_newer_code_retires_the_older_one(runtime: Runtime, sms: FakeSms) -> None:
    first = ask(runtime)
    first_code = code_sent(sms, ZHANG_AT_CMCC[1])
    second = ask(runtime)
    second_code = code_sent(sms, ZHANG_AT_CMCC[1])
    assert prove(runtime, first.token, first_code).rejected.extra["reason"] == "superseded"
    assert prove(runtime, second.token, second_code).access_token


def test_codes_per_number_are_limited_within_the_hour(runtime: Runtime, clock: FixedClock) -> None:
    limits = lookup.LookupLimits(per_number=3, per_document=100)
    for minute in range(3):
        ask(runtime, limits=limits)
        clock.advance(minutes=1)
    with pytest.raises(LookupRateLimited) as refused:
        ask(runtime, limits=limits)
    # The first of the three was asked 3 minutes ago: it leaves the one-hour window in 57 minutes.
    assert 56 * 60 < refused.value.retry_after <= 57 * 60 + 1
    # Another document on the same number is refused too (the number is what is protected) ...
    with pytest.raises(LookupRateLimited):
        ask(runtime, limits=limits, document=OTHER_CARD)
    clock.advance(minutes=57)
    ask(runtime, limits=limits)  # ... until the oldest request has left the window


def test_codes_per_document_are_limited_whatever_the_number(runtime: Runtime) -> None:
    limits = lookup.LookupLimits(per_number=100, per_document=2)
    ask(runtime, limits=limits, number=ZHANG_AT_CMCC[0])
    ask(runtime, limits=limits, number="13700137000")  # unmatched requests count as well
    with pytest.raises(LookupRateLimited):
        ask(runtime, limits=limits, number=ZHANG_AT_CMCC[2])


@pytest.mark.parametrize("shared", ["number", "document"])
def test_concurrent_code_requests_never_exceed_a_limit(runtime: Runtime, shared: str) -> None:
    # Twelve requests at once on one number (or with one document): counting and recording must not interleave,
    # or several would each count 2 of 3 and all go through.
    limits = lookup.LookupLimits(per_number=3 if shared == "number" else 100,
                                 per_document=3 if shared == "document" else 100)
    numbers = [f"137001370{i:02d}" for i in range(12)]
    start = threading.Barrier(12)

    def attempt(i: int) -> bool:
        start.wait()
        try:
            if shared == "number":  # different (valid, unknown) documents on one number
                ask(runtime, limits=limits, document=resident_id(dt.date(1970, 1, 1 + i), region="310101",
                                                                 sequence="007"))
            else:  # one document on different numbers
                ask(runtime, limits=limits, number=numbers[i])
        except LookupRateLimited:
            return False
        return True

    with ThreadPoolExecutor(max_workers=12) as pool:
        granted = list(pool.map(attempt, range(12)))
    assert granted.count(True) == 3
    with unit_of_work(runtime.session_factory) as session:
        assert session.scalar(select(func.count()).select_from(LookupChallenge)) == 3


def test_invalid_input_is_refused_before_anything_is_written(runtime: Runtime, sms: FakeSms) -> None:
    bad_check = CARD[:-1] + ("0" if CARD[-1] != "0" else "1")
    with pytest.raises(InvalidInput, match="not valid"):
        ask(runtime, document=bad_check)
    with pytest.raises(InvalidInput, match="personal identity document"):
        ask(runtime, doc_type="cn-uscc")
    with pytest.raises(InvalidInput):
        ask(runtime, number="12345")
    with unit_of_work(runtime.session_factory) as session:
        assert session.scalars(select(LookupChallenge)).all() == []
    assert sms.sent == []


def test_the_hong_kong_policy_does_not_offer_the_lookup(runtime: Runtime) -> None:
    with unit_of_work(runtime.session_factory) as session, pytest.raises(LookupNotOffered):
        lookup.request_code(session, vault=runtime.vault, policy=HONG_KONG, clock=runtime.clock,
                            sms=runtime.sms, doc_type="hkid", document="A123456(3)", number="51234567")


def test_the_access_lasts_thirty_minutes(runtime: Runtime, sms: FakeSms, clock: FixedClock) -> None:
    requested = ask(runtime)
    token = prove(runtime, requested.token, code_sent(sms, ZHANG_AT_CMCC[1])).access_token
    clock.advance(minutes=29, seconds=59)
    with unit_of_work(runtime.session_factory) as session:
        assert lookup.access(session, clock=clock, access_token=token).identity_id
    clock.advance(seconds=1)
    with unit_of_work(runtime.session_factory) as session, pytest.raises(LookupAccessEnded):
        lookup.access(session, clock=clock, access_token=token)
    with unit_of_work(runtime.session_factory) as session, pytest.raises(LookupAccessEnded):
        lookup.access(session, clock=clock, access_token="made-up")


def test_neither_code_nor_tokens_are_stored_in_clear(runtime: Runtime, sms: FakeSms) -> None:
    requested = ask(runtime)
    code = code_sent(sms, ZHANG_AT_CMCC[1])
    token = prove(runtime, requested.token, code).access_token
    with unit_of_work(runtime.session_factory) as session:
        rows = session.execute(text("SELECT * FROM realname_lookup_challenges")).all()
        dumped = " ".join(str(value) for row in rows for value in row)
        events = " ".join(str(e.details) for e in session.scalars(select(AuditEvent)))
    for secret in (code, requested.token, token, CARD):
        assert secret not in dumped and secret not in events


def test_requests_and_proofs_are_audited(runtime: Runtime, sms: FakeSms) -> None:
    requested = ask(runtime)
    code = code_sent(sms, ZHANG_AT_CMCC[1])
    prove(runtime, requested.token, wrong(code))
    prove(runtime, requested.token, code)
    with unit_of_work(runtime.session_factory) as session:
        actions = [e.action for e in session.scalars(
            select(AuditEvent).where(AuditEvent.subject_type == "realname-lookup").order_by(AuditEvent.id))]
    assert actions == ["realname-lookup-code-requested", "realname-lookup-code-wrong",
                       "realname-lookup-proved"]


def test_one_code_proved_by_concurrent_requests_opens_exactly_one_access(runtime: Runtime,
                                                                         sms: FakeSms) -> None:
    requested = ask(runtime)
    code = code_sent(sms, ZHANG_AT_CMCC[1])
    start = threading.Barrier(6)

    def attempt() -> bool:
        start.wait()
        return prove(runtime, requested.token, code).access_token is not None

    with ThreadPoolExecutor(max_workers=6) as pool:
        granted = list(pool.map(lambda _: attempt(), range(6)))
    assert granted.count(True) == 1
