"""The daily cleanup sweeps what crashes leave under washes/: an upload never committed, a wash directory with
no row or an expired one — once nothing in it has changed for an hour, so an upload in flight is never
touched."""

from __future__ import annotations

import datetime as dt
import io
import os
from pathlib import Path

import pytest

from telreg.core.db import unit_of_work
from telreg.senders import lifecycle
from telreg.senders.deps import SenderCaller
from telreg.senders.washing import service
from telreg.senders.washing.jobs import CLEANUP_JOB, schedule_cleanup
from telreg.senders.washing.models import SenderWash

from ..usage_helpers import sender_client, sign_in
from .helpers import SEND_DATE, run_washes, upload


def _age(path: Path, now: dt.datetime, *, minutes: int) -> None:
    """Make everything in ``path`` last changed ``minutes`` before ``now`` (the injected clock's now)."""
    stamp = (now - dt.timedelta(minutes=minutes)).timestamp()
    for parent, dirs, names in os.walk(path, topdown=False):
        for name in (*names, *dirs):
            os.utime(Path(parent) / name, (stamp, stamp))
    os.utime(path, (stamp, stamp))


def _sweep(runtime) -> None:
    with unit_of_work(runtime.session_factory) as session:
        schedule_cleanup(session, runtime)
    assert [r.status for r in run_washes(runtime, CLEANUP_JOB)] == ["done"]


def _crashed_upload(runtime, account_id: int) -> int:
    """An upload whose transaction never commits: its files are in place, its row is not."""
    class Crash(Exception):
        pass

    with pytest.raises(Crash), unit_of_work(runtime.session_factory) as session:
        caller = SenderCaller(lifecycle.access(session, clock=runtime.clock, settings=runtime.settings,
                                               account_id=account_id))
        wash, _ = service.submit(session, clock=runtime.clock, settings=runtime.settings, caller=caller,
                                 register="sms", send_date=SEND_DATE, stream=io.BytesIO(b"98765432\n"),
                                 filename="lost.txt")
        wash_id = wash.id
        raise Crash
    return wash_id


def test_leftovers_older_than_an_hour_are_swept_and_nothing_else(runtime, published, clock):
    washes = runtime.settings.data_dir / "washes"
    now = clock.now()
    with sender_client(runtime) as client:
        csrf = sign_in(client, published["sms"])
        done_id = upload(client, csrf, b"98765432\n").json()["id"]
        run_washes(runtime)
        queued_id = upload(client, csrf, b"61234567\n").json()["id"]
    orphan = washes / "9001" / "input"          # a wash directory whose row never was
    orphan.mkdir(parents=True)
    (orphan / "list.txt").write_bytes(b"98765432\n")
    young_orphan = washes / "9002" / "input"    # the same, but written twenty minutes ago
    young_orphan.mkdir(parents=True)
    (young_orphan / "list.txt").write_bytes(b"98765432\n")
    stale_upload = washes / ".incoming-old"     # an upload's temporary directory, abandoned
    stale_upload.mkdir()
    (stale_upload / "list.txt").write_bytes(b"9876")
    in_flight = washes / ".incoming-now"        # one being written: its file changed a minute ago
    in_flight.mkdir()
    (in_flight / "list.txt").write_bytes(b"9876")
    old_style = washes / ".incoming-abc123"     # a temporary file as earlier versions wrote them
    old_style.write_bytes(b"9876")
    notes = washes / "notes"                    # not ours to judge
    notes.mkdir()
    for path in (orphan.parent, stale_upload, old_style, notes, washes / str(done_id),
                 washes / str(queued_id)):
        _age(path, now, minutes=120)
    _age(young_orphan.parent, now, minutes=20)
    _age(in_flight, now, minutes=120)
    _age(in_flight / "list.txt", now, minutes=1)
    _sweep(runtime)
    assert sorted(p.name for p in washes.iterdir()) == sorted(
        [str(done_id), str(queued_id), "9002", ".incoming-now", "notes"])
    assert (washes / str(done_id) / "out" / "kept.csv").is_file()
    assert (washes / str(queued_id) / "input" / "list.txt").is_file()


def test_an_expired_washs_directory_left_behind_is_swept(runtime, published, clock):
    washes = runtime.settings.data_dir / "washes"
    with sender_client(runtime) as client:
        wash_id = upload(client, sign_in(client, published["sms"]), b"98765432\n").json()["id"]
    run_washes(runtime)
    with unit_of_work(runtime.session_factory) as session:
        # As if expiry had marked it but could not delete the files.
        session.get(SenderWash, wash_id).state = "expired"
    _age(washes / str(wash_id), clock.now(), minutes=61)
    _sweep(runtime)
    assert not (washes / str(wash_id)).exists()


def test_a_crash_between_writing_the_upload_and_committing_leaves_nothing_for_long(runtime, published, clock):
    washes = runtime.settings.data_dir / "washes"
    lost_id = _crashed_upload(runtime, published["sms"])
    assert (washes / str(lost_id) / "input" / "lost.txt").is_file()
    with unit_of_work(runtime.read_session_factory) as session:
        assert session.get(SenderWash, lost_id) is None
    with sender_client(runtime) as client:
        wash = upload(client, sign_in(client, published["sms"]), b"61234567\n", name="next.txt").json()
    # SQLite hands the rolled-back id out again; the new wash must not inherit the lost upload's file.
    assert sorted(p.name for p in (washes / str(wash["id"]) / "input").iterdir()) == ["next.txt"]
    _sweep(runtime)  # everything is fresh: nothing goes yet
    assert len(list(washes.iterdir())) == (1 if lost_id == wash["id"] else 2)
    clock.set(clock.now() + dt.timedelta(days=1))  # the next day's sweep
    for entry in washes.iterdir():
        _age(entry, clock.now(), minutes=90)
    _sweep(runtime)
    assert sorted(p.name for p in washes.iterdir()) == [str(wash["id"])]
