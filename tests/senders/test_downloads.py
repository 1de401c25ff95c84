"""Downloading the published registers: only held, active registers; never in the update window; all recorded."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from sqlalchemy import select

from telreg.core.db import unit_of_work
from telreg.dnc.publish.store import PublicationStore
from telreg.dnc.vocabulary import Register
from telreg.senders import downloads
from telreg.senders.errors import BadFileName
from telreg.senders.models import SenderDownload

from .usage_helpers import DAY1, DAY2, at, list_and_publish, make_accounts, sender_client, sign_in, sign_in_officer

NUMBERS = {"21234567": (Register.sms, Register.fax), "61234567": (Register.sms,), "91234567": (Register.fax,)}
URL = "/api/v1/senders/me/downloads"


@pytest.fixture
def world(runtime, clock):
    accounts = make_accounts(runtime)
    published = list_and_publish(runtime, clock, NUMBERS)
    clock.set(at(DAY2, 9))
    return {"accounts": accounts, "published": published}


def _recorded(runtime, account_id):
    with unit_of_work(runtime.read_session_factory) as session:
        return [(r.file_name, r.register, r.publication_date, r.client_address, r.api_key_id)
                for r in session.scalars(select(SenderDownload).where(SenderDownload.account_id == account_id)
                                         .order_by(SenderDownload.id))]


def test_a_download_is_the_published_file_with_its_checksums_and_is_recorded(runtime, world):
    directory = world["published"].path
    with sender_client(runtime) as client:
        sign_in(client, world["accounts"]["sms"])
        listing = client.get("/api/v1/senders/me/publications")
        assert listing.status_code == 200, listing.text
        body = listing.json()
        assert body["publication"] == DAY1.isoformat() and body["open"] is True
        assert [r["register"] for r in body["registers"]] == ["sms"]  # fax is not held
        files = {f["kind"]: f for f in body["registers"][0]["files"]}
        assert files["numbers"]["file"] == "sms-numbers.zip" and files["changes"]["file"] == "sms-changes-000001.zip"
        assert body["registers"][0]["count"] == 2

        zipped = client.get(files["dated"]["url"])
        checksum = client.get(files["dated"]["sha256_url"])
        md5_file = client.get(f"{URL}/latest/sms-dated.zip.md5")

    assert zipped.status_code == 200, zipped.text
    assert zipped.content == (directory / "sms-dated.zip").read_bytes()
    digest = hashlib.sha256(zipped.content).hexdigest()
    assert checksum.text == f"{digest}  sms-dated.zip\n"  # what `sha256sum -c` reads
    assert md5_file.text.split()[0] == hashlib.md5(zipped.content).hexdigest()
    assert zipped.headers["x-checksum-sha256"] == digest == files["dated"]["sha256"]
    assert zipped.headers["etag"] == f'"{digest}"'
    assert zipped.headers["content-type"] == "application/zip"
    assert 'filename="sms-dated.zip"' in zipped.headers["content-disposition"]
    assert _recorded(runtime, world["accounts"]["sms"]) == [
        ("sms-dated.zip", "sms", DAY1, "testclient", None),
        ("sms-dated.zip.sha256", "sms", DAY1, "testclient", None),
        ("sms-dated.zip.md5", "sms", DAY1, "testclient", None),
    ]


def test_registers_not_held_or_not_active_are_refused_with_the_reason(runtime, clock, world):
    accounts = world["accounts"]
    with sender_client(runtime) as client:
        sign_in(client, accounts["sms"])
        fax = client.get(f"{URL}/latest/fax-numbers.zip")
        assert fax.status_code == 403
        assert fax.json()["error"] == "register_not_usable" and fax.json()["reason"] == "not-subscribed"
        assert "does not subscribe to the Fax Register (fax)" in fax.json()["detail"]

        sign_in(client, accounts["pending"])
        pending = client.get(f"{URL}/latest/sms-numbers.zip")
        assert pending.status_code == 403 and pending.json()["reason"] == "pending"
        assert "not active yet" in pending.json()["detail"]
        assert client.get("/api/v1/senders/me/publications").status_code == 403

        clock.set(at(dt.date(2026, 6, 2), 9))  # the 3-month subscription expired today: grace
        sign_in(client, accounts["short"])
        grace = client.get(f"{URL}/{DAY1.isoformat()}/sms-numbers.zip")
        assert grace.status_code == 403 and grace.json()["reason"] == "expired"
        assert "renew" in grace.json()["detail"].lower()
        sign_in(client, accounts["sms"])  # the 12-month subscriber still downloads that day
        assert client.get(f"{URL}/{DAY1.isoformat()}/sms-numbers.zip").status_code == 200
    for name in ("pending", "short"):
        assert _recorded(runtime, accounts[name]) == []
    assert [r[0] for r in _recorded(runtime, accounts["sms"])] == ["sms-numbers.zip"]


def test_downloads_close_for_the_update_window_and_reopen_at_midnight(runtime, clock, world):
    with sender_client(runtime) as client:
        sign_in(client, world["accounts"]["sms"])
        clock.set(at(DAY2, 23, 30))
        closed = client.get(f"{URL}/latest/sms-numbers.zip")
        assert closed.status_code == 503
        assert closed.headers["retry-after"] == "1800"
        assert closed.json()["error"] == "update_window"
        assert "reopen at 00:00" in closed.json()["detail"]
        listing = client.get("/api/v1/senders/me/publications").json()
        assert listing["open"] is False and listing["reopens_at"].startswith("2026-03-04T00:00")

        clock.set(at(DAY2 + dt.timedelta(days=1), 0, 0))
        assert client.get(f"{URL}/latest/sms-numbers.zip").status_code == 200
    assert len(_recorded(runtime, world["accounts"]["sms"])) == 1


@pytest.mark.parametrize("name", ["..%2F..%2Fsecret_key", "sms-numbers.exe", "sms-numbers.zip.txt", "..",
                                  "sms-changes-1.zip", "SMS-numbers.zip"])
def test_bad_file_names_are_refused_and_never_leave_the_publication(runtime, world, name):
    with sender_client(runtime) as client:
        sign_in(client, world["accounts"]["sms"])
        response = client.get(f"{URL}/latest/{name}")
    assert response.status_code in (404, 422), response.text
    assert response.headers["content-type"].startswith("application/json")
    assert _recorded(runtime, world["accounts"]["sms"]) == []


def test_file_names_are_a_whitelist():
    assert downloads.parse_file_name("prerecorded-changes-000012.zip.sha256") == ("prerecorded", ".sha256")
    for name in ("../x", "sms-numbers.zip/../../etc", "/etc/passwd", "sms-dated.zip\x00", "fax-other.zip"):
        with pytest.raises(BadFileName):
            downloads.parse_file_name(name)


def test_missing_publications_and_files_get_a_clear_404(runtime, world):
    with sender_client(runtime) as client:
        sign_in(client, world["accounts"]["sms"])
        no_day = client.get(f"{URL}/2026-02-01/sms-numbers.zip")
        no_file = client.get(f"{URL}/latest/sms-changes-000099.zip")
        bad_day = client.get(f"{URL}/yesterday/sms-numbers.zip")
    assert no_day.status_code == 404 and "no publication of 2026-02-01" in no_day.json()["detail"]
    assert "latest is 2026-03-02" in no_day.json()["detail"]
    assert no_file.status_code == 404 and no_file.json()["error"] == "publication_not_found"
    assert bad_day.status_code == 422 and "latest" in bad_day.json()["detail"]
    assert _recorded(runtime, world["accounts"]["sms"]) == []


def test_before_the_first_publication_nothing_is_offered(runtime, clock):
    accounts = make_accounts(runtime)
    with sender_client(runtime) as client:
        sign_in(client, accounts["sms"])
        listing = client.get("/api/v1/senders/me/publications").json()
        download = client.get(f"{URL}/latest/sms-numbers.zip")
    assert listing["publication"] is None and listing["registers"] == []
    assert download.status_code == 404 and "Nothing has been published yet" in download.json()["detail"]


def test_an_officer_lists_an_accounts_downloads_by_date(runtime, clock, world, cli):
    account = world["accounts"]["sms"]
    with sender_client(runtime) as client:
        sign_in(client, account)
        assert client.get(f"{URL}/latest/sms-numbers.zip").status_code == 200
        clock.set(at(DAY2 + dt.timedelta(days=1), 8))
        assert client.get(f"{URL}/latest/sms-dated.zip").status_code == 200
        assert client.get(f"/api/v1/senders/accounts/{account}/downloads").status_code == 401  # a sender is no officer

        sign_in_officer(client)
        every = client.get(f"/api/v1/senders/accounts/{account}/downloads").json()
        later = client.get(f"/api/v1/senders/accounts/{account}/downloads", params={"since": "2026-03-04"}).json()
        earlier = client.get(f"/api/v1/senders/accounts/{account}/downloads",
                             params={"until": "2026-03-03"}).json()
        unknown = client.get("/api/v1/senders/accounts/9999/downloads")
        backwards = client.get(f"/api/v1/senders/accounts/{account}/downloads",
                               params={"since": "2026-03-04", "until": "2026-03-03"})
    assert [d["file_name"] for d in every] == ["sms-dated.zip", "sms-numbers.zip"]  # newest first
    assert every[0]["client_address"] == "testclient" and every[0]["downloaded_at"].startswith("2026-03-04T08:00")
    assert [d["file_name"] for d in later] == ["sms-dated.zip"]
    assert [d["file_name"] for d in earlier] == ["sms-numbers.zip"]
    assert unknown.status_code == 404
    assert backwards.status_code == 422

    code, out, err = cli("senders", "downloads", str(account), "--since", "2026-03-04")
    assert code == 0, err
    assert "sms-dated.zip" in out and "sms-numbers.zip" not in out and "testclient" in out


def test_a_pruned_publication_says_its_files_were_removed(runtime, clock, world):
    day = world["published"].date
    for path in PublicationStore(runtime.settings.data_dir).path_for(day).glob("*.zip*"):
        path.unlink()
    with sender_client(runtime) as client:
        sign_in(client, world["accounts"]["sms"])
        response = client.get(f"{URL}/{day.isoformat()}/sms-numbers.zip")
    assert response.status_code == 404 and "were removed" in response.json()["detail"]
