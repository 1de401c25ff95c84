"""Group commit (core/group_commit.py) with the online check's records (senders/check_records.py), both databases:
concurrent records batched into few transactions, each answered only after its commit, a failed batch failing
only what failed (with a 503), shutdown draining the queue, and the route answering 503 when nothing was saved."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
import datetime as dt
import threading

import pytest
from sqlalchemy import func, select, text

from telreg.core.db import unit_of_work
from telreg.core.group_commit import GroupCommitter, RecordNotSaved
from telreg.core.models import AuditEvent
from telreg.senders import api_keys, check_records
from telreg.senders.check_records import CheckRecord, add_records
from telreg.senders.models import SenderApiKey, SenderCheck

from .helpers import make_active, make_officer
from .usage_helpers import DAY2, at, sender_client, sign_in


@pytest.fixture
def account(runtime):
    with unit_of_work(runtime.session_factory) as session:
        make_officer(session, runtime.clock)
        account = make_active(session, runtime)
        api_keys.set_api_access(session, clock=runtime.clock, settings=runtime.settings, account_id=account.id,
                                enabled=True, officer="olivia")
        keys = [api_keys.create_key(session, clock=runtime.clock, settings=runtime.settings, account_id=account.id,
                                    label=f"k{i}")[0].id for i in range(2)]
    return {"id": account.id, "keys": keys}


def _record(account, i, *, key=None, address="10.0.0.1"):
    return CheckRecord(account_id=account["id"], registers=("sms",), numbers_checked=1 + i % 100, api_key_id=key,
                       client_address=address, checked_at=at(DAY2, 9) + dt.timedelta(seconds=i))


def _count(runtime, model, *where):
    with unit_of_work(runtime.read_session_factory) as session:
        return session.scalar(select(func.count()).select_from(model).where(*where))


def _committer(runtime, write=None):
    def default(session, records):
        add_records(session, records, clock=runtime.clock)

    return GroupCommitter(runtime.engine, write or default, name="test")


def test_concurrent_records_share_transactions_and_each_is_answered_after_its_commit(runtime, account):
    release, writing = threading.Event(), threading.Event()
    seen_at_answer: list[int] = []

    def write(session, records):
        writing.set()
        release.wait(10)  # hold the first batch open while the others queue up behind it
        add_records(session, records, clock=runtime.clock)

    committer = _committer(runtime, write)

    def submit(i):
        future = committer.submit(_record(account, i))
        # Runs in the writer thread the moment the future resolves: the row must already be committed.
        future.add_done_callback(lambda _f: seen_at_answer.append(_count(runtime, SenderCheck)))
        return future

    first = submit(0)
    assert writing.wait(10)  # the writer holds the first record alone
    others = []
    threads = [threading.Thread(target=lambda i=i: others.append(submit(i))) for i in range(1, 50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    release.set()
    for future in [first, *others]:
        assert future.result(timeout=30) is None
    committer.stop()
    assert _count(runtime, SenderCheck) == 50
    assert _count(runtime, AuditEvent, AuditEvent.action == "sender-online-check") == 50
    assert committer.items == 50 and committer.batches == 2  # the lone first one, then the 49 that queued
    assert min(seen_at_answer) >= 1 and sorted(seen_at_answer)[-49:] == [50] * 49


def test_the_keys_last_use_is_one_update_per_key_and_never_moves_back(runtime, account):
    k1, k2 = account["keys"]
    with unit_of_work(runtime.session_factory) as session:
        add_records(session, [_record(account, 5, key=k1), _record(account, 9, key=k1), _record(account, 7, key=k2),
                              _record(account, 1)], clock=runtime.clock)
    with unit_of_work(runtime.session_factory) as session:
        add_records(session, [_record(account, 2, key=k1)], clock=runtime.clock)  # an older check, later
    with unit_of_work(runtime.read_session_factory) as session:
        used = {k.id: k.last_used_at for k in session.scalars(select(SenderApiKey))}
    assert used == {k1: at(DAY2, 9) + dt.timedelta(seconds=9), k2: at(DAY2, 9) + dt.timedelta(seconds=7)}


def test_a_failed_batch_fails_only_its_bad_record_and_writes_nothing_of_it(runtime, account):
    release = threading.Event()

    def write(session, records):
        release.wait(10)
        add_records(session, records, clock=runtime.clock)
        if any(r.client_address == "poison" for r in records):
            raise RuntimeError("a record the database refuses")

    committer = _committer(runtime, write)
    first = committer.submit(_record(account, 0))
    batch = [committer.submit(_record(account, i, address="poison" if i == 3 else "10.0.0.1")) for i in range(1, 6)]
    release.set()
    first.result(timeout=30)
    outcomes = []
    for future in batch:
        try:
            future.result(timeout=30)
            outcomes.append("saved")
        except RecordNotSaved as refused:
            outcomes.append(refused.code)
            assert refused.status_code == 503 and "not carried out" in refused.message
    committer.stop()
    assert outcomes == ["saved", "saved", "not_recorded", "saved", "saved"]
    assert _count(runtime, SenderCheck, SenderCheck.client_address == "poison") == 0
    assert _count(runtime, SenderCheck) == 5
    assert _count(runtime, AuditEvent, AuditEvent.action == "sender-online-check") == 5  # none half-applied


def test_stop_drains_the_queue_and_refuses_what_comes_after(runtime, account):
    release = threading.Event()

    def write(session, records):
        release.wait(10)
        add_records(session, records, clock=runtime.clock)

    committer = _committer(runtime, write)
    futures = [committer.submit(_record(account, i)) for i in range(20)]
    stopper = threading.Thread(target=committer.stop)
    stopper.start()
    release.set()
    stopper.join(30)
    assert all(f.result(timeout=1) is None for f in futures)
    assert _count(runtime, SenderCheck) == 20
    late = committer.submit(_record(account, 99))
    with pytest.raises(RecordNotSaved):
        late.result(timeout=1)
    assert not committer.running


def test_awaiting_a_commit_leaves_the_event_loop_free(runtime, account):
    release = threading.Event()

    def write(session, records):
        release.wait(10)
        add_records(session, records, clock=runtime.clock)

    committer = _committer(runtime, write)

    async def scenario():
        ticks = 0

        async def ticker():
            nonlocal ticks
            while True:
                ticks += 1
                if ticks == 20:
                    release.set()  # only a free loop gets here
                await asyncio.sleep(0.005)

        running = asyncio.create_task(ticker())
        await asyncio.wait_for(committer.commit(_record(account, 0)), 30)
        running.cancel()
        return ticks

    # In a thread of its own: a browser test sharing this worker leaves Playwright's event loop running in the main
    # thread, where asyncio.run() refuses to start.
    with ThreadPoolExecutor(1) as pool:
        assert pool.submit(asyncio.run, scenario()).result() >= 20
    committer.stop()
    assert _count(runtime, SenderCheck) == 1


def test_the_check_answers_503_and_records_nothing_when_its_record_cannot_be_saved(runtime, clock, account):
    def write(session, records):
        add_records(session, records, clock=runtime.clock)
        session.execute(text("SELECT * FROM no_such_table"))  # the database refuses the batch (a connection here)

    with sender_client(runtime) as client:
        runtime.extras["senders.check_recorder"] = _committer(runtime, write)
        headers = sign_in(client, account["id"])
        clock.set(at(DAY2, 9))
        refused = client.post("/api/v1/senders/me/check", json={"numbers": ["21234567"]}, headers=headers)
        runtime.extras.pop("senders.check_recorder").stop()
        check_records.stop_recorder(runtime)
        fine = client.post("/api/v1/senders/me/check", json={"numbers": ["21234567"]}, headers=headers)
    assert refused.status_code == 503, refused.text
    assert refused.json()["error"] == "not_recorded" and refused.headers["Retry-After"]
    assert fine.status_code == 200  # a fresh writer took over
    assert _count(runtime, SenderCheck) == 1
