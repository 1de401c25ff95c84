"""A calling list uploaded zipped washes exactly as the same list uploaded plain; a zip the scrub could not
read is refused at the upload, with the reason, and nothing is queued."""

from __future__ import annotations

import hashlib
import io
import zipfile

import pytest
from sqlalchemy import func, select

from telreg.core.db import unit_of_work
from telreg.core.models import Job
from telreg.senders.washing.models import SenderWash

from ..usage_helpers import sender_client, sign_in
from .helpers import URL, run_washes, upload

LIST = (b"phone,name\r\n"
        b"2123 4567,listed\r\n"          # listed on 2 March: protected on the send date
        b"+852 6123 4567,listed too\r\n"
        b"91234567,unsubscribed\r\n"     # on the account's own list
        b"98765432,plain\r\n"
        b"12,garbage\r\n"
        b"21234567,repeated\r\n")


def zipped(*entries: tuple[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in entries:
            archive.writestr(name, content)
    return buffer.getvalue()


def _nothing_queued(runtime) -> None:
    with unit_of_work(runtime.read_session_factory) as session:
        assert session.scalar(select(func.count()).select_from(SenderWash)) == 0
        assert session.scalar(select(func.count()).select_from(Job).where(Job.kind == "senders.wash")) == 0
    washes = runtime.settings.data_dir / "washes"
    assert not washes.exists() or list(washes.iterdir()) == []


def test_a_zipped_list_washes_as_the_plain_one(runtime, published):
    archive = zipped(("march.csv", LIST))
    with sender_client(runtime) as client:
        csrf = sign_in(client, published["sms"])
        plain = upload(client, csrf, LIST, name="march.csv", column="phone").json()
        packed = upload(client, csrf, archive, name="march.zip", column="phone").json()
        assert [r.status for r in run_washes(runtime)] == ["done", "done"]
        washes = {w["id"]: w for w in client.get(URL).json()}
        both = (plain["id"], packed["id"])
        files = {wash: {name: client.get(f"{URL}/{wash}/files/{name}").content
                        for name in ("kept.csv", "rejected.csv")} for wash in both}
        reports = {wash: client.get(f"{URL}/{wash}/files/report.json").json() for wash in both}
        receipts = {wash: client.get(f"{URL}/{wash}/files/receipt.json").json() for wash in both}
    assert packed["input_name"] == "march.zip"
    assert packed["input_sha256"] == hashlib.sha256(archive).hexdigest()
    assert washes[packed["id"]]["state"] == "done", washes[packed["id"]]["error"]
    assert files[packed["id"]] == files[plain["id"]]
    assert files[plain["id"]]["kept.csv"] == b"phone,name\r\n98765432,plain\r\n"  # header, the one allowed
    assert reports[packed["id"]]["list"] == "march.zip" and reports[plain["id"]]["list"] == "march.csv"
    for report in reports.values():
        del report["list"], report["seconds"]  # the file's own name, and how long it took
    assert reports[packed["id"]] == reports[plain["id"]]
    assert washes[packed["id"]]["counts"] == washes[plain["id"]]["counts"]
    counts = washes[plain["id"]]["counts"]
    assert counts["blocked_dnc"] == 2 and counts["duplicate"] == 1 and counts["rejected_invalid"] == 1
    # The receipt names the file as given: the zip's own checksum, the list's counts.
    assert receipts[packed["id"]]["list"]["sha256"] == hashlib.sha256(archive).hexdigest()
    assert receipts[plain["id"]]["list"]["sha256"] == hashlib.sha256(LIST).hexdigest()
    assert receipts[packed["id"]]["counts"] == receipts[plain["id"]]["counts"]


BROKEN = zipped(("march.csv", LIST))[:40]  # the local header and a little data; no central directory

REFUSED = [
    ("two files", zipped(("a.csv", LIST), ("b.csv", LIST)), "two.zip",
     "two.zip holds 2 files; a zipped list must hold exactly one."),
    ("broken", BROKEN, "broken.zip", "broken.zip looks like a zip file but cannot be opened as one."),
    ("no file", zipped(), "none.zip", "none.zip"),
    ("empty list", zipped(("march.csv", b"")), "hollow.zip", "The list hollow.zip is empty"),
]


@pytest.mark.parametrize(("case", "content", "name", "words"), REFUSED, ids=[r[0] for r in REFUSED])
def test_a_zip_the_scrub_cannot_read_is_refused_and_nothing_is_queued(runtime, published, case, content, name,
                                                                      words):
    with sender_client(runtime) as client:
        csrf = sign_in(client, published["sms"])
        refused = upload(client, csrf, content, name=name, column="phone", client_reference="batch-1")
    assert refused.status_code == 422, refused.text
    assert refused.json()["error"] == "wash_refused" and words in refused.json()["detail"]
    _nothing_queued(runtime)


def test_a_small_zip_of_a_list_larger_than_a_wash_takes_is_refused(runtime, published):
    runtime.settings.wash_max_bytes = 50_000
    archive = zipped(("big.txt", b"98765432\n" * 10_000))  # 90,000 bytes unzipped; a few hundred zipped
    assert len(archive) < 50_000
    with sender_client(runtime) as client:
        csrf = sign_in(client, published["sms"])
        refused = upload(client, csrf, archive, name="big.zip")
    assert refused.status_code == 422
    assert refused.json()["detail"] == ("big.zip holds a list of 90,000 bytes unzipped, more than the 50,000 "
                                        "bytes a wash accepts; split the list.")
    _nothing_queued(runtime)


def test_the_wash_page_shows_the_refusal(runtime, published):
    with sender_client(runtime) as client:
        csrf = sign_in(client, published["sms"])
        two = zipped(("a.csv", LIST), ("b.csv", LIST))
        form = {"register": "sms", "send_date": "2026-03-20"}
        page = client.post("/senders/washes", headers=csrf, data=form,
                           files={"file": ("two.zip", two, "application/zip")})
    assert page.status_code == 422
    assert "two.zip holds 2 files; a zipped list must hold exactly one." in page.text
    _nothing_queued(runtime)
