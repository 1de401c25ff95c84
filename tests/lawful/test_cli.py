"""`telreg lawful …` on SQLite and PostgreSQL: agencies added and listed (a bad code and a repeated one refused
with their sentences), and the sweep run once — nothing to do, then an emergency release not backed in time
revoked and its result destroyed."""

from __future__ import annotations

import json
from typing import Any

from telreg.core.db import unit_of_work
from telreg.core.users import get_user
from telreg.lawful import service
from telreg.lawful.hi1 import dictionaries as d
from telreg.runtime import Runtime
from tests.lawful.edges import request_message
from tests.lawful.helpers import lawful_world, register_number


def test_agencies_are_added_and_listed(cli: Any, runtime: Runtime) -> None:
    code, out, err = cli("lawful", "agency", "add", "icac", "Independent Commission Against Corruption")
    assert code == 0, err
    assert "icac" in out
    code, out, err = cli("lawful", "agency", "add", "ce", "Customs and Excise Department", "--country", "hk")
    assert code == 0, err
    code, out, _ = cli("lawful", "agency", "list", "--json")
    assert code == 0
    assert json.loads(out) == [{"code": "ce", "name": "Customs and Excise Department", "country": "HK"},
                               {"code": "icac", "name": "Independent Commission Against Corruption",
                                "country": "HK"}]
    code, out, _ = cli("lawful", "agency", "list")
    assert out.splitlines()[0].split("\t") == ["ce", "HK", "Customs and Excise Department"]


def test_a_bad_or_repeated_agency_is_refused(cli: Any, runtime: Runtime) -> None:
    code, _, err = cli("lawful", "agency", "add", "Not A Code", "Someone")
    assert code == 1 and "agency code" in err
    assert cli("lawful", "agency", "add", "icac", "ICAC")[0] == 0
    code, _, err = cli("lawful", "agency", "add", "icac", "ICAC again")
    assert code == 1 and "exists already" in err
    code, _, err = cli("lawful", "agency", "add", "x", "X", "--country", "HKG")
    assert code == 1 and "country code" in err
    assert cli("lawful", "agency", "list")[1].strip().splitlines() == ["icac\tHK\tICAC"]


def test_the_sweep_revokes_an_emergency_not_backed_in_time(cli: Any, runtime: Runtime) -> None:
    code, out, err = cli("lawful", "sweep", "--json")
    assert code == 0, err
    assert all(count == 0 for count in json.loads(out).values())

    people = lawful_world(runtime)
    register_number(runtime, "91234567", operator="op1")
    filed = request_message(runtime, legal_type=d.EMERGENCY, reference="EM-CLI")
    with unit_of_work(runtime.session_factory) as session:
        def user(name: str) -> Any:
            return get_user(session, people[name])

        answer = service.handle_message(session, runtime=runtime, user=user("officer"), message=filed.message)
        assert [r.error for r in answer.responses] == [None] * len(filed.message.actions)
        service.endorse(session, runtime=runtime, user=user("supervisor"), object_id=filed.authorisation_id)
        service.approve(session, runtime=runtime, user=user("compliance1"), task_object_id=filed.task_ids[0],
                        reason="Life at risk")
    runtime.clock.advance(hours=49)
    code, out, err = cli("lawful", "sweep")
    assert code == 0, err
    done = dict(line.split(": ") for line in out.strip().splitlines())
    assert sum(int(count) for count in done.values()) >= 1
    with unit_of_work(runtime.session_factory) as session:
        view = service.authorisation_detail(session, user=get_user(session, people["officer"]),
                                            object_id=filed.authorisation_id, vault=runtime.vault)
    assert view.status == d.INVALID and view.emergency_outcome == "revoked"
    assert [task.status for task in view.tasks] == [d.INVALID]
    assert [task.result_state for task in view.tasks] == ["destroyed"]
