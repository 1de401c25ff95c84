"""The hotlines end to end through the webhook: caller ID, keyed numbers, status, deregistration, the window."""

from __future__ import annotations

import datetime as dt

from telreg.core.clock import HK
from telreg.core.db import unit_of_work
from telreg.dnc.vocabulary import Register

from .helpers import list_number
from .ivr_calls import Call, events, job_count, listing, verifications


def _listed_on(runtime, clock, number, when, register=Register.sms):
    saved = clock.now()
    clock.set(when)
    with unit_of_work(runtime.session_factory) as session:
        list_number(session, runtime, number, register)
    clock.set(saved)


def test_the_call_starts_with_a_bilingual_language_choice(ivr_client):
    call = Call(ivr_client, caller_id="21234567", lang=None)
    reply = call.start()
    assert reply["state"] == "language" and reply["lang"] is None
    assert "廣東話請按1" in reply["say"] and "For English, press 2" in reply["say"]
    assert reply["expect"] == {"kind": "digits", "min": 1, "max": 1} and reply["end"] is False
    reply = call.press("1")
    assert reply["state"] == "menu" and reply["lang"] == "yue"
    assert reply["say"] == reply["prompt"]["yue"] and "短訊登記冊" in reply["say"]


def test_caller_id_is_read_back_and_listed_today(ivr_client, runtime):
    call = Call(ivr_client, caller_id="+852 2123 4567")
    assert call.start()["state"] == "menu"
    reply = call.press("1")
    assert reply["state"] == "confirm_caller"
    assert "Your number is 2, 1, 2, 3, 4, 5, 6, 7" in reply["say"]
    assert listing(runtime, "21234567") is None  # nothing before the confirming key
    reply = call.press("1")
    assert reply["end"] is True and reply["expect"]["kind"] == "none"
    assert "listed on the SMS register from today, 2 March 2026" in reply["say"]
    assert "Protection starts on 13 March 2026" in reply["say"]
    row = listing(runtime, "21234567")
    assert (row.channel, row.verification, row.registration_date) == ("caller-id", "caller-id", dt.date(2026, 3, 2))
    [event] = events(runtime, subject_type="number", subject_key="21234567")
    assert (event.action, event.actor, event.details["call_id"]) == ("registered", "ivr:sms", call.call_id)


def test_cantonese_reads_digits_and_dates_in_chinese(ivr_client):
    call = Call(ivr_client, line="prerecorded", caller_id="21234567", lang="yue")
    call.start()
    assert "二 一 二 三 四 五 六 七" in call.press("1")["say"]
    reply = call.press("1")
    assert "2026年3月2日" in reply["say"] and "預錄電話訊息登記冊" in reply["say"]


def test_an_already_listed_number_hears_its_original_date(ivr_client, runtime, clock):
    _listed_on(runtime, clock, "21234567", dt.datetime(2026, 2, 2, 9, 0, tzinfo=HK))
    call = Call(ivr_client, caller_id="21234567")
    call.start()
    reply = call.press("1", "1")
    assert "already been listed on the SMS register since 2 February 2026" in reply["say"]
    assert listing(runtime, "21234567").registration_date == dt.date(2026, 2, 2)


def test_the_line_decides_the_register(ivr_client, runtime):
    call = Call(ivr_client, line="fax", caller_id="21234567")
    call.start()
    call.press("1", "1")
    assert listing(runtime, "21234567", "fax") is not None
    assert listing(runtime, "21234567", "sms") is None


def test_deregistration_by_caller_id_removes_the_number_today(ivr_client, runtime, clock):
    _listed_on(runtime, clock, "21234567", dt.datetime(2026, 2, 2, 9, 0, tzinfo=HK))
    call = Call(ivr_client, caller_id="21234567")
    call.start()
    reply = call.press("2")
    assert reply["state"] == "confirm_caller" and "cancel its registration" in reply["say"]
    reply = call.press("1")
    assert "removed from the SMS register today" in reply["say"]
    assert listing(runtime, "21234567") is None
    again = Call(ivr_client, caller_id="21234567")
    again.start()
    assert "is not listed on the SMS register; nothing was changed" in again.press("2", "1")["say"]


def test_status_enquiry_reads_the_listing_dates(ivr_client, runtime, clock):
    call = Call(ivr_client, caller_id="21234567")
    call.start()
    reply = call.press("3")
    assert reply["end"] and "2, 1, 2, 3, 4, 5, 6, 7 is not listed on the SMS register" in reply["say"]
    _listed_on(runtime, clock, "21234567", dt.datetime(2026, 2, 2, 9, 0, tzinfo=HK))
    call = Call(ivr_client, caller_id="21234567")
    call.start()
    reply = call.press("3")
    assert "listed on the SMS register since 2 February 2026, and is protected from 13 February 2026" in reply["say"]


