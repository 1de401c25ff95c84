"""The sender's own lists: latest instruction wins, unsubscribe wins a tie, history kept, files refused whole."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from telreg.core.clock import HK
from telreg.senders import lifecycle
from telreg.senders.errors import InstructionRefused, InstructionsFileRefused, RegisterNotHeld
from telreg.senders.lists import service
from telreg.senders.lists.models import SenderInstruction
from telreg.senders.scrub.errors import InstructionsRefused
from telreg.senders.scrub.instructions import CONSENT, UNSUBSCRIBE, load_instructions

T = dt.datetime(2026, 2, 1, 9, 0, tzinfo=HK)


def _access(session, runtime, account_id):
    return lifecycle.access(session, clock=runtime.clock, settings=runtime.settings, account_id=account_id)


@pytest.fixture
def own(session, runtime, account_id):
    return service.open_list(_access(session, runtime, account_id), register="sms")


def _record(session, runtime, key, number, instruction, at, how="web-form"):
    return service.record(session, clock=runtime.clock, key=key, number=number, instruction=instruction,
                          given_at=at, how=how, recorded_by="test")


def _state(session, key):
    return {r.number: r.instruction for r in service.current(session, key=key)}


def _count(session):
    return session.scalar(select(func.count()).select_from(SenderInstruction))


def test_the_latest_instruction_wins_whatever_order_it_was_recorded_in(session, runtime, own):
    _record(session, runtime, own, "+852 9123 4567", "consent", T + dt.timedelta(days=2))
    _record(session, runtime, own, "91234567", "unsubscribe", T)  # older, recorded later
    _record(session, runtime, own, "6123 4567", "unsubscribe", T)
    _record(session, runtime, own, "61234567", "consent", T + dt.timedelta(hours=1))  # consent after unsubscribe
    _record(session, runtime, own, "51234567", "consent", T)
    _record(session, runtime, own, "51234567", "unsubscribe", T + dt.timedelta(seconds=1))
    assert _state(session, own) == {"91234567": "consent", "61234567": "consent", "51234567": "unsubscribe"}


@pytest.mark.parametrize("first", ["consent", "unsubscribe"])
def test_at_the_same_time_the_unsubscribe_wins_as_in_the_offline_scrub(session, runtime, own, first, tmp_path):
    second = "unsubscribe" if first == "consent" else "consent"
    _record(session, runtime, own, "91234567", first, T)
    _record(session, runtime, own, "91234567", second, T)
    assert _state(session, own) == {"91234567": "unsubscribe"}
    # The offline scrub reads the exported history the same way.
    path = tmp_path / "history.csv"
    path.write_text(service.export_csv(service.history(session, key=own), full=True))
    offline = load_instructions(path)
    assert offline.numbers.tolist() == [91234567] and offline.kinds.tolist() == [UNSUBSCRIBE]


def test_history_is_kept_and_nothing_is_overwritten(session, runtime, own):
    _record(session, runtime, own, "91234567", "consent", T, how="written")
    _record(session, runtime, own, "91234567", "unsubscribe", T + dt.timedelta(days=1), how="reply-stop")
    _record(session, runtime, own, "91234567", "consent", T + dt.timedelta(days=2), how="call")
    rows = service.history(session, key=own, number="9123 4567")
    assert [(r.instruction, r.how) for r in rows] == [("consent", "written"), ("unsubscribe", "reply-stop"),
                                                      ("consent", "call")]
    assert _count(session) == 3 and _state(session, own) == {"91234567": "consent"}
    assert not hasattr(service, "update") and not hasattr(service, "delete")


def test_a_file_with_bad_lines_is_refused_whole_with_line_numbers(session, runtime, own):
    data = ("number,instruction,at,how\n"
            "91234567,consent,2026-02-01T09:00,web-form\n"
            "1234,consent,2026-02-01,web-form\n"
            "\n"
            "61234567,maybe,2026-02-01,call\n"
            "51234567,unsubscribe,yesterday,call\n"
            "41234567,unsubscribe\n").encode()
    with pytest.raises(InstructionsFileRefused) as refused:
        service.import_csv(session, clock=runtime.clock, key=own, data=data, source="list.csv", recorded_by="t")
    problems = {e["line"]: e["problem"] for e in refused.value.extra["errors"]}
    assert sorted(problems) == [3, 5, 6, 7]
    assert "4 digits" in problems[3] and "'maybe'" in problems[5] and "'yesterday'" in problems[6]
    assert "columns" in problems[7]
    assert "4 bad line(s); nothing was recorded" in refused.value.message
    assert _count(session) == 0


@pytest.mark.parametrize(("data", "words"), [
    (b"", "missing: number, instruction, at"),
    (b"phone,kind,when\n91234567,consent,2026-02-01\n", "missing: number, instruction, at"),
    (b"number,instruction,at\n", "no instructions"),
    (b"\x00\x01\x02PK", "binary"),
    (b"number,instruction,at\n9123\xff4567,consent,2026-02-01\n", "not UTF-8"),
    (b"number,instruction,at,channel\n91234567,consent,2026-02-01,fax\n", "channel 'fax'"),
])
def test_files_that_are_not_instruction_lists_are_refused(session, runtime, own, data, words):
    with pytest.raises(InstructionsFileRefused) as refused:
        service.import_csv(session, clock=runtime.clock, key=own, data=data, source="x.csv", recorded_by="t")
    assert words in refused.value.message and _count(session) == 0


def test_an_import_accepts_what_the_offline_scrub_accepts(session, runtime, own, tmp_path):
    text = ("\ufeffNumber,Instruction,At,channel,reference\r\n"
            "+852 9123 4567,consent,2026-02-01T09:00,sms,F-1\r\n"
            "852-6123-4567,Unsubscribe,2026-02-01,,\r\n"
            "6123 4567,consent,2026-01-31T23:00+00:00,sms,\r\n")
    path = tmp_path / "instructions.csv"
    path.write_bytes(text.encode())
    offline = load_instructions(path)
    result = service.import_csv(session, clock=runtime.clock, key=own, data=path.read_bytes(), source=path.name,
                                recorded_by="t", default_how="web-form")
    assert (result.recorded, result.consents, result.unsubscribes) == (3, 2, 1)
    kinds = {CONSENT: "consent", UNSUBSCRIBE: "unsubscribe"}
    assert _state(session, own) == {str(n): kinds[k] for n, k in zip(offline.numbers.tolist(),
                                                                         offline.kinds.tolist(), strict=True)}
    rows = {r.number: r for r in service.current(session, key=own)}
    # 2026-01-31T23:00Z is 07:00 on 1 February in Hong Kong, after midnight: that consent is the latest.
    assert rows["61234567"].instruction == "consent" and rows["61234567"].given_at == dt.datetime(
        2026, 1, 31, 23, 0, tzinfo=dt.UTC)
    assert rows["91234567"].reference == "F-1" and rows["91234567"].how == "web-form"


def test_each_client_company_has_its_own_list(session, runtime, account_id, own):
    access = _access(session, runtime, account_id)
    acme = service.open_list(access, register="sms", client_ref="ACME")
    beta = service.open_list(access, register="SMS", client_ref=" beta ")
    _record(session, runtime, own, "91234567", "consent", T)
    _record(session, runtime, acme, "91234567", "unsubscribe", T)
    _record(session, runtime, beta, "61234567", "consent", T)
    assert _state(session, own) == {"91234567": "consent"}
    assert _state(session, acme) == {"91234567": "unsubscribe"}
    assert _state(session, beta) == {"61234567": "consent"} and beta.client_ref == "beta"
    assert service.history(session, key=acme, number="61234567") == []


def test_a_register_the_account_does_not_hold_is_refused(session, runtime, account_id):
    access = _access(session, runtime, account_id)
    with pytest.raises(RegisterNotHeld) as refused:
        service.open_list(access, register="fax")
    assert "does not hold the fax register" in refused.value.message and "sms" in refused.value.message
    with pytest.raises(RegisterNotHeld):
        service.open_list(access, register="sms", scope=frozenset({"fax"}))  # an API key scoped elsewhere


def test_one_instruction_with_bad_values_is_refused(session, runtime, own):
    with pytest.raises(InstructionRefused, match="8-digit"):
        _record(session, runtime, own, "800 123 456", "consent", T)
    with pytest.raises(InstructionRefused, match="neither"):
        _record(session, runtime, own, "91234567", "opt-in", T)
    with pytest.raises(InstructionRefused, match="How is empty"):
        _record(session, runtime, own, "91234567", "consent", T, how="  ")
    assert _count(session) == 0


def test_export_round_trips_into_another_list(session, runtime, account_id, own):
    _record(session, runtime, own, "91234567", "consent", T)
    _record(session, runtime, own, "91234567", "unsubscribe", T + dt.timedelta(days=1), how="reply-stop")
    _record(session, runtime, own, "61234567", "consent", dt.datetime(2026, 2, 3, 8, 30, 15, tzinfo=dt.UTC))
    copy = service.open_list(_access(session, runtime, account_id), register="sms", client_ref="copy")
    full = service.export_csv(service.history(session, key=own), full=True)
    service.import_csv(session, clock=runtime.clock, key=copy, data=full.encode(), source="h.csv", recorded_by="t")
    assert service.export_csv(service.current(session, key=copy)) == service.export_csv(
        service.current(session, key=own))
    assert service.export_csv(service.history(session, key=copy)) == service.export_csv(
        service.history(session, key=own))
    assert service.export_csv(service.current(session, key=own)).splitlines() == [
        "number,instruction,at,how,reference",
        "61234567,consent,2026-02-03T16:30:15+08:00,web-form,",
        "91234567,unsubscribe,2026-02-02T09:00:00+08:00,reply-stop,",
    ]


FORMS = ["(852) 6123-4567", "+852 6123 4567", "852-6123-4567", "00852 61234567", "6123.4567", "\uff16\uff11\uff12\uff13"
         "\uff14\uff15\uff16\uff17", "+85261234567", "6123  4567", "tel:61234567", "8526123456", "1083", "800 123 456"]


@pytest.mark.parametrize("form", FORMS)
def test_a_number_is_accepted_by_the_import_exactly_when_the_offline_scrub_accepts_it(session, runtime, own, form,
                                                                                       tmp_path):
    path = tmp_path / "one.csv"
    path.write_text(f'number,instruction,at\n"{form}",consent,2026-02-01\n', encoding="utf-8")
    try:
        offline = load_instructions(path).numbers.tolist()
    except InstructionsRefused:
        offline = None
    try:
        service.import_csv(session, clock=runtime.clock, key=own, data=path.read_bytes(), source="one.csv",
                           recorded_by="t")
        imported = [int(n) for n in _state(session, own)]
    except InstructionsFileRefused:
        imported = None
    assert imported == offline
