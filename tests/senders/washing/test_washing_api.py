"""The washing service over HTTP: upload, the worker's scrub, results, idempotent retries, refusals and expiry."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from telreg.core.db import unit_of_work
from telreg.core.models import Job
from telreg.core.weather import load_calendar
from telreg.dnc.publish.store import PublicationStore
from telreg.dnc.vocabulary import Register
from telreg.senders.lists import service as lists
from telreg.senders.scrub.instructions import load_instructions
from telreg.senders.scrub.publication import load_publication
from telreg.senders.scrub.service import scrub_list
from telreg.senders.washing import files
from telreg.senders.washing.jobs import CLEANUP_JOB, schedule_cleanup
from telreg.senders.washing.models import SenderWash

from ..usage_helpers import DAY1, DAY2, at, list_and_publish, make_accounts, sender_client, sign_in
from .helpers import SEND_DATE, URL, record, run_washes, upload

LIST = (b"phone,name\r\n"
        b"2123 4567,listed\r\n"          # listed on 2 March: protected on the send date
        b"+852 6123 4567,consented\r\n"  # listed, but consented on the sender's own list
        b"91234567,unsubscribed\r\n"     # not listed, but unsubscribed on the sender's own list
        b"98765432,plain\r\n"
        b"12,garbage\r\n"
        b"21234567,repeated\r\n")


@pytest.fixture
def accounts(runtime, clock):
    ids = make_accounts(runtime)  # on Monday 2 March 2026
    list_and_publish(runtime, clock, {"21234567": (Register.sms,), "61234567": (Register.sms, Register.fax)}, DAY1)
    clock.set(at(DAY2, 9))
    record(runtime, ids["sms"], "61234567", "consent", at(DAY1, 8))
    record(runtime, ids["sms"], "91234567", "consent", at(DAY1, 8))
    record(runtime, ids["sms"], "91234567", "unsubscribe", at(DAY1, 9))  # the latest wins
    record(runtime, ids["sms"], "98765432", "unsubscribe", at(DAY1, 9), client_ref="ACME")  # another list
    return ids


def _wash(runtime, wash_id):
    with unit_of_work(runtime.read_session_factory) as session:
        return session.get(SenderWash, wash_id)


def _offline_scrub(runtime, account_id, list_path, out_dir, *, column):
    """The same scrub as `telreg scrub`: the published zip, the list exported as an instructions CSV."""
    store = PublicationStore(runtime.settings.data_dir)
    with unit_of_work(runtime.read_session_factory) as session:
        calendar = load_calendar(session, runtime.settings)
        exported = lists.export_csv(lists.current(session, key=lists.ListKey(account_id, "sms")))
    instructions_csv = out_dir.parent / "instructions.csv"
    instructions_csv.write_text(exported, encoding="utf-8")
    publication = load_publication(store.path_for(store.dates()[-1]) / "sms-dated.zip", register="sms",
                                   calendar=calendar)
    return scrub_list(list_path, publication=publication, instructions=load_instructions(instructions_csv),
                      send_date=SEND_DATE, now=runtime.clock.now(), out_dir=out_dir, column=column,
                      warning_days_given=True)


def test_a_washed_list_keeps_what_the_offline_scrub_keeps(runtime, accounts, tmp_path):
    with sender_client(runtime) as client:
        csrf = sign_in(client, accounts["sms"])
        queued = upload(client, csrf, LIST, name="march.csv", column="phone")
        wash_id = queued.json()["id"]
        before = client.get(f"{URL}/{wash_id}/files/kept.csv")
        assert [r.status for r in run_washes(runtime)] == ["done"]
        done = client.get(f"{URL}/{wash_id}")
        got = {name: client.get(f"{URL}/{wash_id}/files/{name}") for name in files.OUTPUTS}
        listing = client.get(URL)
    assert queued.status_code == 202, queued.text
    assert queued.json()["state"] == "queued" and queued.json()["input_name"] == "march.csv"
    assert before.status_code == 409 and before.json()["error"] == "wash_not_ready"
    body = done.json()
    assert body["state"] == "done" and body["error"] is None
    assert body["publication_date"] == DAY1.isoformat()
    assert body["counts"]["lines"] == 6 and body["counts"]["kept"] == 2
    assert body["counts"]["blocked_dnc"] == 1 and body["counts"]["blocked_unsubscribed"] == 1
    assert body["counts"]["allowed_consent"] == 1 and body["counts"]["rejected_invalid"] == 1
    assert body["files"] == [f"{URL}/{wash_id}/files/{name}" for name in files.OUTPUTS]
    assert [w["id"] for w in listing.json()] == [wash_id]
    assert all(r.status_code == 200 for r in got.values())
    kept = got["kept.csv"].content
    assert b"6123 4567,consented" in kept and b"98765432,plain" in kept and b"2123 4567" not in kept
    assert b"91234567" not in kept  # own list: the unsubscribe (the latest instruction) wins
    # The same inputs through the offline scrub give the very same files.
    list_path = tmp_path / "march.csv"
    list_path.write_bytes(LIST)
    offline = _offline_scrub(runtime, accounts["sms"], list_path, tmp_path / "out", column="phone")
    assert kept == (tmp_path / "out" / "kept.csv").read_bytes()
    assert got["rejected.csv"].content == (tmp_path / "out" / "rejected.csv").read_bytes()
    receipt = got["receipt.json"].json()
    assert receipt["publication"] == offline.receipt["publication"]
    assert receipt["list"]["sha256"] == offline.receipt["list"]["sha256"] == body["input_sha256"]
    assert receipt["counts"] == offline.receipt["counts"]
    assert receipt["warning_days"] == "given" and receipt["instructions"]["numbers"] == 2
    assert body["publication_sha256"] == receipt["publication"]["sha256"]


def test_a_client_companys_list_applies_when_named(runtime, accounts):
    with sender_client(runtime) as client:
        csrf = sign_in(client, accounts["sms"])
        wash_id = upload(client, csrf, b"98765432\n91234567\n", client="ACME").json()["id"]
        run_washes(runtime)
        kept = client.get(f"{URL}/{wash_id}/files/kept.csv")
    # ACME's list unsubscribes 98765432 and knows nothing of the account's own unsubscribe of 91234567.
    assert kept.content.splitlines() == [b"91234567"]


def test_a_retried_upload_with_the_same_client_reference_is_one_wash(runtime, accounts):
    with sender_client(runtime) as client:
        csrf = sign_in(client, accounts["sms"])
        first = upload(client, csrf, LIST, column="phone", client_reference="batch-7")
        again = upload(client, csrf, LIST, column="phone", client_reference="batch-7")
        other_file = upload(client, csrf, b"98765432\n", column="phone", client_reference="batch-7")
        fresh = upload(client, csrf, LIST, column="phone", client_reference="batch-8")
    assert first.status_code == 202 and again.status_code == 200, again.text
    assert again.json()["id"] == first.json()["id"]
    assert other_file.status_code == 409 and other_file.json()["error"] == "wash_reference_reused"
    assert fresh.status_code == 202 and fresh.json()["id"] != first.json()["id"]
    with unit_of_work(runtime.read_session_factory) as session:
        assert session.scalar(select(func.count()).select_from(SenderWash)) == 2
        assert session.scalar(select(func.count()).select_from(Job).where(Job.kind == "senders.wash")) == 2
    incoming = [p for p in (runtime.settings.data_dir / "washes").iterdir() if p.name.startswith(".incoming")]
    assert incoming == []


def test_refusals_at_upload(runtime, accounts):
    with sender_client(runtime) as client:
        csrf = sign_in(client, accounts["sms"])
        fax = upload(client, csrf, LIST, register="fax")
        past = upload(client, csrf, LIST, send_date=DAY1)
        empty = upload(client, csrf, b"")
        no_csrf = client.post(URL, files={"file": ("l.txt", LIST)}, data={"register": "sms",
                                                                          "send_date": SEND_DATE.isoformat()})
        pending = sign_in(client, accounts["pending"])
        not_active = upload(client, pending, LIST)
        listing = client.get(URL)
    assert fax.status_code == 403 and fax.json()["error"] == "register_not_usable"
    assert fax.json()["reason"] == "not-subscribed"
    assert past.status_code == 422 and past.json()["error"] == "wash_refused"
    assert "2026-03-02 is in the past" in past.json()["detail"]
    assert empty.status_code == 422 and "empty" in empty.json()["detail"]
    assert no_csrf.status_code == 403
    assert not_active.status_code in (401, 403)
    assert listing.status_code in (401, 403) or listing.json() == []
    with unit_of_work(runtime.read_session_factory) as session:
        assert session.scalar(select(func.count()).select_from(SenderWash)) == 0


def test_a_size_limit_refuses_a_large_upload(runtime, accounts):
    runtime.settings.wash_max_bytes = 10
    with sender_client(runtime) as client:
        csrf = sign_in(client, accounts["sms"])
        big = upload(client, csrf, b"98765432\n91234567\n")
    assert big.status_code == 422 and "larger than the 10 bytes" in big.json()["detail"]


def test_a_bad_list_fails_the_wash_with_the_reason(runtime, accounts):
    with sender_client(runtime) as client:
        csrf = sign_in(client, accounts["sms"])
        # A binary file is known unreadable at the upload (issue 14): refused there, nothing queued.
        binary = upload(client, csrf, b"\x00\x01\x02\x03binary\x00", name="photo.bin")
        column = upload(client, csrf, LIST, name="march.csv", column="mobile").json()["id"]
        results = run_washes(runtime)
        answer = client.get(f"{URL}/{column}").json()
        download = client.get(f"{URL}/{column}/files/kept.csv")
    assert binary.status_code == 422 and "binary" in binary.json()["detail"]
    assert "photo.bin" in binary.json()["detail"]
    assert [r.status for r in results] == ["done"]  # the job ends; the wash records the refusal
    assert answer["state"] == "failed" and "mobile" in answer["error"]
    assert answer["error_code"] == "refused:list_refused" and "mobile" in answer["error_params"]["column_name"]
    assert answer["counts"] is None and answer["files"] == []
    assert download.status_code == 409 and "failed" in download.json()["detail"]


def test_without_a_publication_the_wash_fails_clearly(runtime, clock):
    ids = make_accounts(runtime)
    clock.set(at(DAY2, 9))
    with sender_client(runtime) as client:
        csrf = sign_in(client, ids["sms"])
        wash_id = upload(client, csrf, b"98765432\n").json()["id"]
        run_washes(runtime)
        body = client.get(f"{URL}/{wash_id}").json()
    assert body["state"] == "failed"
    assert body["error"].startswith("There is no sms publication on the server yet")


def test_another_account_cannot_see_a_wash(runtime, accounts):
    with sender_client(runtime) as client:
        wash_id = upload(client, sign_in(client, accounts["sms"]), LIST, column="phone").json()["id"]
        run_washes(runtime)
        sign_in(client, accounts["short"])
        other = client.get(f"{URL}/{wash_id}")
        other_file = client.get(f"{URL}/{wash_id}/files/kept.csv")
        other_list = client.get(URL)
        sign_in(client, accounts["sms"])
        owner = client.get(f"{URL}/{wash_id}/files/kept.csv")
    assert other.status_code == 404 and other.json()["error"] == "wash_not_found"
    assert other_file.status_code == 404
    assert other_list.json() == []
    assert owner.status_code == 200


def test_results_expire_after_the_retention_period(runtime, accounts, clock):
    with sender_client(runtime) as client:
        csrf = sign_in(client, accounts["sms"])
        wash_id = upload(client, csrf, LIST, column="phone").json()["id"]
        run_washes(runtime)
        wash_dir = runtime.settings.data_dir / "washes" / str(wash_id)
        assert (wash_dir / "out" / "kept.csv").is_file()
        clock.set(at(DAY2 + dt.timedelta(days=29), 9))
        still = client.get(f"{URL}/{wash_id}/files/receipt.json")
        with unit_of_work(runtime.session_factory) as session:
            schedule_cleanup(session, runtime)
        run_washes(runtime, CLEANUP_JOB)
        kept_dir = wash_dir.exists()
        clock.set(at(DAY2 + dt.timedelta(days=31), 9))
        lapsed = client.get(f"{URL}/{wash_id}/files/kept.csv")  # past expiry, before the sweep: already 410
        with unit_of_work(runtime.session_factory) as session:
            schedule_cleanup(session, runtime)
        assert [r.status for r in run_washes(runtime, CLEANUP_JOB)] == ["done"]
        gone = client.get(f"{URL}/{wash_id}/files/kept.csv")
        body = client.get(f"{URL}/{wash_id}").json()
    assert still.status_code == 200 and kept_dir
    assert lapsed.status_code == 410 and lapsed.json()["error"] == "wash_expired"
    assert gone.status_code == 410
    assert body["state"] == "expired" and not wash_dir.exists()
