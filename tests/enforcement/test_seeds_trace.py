"""From a download to a case: a message at a seed number in an account's copy traces to that account at once."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from sqlalchemy import select

from telreg.core.db import unit_of_work
from telreg.core.errors import InvalidInput
from telreg.dnc.publish import formats
from telreg.dnc.vocabulary import Register
from telreg.enforcement.errors import StepRefused
from telreg.enforcement.models import Case, CaseEvent, Report, SeedAssignment, SeedNumber
from telreg.enforcement.seeds import assign, hits

from ..dnc.publish_helpers import publish
from ..senders.usage_helpers import DAY1, DAY2, at, make_accounts, sender_client, sign_in
from .seeds_helpers import MOBILE_SEEDS, import_pool, list_numbers, officer_headers


def _lines(content: bytes) -> set[str]:
    return set(formats.read_zip_entry(content).decode("ascii").split("\r\n")[:-1])


def test_a_message_at_a_seed_in_a_downloaded_file_opens_a_case_for_that_account(runtime, clock):
    accounts = make_accounts(runtime)
    import_pool(runtime, MOBILE_SEEDS[:3])
    list_numbers(runtime, clock, {"21234567": (Register.sms,), "61234567": (Register.sms,)})
    clock.set(at(DAY1, 23))
    shared = publish(runtime, DAY1).path / "sms-dated.zip"
    clock.set(at(DAY2, 9))
    with sender_client(runtime) as client:
        sign_in(client, accounts["sms"])
        copy = client.get("/api/v1/senders/me/downloads/latest/sms-dated.zip")
        assert copy.status_code == 200, copy.text
    # The leaked copy: the lines it has that the shared file has not are the account's seeds.
    seed = sorted(_lines(copy.content) - _lines(shared.read_bytes()))[0][:8]

    clock.set(at(DAY2, 15))
    with sender_client(runtime) as client:
        headers = officer_headers(runtime, client)
        hit = client.post("/api/v1/enforcement/seed-hits", headers=headers, json={
            "number": seed, "arrived_at": "2026-03-03T14:20", "sender_identification": "+852 6000 1234",
            "message_text": "Special offer, reply YES"})
        assert hit.status_code == 201, hit.text
        plain = client.post("/api/v1/enforcement/seed-hits", headers=headers, json={
            "number": "61234567", "arrived_at": "2026-03-03T14:25", "sender_identification": "+852 6000 1234",
            "message_text": "Special offer, reply YES", "register": "sms"})
        assert plain.status_code == 201, plain.text
        pool_page = client.get("/api/v1/enforcement/seeds").json()
    body = hit.json()
    assert body["seed"] is True and body["account_id"] == accounts["sms"] and body["register"] == "sms"
    assert body["case_origin"] == "seed-number" and body["case"]
    assert plain.json()["seed"] is False  # a real listing, not a seed: no trace
    assert pool_page["by_state"]["assigned"] == 3

    with unit_of_work(runtime.read_session_factory) as session:
        case = session.scalars(select(Case).where(Case.reference == body["case"])).one()
        assert case.origin == "seed-number" and case.account_id == accounts["sms"]
        report = session.scalars(select(Report).where(Report.reference == body["report"])).one()
        assert report.source == "operator-feed" and report.case_id == case.id
        assignment = session.get(SeedAssignment, report.seed_assignment_id)
        assert assignment.account_id == accounts["sms"]
        event = session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id,
                                                        CaseEvent.kind == "seed-hit")).one()
        log = event.details["download_log"]
        assert log["count"] == 1 and log["downloads"][0]["file"] == "sms-dated.zip"
        assert log["downloads"][0]["publication_date"] == DAY1.isoformat()
        assert log["downloads"][0]["sha256"] == hashlib.sha256(copy.content).hexdigest()  # the leaked copy itself
        recent = hits.recent_hits(session)
        assert [(h["report"], h["account_id"], h["case"]) for h in recent] == [
            (body["report"], accounts["sms"], body["case"])]


def test_assignment_for_counts_from_the_assignment_and_after_retirement(runtime, clock):
    accounts = make_accounts(runtime)
    import_pool(runtime, MOBILE_SEEDS[:3])
    list_numbers(runtime, clock, {"61234567": (Register.sms,)})
    clock.set(at(DAY1, 23))
    publish(runtime, DAY1)
    clock.set(at(DAY2, 9))
    with unit_of_work(runtime.session_factory) as session:
        made = assign.ensure_assigned(session, clock=runtime.clock, settings=runtime.settings,
                                      account_id=accounts["sms"], register="sms", not_after=DAY1)
        assert len(made) == 3
        first = made[0]
        seed = session.get(SeedNumber, first.seed_id).number
    with unit_of_work(runtime.session_factory) as session:
        assert hits.assignment_for(session, number=seed, at=at(DAY2, 8)) is None  # before the assignment
        assert hits.assignment_for(session, number=seed, at=at(DAY2, 10)).id == first.id
        assert hits.assignment_for(session, number="61234567", at=at(DAY2, 10)) is None
        assign.retire(session, clock=runtime.clock, assignment_id=first.id, on=DAY2, actor="rita")
        with pytest.raises(InvalidInput, match="not from 2026-03-02"):  # past copies are never rewritten
            assign.retire(session, clock=runtime.clock, assignment_id=made[1].id, on=DAY1, actor="rita")
        with pytest.raises(StepRefused):
            assign.retire(session, clock=runtime.clock, assignment_id=first.id, on=DAY2, actor="rita")
    with unit_of_work(runtime.session_factory) as session:
        later = at(DAY2 + dt.timedelta(days=30), 10)
        assert hits.assignment_for(session, number=seed, at=later).id == first.id  # a leaked copy circulates
        # A retired seed leaves the account's publications from that day on; the others stay.
        assert seed not in {s.number for s in assign.active_seeds(session, account_id=accounts["sms"],
                                                                  register="sms", day=DAY2)}
        assert len(assign.active_seeds(session, account_id=accounts["sms"], register="sms", day=DAY1)) == 3
        # The account has live seeds still: no new assignment.
        again = assign.ensure_assigned(session, clock=runtime.clock, settings=runtime.settings,
                                       account_id=accounts["sms"], register="sms")
        assert {a.id for a in again} == {a.id for a in made} - {first.id}
