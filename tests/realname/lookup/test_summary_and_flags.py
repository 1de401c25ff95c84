"""What a proved person sees, the flags they raise, and how an operator lists and closes them.
SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from telreg.core.db import unit_of_work
from telreg.core.errors import InvalidInput
from telreg.core.models import AuditEvent
from telreg.core.notify import FakeSms
from telreg.realname import lookup
from telreg.realname.errors import OperatorNotFound
from telreg.realname.lookup.errors import FlagClosed, FlagNotFound, NotYourNumber
from telreg.runtime import Runtime
from tests.realname.registration.helpers import MAINLAND

from .helpers import LI_AT_CMCC, ZHANG_AT_CMCC, ZHANG_AT_CUCC, holdings, proved_access


@pytest.fixture(autouse=True)
def _holdings(runtime: Runtime) -> None:
    holdings(runtime)


def _summary(runtime: Runtime, access: lookup.LookupAccess) -> dict:
    with unit_of_work(runtime.session_factory) as session:
        return lookup.summary(session, access=access)


def _flag(runtime: Runtime, access: lookup.LookupAccess, **which: object) -> tuple[int, bool]:
    with unit_of_work(runtime.session_factory) as session:
        flag, created = lookup.flag_number(session, clock=runtime.clock, policy=MAINLAND, access=access,
                                           **which)  # type: ignore[arg-type]
        return flag.id, created


def _flags(runtime: Runtime, operator: str, status: str = "open") -> list[dict]:
    with unit_of_work(runtime.session_factory) as session:
        return lookup.operator_flags(session, vault=runtime.vault, operator_code=operator, status=status)


def test_counts_for_every_operator_and_masked_numbers_for_the_proved_one(runtime: Runtime,
                                                                         sms: FakeSms) -> None:
    seen = _summary(runtime, proved_access(runtime, sms))
    assert seen["operator"] == "cmcc"
    assert [(o["code"], o["count"], o["yours"]) for o in seen["operators"]] == [
        ("cmcc", 3, True), ("ctcc", 0, False), ("cucc", 1, False)]
    assert seen["total"] == 4
    # 11 digits: the first five kept (core.masking: the first half of the digits, rounded down).
    assert [n["number"] for n in seen["numbers"]] == ["13800******"] * 3
    assert [n["position"] for n in seen["numbers"]] == [1, 2, 3]
    assert [n["proved"] for n in seen["numbers"]] == [False, True, False]  # proved with ZHANG_AT_CMCC[1]
    assert LI_AT_CMCC[:5] + "******" not in [n["number"] for n in seen["numbers"]]


def test_proving_with_another_operators_number_shows_that_operators_numbers(runtime: Runtime,
                                                                           sms: FakeSms) -> None:
    seen = _summary(runtime, proved_access(runtime, sms, ZHANG_AT_CUCC[0]))
    assert seen["operator"] == "cucc"
    assert [n["number"] for n in seen["numbers"]] == ["13100******"]


def test_flag_by_position_and_by_number_then_the_operator_closes_it(runtime: Runtime, sms: FakeSms) -> None:
    access = proved_access(runtime, sms)
    by_position, created = _flag(runtime, access, position=3)
    assert created
    again, created_again = _flag(runtime, access, number=ZHANG_AT_CMCC[2])  # the same number, typed
    assert (again, created_again) == (by_position, False)
    other_operator, _ = _flag(runtime, access, number=f"+86 {ZHANG_AT_CUCC[0]}")

    open_cmcc = _flags(runtime, "cmcc")
    assert [f["number"] for f in open_cmcc] == [ZHANG_AT_CMCC[2]]
    assert open_cmcc[0]["holder"]["name"] == "张*" and open_cmcc[0]["still_held"]
    assert [f["number"] for f in _flags(runtime, "cucc")] == [ZHANG_AT_CUCC[0]]
    assert [n["flagged"] for n in _summary(runtime, access)["numbers"]] == [False, False, True]

    with unit_of_work(runtime.session_factory) as session:
        lookup.close_flag(session, clock=runtime.clock, flag_id=by_position,
                          note="Confirmed with the holder in the shop", actor="staff:clerk")
    assert _flags(runtime, "cmcc") == []
    closed = _flags(runtime, "cmcc", status="closed")
    assert closed[0]["note"] == "Confirmed with the holder in the shop"
    assert closed[0]["closed_by"] == "staff:clerk"
    with unit_of_work(runtime.session_factory) as session, pytest.raises(FlagClosed):
        lookup.close_flag(session, clock=runtime.clock, flag_id=by_position, note="again", actor="staff:c")
    # Once closed, the same number can be flagged anew.
    assert _flag(runtime, access, position=3)[1] is True

    with unit_of_work(runtime.session_factory) as session:
        events = [(e.action, e.subject_key) for e in session.scalars(
            select(AuditEvent).where(AuditEvent.subject_type == "realname-flag").order_by(AuditEvent.id))]
    assert [a for a, _ in events] == ["realname-flag-raised", "realname-flag-raised", "realname-flag-closed",
                                      "realname-flag-raised"]
    assert events[0][1] == str(by_position) and events[1][1] == str(other_operator)


def test_only_the_proved_identitys_numbers_can_be_flagged(runtime: Runtime, sms: FakeSms) -> None:
    access = proved_access(runtime, sms)
    with pytest.raises(NotYourNumber):
        _flag(runtime, access, number=LI_AT_CMCC)
    with pytest.raises(NotYourNumber):
        _flag(runtime, access, number="13700137000")
    for bad in ({"position": 4}, {"position": 0}, {}, {"position": 1, "number": ZHANG_AT_CMCC[0]}):
        with pytest.raises(InvalidInput):
            _flag(runtime, access, **bad)
    assert _flags(runtime, "cmcc") == []


def test_closing_needs_a_note_and_an_existing_flag(runtime: Runtime, sms: FakeSms) -> None:
    flag_id, _ = _flag(runtime, proved_access(runtime, sms), position=1)
    with unit_of_work(runtime.session_factory) as session:
        with pytest.raises(InvalidInput):
            lookup.close_flag(session, clock=runtime.clock, flag_id=flag_id, note="   ", actor="staff:clerk")
        with pytest.raises(InvalidInput):
            lookup.close_flag(session, clock=runtime.clock, flag_id=flag_id, note="x" * 1001, actor="staff:c")
        with pytest.raises(FlagNotFound):
            lookup.close_flag(session, clock=runtime.clock, flag_id=flag_id + 100, note="ok", actor="staff:c")
        with pytest.raises(OperatorNotFound):
            lookup.operator_flags(session, vault=runtime.vault, operator_code="nope")
    assert len(_flags(runtime, "cmcc")) == 1
