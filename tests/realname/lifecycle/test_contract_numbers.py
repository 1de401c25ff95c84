"""Hong Kong monthly subscribers keep their numbers: the deadline is for stored-value cards only (seed 000 Q4,
Q5). SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt

import pytest

from telreg.core.db import unit_of_work
from telreg.realname import legacy, reports
from telreg.runtime import Runtime
from tests.realname.registration.helpers import HONG_KONG, MAINLAND, make_operator, person, request, submit

from .helpers import feed_entries, number_row, run_on, state, steps_of

DEADLINE = dt.date(2026, 3, 10)
PREPAID, POSTPAID = "51234500", "61234500"


@pytest.fixture(autouse=True)
def _operator(runtime: Runtime) -> None:
    make_operator(runtime)


def _import_both(runtime: Runtime, *, policy=HONG_KONG, operator: str = "op1",
                 numbers: tuple[str, str] = (PREPAID, POSTPAID)) -> dict[str, object]:
    content = f"number,service\n{numbers[0]},prepaid\n{numbers[1]},postpaid\n".encode()
    with unit_of_work(runtime.session_factory) as session:
        return legacy.import_legacy(session, clock=runtime.clock, policy=policy, operator=operator,
                                    content=content, filename="legacy.csv", deadline=DEADLINE, actor="test")


def test_a_monthly_subscriber_is_not_cut_off_after_the_deadline(runtime: Runtime) -> None:
    """Seed 000 Q4: "Monthly fee card users do not need to re-register with the telecommunications company,
    because existing users provide enough information"; Q5: "existing customers of stored-value cards must
    complete registration information 360 days after the start of registration"."""
    result = _import_both(runtime)
    assert (result["imported"], result["to_register"], result["by_contract"]) == (2, 1, 1)
    contract = number_row(runtime, POSTPAID)
    assert (contract.state, contract.legacy, contract.deadline) == ("contract", True, None)
    assert number_row(runtime, PREPAID).deadline == DEADLINE
    for day in (DEADLINE, DEADLINE + dt.timedelta(days=1), DEADLINE + dt.timedelta(days=400)):
        run_on(runtime, day)
    assert state(runtime, POSTPAID) == "contract" and steps_of(runtime, POSTPAID) == []
    assert runtime.sms.to(POSTPAID) == []  # type: ignore[attr-defined]
    # The stored-value card was withdrawn, rested and released for reassignment.
    assert [step for step, _ in steps_of(runtime, PREPAID)] == ["deactivated", "quarantine", "released"]
    # Only the stored-value card left the do-not-call registers.
    assert [entry[1] for entry in feed_entries(runtime)] == [PREPAID]


def test_contract_numbers_count_as_registered_and_are_reported_apart(runtime: Runtime) -> None:
    """The compliance report counts a number registered by contract as registered, and shows how many."""
    _import_both(runtime)
    with unit_of_work(runtime.session_factory) as session:
        [figures] = reports.live_figures(session, policy=HONG_KONG)
    assert (figures["registered"], figures["registered_by_contract"], figures["total"]) == (1, 1, 2)
    assert figures["rate_percent"] == 50.0 and figures["states"]["contract"] == 1


def test_a_monthly_subscriber_who_opens_a_new_registration_registers_like_anyone(runtime: Runtime) -> None:
    """Q4: "unless they need to 'transfer' or open a new phone number, they need to register like other phone
    cards": a contract number may be registered, and then it is an ordinary active number."""
    _import_both(runtime)
    done = submit(runtime, request(POSTPAID, person(), service="postpaid"))
    assert done["status"] == "registered", done
    assert state(runtime, POSTPAID) == "active"


def test_the_mainland_withdraws_every_unregistered_service(runtime: Runtime) -> None:
    """Notice 182: 2017年6月30日前全部电话用户实现实名登记 — postpaid included."""
    make_operator(runtime, "cmcc", "China Mobile")
    result = _import_both(runtime, policy=MAINLAND, operator="cmcc", numbers=("13800138000", "13800138001"))
    assert (result["to_register"], result["by_contract"]) == (2, 0)
    run_on(runtime, DEADLINE, policy=MAINLAND)
    assert state(runtime, "13800138000") == state(runtime, "13800138001") == "outgoing_barred"


def test_the_lifecycle_selects_by_service_too(runtime: Runtime) -> None:
    """A postpaid legacy number left unregistered (imported under another policy) is not withdrawn by the Hong
    Kong lifecycle, whose deadline covers stored-value cards only."""
    make_operator(runtime, "cmcc", "China Mobile")
    _import_both(runtime, policy=MAINLAND, operator="cmcc", numbers=("13800138000", "13800138001"))
    run_on(runtime, DEADLINE)  # the Hong Kong policy
    assert state(runtime, "13800138001") == "unregistered"  # postpaid: untouched
    assert state(runtime, "13800138000") == "deactivated"  # prepaid: the Hong Kong step

