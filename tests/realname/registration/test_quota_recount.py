"""A policy whose quotas change shape: the counters are rebuilt from the current registrations. SQLite and
PostgreSQL.

The mainland policy used to ship one quota over every service (5 per person per operator); seed 003's limits
are 5 postpaid (fixed lines not counted) and 10 prepaid. A deployment moving from one to the other recounts once.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from sqlalchemy import select

from telreg.core.models import AuditEvent
from telreg.core.db import unit_of_work
from telreg.realname import changes
from telreg.realname.models import QuotaCounter, Registration
from telreg.realname.policy import Policy
from telreg.runtime import Runtime

from .helpers import MAINLAND, make_operator, person, request, resident_id, submit

OLD = Policy.model_validate({**MAINLAND.model_dump(), "quotas": [
    {"holder_kind": "person", "service": "any", "limit": 5, "scope": "operator"}]})
BORN = dt.date(1990, 1, 1)


def _zhang() -> dict[str, Any]:
    return person("张三", BORN, doc_type="cn-household-register", number=resident_id(BORN), capture="manual",
                  address="北京市东城区东长安街1号")


def _counters(runtime: Runtime) -> dict[str, int]:
    with unit_of_work(runtime.session_factory) as session:
        return {row.service: row.held for row in session.scalars(select(QuotaCounter))}


@pytest.fixture(autouse=True)
def _held_under_the_old_policy(runtime: Runtime) -> None:
    make_operator(runtime, "cmcc", "China Mobile")
    for i, service in enumerate(["prepaid", "prepaid", "prepaid", "postpaid", "postpaid"]):
        body = request(f"1380013800{i}", _zhang(), operator="cmcc", service=service)
        done = submit(runtime, body, policy=OLD)
        assert done["quota"] == {"held": i + 1, "limit": 5}
    assert _counters(runtime) == {"any": 5}


def test_recount_rekeys_registrations_and_rebuilds_the_counters(runtime: Runtime, cli: Any) -> None:
    runtime.settings.realname_policy = "mainland-china"
    code, out, _ = cli("realname", "policy", "recount-quotas")
    assert code == 0 and json.loads(out) == {"registrations_rekeyed": 5, "counters": 2}
    assert _counters(runtime) == {"prepaid": 3, "postpaid:data-only+mobile": 2}
    with unit_of_work(runtime.session_factory) as session:
        keys = sorted(session.scalars(select(Registration.quota_service)))
        [event] = session.scalars(select(AuditEvent).where(AuditEvent.action == "realname-quotas-recounted"))
    assert keys == ["postpaid:data-only+mobile"] * 2 + ["prepaid"] * 3
    assert event.details == {"registrations_rekeyed": 5, "counters": 2}
    # The next prepaid number counts from the truth (the fourth prepaid), not from zero.
    done = submit(runtime, request("13800138009", _zhang(), operator="cmcc"), policy=MAINLAND)
    assert done["quota"] == {"held": 4, "limit": 10}
    # Ending a re-keyed registration gives back the counter it is now keyed on.
    with unit_of_work(runtime.session_factory) as session:
        changes.terminate(session, clock=runtime.clock, settings=runtime.settings, policy=MAINLAND,
                          operator="cmcc", number="13800138003", actor="test")
    assert _counters(runtime) == {"prepaid": 4, "postpaid:data-only+mobile": 1}


def test_recount_twice_changes_nothing_more(runtime: Runtime, cli: Any) -> None:
    runtime.settings.realname_policy = "mainland-china"
    cli("realname", "policy", "recount-quotas")
    code, out, _ = cli("realname", "policy", "recount-quotas")
    assert code == 0 and json.loads(out) == {"registrations_rekeyed": 0, "counters": 2}
    assert _counters(runtime) == {"prepaid": 3, "postpaid:data-only+mobile": 2}
