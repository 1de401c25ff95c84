"""The same instruction is recorded once: a file imported twice, a request retried, two imports racing.

Two instructions are the same when the list (account, client, register), the number, the instant given, the
kind, how it was given and the reference are equal; anything else differing makes a new one, kept in the
history.
"""

from __future__ import annotations

import datetime as dt
import threading

from sqlalchemy import func, select

from telreg.core import audit
from telreg.core.clock import HK
from telreg.core.db import unit_of_work
from telreg.senders.lists import service
from telreg.senders.lists.models import SenderInstruction
from telreg.senders.lists.service import ListKey

from ..usage_helpers import sender_client, sign_in
from ...waiting import wait_until_blocked

BASE = "/api/v1/senders/me/lists"
T = dt.datetime(2026, 2, 1, 9, 0, tzinfo=HK)
FILE = (b"number,instruction,at,how,reference\n"
        b"9123 4567,consent,2026-02-01T09:00,web-form,F-17\n"
        b"+852 6123 4567,unsubscribe,2026-02-02,reply-stop,\n"
        b"51234567,consent,2026-02-03T08:00,call,\n")


def _import(session, runtime, key, data=FILE, source="mine.csv"):
    return service.import_csv(session, clock=runtime.clock, key=key, data=data, source=source,
                              recorded_by="test")


def _count(session) -> int:
    return session.scalar(select(func.count()).select_from(SenderInstruction))


def _events(session, account_id, action):
    return [e for e in audit.history(session, subject_type="sender", subject_key=str(account_id))
            if e.action == action]


def test_importing_the_same_file_twice_adds_nothing_the_second_time(session, runtime, account_id):
    key = ListKey(account_id, "sms")
    first = _import(session, runtime, key)
    again = _import(session, runtime, key, source="mine-again.csv")
    grown = _import(session, runtime, key, data=FILE + b"21234567,unsubscribe,2026-02-04,call,\n")
    assert (first.recorded, first.consents, first.unsubscribes, first.already_recorded) == (3, 2, 1, 0)
    assert (again.recorded, again.consents, again.unsubscribes, again.already_recorded) == (0, 0, 0, 3)
    assert (grown.recorded, grown.consents, grown.unsubscribes, grown.already_recorded) == (1, 0, 1, 3)
    assert _count(session) == 4
    events = _events(session, account_id, "sender-instructions-imported")
    assert [(e.details["lines"], e.details["recorded"], e.details["already_recorded"]) for e in events] == [
        (3, 3, 0), (3, 0, 3), (4, 1, 3)]


def test_a_line_given_twice_in_one_file_is_recorded_once(session, runtime, account_id):
    data = FILE + b"91234567,consent,2026-02-01T01:00:00Z,WEB-FORM, F-17 \n"  # line 2, spelled otherwise
    result = _import(session, runtime, ListKey(account_id, "sms"), data=data)
    assert (result.recorded, result.already_recorded) == (3, 1) and _count(session) == 3


def _record(session, runtime, key, **changes):
    values = {"number": "91234567", "instruction": "consent", "given_at": T, "how": "web-form",
              "reference": None, **changes}
    row, created = service.record(session, clock=runtime.clock, key=key, recorded_by="test", **values)
    return row.id, created


def test_what_makes_two_instructions_the_same(session, runtime, account_id):
    own = ListKey(account_id, "sms")
    first_id, created = _record(session, runtime, own)
    assert created
    same = [
        {},
        {"number": "+852 9123 4567"},
        {"given_at": T.astimezone(dt.UTC)},  # the same instant
        {"how": " Web-Form "},
        {"reference": ""},
        {"reference": "  "},
        {"instruction": "CONSENT"},
    ]
    for changes in same:
        assert _record(session, runtime, own, **changes) == (first_id, False), changes
    different = [
        {"number": "61234567"},
        {"given_at": T + dt.timedelta(seconds=1)},
        {"instruction": "unsubscribe"},
        {"how": "call"},
        {"reference": "F-17"},
    ]
    for changes in different:
        row_id, created = _record(session, runtime, own, **changes)
        assert created and row_id != first_id, changes
    assert _record(session, runtime, ListKey(account_id, "sms", "ACME"))[1] is True  # another list
    assert _count(session) == 1 + len(different) + 1


