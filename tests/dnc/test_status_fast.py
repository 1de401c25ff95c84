"""The public status look-up answered from the listing index: the same documents as the SQL path, no query per
request, and changes visible on the next request."""

from __future__ import annotations

import datetime as dt

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, event, insert

from telreg.app import create_app
from telreg.core.clock import HK
from telreg.core.db import unit_of_work
from telreg.core.errors import InvalidNumber
from telreg.dnc import service
from telreg.dnc.listing_index import ListingIndex, listing_index
from telreg.dnc.models import Listing
from telreg.dnc.vocabulary import Register

from .helpers import list_number

REGISTERS = [r.value for r in Register]
numbers = st.integers(min_value=20_000_000, max_value=99_999_999).map(str)
days = st.dates(min_value=dt.date(2024, 1, 1), max_value=dt.date(2027, 12, 31))
listings = st.dictionaries(st.tuples(numbers, st.sampled_from(REGISTERS)), days, max_size=40)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(listed=listings, unlisted=st.lists(numbers, max_size=10))
def test_the_index_answers_what_the_database_answers(runtime, listed, unlisted):
    with unit_of_work(runtime.session_factory) as session:
        session.execute(delete(Listing))
        if listed:
            session.execute(insert(Listing), [
                {"number": n, "register": r, "registration_date": d, "channel": "paper", "verification": "bill",
                 "registered_at": dt.datetime.combine(d, dt.time(10), HK)} for (n, r), d in listed.items()])
    index = ListingIndex(runtime.read_session_factory, runtime.settings, refresh_seconds=3600).build()
    asked = sorted({n for n, _ in listed} | set(unlisted))
    with unit_of_work(runtime.read_session_factory) as session:
        for number in asked:
            try:
                expected = service.number_status(session, settings=runtime.settings, number=number)
            except InvalidNumber:
                continue  # not a registrable number: the route refuses it before the index is asked
            assert service.current_status(index, number=number) == expected
    for register in REGISTERS:
        assert index.registration_dates(register, asked) == {
            n: d for (n, r), d in listed.items() if r == register}


def _statements(engine):
    seen: list[str] = []

    def count(conn, cursor, statement, *args):  # noqa: ANN001
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    return seen, lambda: event.remove(engine, "before_cursor_execute", count)


def test_status_over_http_is_the_sql_document_and_runs_no_query(runtime, session, clock):
    list_number(session, runtime, "21234567", Register.fax, Register.sms)
    session.commit()
    index = listing_index(runtime)
    index.refresh_seconds = 3600  # no feed read due during the test: every answer must come from memory
    client = TestClient(create_app(runtime))  # no lifespan: no background thread either
    seen, stop = _statements(runtime.engine)
    try:
        answers = {n: client.get(f"/api/v1/dnc/status/{n}") for n in ("2123 4567", "91234567", "+85221234567")}
    finally:
        stop()
    assert seen == []
    for number, answer in answers.items():
        assert answer.status_code == 200
        assert answer.headers["content-type"] == "application/json"
        assert answer.json() == service.number_status(session, settings=runtime.settings, number=number)
    assert answers["2123 4567"].json()["registers"]["fax"] == {
        "listed": True, "registered_on": "2026-03-02", "protected_from": "2026-03-13"}


def test_a_change_committed_by_a_request_shows_on_the_next_request(client, runtime, clock):
    assert client.get("/api/v1/dnc/status/61234567").json()["registers"]["sms"] == {"listed": False}
    listing_index(runtime).refresh_seconds = 3600  # the background thread would not come in time
    with unit_of_work(runtime.session_factory) as session:
        list_number(session, runtime, "61234567", Register.sms)
    assert client.get("/api/v1/dnc/status/61234567").json()["registers"]["sms"]["listed"] is True
    clock.set(dt.datetime(2026, 3, 3, 10, 0, tzinfo=HK))
    with unit_of_work(runtime.session_factory) as session:
        service.deregister_number(session, clock=clock, settings=runtime.settings, number="61234567",
                                  registers=[Register.sms], channel=service.Channel.caller_id,
                                  verification=service.Verification.caller_id, actor="channel:ivr")
    assert client.get("/api/v1/dnc/status/61234567").json()["registers"]["sms"] == {"listed": False}


def test_bad_numbers_are_refused_as_before(client):
    short = client.get("/api/v1/dnc/status/12345")
    assert short.status_code == 422 and short.json()["error"] == "invalid_number"
    assert client.get("/api/v1/dnc/status/%2B44%2020%207946%200000").json()["error"] == "invalid_number"
