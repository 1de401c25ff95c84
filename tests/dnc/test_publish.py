"""Publication: files and checksums, when a date may be published, idempotence, retention, the nightly run."""

import datetime as dt
import json
import subprocess
import zipfile
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from telreg.core import jobs
from telreg.core.db import unit_of_work
from telreg.core.errors import Conflict, InvalidInput
from telreg.core.job_handlers import load_handlers
from telreg.core.models import Job
from telreg.dnc.publish import formats
from telreg.dnc.publish.jobs import PUBLISH_JOB
from telreg.dnc.publish.store import PublicationStore
from telreg.dnc.vocabulary import Register

from .publish_helpers import at, deregister, entry_text, file_hashes, lines, publish, register

MON = dt.date(2026, 3, 2)


def test_formats_are_fixed_width_crlf_and_zips_are_standard(tmp_path):
    rng = np.random.default_rng(7)
    numbers = np.sort(rng.choice(np.arange(20_000_000, 99_999_999, dtype=np.uint64), 600_000, replace=False))
    dates = rng.integers(20080101, 20261231, size=len(numbers)).astype(np.uint64)
    text = formats.format_dated(numbers, dates)
    expected = "".join(f"{n:08d},{d:08d}\r\n" for n, d in zip(numbers.tolist(), dates.tolist())).encode()
    assert text == expected and len(text) > 2 * formats.CHUNK  # several deflate chunks, joined
    assert formats.format_numbers(numbers) == "".join(f"{n:08d}\r\n" for n in numbers.tolist()).encode()
    got_n, got_d = formats.parse_dated(text)
    assert (got_n == numbers).all() and (got_d == dates).all()
    with ThreadPoolExecutor(2) as pool:
        written = formats.write_zip(tmp_path / "sms-dated.zip", entry="sms-dated.txt", data=text,
                                    lines=len(numbers), stamp=at(MON, 23), pool=pool)
    with zipfile.ZipFile(tmp_path / "sms-dated.zip") as archive:
        assert archive.testzip() is None and archive.namelist() == ["sms-dated.txt"]
        info = archive.getinfo("sms-dated.txt")
        assert info.date_time == (2026, 3, 2, 23, 0, 0) and info.compress_type == zipfile.ZIP_DEFLATED
        assert archive.read("sms-dated.txt") == expected
    assert written.bytes == (tmp_path / "sms-dated.zip").stat().st_size < len(text) // 2
    unzip = subprocess.run(["unzip", "-t", "sms-dated.zip"], cwd=tmp_path, capture_output=True, text=True,
                           check=False)
    assert unzip.returncode == 0, unzip.stdout
    with pytest.raises(ValueError):
        formats.parse_dated(b"2123456X,20260302\r\n")


def test_a_publication_holds_both_formats_checksums_and_a_manifest(runtime, clock):
    register(runtime, "61234567", Register.sms, Register.fax)
    register(runtime, "21234567", Register.sms)
    clock.set(at(MON, 23))
    result = publish(runtime, MON)
    assert result.status == "published" and result.path == runtime.settings.data_dir / "publications" / "2026-03-02"
    assert entry_text(result.path / "sms-dated.zip") == "21234567,20260302\r\n61234567,20260302\r\n"
    assert entry_text(result.path / "sms-numbers.zip") == "21234567\r\n61234567\r\n"
    assert lines(result.path / "prerecorded-dated.zip") == []
    for tool in ("md5sum", "sha256sum"):
        check = subprocess.run([tool, "-c", *sorted(p.name for p in result.path.glob(f"*.{tool[:-3]}"))],
                               cwd=result.path, capture_output=True, text=True, check=False)
        assert check.returncode == 0 and check.stdout.count(": OK") == 9, check.stdout + check.stderr
    (result.path / "fax-numbers.zip").write_bytes(b"corrupted in transit")
    check = subprocess.run(["md5sum", "-c", "fax-numbers.zip.md5"], cwd=result.path, capture_output=True,
                           check=False)
    assert check.returncode != 0

    manifest = json.loads((result.path / "manifest.json").read_text())
    assert manifest == result.manifest
    assert (manifest["date"], manifest["as_of"], manifest["previous"], manifest["line_ending"]) == (
        "2026-03-02", "2026-03-02T23:00:00+08:00", None, "CRLF")
    sms = manifest["registers"]["sms"]
    assert sms["count"] == 2 and sms["dated"]["lines"] == 2 and sms["dated"]["content_bytes"] == 38
    assert sms["dated"]["bytes"] == (result.path / "sms-dated.zip").stat().st_size
    assert (result.path / "sms-dated.zip.md5").read_text() == f"{sms['dated']['md5']}  sms-dated.zip\n"
    assert sms["changes"]["sequence"] == 1 and sms["changes"]["added"] == 2


