"""Issue 14: a wash whose zip fails its CRC ended "running" for ever. Every failure of a wash's worker now ends it
"failed" with a stable reason code and its values, worded in the reader's language; a list that can be known
unreadable at the upload is refused there."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from typing import Any

import pytest

from telreg.core import jobs
from telreg.core.db import unit_of_work
from telreg.senders.errors import WashRefused
from telreg.senders.washing import files, service
from telreg.senders.washing.models import SenderWash
from telreg.senders.washing.schemas import WashOut

from .helpers import SEND_DATE, run_washes

LIST = b"phone\r\n98765432\r\n21234567\r\n" * 50


def _zip(content: bytes, name: str = "march.csv") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr(name, content)
    return buffer.getvalue()


def _crc_broken(content: bytes) -> bytes:
    """A zip whose directory is whole but whose list's bytes no longer match its CRC-32 (damaged on the way)."""
    data = bytearray(_zip(content))
    start = 30 + len("march.csv")  # the local header, then the stored bytes
    data[start + 20] ^= 0x01
    return bytes(data)


def _queued_wash(runtime: Any, account_id: int, content: bytes, name: str = "march.zip") -> int:
    now = runtime.clock.now()
    with unit_of_work(runtime.session_factory) as session:
        wash = SenderWash(account_id=account_id, register="sms", client_ref="", column="phone", send_date=SEND_DATE,
                          state="queued", input_sha256="0" * 64, input_name=name, input_size=len(content),
                          created_at=now, expires_at=now + dt.timedelta(days=30))
        session.add(wash)
        session.flush()
        path = files.input_path(runtime.settings.data_dir, wash.id, name)
        path.parent.mkdir(parents=True)
        path.write_bytes(content)  # as if the upload's check had passed and the disk damaged it since
        jobs.enqueue(session, clock=runtime.clock, kind=service.JOB_KIND, payload={"wash_id": wash.id},
                     unique_key=f"{service.JOB_KIND}:{wash.id}", max_attempts=3)
        return int(wash.id)


def _wash(runtime: Any, wash_id: int) -> SenderWash:
    with unit_of_work(runtime.session_factory) as session:
        wash = session.get(SenderWash, wash_id)
        assert wash is not None
        return wash


def test_a_zip_failing_its_crc_in_the_worker_fails_the_wash_with_why(runtime: Any, published: Any) -> None:
    wash_id = _queued_wash(runtime, published["sms"], _crc_broken(LIST))

    results = run_washes(runtime)

    assert [r.status for r in results] == ["done"]  # the job is over: nothing left to retry
    wash = _wash(runtime, wash_id)
    assert wash.state == "failed" and wash.finished_at is not None
    assert wash.error_code == "unreadable_list" and wash.error is None  # a code, not an English sentence
    assert wash.error_params == {"file": "march.zip", "detail": "Bad CRC-32 for file 'march.csv'"}
    english = WashOut.of(wash, base="/w", lang="en").model_dump(by_alias=True)
    assert english["error"].startswith("The list march.zip cannot be read (Bad CRC-32 for file 'march.csv')")
    assert english["error_code"] == "unreadable_list"
    chinese = service.failure_text(wash, "zh-Hant")
    assert chinese and "march.zip" in chinese and chinese != english["error"]


def test_a_refusal_found_by_the_worker_keeps_its_own_sentence(runtime: Any, published: Any) -> None:
    wash_id = _queued_wash(runtime, published["sms"], b"number\r\n98765432\r\n", name="list.csv")  # no "phone"

    run_washes(runtime)

    wash = _wash(runtime, wash_id)
    assert wash.state == "failed" and wash.error_code.startswith("refused:")
    assert "message_id" in wash.error_params and "has no column" in wash.error_params["message_id"]
    assert "list.csv has no column" in service.failure_text(wash, "en")


def test_a_crash_while_gathering_the_inputs_fails_the_wash(runtime: Any, published: Any,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    wash_id = _queued_wash(runtime, published["sms"], _zip(LIST))

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("the calendar could not be loaded")

    monkeypatch.setattr(service, "load_calendar", broken)
    run_washes(runtime)

    wash = _wash(runtime, wash_id)
    assert (wash.state, wash.error_code, wash.error_params) == ("failed", "wash_crashed",
                                                                {"error_type": "RuntimeError"})


def test_a_wash_whose_job_gave_up_is_failed_with_a_code(runtime: Any, published: Any) -> None:
    wash_id = _queued_wash(runtime, published["sms"], _zip(LIST))
    with unit_of_work(runtime.session_factory) as session:
        session.get(SenderWash, wash_id).state = "running"
    runtime.clock.advance(days=2)
    with unit_of_work(runtime.session_factory) as session:
        service.expire_due(session, clock=runtime.clock, settings=runtime.settings)
    wash = _wash(runtime, wash_id)
    assert (wash.state, wash.error_code) == ("failed", "worker_gave_up")
    assert service.failure_text(wash, "en") == ("The wash could not be completed (the worker gave up after several "
                                                "attempts); upload it again.")


@pytest.mark.parametrize(("content", "words"), [
    (_crc_broken(LIST), "march.zip is damaged: march.csv inside it fails its check"),
    (_zip(b"\x00\x01\x02binary\x00" * 100), "looks like a binary file"),
    (b"\x00\x01\x02binary\x00" * 100, "looks like a binary file"),
])
def test_an_unreadable_list_is_refused_at_the_upload(runtime: Any, content: bytes, words: str) -> None:
    name = "march.zip" if content[:2] == b"PK" else "march.txt"
    with pytest.raises(WashRefused) as refused:
        files.receive(io.BytesIO(content), data_dir=runtime.settings.data_dir, filename=name, max_bytes=10**6)
    assert words in refused.value.message
    assert list((runtime.settings.data_dir / "washes").iterdir()) == []  # nothing left behind


def test_the_wash_page_and_api_say_why_in_the_readers_language(runtime: Any, published: Any) -> None:
    from ..usage_helpers import sender_client, sign_in

    wash_id = _queued_wash(runtime, published["sms"], _crc_broken(LIST))
    run_washes(runtime)
    with sender_client(runtime) as client:
        sign_in(client, published["sms"])
        page = client.get(f"/senders/washes/{wash_id}/status?lang=zh-Hant")
        api = client.get(f"/api/v1/senders/me/washes/{wash_id}", headers={"Accept-Language": "zh-Hans"})
    assert page.status_code == 200 and 'data-code="unreadable_list"' in page.text
    assert "無法讀取" in page.text and 'lang="en"' not in page.text.split('id="wash-reason"')[1][:80]
    assert api.json()["error_code"] == "unreadable_list" and "无法读取" in api.json()["error"]
