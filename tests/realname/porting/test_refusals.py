"""What a port refuses, each with its stable code, and that a refusal changes nothing. SQLite and PostgreSQL.

Seed 004 Q4.3 (由於擁有權或登記用戶沒有改變,毋須就轉攜至其他營辦商的號碼重新登記) holds only while the registered
user is the same: so only the registered holder may ask, only the donor may decide, and the number must not
have changed hands since the request.
"""

from __future__ import annotations

from typing import Any

import pytest

from telreg.core.db import unit_of_work
from telreg.core.errors import DomainError
from telreg.realname import changes
from telreg.runtime import Runtime
from tests.realname.registration.helpers import HONG_KONG, hkid, person, submit_transfer

from .helpers import (
    NUMBER,
    ask,
    audit_events,
    cancel,
    confirm,
    counters,
    history,
    number_operator,
    registered,
    reject,
    set_state,
    two_operators,
)


def _refused(action: Any, code: str, status: int) -> DomainError:
    with pytest.raises(DomainError) as caught:
        action()
    assert (caught.value.code, caught.value.status_code) == (code, status), caught.value.message
    return caught.value


@pytest.fixture
def ready(runtime: Runtime) -> Runtime:
    two_operators(runtime)
    registered(runtime)
    return runtime


def test_requests_that_are_refused(ready: Runtime) -> None:
    runtime = ready
    _refused(lambda: ask(runtime, operator="op9"), "unknown_operator", 404)
    _refused(lambda: ask(runtime, "12345"), "invalid_number", 422)
    _refused(lambda: ask(runtime, "59999999"), "unknown_number", 404)
    same = _refused(lambda: ask(runtime, operator="op1"), "same_operator", 409)
    assert "already with op1" in same.message
    wrong = _refused(lambda: ask(runtime, doc_number=hkid("B", "234567")), "not_holder", 422)
    assert "registered holder" in wrong.message
    _refused(lambda: ask(runtime, doc_number="A1234567"), "invalid_input", 422)  # not a valid HKID
    _refused(lambda: ask(runtime, doc_type="library-card"), "invalid_input", 422)
    assert audit_events(runtime) == [] and number_operator(runtime) == "op1"

    first = ask(runtime)
    again = _refused(lambda: ask(runtime), "port_open", 409)
    assert f"request {first['id']}" in again.message


def test_a_number_that_is_not_registered_or_not_in_service(ready: Runtime) -> None:
    runtime = ready
    with_registration_ended = "51234568"
    registered(runtime, with_registration_ended)
    with unit_of_work(runtime.session_factory) as session:
        changes.terminate(session, clock=runtime.clock, settings=runtime.settings, policy=HONG_KONG,
                          operator="op1", number=with_registration_ended)
    _refused(lambda: ask(runtime, with_registration_ended), "not_registered", 409)

    set_state(runtime, NUMBER, "suspended")  # registered, but its service is suspended
    _refused(lambda: ask(runtime), "number_not_active", 409)


def test_the_recipients_quota_refuses_at_request_and_at_confirmation(ready: Runtime) -> None:
    runtime = ready
    for i in range(9):  # CHAN holds 9 of 10 prepaid numbers with op2: one more place
        registered(runtime, f"6123400{i}", operator="op2")
    port = ask(runtime)
    registered(runtime, "61234009", operator="op2")  # meanwhile the 10th place is taken
    before = (counters(runtime), history(runtime))

    full = _refused(lambda: confirm(runtime, port["id"]), "quota_reached", 409)
    assert "CHAN T** M** already holds 10 of 10 prepaid numbers with op2" in full.message
    assert (counters(runtime), history(runtime)) == before  # nothing changed
    assert number_operator(runtime) == "op1"
    assert [e.action for e in audit_events(runtime)] == ["realname-port-requested"]

    cancel(runtime, port["id"])
    _refused(lambda: ask(runtime), "quota_reached", 409)  # and a new request is refused at once


def test_only_the_donor_decides_and_only_the_recipient_cancels(ready: Runtime) -> None:
    runtime = ready
    port = ask(runtime)
    _refused(lambda: confirm(runtime, port["id"], operator="op2"), "not_donor", 403)
    _refused(lambda: reject(runtime, port["id"], operator="op2"), "not_donor", 403)
    _refused(lambda: cancel(runtime, port["id"], operator="op1"), "not_recipient", 403)
    _refused(lambda: confirm(runtime, 999), "unknown_port", 404)
    _refused(lambda: reject(runtime, port["id"], reason="  "), "invalid_input", 422)

    confirm(runtime, port["id"])
    closed = _refused(lambda: confirm(runtime, port["id"]), "port_closed", 409)
    assert "completed" in closed.message
    _refused(lambda: reject(runtime, port["id"]), "port_closed", 409)
    _refused(lambda: cancel(runtime, port["id"]), "port_closed", 409)


def test_a_number_transferred_after_the_request_is_not_ported(ready: Runtime) -> None:
    """The document proved the holder at the time of the request; a new holder since then voids it."""
    runtime = ready
    port = ask(runtime)
    submit_transfer(runtime, {"operator": "op1", "number": NUMBER,
                              "holder": person("WONG Siu Ming", "1980-05-05", number=hkid("B", "234567"))})
    _refused(lambda: confirm(runtime, port["id"]), "port_outdated", 409)
    assert number_operator(runtime) == "op1"
    assert reject(runtime, port["id"], reason="Transferred meanwhile")["state"] == "rejected"


def test_a_number_suspended_after_the_request_is_not_ported(ready: Runtime) -> None:
    runtime = ready
    port = ask(runtime)
    set_state(runtime, NUMBER, "outgoing_barred")
    _refused(lambda: confirm(runtime, port["id"]), "number_not_active", 409)
    assert number_operator(runtime) == "op1"


def test_a_cancelled_request_frees_the_number(ready: Runtime) -> None:
    runtime = ready
    port = ask(runtime)
    cancelled = cancel(runtime, port["id"])
    assert cancelled["state"] == "cancelled" and cancelled["decided_by"] == "test:recipient"
    assert ask(runtime)["id"] != port["id"]
