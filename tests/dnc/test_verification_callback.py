"""Callbacks: a keyed number is called back up to three times, 15 minutes apart, before anything changes."""

from __future__ import annotations

import datetime as dt

import pytest

from telreg.core.clock import HK
from telreg.core.db import unit_of_work
from telreg.core.errors import InvalidInput
from telreg.core.notify import CallOutcome
from telreg.core.phone import parse_number
from telreg.dnc import verification
from telreg.dnc.vocabulary import Channel, Register

from .helpers import list_number
from .ivr_calls import Call, events, listing, queued, run_due, verifications

A = CallOutcome


def _ask_callback(ivr_client, number="21234567", action_key="1", line="sms", caller_id=None):
    call = Call(ivr_client, line=line, caller_id=caller_id)
    call.start()
    call.press(action_key, number)
    reply = call.press("1")
    assert reply["end"] and "We will call" in reply["say"], reply["say"]
    return call


def test_two_unanswered_callbacks_then_a_confirmation_list_the_number(ivr_client, runtime, clock, telephony):
    telephony.script("21234567", A.no_answer, A.no_answer, A.confirmed)
    _ask_callback(ivr_client)
    [first] = run_due(runtime)
    assert first.kind == "dnc.callback" and first.status == "done"
    assert listing(runtime, "21234567") is None
    assert run_due(runtime) == []  # the next attempt is not due yet
    [job] = queued(runtime, "dnc.callback")
    assert job.run_at == clock.now() + dt.timedelta(minutes=15)
    clock.advance(minutes=15)
    run_due(runtime)
    clock.advance(minutes=15)
    run_due(runtime)
    row = listing(runtime, "21234567")
    assert (row.channel, row.verification) == ("callback", "callback")
    [v] = verifications(runtime, "21234567")
    assert (v.state, v.attempts, v.outcome) == ("confirmed", 3, "sms: registered")
    assert [n for n, _ in telephony.calls] == ["21234567"] * 3
    assert "We were asked to list 2, 1, 2, 3, 4, 5, 6, 7 on the SMS register. To confirm, press 1." in \
        telephony.calls[0][1]
    trail = [(e.action, e.details.get("outcome")) for e in events(runtime, subject_type="verification",
                                                                   subject_key=str(v.id))]
    assert trail == [("verification-requested", None), ("callback-attempted", "no_answer"),
                     ("callback-attempted", "no_answer"), ("callback-attempted", "confirmed"),
                     ("verification-confirmed", "sms: registered")]
    [listed] = events(runtime, subject_type="number", subject_key="21234567")
    assert listed.actor == f"verification:{v.id}" and listed.details["verification_id"] == v.id
    assert queued(runtime) == []


def test_three_unanswered_callbacks_fail_the_registration(ivr_client, runtime, clock, telephony):
    _ask_callback(ivr_client)  # FakeTelephony answers nothing unless scripted
    for _ in range(3):
        run_due(runtime)
        clock.advance(minutes=15)
    run_due(runtime)
    [v] = verifications(runtime, "21234567")
    assert (v.state, v.attempts) == ("failed", 3) and "no answer" in v.outcome
    assert len(telephony.calls) == 3 and queued(runtime) == []
    assert listing(runtime, "21234567") is None
    [failed] = events(runtime, subject_type="verification", subject_key=str(v.id), action="verification-failed")
    assert failed.details["outcome"] == "no answer after 3 callbacks"


def test_a_declined_callback_fails_at_once(ivr_client, runtime, telephony):
    telephony.script("21234567", A.declined)
    _ask_callback(ivr_client)
    run_due(runtime)
    [v] = verifications(runtime, "21234567")
    assert (v.state, v.outcome) == ("failed", "declined on the callback")
    assert queued(runtime) == [] and listing(runtime, "21234567") is None


def test_other_number_callback_lists_a_personal_number(ivr_client, runtime, telephony):
    telephony.script("82345678", A.busy, A.confirmed)
    call = Call(ivr_client, caller_id="61234567")
    call.start()
    call.press("4", "82345678", "1")
    run_due(runtime)
    runtime.clock.advance(minutes=15)
    run_due(runtime)
    row = listing(runtime, "82345678")
    assert (row.channel, row.verification) == ("other-number", "callback")


def test_deregistration_by_callback_removes_the_number(ivr_client, runtime, telephony):
    with unit_of_work(runtime.session_factory) as session:
        list_number(session, runtime, "31234567", Register.sms)
    telephony.script("31234567", A.confirmed)
    _ask_callback(ivr_client, number="31234567", action_key="2")
    assert listing(runtime, "31234567") is not None
    run_due(runtime)
    assert listing(runtime, "31234567") is None
    assert "cancel the registration of 3, 1, 2, 3, 4, 5, 6, 7" in telephony.calls[0][1]
    [removed] = events(runtime, subject_type="number", subject_key="31234567", action="deregistered")
    assert removed.details["channel"] == "callback" and removed.details["verification"] == "callback"


def test_status_by_callback_reads_the_status_out(ivr_client, runtime, telephony):
    with unit_of_work(runtime.session_factory) as session:
        list_number(session, runtime, "31234567", Register.sms)
    telephony.script("31234567", A.confirmed)
    call = Call(ivr_client, caller_id=None, lang="yue")
    call.start()
    call.press("3", "31234567", "1")
    run_due(runtime)
    assert "三 一 二 三 四 五 六 七自2026年3月2日起登記在短訊登記冊" in telephony.calls[0][1]
    [v] = verifications(runtime, "31234567")
    assert (v.action, v.state, v.outcome) == ("status", "confirmed", "status read out")


def test_a_callback_due_in_the_update_window_waits_until_after_midnight(ivr_client, runtime, clock, telephony):
    clock.set(dt.datetime(2026, 3, 2, 22, 50, tzinfo=HK))
    telephony.script("21234567", A.no_answer, A.confirmed)
    _ask_callback(ivr_client)
    run_due(runtime)
    clock.set(dt.datetime(2026, 3, 2, 23, 5, tzinfo=HK))
    [deferred] = run_due(runtime)
    assert deferred.status == "rescheduled"
    [job] = queued(runtime, "dnc.callback")
    assert job.run_at == dt.datetime(2026, 3, 3, 0, 1, tzinfo=HK) and job.attempts == 0
    assert len(telephony.calls) == 1  # nobody is rung during the window
    [v] = verifications(runtime, "21234567")
    assert v.attempts == 1 and v.state == "pending"
    clock.set(dt.datetime(2026, 3, 3, 0, 1, tzinfo=HK))
    run_due(runtime)
    assert listing(runtime, "21234567").registration_date == dt.date(2026, 3, 3)


def test_asking_twice_rings_the_number_once(ivr_client, runtime):
    _ask_callback(ivr_client)
    _ask_callback(ivr_client)
    assert len(verifications(runtime, "21234567")) == 1
    assert len(queued(runtime, "dnc.callback")) == 1


def test_mobile_numbers_cannot_be_called_back(session, runtime):
    with pytest.raises(InvalidInput, match="cannot be called back"):
        verification.request_callback(session, clock=runtime.clock, settings=runtime.settings,
                                      number=parse_number("91234567"), registers=[Register.sms], action="register",
                                      channel=Channel.callback, actor="test")
