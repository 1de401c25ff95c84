"""Concurrent port decisions and requests, each in its own thread, session and transaction.

The number's row lock (SELECT … FOR UPDATE on PostgreSQL; BEGIN IMMEDIATE on SQLite) serialises them and the
request is read again under it: two donor clerks confirming at once complete the port exactly once — one
registration ended as "ported", one new registration, one quota place moved — and the other hears port_closed.
Seed 004 Q4.3: 毋須就轉攜至其他營辦商的號碼重新登記 — carried once, not twice.
"""

from __future__ import annotations

from collections import Counter

from telreg.core.errors import DomainError
from telreg.runtime import Runtime
from tests.realname.registration.test_concurrency import _race

from .helpers import (
    ask,
    audit_events,
    confirm,
    counters,
    history,
    number_operator,
    registered,
    reject,
    two_operators,
)


def _outcome(result: object) -> str:
    if isinstance(result, DomainError):
        return result.code
    assert isinstance(result, dict), result  # a crash (anything but a DomainError) fails the test here
    return str(result["state"])


def test_two_confirmations_at_once_complete_the_port_once(runtime: Runtime) -> None:
    two_operators(runtime)
    registered(runtime)
    port = ask(runtime)
    results = _race([lambda: confirm(runtime, port["id"]), lambda: confirm(runtime, port["id"])])

    assert Counter(_outcome(r) for r in results) == {"completed": 1, "port_closed": 1}, results
    before, after = history(runtime)
    assert (before["end_reason"], after["operator"], after["ended"]) == ("ported", "op2", False)
    assert counters(runtime) == {("op1", "prepaid"): 0, ("op2", "prepaid"): 1}
    assert number_operator(runtime) == "op2"
    assert [e.action for e in audit_events(runtime)].count("realname-port-completed") == 1


def test_a_confirmation_and_a_rejection_at_once_decide_once(runtime: Runtime) -> None:
    two_operators(runtime)
    registered(runtime)
    port = ask(runtime)
    results = _race([lambda: confirm(runtime, port["id"]), lambda: reject(runtime, port["id"])])

    outcomes = Counter(_outcome(r) for r in results)
    assert outcomes in ({"completed": 1, "port_closed": 1}, {"rejected": 1, "port_closed": 1}), results
    ported = outcomes["completed"] == 1
    assert number_operator(runtime) == ("op2" if ported else "op1")
    assert len(history(runtime)) == (2 if ported else 1)


def test_two_requests_for_one_number_at_once_record_one(runtime: Runtime) -> None:
    two_operators(runtime)
    registered(runtime)
    results = _race([lambda: ask(runtime), lambda: ask(runtime)])
    assert Counter(_outcome(r) for r in results) == {"requested": 1, "port_open": 1}, results