def test_a_single_instruction_is_audited_in_the_callers_transaction(runtime, account_id):
    key = ListKey(account_id, "sms", "ACME")
    with runtime.session_factory() as session:
        _record(session, runtime, key)
        assert len(_events(session, account_id, "sender-instruction-recorded")) == 1
        session.rollback()  # the caller's transaction fails: neither the instruction nor its event remain
        assert _count(session) == 0 and _events(session, account_id, "sender-instruction-recorded") == []
    with unit_of_work(runtime.session_factory) as session:
        row_id, _ = _record(session, runtime, key, reference="F-9", how="written")
        _record(session, runtime, key, reference="F-9", how="written")  # again: nothing new to audit
    with unit_of_work(runtime.read_session_factory) as session:
        events = _events(session, account_id, "sender-instruction-recorded")
    assert len(events) == 1
    event = events[0]
    assert event.actor == "test" and event.register == "sms"
    assert event.details == {"client_ref": "ACME", "instruction_id": row_id, "number": "91234567",
                             "instruction": "consent", "given_at": "2026-02-01T09:00:00+08:00",
                             "how": "written", "reference": "F-9"}


def test_the_api_answers_201_then_200_already_recorded(runtime, account_id):
    body = {"number": "9123 4567", "instruction": "unsubscribe", "at": "2026-02-05T12:00", "how": "call",
            "reference": "T-1"}
    with sender_client(runtime) as client:
        csrf = sign_in(client, account_id)
        first = client.post(f"{BASE}/sms", json=body, headers=csrf)
        same = {**body, "number": "+852 91234567", "at": "2026-02-05T04:00Z"}  # other spellings
        again = client.post(f"{BASE}/sms", json=same, headers=csrf)
        other = client.post(f"{BASE}/sms", json={**body, "reference": "T-2"}, headers=csrf)
        imported, reimported = (client.post(f"{BASE}/sms/import", files={"file": ("f.csv", FILE, "text/csv")},
                                            headers=csrf) for _ in range(2))
        history = client.get(f"{BASE}/sms/history")
    assert first.status_code == 201 and first.json()["already_recorded"] is False
    assert again.status_code == 200, again.text
    assert again.json()["already_recorded"] is True and again.json()["id"] == first.json()["id"]
    assert again.json()["recorded_at"] == first.json()["recorded_at"]
    assert other.status_code == 201 and other.json()["id"] != first.json()["id"]
    assert imported.json()["recorded"] == 3 and imported.json()["already_recorded"] == 0
    assert reimported.status_code == 200
    assert reimported.json()["recorded"] == 0 and reimported.json()["already_recorded"] == 3
    assert len(history.json()) == 5


def test_the_cli_says_how_many_lines_were_already_recorded(cli, account_id, tmp_path):
    source = tmp_path / "list.csv"
    source.write_bytes(FILE)
    args = ("senders", "lists", "import", str(account_id), str(source), "--register", "sms")
    code, first, err = cli(*args)
    assert code == 0, err
    code, again, err = cli(*args)
    assert code == 0, err
    assert "recorded 3 instruction(s)" in first and "2 consent, 1 unsubscribe; 0 already recorded" in first
    assert "recorded 0 instruction(s)" in again and "0 consent, 0 unsubscribe; 3 already recorded" in again


def test_the_page_says_how_many_lines_were_already_recorded(runtime, account_id):
    form = {"register": "sms", "how": "call"}
    with sender_client(runtime) as client:
        csrf = sign_in(client, account_id)
        pages = []
        for lang in ("en", "en", "zh-Hant"):
            posted = client.post("/senders/lists/import", data=form, headers=csrf, follow_redirects=False,
                                 files={"file": ("f.csv", FILE, "text/csv")})
            assert posted.status_code == 303, posted.text
            pages.append(client.get(posted.headers["location"], params={"lang": lang}).text)
    assert "3 instructions recorded (consents: 2; unsubscribes: 1)." in pages[0]
    assert "already recorded" not in pages[0]
    assert ("0 instructions recorded (consents: 0; unsubscribes: 0); 3 already recorded, not added again."
            in pages[1])
    assert "已記錄 0 項指示:0 項同意,0 項取消接收;3 項早已記錄,沒有重複加入。" in pages[2]


def test_two_imports_racing_record_each_instruction_once(runtime, account_id, backend):
    key = ListKey(account_id, "sms")
    results: list[service.ImportResult] = []

    def second() -> None:
        with unit_of_work(runtime.session_factory) as other:
            results.append(_import(other, runtime, key, source="second.csv"))

    with unit_of_work(runtime.session_factory) as first:
        results.append(_import(first, runtime, key, source="first.csv"))
        racer = threading.Thread(target=second)
        racer.start()
        wait_until_blocked(runtime, backend, what="the second import")
    racer.join(timeout=60)
    assert not racer.is_alive()
    assert [(r.recorded, r.already_recorded) for r in results] == [(3, 0), (0, 3)]
    with unit_of_work(runtime.read_session_factory) as session:
        assert _count(session) == 3