def test_only_a_closed_day_can_be_published(runtime, clock, cli):
    with pytest.raises(InvalidInput, match="close at 23:00"):
        publish(runtime, MON)  # 10:00: registrations are still open
    with pytest.raises(InvalidInput, match="future"):
        publish(runtime, MON + dt.timedelta(days=1))
    code, _, err = cli("dnc", "publish", "--date", "2026-03-02")
    assert code == 1 and "close at 23:00" in err
    code, out, err = cli("dnc", "publish", "--date", "2026-03-02", "--as-of", "2026-03-02T23:00", "--json")
    assert code == 0, err
    assert json.loads(out)["status"] == "published"
    code, _, err = cli("dnc", "publish", "--date", "2 March")
    assert code == 1 and "not an ISO date" in err


def test_publishing_again_leaves_the_publication_as_it_is(runtime, clock, cli):
    register(runtime, "61234567", Register.sms)
    clock.set(at(MON, 23))
    first = publish(runtime, MON)
    before = file_hashes(first.path)
    clock.set(at(MON + dt.timedelta(days=1), 10))
    deregister(runtime, "61234567", Register.sms)  # the past day's publication must not change
    again = publish(runtime, MON)
    assert again.status == "exists" and again.manifest == first.manifest
    assert file_hashes(first.path) == before
    code, out, _ = cli("dnc", "publish", "--date", "2026-03-02")
    assert code == 0 and "already published, left as is" in out


def test_dates_are_published_in_order(runtime, clock, cli):
    clock.set(at(MON + dt.timedelta(days=2), 23))
    publish(runtime, MON + dt.timedelta(days=1))
    with pytest.raises(Conflict, match="date order"):
        publish(runtime, MON)
    code, out, err = cli("dnc", "publish", "--as-of", "2026-03-04T23:10")  # default: the latest closed day
    assert code == 0, err
    assert "2026-03-04 published" in out and "changes #2" in out
    code, out, _ = cli("dnc", "publications", "--json")
    assert [row["date"] for row in json.loads(out)] == ["2026-03-04", "2026-03-03"]


def test_retention_prunes_old_files_but_keeps_every_manifest_and_the_latest(runtime, clock, cli):
    days = [MON + dt.timedelta(days=i) for i in range(5)]
    for i, day in enumerate(days):
        clock.set(at(day, 10))
        register(runtime, f"6123450{i}", Register.sms)
        clock.set(at(day, 23))
        publish(runtime, day)
    runtime.settings = runtime.settings.model_copy(update={"publication_retention_days": 2})
    code, out, err = cli("dnc", "prune", "--json", "--as-of", "2026-03-06T23:30")
    assert code == 0, err
    deleted = json.loads(out)["deleted"]
    assert {name.split("/")[0] for name in deleted} == {"2026-03-02", "2026-03-03"} and len(deleted) == 2 * 36
    store = PublicationStore(runtime.settings.data_dir)
    assert store.dates() == days  # manifests stay
    assert [d for d in days if store.has_files(d)] == days[2:]
    code, out, _ = cli("dnc", "publications", "--json")
    assert [row["files_kept"] for row in json.loads(out)] == [True, True, True, False, False]

    runtime.settings = runtime.settings.model_copy(update={"publication_retention_days": 0})
    cli("dnc", "prune", "--as-of", "2026-03-06T23:30")
    assert [d for d in days if store.has_files(d)] == days[-1:]  # the next change file is made against it


