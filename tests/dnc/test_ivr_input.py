"""Bad input on the hotlines: wrong keys, digit counts, silence, re-delivered turns, unknown lines and calls."""

from __future__ import annotations

import threading

from sqlalchemy import select

from telreg.dnc.models import IvrCall

from .ivr_calls import Call, events, listing, read


def test_a_repeated_key_is_not_taken_as_a_choice(ivr_client, runtime):
    call = Call(ivr_client, caller_id="21234567")
    call.start()
    reply = call.press("11")
    assert reply["state"] == "menu" and reply["say"].startswith("That is not one of the choices.")
    reply = call.press("1", "11")
    assert reply["state"] == "confirm_caller" and not reply["end"]
    assert listing(runtime, "21234567") is None
    call.press("1")
    assert listing(runtime, "21234567") is not None


def test_wrong_digit_counts_and_unlistable_numbers_are_asked_again(ivr_client):
    call = Call(ivr_client)
    call.start()
    call.press("1")
    reply = call.press("2123456")
    assert reply["state"] == "enter_number" and "You keyed 7 digits; a number has 8 digits." in reply["say"]
    reply = call.press("212345678")
    assert "You keyed 9 digits" in reply["say"]
    reply = call.press("12345678")
    assert "cannot be listed" in reply["say"]
    assert reply["end"] is True  # the third miss in a row ends the call
    assert "could not complete your request" in reply["say"] and "Goodbye" in reply["say"]


def test_silence_repeats_the_prompt_twice_then_says_goodbye(ivr_client):
    call = Call(ivr_client, caller_id="21234567")
    menu = call.start()["say"].removeprefix("Welcome to the Do-not-call Registers. ")
    first = call.post("timeout")
    assert first["state"] == "menu" and first["say"] == "We did not hear a key. " + menu
    second = call.post("keys", "")  # an empty key string is silence too
    assert second["say"] == first["say"] and not second["end"]
    reply = call.post("timeout")
    assert reply["end"] and reply["state"] == "ended" and reply["say"].endswith("Goodbye.")


def test_a_valid_key_resets_the_repeat_count(ivr_client):
    call = Call(ivr_client, caller_id="21234567")
    call.start()
    call.post("timeout")
    call.post("timeout")
    assert call.press("1")["state"] == "confirm_caller"
    call.post("timeout")
    reply = call.post("timeout")
    assert not reply["end"] and reply["state"] == "confirm_caller"


def test_a_redelivered_turn_gets_the_same_reply_and_changes_nothing_twice(ivr_client, runtime):
    call = Call(ivr_client, caller_id="21234567")
    call.start()
    call.press("1")
    first = call.post("keys", "1", seq=2)
    again = call.post("keys", "1", seq=2)
    assert again == first and first["end"]
    assert len(events(runtime, subject_type="number", subject_key="21234567")) == 1
    turns = read(runtime, lambda s: s.scalar(select(IvrCall.turns).where(IvrCall.call_id == call.call_id)))
    assert turns == 3
    refused = call.post("keys", "1", seq=1, status=409)
    assert refused["error"] == "turn_rejected"


def test_a_redelivered_start_is_answered_once(ivr_client, runtime):
    call = Call(ivr_client, caller_id="21234567")
    assert call.start() == call.start()
    assert read(runtime, lambda s: len(list(s.scalars(select(IvrCall))))) == 1
    refused = call.post("start", seq=5, status=409)
    assert refused["error"] == "turn_rejected"


def test_unknown_lines_calls_and_events_are_refused(ivr_client):
    unknown_line = Call(ivr_client, line="email")
    body = unknown_line.post("start", seq=0, status=404)
    assert body["error"] == "unknown_line" and "sms" in body["detail"]
    stray = Call(ivr_client)
    assert stray.post("keys", "1", status=404)["error"] == "unknown_call"
    bad = Call(ivr_client)
    assert bad.post("ring", seq=0, status=422)["error"] == "invalid_input"
    assert bad.post("start", "1a", seq=0, status=422)["error"] == "invalid_input"


def test_after_a_hangup_keys_are_refused_and_a_second_hangup_is_harmless(ivr_client, runtime):
    call = Call(ivr_client, caller_id="21234567")
    call.start()
    call.press("1")
    reply = call.post("hangup")
    assert reply["end"] and reply["state"] == "hung-up" and reply["say"] == ""
    assert call.post("hangup")["end"] is True
    assert call.post("keys", "1", status=409)["error"] == "turn_rejected"
    assert listing(runtime, "21234567") is None
    ended = read(runtime, lambda s: s.scalar(select(IvrCall).where(IvrCall.call_id == call.call_id)))
    assert ended.ended_at is not None and ended.context["ended_in"] == "confirm_caller"


def test_a_turn_on_another_line_is_refused(ivr_client):
    call = Call(ivr_client, caller_id="21234567")
    call.start()
    call.line = "fax"
    assert call.post("keys", "1", status=409)["error"] == "turn_rejected"


def test_two_calls_confirming_the_same_number_list_it_once(ivr_client, runtime):
    calls = [Call(ivr_client, caller_id="21234567") for _ in range(2)]
    for call in calls:
        call.start()
        assert call.press("1")["state"] == "confirm_caller"
    barrier = threading.Barrier(2)
    replies: dict[int, dict] = {}
    errors: list[BaseException] = []

    def confirm(i: int) -> None:
        try:
            barrier.wait()
            replies[i] = calls[i].press("1")
        except Exception as exc:  # noqa: BLE001 — surfaced below; a thread's exception would otherwise vanish
            errors.append(exc)

    threads = [threading.Thread(target=confirm, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    says = sorted(r["say"] for r in replies.values())
    assert sum("from today" in s for s in says) == 1
    assert sum("already been listed" in s for s in says) == 1
    actions = [e.action for e in events(runtime, subject_type="number", subject_key="21234567")]
    assert sorted(actions) == ["registered", "registration-repeated"]
