"""Busy lines in the demo: the dev API scripts the demo adapters, and the worker's retries can be watched.

Seed 004 Q3.5: 在傳真回覆安排下,如因傳真線路繁忙而未能收到載有認證碼的傳真,系統會在大約十五分鐘後重試發送傳真
(on a busy fax line the code is faxed again about fifteen minutes later). Q3.2: an unanswered callback is
retried likewise. These tests run on a runtime built with the demo adapters, as `make run` builds it, and
script the lines only through ``/api/v1/dev/lines``.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from fastapi.testclient import TestClient

from telreg.app import create_app
from telreg.config import Environment
from telreg.core.notify import DemoFax, DemoLines, DemoTelephony
from telreg.runtime import build_runtime

from .ivr_calls import events, listing, queued, run_due, verifications
from .test_verification_callback import _ask_callback
from .test_verification_fax import FAX, _ask_fax_code, _confirm

LINES = "/api/v1/dev/lines"


@pytest.fixture
def settings(settings):  # type: ignore[no-untyped-def]
    return settings.model_copy(update={"telephony_adapter": "demo"})


@pytest.fixture
def runtime(settings, engine, clock):  # type: ignore[no-untyped-def]
    """Built as `make run` builds it: no adapter passed in, so the settings choose the demo ones."""
    return build_runtime(settings, clock=clock, engine=engine)


def _script(client, number, **outcomes):
    response = client.post(f"{LINES}/{number}", json=outcomes)
    assert response.status_code == 200, response.text
    return response.json()


def _recent(client, kind):
    response = client.get(LINES)
    assert response.status_code == 200, response.text
    return [e for e in response.json()["recent"] if e["kind"] == kind]


def _trail(runtime, v):
    return [(e.action, e.details.get("outcome")) for e in events(runtime, subject_type="verification",
                                                                  subject_key=str(v.id))]


def test_make_run_builds_demo_adapters_sharing_one_set_of_lines(runtime):
    assert isinstance(runtime.telephony, DemoTelephony) and isinstance(runtime.fax, DemoFax)
    assert runtime.telephony.lines is runtime.fax.lines is runtime.sms.lines


def test_a_fax_line_made_busy_through_the_dev_api_gets_the_code_15_minutes_later(client, ivr_client, runtime,
                                                                                 clock):
    """Q3.5: the busy line is retried about fifteen minutes later; the code then faxed confirms the number."""
    assert _script(client, "2123 4567", fax=["busy"]) == {"number": FAX, "call": [], "fax": ["busy"]}
    start = clock.now()
    _ask_fax_code(ivr_client)
    run_due(runtime)
    [v] = verifications(runtime, FAX)
    assert (v.attempts, v.code_hash) == (1, None)
    [job] = queued(runtime, "dnc.fax-code")
    assert job.run_at == start + dt.timedelta(minutes=15)
    [busy] = _recent(client, "fax")
    assert (busy["number"], busy["outcome"], busy["scripted"]) == (FAX, "busy", True)
    assert dt.datetime.fromisoformat(busy["at"]) == start
    assert client.get(LINES).json()["scripted"] == []  # the scripted outcome was used up

    clock.advance(minutes=14)
    assert run_due(runtime) == []  # not before the quarter of an hour
    clock.advance(minutes=1)
    run_due(runtime)
    delivered, _ = _recent(client, "fax")
    assert (delivered["outcome"], delivered["scripted"]) == ("delivered", False)
    assert dt.datetime.fromisoformat(delivered["at"]) == start + dt.timedelta(minutes=15)
    code = re.search(r"authentication code (\d{6})", delivered["text"]).group(1)
    assert listing(runtime, FAX, "fax") is None

    _, reply = _confirm(ivr_client, code)
    assert reply["end"] and "listed on the fax register" in reply["say"]
    assert listing(runtime, FAX, "fax").verification == "fax-code"
    [v] = verifications(runtime, FAX)
    assert (v.state, v.attempts) == ("confirmed", 2)
    assert [a for a, _ in _trail(runtime, v)] == [
        "verification-requested", "fax-code-undelivered", "fax-code-sent", "verification-confirmed"]
    [undelivered] = events(runtime, subject_type="verification", subject_key=str(v.id),
                           action="fax-code-undelivered")
    assert undelivered.details["outcome"] == "busy"


def test_a_fax_line_busy_on_every_attempt_fails_the_verification(client, ivr_client, runtime, clock):
    """Q3.5: a code the caller never receives cannot be keyed, so the registration does not succeed."""
    attempts = runtime.settings.fax_send_attempts
    _script(client, FAX, fax=["busy"] * attempts)
    start = clock.now()
    _ask_fax_code(ivr_client)
    for _ in range(attempts):
        run_due(runtime)
        clock.advance(minutes=15)
    run_due(runtime)
    [v] = verifications(runtime, FAX)
    assert (v.state, v.attempts, v.code_hash) == ("failed", attempts, None)
    assert v.outcome == f"fax not delivered after {attempts} attempts"
    assert queued(runtime) == [] and listing(runtime, FAX, "fax") is None
    faxes = _recent(client, "fax")
    assert [f["outcome"] for f in faxes] == ["busy"] * attempts
    assert sorted(dt.datetime.fromisoformat(f["at"]) for f in faxes) == [
        start + dt.timedelta(minutes=15 * i) for i in range(attempts)]
    trail = _trail(runtime, v)
    assert [a for a, _ in trail] == ["verification-requested"] + ["fax-code-undelivered"] * (attempts - 1) + [
        "verification-failed"]
    [failed] = events(runtime, subject_type="verification", subject_key=str(v.id),
                      action="verification-failed")
    assert failed.details["last"] == "busy"


def test_a_busy_callback_is_retried_15_minutes_later_and_confirmed(client, ivr_client, runtime, clock):
    """Q3.2, the telephone callback: a busy line is called again about fifteen minutes later."""
    _script(client, "21234567", call=["busy", "confirmed"])
    _ask_callback(ivr_client)
    run_due(runtime)
    [job] = queued(runtime, "dnc.callback")
    assert job.run_at == clock.now() + dt.timedelta(minutes=15)
    assert listing(runtime, "21234567") is None
    clock.advance(minutes=15)
    run_due(runtime)
    row = listing(runtime, "21234567")
    assert (row.channel, row.verification) == ("callback", "callback")
    [v] = verifications(runtime, "21234567")
    assert (v.state, v.attempts) == ("confirmed", 2)
    assert _trail(runtime, v) == [
        ("verification-requested", None), ("callback-attempted", "busy"), ("callback-attempted", "confirmed"),
        ("verification-confirmed", "sms: registered")]
    calls = _recent(client, "call")
    assert [(c["outcome"], c["scripted"]) for c in calls] == [("confirmed", True), ("busy", True)]
    assert "To confirm, press 1." in calls[0]["text"]


def test_scripts_queue_up_list_and_clear(client, runtime):
    _script(client, "21234567", call=["busy"], fax=["busy"])
    assert _script(client, "+852 2123-4567", call=["no_answer"]) == {
        "number": "21234567", "call": ["busy", "no_answer"], "fax": ["busy"]}
    _script(client, "31234567", fax=["failed"])
    assert client.get(LINES).json()["scripted"] == [
        {"number": "21234567", "call": ["busy", "no_answer"], "fax": ["busy"]},
        {"number": "31234567", "call": [], "fax": ["failed"]},
    ]
    assert client.delete(f"{LINES}/21234567").status_code == 204
    assert client.get(LINES).json()["scripted"] == [{"number": "31234567", "call": [], "fax": ["failed"]}]
    # Cleared: the number is answered and faxed normally again.
    assert runtime.fax.send_fax("21234567", "hello") == "delivered"


@pytest.mark.parametrize(("body", "detail"), [
    ({"fax": ["engaged"]}, "'engaged' is not a fax outcome; use delivered, busy or failed."),
    ({"call": ["busy", "hung up"], "fax": ["busy"]},
     "'hung up' is not a call outcome; use confirmed, declined, no_answer or busy."),
])
def test_the_dev_api_refuses_an_unknown_outcome_and_queues_nothing(client, runtime, body, detail):
    response = client.post(f"{LINES}/21234567", json=body)
    assert response.status_code == 422
    assert response.json()["error"] == "invalid_input" and response.json()["detail"] == detail
    assert client.get(LINES).json()["scripted"] == []


def test_the_dev_api_refuses_other_mistakes(client):
    response = client.post(f"{LINES}/21234567", json={"sms": ["busy"]})
    assert response.status_code == 422 and response.json()["error"] == "invalid_input"
    response = client.post(f"{LINES}/2123", json={"fax": ["busy"]})
    assert response.status_code == 422 and response.json()["error"] == "invalid_number"
    assert client.get(LINES).json()["scripted"] == []


@pytest.mark.parametrize("when", ["at start-up", "after start-up"])
def test_the_dev_api_does_not_exist_in_production(runtime, client, when):
    lines = runtime.fax.lines
    runtime.settings = runtime.settings.model_copy(update={"env": Environment.production})
    production = TestClient(create_app(runtime)) if when == "at start-up" else client
    for method, path in [("post", f"{LINES}/21234567"), ("get", LINES), ("delete", f"{LINES}/21234567")]:
        response = production.request(method, path, json={"fax": ["busy"]} if method == "post" else None)
        assert response.status_code == 404, (method, response.text)
        assert response.json() == {"error": "page_not_found", "detail": f"There is nothing at {path}."}
    assert lines.scripted() == {}
    if when == "at start-up":  # not even described: the router is left out of a production app
        assert not [p for p in production.get("/openapi.json").json()["paths"] if p.startswith("/api/v1/dev")]


def test_the_dev_api_needs_the_demo_adapters(settings, engine, clock):
    fake_settings = settings.model_copy(update={"telephony_adapter": "fake"})
    fake = build_runtime(fake_settings, clock=clock, engine=engine)
    with TestClient(create_app(fake)) as client:
        response = client.post(f"{LINES}/21234567", json={"fax": ["busy"]})
    assert response.status_code == 409
    assert response.json()["error"] == "conflict"
    assert "only with the demo telephony and fax adapters" in response.json()["detail"]
    assert "'fake'" in response.json()["detail"]


def test_the_record_of_what_was_sent_is_bounded():
    lines = DemoLines(keep=3)
    for i in range(5):
        lines.sms(f"6123456{i}", f"message {i}")
    assert [e.text for e in lines.recent()] == ["message 4", "message 3", "message 2"]
