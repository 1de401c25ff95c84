"""Each account downloads its own copy: the shared files with its seed numbers inserted, its own checksums and
manifest (signed anew), recorded by SHA-256; change files stay consistent per account; the online check, the wash and
the offline scrub treat the account's seeds as listings; nothing names a seed to the sender."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import threading
from pathlib import Path

import pytest
from sqlalchemy import select

from telreg.core.calendar import WorkingCalendar
from telreg.core.db import unit_of_work
from telreg.core.models import AuditEvent
from telreg.dnc.publish import formats
from telreg.dnc.publish.store import PublicationStore
from telreg.dnc.vocabulary import Register
from telreg.enforcement.models import SeedAssignment, SeedNumber
from telreg.enforcement.seeds import assign
from telreg.enforcement.seeds import files as seed_files
from telreg.senders.models import SenderDownload

from ..dnc.publish_helpers import publish, register
from ..senders.helpers import make_active
from ..senders.scrub.helpers import rejected, run_cli
from ..senders.usage_helpers import DAY1, DAY2, at, make_accounts, sender_client, sign_in
from .seeds_helpers import FIXED_SEEDS, MOBILE_SEEDS, import_pool, list_numbers

URL = "/api/v1/senders/me/downloads"
DAY3 = DAY2 + dt.timedelta(days=1)
SHARED = {"21234567": (Register.sms, Register.fax), "61234567": (Register.sms,)}


@pytest.fixture
def world(runtime, clock):
    accounts = make_accounts(runtime)
    with unit_of_work(runtime.session_factory) as session:
        accounts["other"] = make_active(session, runtime, username="other.sender", contact_email="o@example.com").id
    import_pool(runtime, MOBILE_SEEDS[:6] + FIXED_SEEDS[:3])
    list_numbers(runtime, clock, SHARED)
    clock.set(at(DAY1, 23))
    published = publish(runtime, DAY1)
    clock.set(at(DAY2, 9))
    return {"accounts": accounts, "path": published.path}


def _lines(content: bytes) -> list[str]:
    text = formats.read_zip_entry(content).decode("ascii")
    assert text == "" or text.endswith("\r\n")
    return text.split("\r\n")[:-1] if text else []


def _seeds_of(runtime, account_id) -> dict[str, dt.date]:
    with unit_of_work(runtime.read_session_factory) as session:
        rows = session.execute(select(SeedNumber.number, SeedAssignment.listed_on)
                               .join(SeedAssignment, SeedAssignment.seed_id == SeedNumber.id)
                               .where(SeedAssignment.account_id == account_id)).all()
    return dict(rows)


def test_an_account_downloads_its_own_copy_with_its_own_checksums_and_manifest(runtime, clock, world):
    shared = world["path"]
    with sender_client(runtime) as client:
        sign_in(client, world["accounts"]["sms"])
        listing = client.get("/api/v1/senders/me/publications")
        assert listing.status_code == 200, listing.text
        files = {f["kind"]: f for f in listing.json()["registers"][0]["files"]}
        dated = client.get(files["dated"]["url"])
        numbers = client.get(files["numbers"]["url"])
        changes = client.get(files["changes"]["url"])
        sha_file = client.get(files["dated"]["sha256_url"])
        md5_file = client.get(files["dated"]["md5_url"])
        manifest = client.get(f"{URL}/latest/manifest.json")
        again = client.get(f"{URL}/{DAY1.isoformat()}/sms-dated.zip")
        sign_in(client, world["accounts"]["other"])
        other = client.get(f"{URL}/latest/sms-dated.zip")

    seeds = _seeds_of(runtime, world["accounts"]["sms"])
    assert len(seeds) == 3 and set(seeds) <= set(MOBILE_SEEDS)  # SMS: mobile numbers only
    for listed_on in seeds.values():  # a plausible listing date: a working day 1 to 3 years before today
        assert DAY2.replace(year=2023) <= listed_on <= DAY2.replace(year=2025)
        assert WorkingCalendar().is_working_day(listed_on)
    seed_lines = [f"{n},{d:%Y%m%d}" for n, d in seeds.items()]
    shared_lines = _lines((shared / "sms-dated.zip").read_bytes())
    assert _lines(dated.content) == sorted(shared_lines + seed_lines)
    assert _lines(numbers.content) == sorted(_lines((shared / "sms-numbers.zip").read_bytes()) + list(seeds))
    # The first publication's change file adds everything: the account's adds its seeds too.
    assert formats.apply_changes([], changes.content) == _lines(dated.content)

    digest = hashlib.sha256(dated.content).hexdigest()
    assert dated.headers["x-checksum-sha256"] == digest == files["dated"]["sha256"]
    assert files["dated"]["bytes"] == len(dated.content) and files["dated"]["lines"] == 5
    assert sha_file.text == f"{digest}  sms-dated.zip\n"
    assert md5_file.text == f"{hashlib.md5(dated.content).hexdigest()}  sms-dated.zip\n"
    assert 'filename="sms-dated.zip"' in dated.headers["content-disposition"]
    assert again.content == dated.content  # stable per account and day
    mine = manifest.json()["registers"]["sms"]
    assert mine["dated"]["sha256"] == digest and mine["count"] == 5
    assert mine["numbers"]["sha256"] == hashlib.sha256(numbers.content).hexdigest()
    assert mine["changes"]["sha256"] == hashlib.sha256(changes.content).hexdigest() and mine["changes"]["added"] == 5
    assert manifest.json()["registers"]["fax"] == json.loads((shared / "manifest.json").read_text())["registers"]["fax"]

    # The other account: its own three seeds, none of the first's; the two copies differ only by them.
    other_seeds = _seeds_of(runtime, world["accounts"]["other"])
    assert len(other_seeds) == 3 and not set(other_seeds) & set(seeds)
    assert set(_lines(other.content)) - set(shared_lines) == {f"{n},{d:%Y%m%d}" for n, d in other_seeds.items()}

    # Nothing a sender sees names a seed.
    for text in (listing.text, manifest.text, sha_file.text, json.dumps(dict(dated.headers))):
        assert not any(number in text for number in seeds)
    # The download log records exactly which bytes were handed out.
    with unit_of_work(runtime.read_session_factory) as session:
        logged = {(r.file_name, r.sha256) for r in session.scalars(
            select(SenderDownload).where(SenderDownload.account_id == world["accounts"]["sms"]))}
    assert ("sms-dated.zip", digest) in logged
    assert ("sms-dated.zip.sha256", hashlib.sha256(sha_file.content).hexdigest()) in logged


def test_change_files_stay_consistent_per_account_across_days_and_a_retirement(runtime, clock, world):
    account = world["accounts"]["sms"]
    got: dict[tuple[dt.date, str], bytes] = {}

    def fetch(day: dt.date, *names: str) -> None:
        with sender_client(runtime) as client:
            sign_in(client, account)
            for name in names:
                answer = client.get(f"{URL}/{day.isoformat()}/{name}")
                assert answer.status_code == 200, answer.text
                got[(day, name)] = answer.content

    fetch(DAY1, "sms-dated.zip")
    register(runtime, "98760001", Register.sms)  # DAY2 09:00
    clock.set(at(DAY2, 23))
    day2 = publish(runtime, DAY2).path
    with unit_of_work(runtime.session_factory) as session:
        first = session.scalars(select(SeedAssignment).where(SeedAssignment.account_id == account)
                                .order_by(SeedAssignment.id)).first()
        assign.retire(session, clock=runtime.clock, assignment_id=first.id, on=DAY3, actor="rita")
        retired = session.get(SeedNumber, first.seed_id).number
    clock.set(at(DAY3, 10))
    register(runtime, "51230001", Register.sms)
    clock.set(at(DAY3, 23))
    day3 = publish(runtime, DAY3).path
    clock.set(at(DAY3 + dt.timedelta(days=1), 9))
    fetch(DAY2, "sms-changes-000002.zip", "sms-dated.zip")
    fetch(DAY3, "sms-changes-000003.zip", "sms-dated.zip")

    # The set did not change from DAY1 to DAY2: the shared change file is the account's, byte for byte.
    assert got[(DAY2, "sms-changes-000002.zip")] == (day2 / "sms-changes-000002.zip").read_bytes()
    assert formats.apply_changes(_lines(got[(DAY1, "sms-dated.zip")]), got[(DAY2, "sms-changes-000002.zip")]) \
        == _lines(got[(DAY2, "sms-dated.zip")])
    # It changed on DAY3 (a retirement): the account's change file removes the seed, and stays consistent.
    assert got[(DAY3, "sms-changes-000003.zip")] != (day3 / "sms-changes-000003.zip").read_bytes()
    assert f"-{retired}" in _lines(got[(DAY3, "sms-changes-000003.zip")])
    assert formats.apply_changes(_lines(got[(DAY2, "sms-dated.zip")]), got[(DAY3, "sms-changes-000003.zip")]) \
        == _lines(got[(DAY3, "sms-dated.zip")])
    assert not any(line.startswith(retired) for line in _lines(got[(DAY3, "sms-dated.zip")]))
    assert sum(line[:8] in MOBILE_SEEDS for line in _lines(got[(DAY3, "sms-dated.zip")])) == 2

    # Pruning a publication removes the accounts' variants with it; their manifests stay, as the shared ones do.
    store = PublicationStore(runtime.settings.data_dir)
    with sender_client(runtime) as client:
        sign_in(client, account)
        before = client.get(f"{URL}/{DAY1.isoformat()}/manifest.json").content
    deleted = store.prune(before=DAY3)
    assert any("/.seeds/" in name for name in deleted)
    assert not list((store.path_for(DAY1) / ".seeds").rglob("*.zip"))
    with sender_client(runtime) as client:
        sign_in(client, account)
        assert client.get(f"{URL}/{DAY1.isoformat()}/manifest.json").content == before
        assert client.get(f"{URL}/{DAY1.isoformat()}/sms-dated.zip").status_code == 404


def test_without_seeds_the_shared_files_are_served_and_the_exhausted_pool_is_recorded(runtime, clock):
    accounts = make_accounts(runtime)
    import_pool(runtime, FIXED_SEEDS[:3])  # no mobile numbers: nothing fits the SMS register
    list_numbers(runtime, clock, SHARED)
    clock.set(at(DAY1, 23))
    path = publish(runtime, DAY1).path
    clock.set(at(DAY2, 9))
    with sender_client(runtime) as client:
        sign_in(client, accounts["sms"])
        for name in ("sms-dated.zip", "sms-numbers.zip", "sms-changes-000001.zip", "manifest.json"):
            assert client.get(f"{URL}/latest/{name}").content == (path / name).read_bytes()
    with unit_of_work(runtime.read_session_factory) as session:
        events = list(session.scalars(select(AuditEvent).where(AuditEvent.action == "enforcement-seed-pool-exhausted")))
    # Recorded once for the day (each of the four downloads tried again), naming the account and the register.
    assert len(events) == 1 and events[0].register == "sms"
    assert events[0].details["account_id"] == accounts["sms"] and events[0].details["assigned"] == 0


def test_the_online_check_the_wash_and_the_offline_scrub_treat_the_seeds_as_listings(runtime, clock, world,
                                                                                      tmp_path):
    account, other = world["accounts"]["sms"], world["accounts"]["other"]
    with sender_client(runtime) as client:
        sign_in(client, account)
        dated = client.get(f"{URL}/latest/sms-dated.zip").content
        sha = client.get(f"{URL}/latest/sms-dated.zip.sha256").content
    seeds = _seeds_of(runtime, account)
    seed, listed_on = sorted(seeds.items())[0]
    with sender_client(runtime) as client:
        headers = sign_in(client, account)
        mine = client.post("/api/v1/senders/me/check", headers=headers, json={"numbers": [seed]}).json()
        headers = sign_in(client, other)
        theirs = client.post("/api/v1/senders/me/check", headers=headers, json={"numbers": [seed]}).json()
    answer = mine["results"][0]["registers"]["sms"]
    assert answer["status"] == "listed" and answer["registered_on"] == listed_on.isoformat() and answer["protected"]
    assert theirs["results"][0]["registers"]["sms"]["status"] == "not_listed"

    # The server-side wash reads the account's copy of the dated file.
    from telreg.senders.washing.service import account_publication

    with unit_of_work(runtime.session_factory) as session:
        washed = account_publication(session, clock=runtime.clock, settings=runtime.settings, account_id=account,
                                     register="sms")
        shared = account_publication(session, clock=runtime.clock, settings=runtime.settings,
                                     account_id=world["accounts"]["short"], register="sms")
    assert washed is not None and washed.read_bytes() == dated
    assert shared == world["path"] / "sms-dated.zip"

    # The offline scrub against the downloaded file rejects the seed like any listing.
    folder = tmp_path / "download"
    folder.mkdir()
    (folder / "sms-dated.zip").write_bytes(dated)
    (folder / "sms-dated.zip.sha256").write_bytes(sha)
    listing = tmp_path / "list.txt"
    listing.write_text(f"{seed}\n98760001\n")
    code, out, err = run_cli("scrub", str(listing), "--register", "sms", "--publication",
                             str(folder / "sms-dated.zip"), "--out", str(tmp_path / "out"), "--as-of",
                             "2026-03-03T09:00", "--send-date", "2026-03-03")
    assert code == 0, err
    assert [(r["line"], r["decision"]) for r in rejected(tmp_path / "out")] == [(1, "blocked_dnc")]


def test_the_accounts_manifest_is_signed_anew_when_the_platform_has_a_ca(runtime, clock):
    from telreg.ecert.cms import verify_detached
    from telreg.ecert.hierarchy import init_hierarchy

    runtime.settings = runtime.settings.model_copy(update={"ecert_public_url": "http://ecert.telreg.test"})
    with unit_of_work(runtime.session_factory) as session:
        hierarchy = init_hierarchy(runtime.settings, clock=runtime.clock, root_passphrase=b"correct horse battery",
                                   session=session, actor="test-ceremony")
    accounts = make_accounts(runtime)
    import_pool(runtime, MOBILE_SEEDS[:3])
    list_numbers(runtime, clock, SHARED)
    clock.set(at(DAY1, 23))
    path = publish(runtime, DAY1).path
    clock.set(at(DAY2, 9))
    with sender_client(runtime) as client:
        sign_in(client, accounts["sms"])
        manifest = client.get(f"{URL}/latest/manifest.json")
        signature = client.get(f"{URL}/latest/manifest.json.p7s")
    assert manifest.status_code == 200 and signature.status_code == 200
    assert manifest.content != (path / "manifest.json").read_bytes()
    verify_detached(manifest.content, signature.content, trusted_roots=[hierarchy.root], at=clock.now())


@pytest.mark.parametrize("backend", [pytest.param("postgres", marks=pytest.mark.postgres)])
def test_two_first_downloads_at_once_make_one_set(runtime, clock, world):
    account = world["accounts"]["sms"]
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def download() -> None:
        try:
            with unit_of_work(runtime.session_factory) as session:
                barrier.wait(timeout=10)
                seed_files.account_file(session, clock=runtime.clock, settings=runtime.settings, account_id=account,
                                        register="sms", day=DAY1, file_name="sms-dated.zip")
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=download) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert len(_seeds_of(runtime, account)) == 3
    variants = list(Path(world["path"], ".seeds", f"a{account}").glob("sms-*/sms-dated.zip"))
    assert len(variants) == 1
