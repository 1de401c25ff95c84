"""Transfers, terminations and changes of details; quotas given back. SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from telreg.core import audit
from telreg.core.clock import HK
from telreg.core.db import unit_of_work
from telreg.realname import changes, views
from telreg.realname.errors import AlreadyTerminated, NotRegistered, NumberNotFound
from telreg.realname.models import QuotaCounter, Registration
from telreg.realname.service import AUDIT_SUBJECT
from telreg.runtime import Runtime

from .helpers import HONG_KONG, hkid, make_operator, person, refusals, request, submit, submit_transfer

CHAN = person("CHAN Tai Man", number=hkid("A", "123456"))
WONG = person("WONG Siu Ming", "1980-05-05", number=hkid("B", "234567"))


@pytest.fixture(autouse=True)
def _registered(runtime: Runtime) -> None:
    make_operator(runtime)
    assert submit(runtime, request("51234567", CHAN))["status"] == "registered"


def _held(runtime: Runtime) -> list[int]:
    with unit_of_work(runtime.session_factory) as session:
        return list(session.scalars(select(QuotaCounter.held).order_by(QuotaCounter.identity_id)))


def _terminate(runtime: Runtime, number: str = "51234567", operator: str = "op1") -> dict[str, object]:
    with unit_of_work(runtime.session_factory) as session:
        return changes.terminate(session, clock=runtime.clock, settings=runtime.settings, policy=HONG_KONG,
                                 operator=operator, number=number, actor="test")


def _transfer(holder: dict[str, object], **extra: object) -> dict[str, object]:
    return {"operator": "op1", "number": "51234567", "holder": holder, **extra}


def test_a_transfer_re_registers_the_number_and_moves_the_quota(runtime: Runtime) -> None:
    outcome = submit_transfer(runtime, _transfer(WONG))
    assert outcome["status"] == "transferred"
    assert outcome["holder"]["name"] == "WONG S** M***" and outcome["quota"] == {"held": 1, "limit": 10}
    with unit_of_work(runtime.session_factory) as session:
        rows = session.scalars(select(Registration).order_by(Registration.id)).all()
        assert [(r.id, r.end_reason) for r in rows] == [(outcome["previous_registration_id"], "transferred"),
                                                       (outcome["registration_id"], None)]
        shown = views.number_view(session, vault=runtime.vault, policy=HONG_KONG, number="51234567")
    assert shown["registration"]["holder"]["name"] == "WONG S** M***" and shown["state"] == "active"
    assert _held(runtime) == [0, 1]  # CHAN gave the place back, WONG took one


def test_a_transfer_to_the_same_holder_is_refused(runtime: Runtime) -> None:
    # The same document spelled differently is still the same holder.
    outcome = submit_transfer(runtime, _transfer(person("Chan Tai-man", number="a1234563")))
    assert outcome["status"] == "refused" and outcome["code"] == "same_holder"
    assert refusals(runtime)[-1] == ("op1", "51234567", "same_holder")
    assert _held(runtime) == [1]


def test_a_transfer_within_the_new_holders_quota_only(runtime: Runtime) -> None:
    for i in range(10):
        assert submit(runtime, request(f"6123456{i}", WONG))["status"] == "registered"
    outcome = submit_transfer(runtime, _transfer(WONG))
    assert outcome["code"] == "quota_reached"
    assert "10 of 10 prepaid numbers" in outcome["reason"]
    with unit_of_work(runtime.session_factory) as session:  # nothing half-applied: CHAN still holds it
        current = session.scalars(select(Registration).where(Registration.ended_at.is_(None),
                                                             Registration.number_id == 1)).one()
        assert current.end_reason is None
    assert _held(runtime) == [1, 10]


def test_only_a_registered_number_is_transferred(runtime: Runtime) -> None:
    outcome = submit_transfer(runtime, {"operator": "op1", "number": "59999999", "holder": WONG})
    assert outcome["code"] == "not_registered" and "register it instead" in outcome["reason"]


def test_termination_ends_the_registration_and_frees_the_quota(runtime: Runtime) -> None:
    result = _terminate(runtime)
    # Monday 2 March 2026 + 1 working day (Hong Kong policy) = Tuesday 3 March, an ordinary day.
    assert result["status"] == "terminated" and result["due_by"] == "2026-03-03"
    assert _held(runtime) == [0]
    with unit_of_work(runtime.session_factory) as session:
        shown = views.number_view(session, vault=runtime.vault, policy=HONG_KONG, number="51234567")
        events = audit.history(session, subject_type=AUDIT_SUBJECT, subject_key="51234567")
    assert shown["state"] == "terminated" and shown["registration"] is None
    assert [e.action for e in events] == ["realname-registered", "realname-terminated"]
    assert events[-1].details["due_by"] == "2026-03-03"


@pytest.mark.parametrize(
    ("day", "due_by"),
    [
        (dt.date(2026, 3, 7), "2026-03-09"),  # Saturday: Sunday is not a working day
        (dt.date(2026, 2, 16), "2026-02-20"),  # the three days of the Lunar New Year, 17-19 Feb 2026
    ],
)
def test_termination_is_due_within_one_working_day(runtime: Runtime, day: dt.date, due_by: str) -> None:
    runtime.clock.set(dt.datetime.combine(day, dt.time(11, 0), HK))  # type: ignore[attr-defined]
    assert _terminate(runtime)["due_by"] == due_by


def test_terminating_twice_is_a_conflict(runtime: Runtime) -> None:
    _terminate(runtime)
    with pytest.raises(AlreadyTerminated) as raised:
        _terminate(runtime)
    assert raised.value.status_code == 409
    assert raised.value.message == ("Number 51234567 was already terminated on 2026-03-02; "
                                    "there is nothing to end.")
    assert _held(runtime) == [0]  # not released twice


def test_terminating_what_is_not_there(runtime: Runtime) -> None:
    with pytest.raises(NumberNotFound):
        _terminate(runtime, number="59999999")
    make_operator(runtime, "op2", "Operator Two")
    with pytest.raises(NumberNotFound, match="Operator op2 has no number 51234567"):
        _terminate(runtime, operator="op2")
    with unit_of_work(runtime.session_factory) as session:  # on record, but not registered
        from telreg.realname.models import Number

        now = runtime.clock.now()
        session.add(Number(operator_id=1, number="59999999", service="prepaid", line="mobile",
                           state="unregistered", legacy=True, created_at=now, state_changed_at=now))
    with pytest.raises(NotRegistered):
        _terminate(runtime, number="59999999")


def test_change_of_details_corrects_the_holder_and_audits_only_which_fields(runtime: Runtime) -> None:
    with unit_of_work(runtime.session_factory) as session:
        holder = changes.change_details(session, vault=runtime.vault, clock=runtime.clock, policy=HONG_KONG,
                                        operator="op1", number="51234567", name="CHAN Tai Wai",
                                        address="1 Queen's Road Central, Hong Kong", actor="test")
    assert holder["name"] == "CHAN T** W**" and holder["address"] == "1 Quee****"
    with unit_of_work(runtime.session_factory) as session:
        event = audit.history(session, subject_type=AUDIT_SUBJECT, subject_key="51234567")[-1]
    assert event.action == "realname-details-changed"
    assert event.details == {"operator": "op1", "identity": 1, "fields": ["name", "address"]}
    # The record now carries the corrected name: the old one no longer matches the document.
    assert submit(runtime, request("51234568", CHAN))["code"] == "identity_mismatch"
    assert submit(runtime, request("51234568", person("CHAN Tai Wai")))["status"] == "registered"
