"""Routing and matching: each target format found, a holder at two operators split into one task per operator,
nothing matched answered at once; what each party sees; cancelling; the worker's schedule."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import json
import zipfile

import pytest
from sqlalchemy import select, update

from telreg.core import jobs
from telreg.core.db import unit_of_work
from telreg.lawful import jobs as lawful_jobs
from telreg.lawful import service
from telreg.lawful.errors import ObjectNotFound
from telreg.lawful.hi1 import dictionaries as d
from telreg.lawful.hi1.model import ActionRequest, AuthorisationObject, LDTaskObject
from telreg.lawful.models import Authorisation, Result, Task, TaskRecord
from telreg.realname.models import Number
from telreg.runtime import Runtime
from tests.lawful.helpers import (
    as_user,
    document,
    errors_of,
    lawful_world,
    make_staff,
    message,
    register_number,
    send,
    task,
    warrant,
)
from tests.realname.registration.helpers import hkid, make_operator, person

HOLDER = person("LEE Ka Yan", "1980-02-02", number=hkid("C", "345678"))
ICCID = "89852000000000000016"


def _tasks(runtime: Runtime) -> list[Task]:
    with unit_of_work(runtime.session_factory) as session:
        rows = list(session.scalars(select(Task).order_by(Task.id)))
        session.expunge_all()
        return rows


def test_an_identity_held_at_two_operators_is_split_into_one_task_per_operator(runtime):
    lawful_world(runtime)
    make_operator(runtime, "op2", "Operator Two")
    make_staff(runtime, "op2.compliance", "operator-compliance", operator="op2")
    register_number(runtime, "91234567", holder=HOLDER)
    register_number(runtime, "61234567", holder=HOLDER, operator="op2")
    auth = warrant()
    ask = task(auth, "hkid:" + hkid("C", "345678"), fmt=d.IDENTITY_DOCUMENT, request_type=d.REGISTRATION_HISTORY)
    assert errors_of(send(runtime, "le.officer", message(runtime, auth, document(auth), ask))) == [None] * 3

    rows = _tasks(runtime)
    assert [(t.reference, t.match_outcome, t.match_count) for t in rows] == [
        ("LDID-1", "single", 1), ("LDID-1.2", "single", 1)]
    assert rows[0].object_id == ask.object_identifier and rows[0].target_sealed == rows[1].target_sealed
    op1 = as_user(runtime, "op1.compliance1", service.operator_queue, vault=runtime.vault)
    op2 = as_user(runtime, "op2.compliance", service.operator_queue, vault=runtime.vault)
    assert [t.reference for t in op1] == ["LDID-1"] and [t.reference for t in op2] == ["LDID-1.2"]
    assert op1[0].target == "hkid:C345***(*)" and op1[0].operator_code == "op1"
    listed = send(runtime, "le.officer", message(runtime, ActionRequest(0, "LIST", object_type="LDTask")))
    assert sorted(o.reference for o in listed.responses[0].objects) == ["LDID-1", "LDID-1.2"]


def test_a_number_found_by_its_iccid_and_a_registration_history_released(runtime, clock):
    lawful_world(runtime)
    register_number(runtime, "91234567", holder=HOLDER)
    with unit_of_work(runtime.session_factory) as session:
        session.execute(update(Number).where(Number.number == "91234567").values(iccid=ICCID))
    auth = warrant()
    ask = task(auth, ICCID, fmt=d.ICCID, request_type=d.REGISTRATION_HISTORY)
    send(runtime, "le.officer", message(runtime, auth, document(auth), ask))
    [row] = _tasks(runtime)
    assert (row.operator_id is not None, row.match_outcome, row.match_count) == (True, "single", 1)
    queue = as_user(runtime, "op1.compliance1", service.operator_queue, vault=runtime.vault)
    assert queue[0].target == "*" * 16 + ICCID[-4:]
    as_user(runtime, "op1.compliance1", service.approve, runtime=runtime, task_object_id=ask.object_identifier,
            reason="ok")
    as_user(runtime, "op1.compliance2", service.release, runtime=runtime, task_object_id=ask.object_identifier)
    download = as_user(runtime, "le.officer", service.download_result, runtime=runtime,
                       task_object_id=ask.object_identifier)
    records = json.loads(zipfile.ZipFile(io.BytesIO(download.content)).read("records.json"))
    assert records["records"][0]["service"]["iccid"] == ICCID
    assert "records.json.p7s" not in zipfile.ZipFile(io.BytesIO(download.content)).namelist()  # no CA here


def test_a_target_that_matches_nothing_is_answered_at_once_and_routed_nowhere(runtime):
    lawful_world(runtime)
    register_number(runtime, "91234567", holder=HOLDER)
    auth = warrant()
    early = task(auth, "85291234567", end_time=dt.datetime(2026, 2, 1, tzinfo=dt.UTC))  # before it was registered
    send(runtime, "le.officer", message(runtime, auth, document(auth), early))
    [row] = _tasks(runtime)
    assert (row.status, row.operator_id, row.match_outcome, row.match_count) == (
        d.DISCLOSURE_NOT_AVAILABLE, None, "none", 0)
    with unit_of_work(runtime.session_factory) as session:
        assert session.scalar(select(TaskRecord)) is None
    assert as_user(runtime, "op1.compliance1", service.operator_queue, vault=runtime.vault) == []


def test_what_the_regulator_an_operator_and_another_officer_see(runtime):
    lawful_world(runtime)
    register_number(runtime, "91234567", holder=HOLDER)
    auth = warrant()
    ask = task(auth, "85291234567")
    send(runtime, "le.officer", message(runtime, auth, document(auth), ask))
    as_user(runtime, "op1.compliance1", service.reject, runtime=runtime, task_object_id=ask.object_identifier,
            reason="Not covered by the warrant.")
    mine = as_user(runtime, "le.officer2", service.authorisation_detail, vault=runtime.vault,
                   object_id=auth.object_identifier)
    oversight = as_user(runtime, "ofca.regulator", service.authorisation_detail, vault=runtime.vault,
                        object_id=auth.object_identifier)
    operator = as_user(runtime, "op1.compliance2", service.authorisation_detail, vault=runtime.vault,
                       object_id=auth.object_identifier)
    assert (mine.tasks[0].target, mine.tasks[0].status, mine.tasks[0].reason) == (
        "85291234567", d.DISCLOSURE_NOT_AVAILABLE, None)
    assert (oversight.tasks[0].target, oversight.tasks[0].status, oversight.tasks[0].reason) == (
        "85291******", d.REJECTED, "Not covered by the warrant.")
    assert operator.tasks[0].operator_code == "op1" and operator.documents[0].name == "warrant.pdf"
    make_operator(runtime, "op2", "Operator Two")
    make_staff(runtime, "op2.compliance", "operator-compliance", operator="op2")
    with pytest.raises(ObjectNotFound):
        as_user(runtime, "op2.compliance", service.authorisation_detail, vault=runtime.vault,
                object_id=auth.object_identifier)
    with pytest.raises(ObjectNotFound):
        as_user(runtime, "op2.compliance", service.preview, task_object_id=ask.object_identifier)
    assert as_user(runtime, "ofca.regulator", service.preview, task_object_id=ask.object_identifier).record_count == 1


def test_cancelling_an_authorisation_cancels_its_open_tasks_and_destroys_a_released_result(runtime):
    lawful_world(runtime)
    register_number(runtime, "91234567", holder=HOLDER)
    register_number(runtime, "91234568", holder=HOLDER)
    auth = warrant()
    first, second = task(auth, "85291234567"), task(auth, "85291234568", reference="LDID-2")
    send(runtime, "le.officer", message(runtime, auth, document(auth), first, second))
    as_user(runtime, "op1.compliance1", service.approve, runtime=runtime, task_object_id=first.object_identifier,
            reason="ok")
    as_user(runtime, "op1.compliance2", service.release, runtime=runtime, task_object_id=first.object_identifier)

    changed = dataclasses.replace(auth, reference="OTHER", desired_status=d.CANCELLED)
    refused = send(runtime, "le.officer", message(runtime, changed, verb="UPDATE"))
    assert "cannot be changed" in errors_of(refused)[0][1]
    cancel = AuthorisationObject(object_identifier=auth.object_identifier, country_code="HK",
                                 owner_identifier="hkpf", desired_status=d.CANCELLED)
    assert errors_of(send(runtime, "le.officer", message(runtime, cancel, verb="UPDATE"))) == [None]
    rows = {t.reference: t for t in _tasks(runtime)}
    assert (rows["LDID-1"].status, rows["LDID-2"].status) == (d.DISCLOSED, d.CANCELLED)
    with unit_of_work(runtime.session_factory) as session:
        result = session.scalar(select(Result))
        assert (result.state, result.ciphertext, result.destroyed_reason) == ("destroyed", None, "cancelled")
        assert session.scalar(select(Authorisation)).status == d.CANCELLED
    again = send(runtime, "le.officer", message(runtime, cancel, verb="UPDATE"))
    assert "can no longer be cancelled" in errors_of(again)[0][1]


def test_a_task_added_later_to_an_active_warrant_is_routed_when_added_and_can_be_cancelled(runtime):
    lawful_world(runtime)
    register_number(runtime, "91234567", holder=HOLDER)
    auth = warrant()
    send(runtime, "le.officer", message(runtime, auth, document(auth)))
    later = task(auth, "85291234567")
    send(runtime, "le.officer", message(runtime, later))
    [row] = _tasks(runtime)
    assert row.match_outcome == "single" and row.operator_id is not None
    cancel = LDTaskObject(object_identifier=later.object_identifier, country_code="HK", owner_identifier="hkpf",
                          desired_status=d.CANCELLED)
    assert errors_of(send(runtime, "le.officer", message(runtime, cancel, verb="UPDATE"))) == [None]
    assert _tasks(runtime)[0].status == d.CANCELLED


def test_the_worker_queues_one_sweep_per_five_minute_slot(runtime, clock):
    with unit_of_work(runtime.session_factory) as session:
        lawful_jobs.schedule(session, runtime)
        lawful_jobs.schedule(session, runtime)
    clock.advance(minutes=5)
    with unit_of_work(runtime.session_factory) as session:
        lawful_jobs.schedule(session, runtime)
    with unit_of_work(runtime.session_factory) as session:
        queued = session.scalars(select(jobs.Job).where(jobs.Job.kind == "lawful.sweep")).all()
        assert sorted(j.unique_key for j in queued) == ["lawful.sweep:2026-03-02T02:00Z", "lawful.sweep:2026-03-02T02:05Z"]
    assert lawful_jobs.slot_key(dt.datetime(2026, 3, 2, 2, 9, 59, tzinfo=dt.UTC)) == "lawful.sweep:2026-03-02T02:05Z"