def test_a_mobile_without_caller_id_is_told_to_use_the_paper_form(ivr_client, runtime):
    call = Call(ivr_client, caller_id=None)
    call.start()
    reply = call.press("1")
    assert reply["state"] == "enter_number" and "could not read the number" in reply["say"]
    assert reply["expect"] == {"kind": "digits", "min": 8, "max": 8}
    assert call.press("91234567")["state"] == "confirm_keyed"
    reply = call.press("1")
    assert reply["end"] and "paper application form with a recent phone bill" in reply["say"]
    assert verifications(runtime, "91234567") == [] and job_count(runtime) == 0
    assert listing(runtime, "91234567") is None


def test_withheld_malformed_or_unlistable_caller_ids_count_as_none(ivr_client):
    for caller in ("", "12345", "anonymous", "18001234"):
        call = Call(ivr_client, caller_id=caller or None)
        call.start()
        assert call.press("1")["state"] == "enter_number", caller


def test_a_keyed_fixed_line_is_called_back_instead_of_listed(ivr_client, runtime):
    call = Call(ivr_client, caller_id=None)
    call.start()
    reply = call.press("1", "21234567")
    assert "You keyed 2, 1, 2, 3, 4, 5, 6, 7" in reply["say"]
    assert call.press("2")["state"] == "enter_number"  # key it again
    call.press("31234567")
    reply = call.press("1")
    assert reply["end"] and "We will call 3, 1, 2, 3, 4, 5, 6, 7 shortly" in reply["say"]
    [v] = verifications(runtime, "31234567")
    assert (v.action, v.method, v.channel, v.state, v.registers) == ("register", "callback", "callback", "pending",
                                                                     ["sms"])
    assert listing(runtime, "31234567") is None
    [requested] = events(runtime, subject_type="verification", subject_key=str(v.id))
    assert requested.action == "verification-requested" and requested.details["call_id"] == call.call_id


def test_register_other_number_accepts_only_personal_numbers(ivr_client, runtime):
    call = Call(ivr_client, caller_id="91234567")
    call.start()
    reply = call.press("4")
    assert reply["state"] == "enter_number" and "starting with 81, 82 or 83" in reply["say"]
    reply = call.press("21234567")
    assert reply["state"] == "enter_number" and "only for personal numbers" in reply["say"]
    call.press("81234567")
    reply = call.press("1")
    assert reply["end"] and "forwarded to a telephone you can answer" in reply["say"]
    [v] = verifications(runtime, "81234567")
    assert (v.channel, v.method, v.action) == ("other-number", "callback", "register")


def test_changes_are_refused_in_the_update_window_but_status_is_answered(ivr_client, runtime, clock):
    clock.set(dt.datetime(2026, 3, 2, 23, 30, tzinfo=HK))
    call = Call(ivr_client, caller_id="21234567")
    call.start()
    reply = call.press("1")
    assert reply["end"] and "call again after midnight" in reply["say"]
    assert listing(runtime, "21234567") is None
    call = Call(ivr_client, caller_id="21234567")
    call.start()
    assert "is not listed" in call.press("3")["say"]


def test_a_confirmation_after_23_00_is_refused_without_a_change(ivr_client, runtime, clock):
    clock.set(dt.datetime(2026, 3, 2, 22, 59, tzinfo=HK))
    call = Call(ivr_client, caller_id="21234567")
    call.start()
    assert call.press("1")["state"] == "confirm_caller"
    clock.set(dt.datetime(2026, 3, 2, 23, 0, 30, tzinfo=HK))
    assert "call again after midnight" in call.press("1")["say"]
    assert listing(runtime, "21234567") is None
    assert events(runtime, subject_type="number", subject_key="21234567") == []
    clock.set(dt.datetime(2026, 3, 3, 0, 0, 5, tzinfo=HK))
    call = Call(ivr_client, caller_id="21234567")
    call.start()
    assert "from today, 3 March 2026" in call.press("1", "1")["say"]


def test_a_keyed_number_in_the_window_asks_for_no_callback(ivr_client, runtime, clock):
    clock.set(dt.datetime(2026, 3, 2, 22, 58, tzinfo=HK))
    call = Call(ivr_client, caller_id=None)
    call.start()
    call.press("1", "21234567")
    clock.set(dt.datetime(2026, 3, 2, 23, 5, tzinfo=HK))
    assert "call again after midnight" in call.press("1")["say"]
    assert verifications(runtime, "21234567") == [] and job_count(runtime) == 0
