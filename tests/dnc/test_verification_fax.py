"""Fax callback: a one-time code faxed to the keyed number, keyed back on the confirmation line."""

from __future__ import annotations

import datetime as dt
import re

from telreg.core.clock import HK
from telreg.core.notify import FaxOutcome

from .ivr_calls import Call, events, listing, queued, run_due, verifications

FAX = "21234567"


def _ask_fax_code(ivr_client, number=FAX, action_key="1"):
    call = Call(ivr_client, line="fax", caller_id=None)
    call.start()
    call.press(action_key, number)
    reply = call.press("1")
    assert reply["state"] == "choose_method"
    reply = call.press("2")
    assert reply["end"] and "fax an authentication code to" in reply["say"], reply["say"]
    return call


def _faxed_code(fax) -> str:
    _, text = fax.sent[-1]
    match = re.search(r"authentication code (\d{6})", text)
    assert match, text
    return match.group(1)


def _confirm(ivr_client, code, number=FAX, lang="en"):
    call = Call(ivr_client, line="fax-confirm", caller_id=None, lang=lang)
    assert call.start()["state"] == "fc_number"
    reply = call.press(number)
    assert reply["state"] == "fc_code", reply["say"]
    return call, call.press(code)


def test_busy_then_delivered_fax_and_the_right_code_list_the_number(ivr_client, runtime, clock, fax):
    fax.script(FAX, FaxOutcome.busy, FaxOutcome.delivered)
    _ask_fax_code(ivr_client)
    [v] = verifications(runtime, FAX)
    assert (v.method, v.channel, v.registers) == ("fax-code", "fax-callback", ["fax"])
    run_due(runtime)
    [v] = verifications(runtime, FAX)
    assert v.attempts == 1 and v.code_hash is None
    [job] = queued(runtime, "dnc.fax-code")
    assert job.run_at == clock.now() + dt.timedelta(minutes=15)
    clock.advance(minutes=15)
    run_due(runtime)
    code = _faxed_code(fax)
    [v] = verifications(runtime, FAX)
    assert v.code_hash.startswith("$argon2") and code not in v.code_hash
    assert v.code_expires_at == clock.now() + dt.timedelta(minutes=runtime.settings.fax_code_ttl_minutes)
    assert listing(runtime, FAX, "fax") is None
    clock.advance(minutes=30)
    _, reply = _confirm(ivr_client, code)
    assert reply["end"] and "listed on the fax register from today, 2 March 2026" in reply["say"]
    row = listing(runtime, FAX, "fax")
    assert (row.channel, row.verification) == ("fax-callback", "fax-code")
    [v] = verifications(runtime, FAX)
    assert v.state == "confirmed"
    trail = [e.action for e in events(runtime, subject_type="verification", subject_key=str(v.id))]
    assert trail == ["verification-requested", "fax-code-undelivered", "fax-code-sent", "verification-confirmed"]


def test_three_wrong_codes_fail_the_verification(ivr_client, runtime, fax):
    _ask_fax_code(ivr_client)
    run_due(runtime)
    code = _faxed_code(fax)
    wrong = f"{(int(code) + 1) % 1000000:06d}"
    call, reply = _confirm(ivr_client, wrong)
    assert reply["state"] == "fc_code" and "You have 2 more tries" in reply["say"]
    assert "You have 1 more try" in call.press(wrong)["say"]
    reply = call.press(wrong)
    assert reply["end"] and "Too many wrong codes" in reply["say"]
    [v] = verifications(runtime, FAX)
    assert (v.state, v.wrong_codes) == ("failed", 3)
    assert listing(runtime, FAX, "fax") is None
    # The right code is worthless now: no code is waiting for the number any more.
    call = Call(ivr_client, line="fax-confirm", lang="en")
    call.start()
    reply = call.press(FAX)
    assert reply["state"] == "fc_number" and "No authentication code is waiting" in reply["say"]


def test_an_expired_code_is_refused(ivr_client, runtime, clock, fax):
    _ask_fax_code(ivr_client)
    run_due(runtime)
    code = _faxed_code(fax)
    clock.advance(minutes=runtime.settings.fax_code_ttl_minutes)
    _, reply = _confirm(ivr_client, code)
    assert reply["end"] and "That code has expired" in reply["say"]
    [v] = verifications(runtime, FAX)
    assert v.state == "expired" and v.wrong_codes == 0
    assert listing(runtime, FAX, "fax") is None