def test_a_pruned_previous_publication_is_derived_from_the_database(runtime, clock):
    register(runtime, "61234567", Register.sms)
    clock.set(at(MON, 23))
    first = publish(runtime, MON)
    held = lines(first.path / "sms-dated.zip")
    for path in first.path.glob("*.zip*"):
        path.unlink()
    clock.set(at(MON + dt.timedelta(days=1), 10))
    register(runtime, "21234567", Register.sms)
    deregister(runtime, "61234567", Register.sms)
    clock.set(at(MON + dt.timedelta(days=1), 23))
    second = publish(runtime, MON + dt.timedelta(days=1))
    assert lines(second.path / "sms-changes-000002.zip") == ["-61234567", "+21234567,20260303"]
    assert formats.apply_changes(held, second.path / "sms-changes-000002.zip") == ["21234567,20260303"]


def test_the_worker_publishes_each_night_at_the_close(runtime, clock):
    load_handlers()
    register(runtime, "61234567", Register.sms)
    for _ in range(2):  # idempotent: one job per date
        jobs.run_schedules(runtime)
    with unit_of_work(runtime.session_factory) as session:
        queued = {(j.unique_key, j.run_at) for j in jobs.pending(session, kind=PUBLISH_JOB)}
    assert queued == {(f"{PUBLISH_JOB}:2026-03-01", at(dt.date(2026, 3, 1), 23)),
                      (f"{PUBLISH_JOB}:2026-03-02", at(MON, 23))}
    store = PublicationStore(runtime.settings.data_dir)
    jobs.run_worker(runtime, once=True)  # 10:00: only the missed night is due
    assert store.dates() == [dt.date(2026, 3, 1)]
    clock.set(at(MON, 23))
    jobs.run_worker(runtime, once=True, schedules=True)  # other recurring work (the IVR replay cache) may run too
    with unit_of_work(runtime.session_factory) as session:
        done = sorted(j.unique_key for j in session.query(Job).filter(Job.kind == PUBLISH_JOB, Job.status == "done"))
    assert done == [f"{PUBLISH_JOB}:2026-03-01", f"{PUBLISH_JOB}:2026-03-02"]  # the night's publication, once
    assert store.dates() == [dt.date(2026, 3, 1), MON]
    assert lines(store.path_for(MON) / "sms-dated.zip") == ["61234567,20260302"]
    clock.set(at(MON + dt.timedelta(days=1), 0, 30))
    jobs.run_schedules(runtime)
    with unit_of_work(runtime.session_factory) as session:
        assert [j.unique_key for j in jobs.pending(session, kind=PUBLISH_JOB)] == [f"{PUBLISH_JOB}:2026-03-03"]
        assert {j.status for j in session.query(Job).filter(Job.kind == PUBLISH_JOB)} == {"done", "queued"}


def test_a_missed_night_overtaken_by_a_later_publication_is_skipped_not_failed(runtime, clock):
    load_handlers()
    register(runtime, "61234567", Register.sms)
    jobs.run_schedules(runtime)  # 10:00 Monday: Sunday's missed night is due, Monday's waits for 23:00
    clock.set(at(MON, 23))
    publish(runtime, MON)  # an officer publishes Monday by hand before the worker gets to Sunday
    jobs.run_worker(runtime, once=True)  # other contexts' daily jobs may run too; the publish jobs are checked below
    with unit_of_work(runtime.session_factory) as session:
        outcomes = {j.unique_key: (j.status, j.attempts) for j in session.query(Job).filter(Job.kind == PUBLISH_JOB)}
    assert outcomes == {f"{PUBLISH_JOB}:2026-03-01": ("done", 1), f"{PUBLISH_JOB}:2026-03-02": ("done", 1)}
    assert PublicationStore(runtime.settings.data_dir).dates() == [MON]  # Monday's change file covers Sunday


def test_two_builders_of_one_date_make_one_publication(runtime, clock):
    register(runtime, "61234567", Register.sms, Register.fax)
    clock.set(at(MON, 23))
    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(lambda _: publish(runtime, MON), range(2)))
    assert sorted(r.status for r in results) == ["exists", "published"]
    assert results[0].manifest == results[1].manifest
    root = runtime.settings.data_dir / "publications"
    assert sorted(p.name for p in root.iterdir()) == [".lock", "2026-03-02"]  # no temporary left behind
    assert lines(root / "2026-03-02" / "fax-dated.zip") == ["61234567,20260302"]
