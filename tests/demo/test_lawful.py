"""The demo's lawful-access data: the agency, and one warrant request waiting at the demo operator, filed once."""

from __future__ import annotations

from sqlalchemy import select

from telreg.core.db import unit_of_work
from telreg.core.users import get_user
from telreg.demo import load_demo
from telreg.demo.lawful import DEMO_REFERENCE, load_lawful_request
from telreg.lawful import service
from telreg.lawful.hi1 import dictionaries as d
from telreg.lawful.models import Authorisation
from telreg.runtime import Runtime


def test_the_demo_files_one_warrant_request_for_harbours_compliance_officers(runtime: Runtime) -> None:
    with unit_of_work(runtime.session_factory) as session:
        summary = load_demo(session, clock=runtime.clock, settings=runtime.settings)
    assert summary.agencies == ["hkpf"]
    assert load_lawful_request(runtime) == DEMO_REFERENCE
    assert load_lawful_request(runtime) is None  # once
    with unit_of_work(runtime.session_factory) as session:
        authorisation = session.scalar(select(Authorisation).where(Authorisation.reference == DEMO_REFERENCE))
        assert authorisation is not None and authorisation.status == d.ACTIVE
        queue = service.operator_queue(session, user=get_user(session, "compliance"), vault=runtime.vault)
        assert [(t.status, t.operator_code, t.target) for t in queue] == [(d.AWAITING_APPROVAL, "harbour",
                                                                           "85251******")]
        preview = service.preview(session, user=get_user(session, "compliance"), task_object_id=queue[0].object_id)
        assert preview.match_outcome == "single" and preview.has_warrant_document


def test_no_demo_request_without_the_demo_numbers(runtime: Runtime) -> None:
    runtime.settings.realname_policy = "mainland-china"  # no demo registrations under this policy
    with unit_of_work(runtime.session_factory) as session:
        load_demo(session, clock=runtime.clock, settings=runtime.settings)
    assert load_lawful_request(runtime) is None