def test_a_code_keyed_in_the_update_window_burns_no_attempt(ivr_client, runtime, clock, fax):
    _ask_fax_code(ivr_client)
    run_due(runtime)
    code = _faxed_code(fax)
    clock.set(dt.datetime(2026, 3, 2, 23, 10, tzinfo=HK))
    for keyed in ("000000" if code != "000000" else "111111", code):
        _, reply = _confirm(ivr_client, keyed)
        assert reply["end"] and "call again after midnight" in reply["say"]
    [v] = verifications(runtime, FAX)
    assert (v.state, v.wrong_codes) == ("pending", 0)
    clock.set(dt.datetime(2026, 3, 3, 0, 20, tzinfo=HK))
    _, reply = _confirm(ivr_client, code, lang="yue")
    assert "2026年3月3日" in reply["say"]
    assert listing(runtime, FAX, "fax").registration_date == dt.date(2026, 3, 3)


def test_a_fax_that_never_gets_through_fails_the_request(ivr_client, runtime, clock, fax):
    fax.script(FAX, FaxOutcome.busy, FaxOutcome.failed, FaxOutcome.busy)
    _ask_fax_code(ivr_client)
    for _ in range(3):
        run_due(runtime)
        clock.advance(minutes=15)
    run_due(runtime)
    [v] = verifications(runtime, FAX)
    assert (v.state, v.attempts, v.code_hash) == ("failed", 3, None)
    assert len(fax.sent) == 3 and queued(runtime) == []


def test_a_fax_due_in_the_window_is_sent_after_it(ivr_client, runtime, clock, fax):
    clock.set(dt.datetime(2026, 3, 2, 22, 55, tzinfo=HK))
    _ask_fax_code(ivr_client)
    clock.set(dt.datetime(2026, 3, 2, 23, 0, tzinfo=HK))
    [deferred] = run_due(runtime)
    assert deferred.status == "rescheduled" and fax.sent == []
    [job] = queued(runtime, "dnc.fax-code")
    assert job.run_at == dt.datetime(2026, 3, 3, 0, 1, tzinfo=HK)


def test_a_mobile_fax_number_is_offered_only_the_fax_callback(ivr_client, runtime, fax):
    call = Call(ivr_client, line="fax")
    call.start()
    reply = call.press("1", "61234567", "1")
    assert reply["state"] == "choose_method"
    assert "press 1" not in reply["say"] and "For a fax callback" in reply["say"]
    assert call.press("1")["state"] == "choose_method"  # not a choice for a mobile number
    assert call.press("2")["end"]
    run_due(runtime)
    assert fax.sent[0][0] == "61234567"


def test_a_new_request_supersedes_the_code_already_faxed(ivr_client, runtime, fax):
    _ask_fax_code(ivr_client)
    run_due(runtime)
    old = _faxed_code(fax)
    _ask_fax_code(ivr_client)
    run_due(runtime)
    new = _faxed_code(fax)
    states = [v.state for v in verifications(runtime, FAX)]
    assert states == ["expired", "pending"]
    if old != new:
        _, reply = _confirm(ivr_client, old)
        assert "That code is not right" in reply["say"]
    _, reply = _confirm(ivr_client, new)
    assert "listed on the fax register" in reply["say"]


def test_fax_code_deregistration_and_wrong_length_codes(ivr_client, runtime, fax):
    from telreg.core.db import unit_of_work
    from telreg.dnc.vocabulary import Register

    from .helpers import list_number

    with unit_of_work(runtime.session_factory) as session:
        list_number(session, runtime, FAX, Register.fax)
    _ask_fax_code(ivr_client, action_key="2")
    run_due(runtime)
    code = _faxed_code(fax)
    call, reply = _confirm(ivr_client, code[:5])
    assert reply["state"] == "fc_code" and "The code has 6 digits" in reply["say"]
    [v] = verifications(runtime, FAX)
    assert v.wrong_codes == 0
    reply = call.press(code)
    assert "removed from the fax register today" in reply["say"]
    assert listing(runtime, FAX, "fax") is None
