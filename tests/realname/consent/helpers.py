"""Builders for consent tests: two operators, two holders, their numbers, and the consent service in its own
transactions (as the API and the pages run it)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from telreg.core.db import unit_of_work
from telreg.core.models import User
from telreg.realname import consent, repository
from telreg.realname.consent_models import Consent
from telreg.runtime import Runtime
from tests.realname.registration.helpers import hkid, make_operator, person, request, submit

PURPOSE = "value-added-marketing"
CHAN = person("CHAN Tai Man", "1980-01-01", number=hkid("A", "123456"))
WONG = person("WONG Siu Ming", "1985-05-05", number=hkid("B", "234567"))
CHAN_AT_OP1, WONG_AT_OP1, CHAN_AT_OP2 = "51234567", "51234568", "61234567"
UNHELD_AT_OP1 = "51234569"  # registered to CHAN, then terminated: the number has no holder


def staff_user(username: str = "clerk.chan", *, operator: str = "op1",
               roles: tuple[str, ...] = ("operator-staff",)) -> User:
    """A staff account as the service sees it (the checks read only its name, roles and operator)."""
    return User(username=username, roles=list(roles), operator_code=operator)


CLERK = staff_user()


def holdings(runtime: Runtime) -> None:
    """op1 serves CHAN and WONG (one number each), op2 serves CHAN; one op1 number was terminated."""
    make_operator(runtime, "op1", "Operator One")
    make_operator(runtime, "op2", "Operator Two")
    for number, holder, operator in ((CHAN_AT_OP1, CHAN, "op1"), (WONG_AT_OP1, WONG, "op1"),
                                     (CHAN_AT_OP2, CHAN, "op2"), (UNHELD_AT_OP1, CHAN, "op1")):
        outcome = submit(runtime, request(number, holder, operator=operator))
        assert outcome["status"] == "registered", outcome
    terminate(runtime, UNHELD_AT_OP1)


def terminate(runtime: Runtime, number: str) -> None:
    with unit_of_work(runtime.session_factory) as session:
        row = repository.number_row(session, number)
        assert row is not None
        current = repository.current_registration(session, row.id)
        assert current is not None
        assert repository.end_registration(session, current.id, at=runtime.clock.now(), reason="terminated")


def give(runtime: Runtime, number: str, decision: str, *, at: dt.datetime | None = None, channel: str = "counter",
         user: User = CLERK, purpose: str = PURPOSE, reference: str | None = None) -> int:
    """Record an instruction in a transaction of its own; return its id."""
    with unit_of_work(runtime.session_factory) as session:
        row = consent.record(session, clock=runtime.clock, settings=runtime.settings, user=user, number=number,
                             purpose=purpose, decision=decision, channel=channel,
                             given_at=at or runtime.clock.now(), reference=reference)
        return row.id


def state(runtime: Runtime, number: str, *, operator: str = "op1",
          purpose: str = PURPOSE) -> consent.ConsentState:
    with unit_of_work(runtime.session_factory) as session:
        op = repository.operator_by_code(session, operator)
        assert op is not None
        return consent.check(session, number=number, purpose=purpose, controller=consent.Controller.operator(op.id))


def listed(runtime: Runtime, operator: str = "op1", purpose: str = PURPOSE) -> list[str]:
    with unit_of_work(runtime.session_factory) as session:
        op = repository.operator_by_code(session, operator)
        assert op is not None
        return consent.consenting_numbers(session, operator_id=op.id, purpose=purpose)


def holder_id(runtime: Runtime, number: str) -> int:
    with unit_of_work(runtime.session_factory) as session:
        row = repository.number_row(session, number)
        assert row is not None
        current = repository.current_registration(session, row.id) or repository.last_registration(
            session, row.id)
        assert current is not None
        return current.holder_id


def rows(runtime: Runtime) -> list[dict[str, Any]]:
    from sqlalchemy import select

    with unit_of_work(runtime.session_factory) as session:
        return [{"identity_id": r.identity_id, "controller": r.controller, "operator_id": r.operator_id,
                 "purpose": r.purpose, "decision": r.decision, "channel": r.channel, "reference": r.reference}
                for r in session.scalars(select(Consent).order_by(Consent.id))]
