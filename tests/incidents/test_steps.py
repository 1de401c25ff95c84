"""Remedy steps to closure: a step added and done, containment, closing refused while a step is open or without
a summary, nothing changes once closed. On SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from telreg.core import audit
from telreg.core.users import get_user
from telreg.incidents import service, views
from telreg.incidents.errors import IncidentInvalid, IncidentNotFound, IncidentStateConflict
from telreg.runtime import Runtime
from tests.incidents.helpers import REGULATOR, SHOP, open_as, people


def test_an_incident_goes_from_open_to_closed_through_its_steps(runtime: Runtime, session: Any) -> None:
    people(runtime)
    reference = open_as(runtime, REGULATOR, accounts=[SHOP])
    regulator = get_user(session, REGULATOR)
    clock = runtime.clock
    added = service.add_step(session, clock=clock, user=regulator, reference=reference,
                             text="Change the shop's tablet PIN", due_at=clock.now() + dt.timedelta(hours=4),
                             owner="comp.op1")
    assert added.owner == "comp.op1" and added.position == len(service.DEFAULT_STEPS) + 1
    with pytest.raises(IncidentStateConflict, match="contained before closing"):
        service.close(session, clock=clock, user=regulator, reference=reference, summary="done")
    service.contain(session, clock=clock, user=regulator, reference=reference)
    with pytest.raises(IncidentStateConflict, match="still has 7 open step"):
        service.close(session, clock=clock, user=regulator, reference=reference, summary="done")
    steps = views.incident_view(session, service.get_incident(session, user=regulator, reference=reference))["steps"]
    for step in steps:
        service.complete_step(session, clock=clock, user=regulator, reference=reference, step_id=step["id"],
                              note="done as planned")
    with pytest.raises(IncidentStateConflict, match="done already"):
        service.complete_step(session, clock=clock, user=regulator, reference=reference, step_id=steps[0]["id"])
    with pytest.raises(IncidentInvalid, match="closing summary"):
        service.close(session, clock=clock, user=regulator, reference=reference, summary="  ")
    row = service.close(session, clock=clock, user=regulator, reference=reference,
                        summary="Tablet wiped remotely; two holders told; regulator told.")
    assert (row.state, row.closed_by) == ("closed", REGULATOR)
    with pytest.raises(IncidentStateConflict, match="is closed"):
        service.add_step(session, clock=clock, user=regulator, reference=reference, text="late",
                         due_at=clock.now())
    actions = [e.action for e in audit.history(session, subject_type="incident", subject_key=reference)]
    assert actions[0] == "incident-opened" and actions[-1] == "incident-closed"
    assert actions.count("incident-step-done") == 7 and "incident-contained" in actions


def test_an_unknown_step_or_incident_is_named(runtime: Runtime, session: Any) -> None:
    people(runtime)
    reference = open_as(runtime, REGULATOR)
    regulator = get_user(session, REGULATOR)
    with pytest.raises(IncidentNotFound, match="has no step 999"):
        service.complete_step(session, clock=runtime.clock, user=regulator, reference=reference, step_id=999)
    with pytest.raises(IncidentNotFound, match="no incident INC-2026-9999"):
        service.get_incident(session, user=regulator, reference="INC-2026-9999")


def test_references_count_per_year(runtime: Runtime, clock: Any) -> None:
    people(runtime)
    first, second = open_as(runtime, REGULATOR), open_as(runtime, REGULATOR)
    clock.advance(days=365)
    third = open_as(runtime, REGULATOR)
    assert (first, second, third) == ("INC-2026-0001", "INC-2026-0002", "INC-2027-0001")
