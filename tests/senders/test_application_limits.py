"""Issue 14: an application cannot fill the disk or the memory — files capped in number, size, per request and per
address per day, streamed to disk, kept only when the application is committed; a CAPTCHA and a per-address
rate limit in front of it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from telreg.app import create_app
from telreg.core import captcha
from telreg.core.uploads import FORM_ROOM, BodyLimit

from .helpers import PASSWORD, PDF

ANSWER = "K7PQ2"
FORM = {
    "capacity": "individual", "name": "CHAN Tai Man", "contact_email": "chan@example.com",
    "plans": ["fax:12-months"], "username": "chan.taiman", "password": PASSWORD,
    "security_question": "Name of my first school?", "security_answer": "St. Paul's",
}


@pytest.fixture
def api(runtime: Any) -> Any:
    runtime.extras[captcha.EXTRAS_KEY] = lambda: ANSWER
    with TestClient(create_app(runtime)) as client:
        yield client


def _captcha(api: Any) -> dict[str, str]:
    return {"captcha_token": api.get("/api/v1/captcha").json()["token"], "captcha_answer": ANSWER}


def _apply(api: Any, documents: list[tuple[str, bytes]], **changes: Any) -> Any:
    data = {**FORM, **_captcha(api), "document_types": ["hkid-copy"] * len(documents), **changes}
    files = [("documents", (name, content, "application/pdf")) for name, content in documents]
    return api.post("/api/v1/senders/applications", data=data, files=files or None)


def _stored(runtime: Any) -> list[Path]:
    root = Path(runtime.settings.data_dir) / "uploads"
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def _pdf(size: int, tag: bytes = b"") -> bytes:
    return (PDF + tag).ljust(size, b"0")


def test_an_accepted_application_keeps_exactly_its_files(api: Any, runtime: Any) -> None:
    done = _apply(api, [("hkid.pdf", PDF)])
    assert done.status_code == 201, done.text
    [kept] = _stored(runtime)
    assert kept.read_bytes() == PDF


def test_a_refused_application_leaves_no_file(api: Any, runtime: Any) -> None:
    wrong_type = _apply(api, [("hkid.pdf", PDF)], document_types=["passport"])
    assert wrong_type.status_code == 422
    assert _apply(api, [("a.pdf", _pdf(100, b"a"))]).status_code == 201
    taken = _apply(api, [("b.pdf", _pdf(100, b"b")), ("c.pdf", _pdf(100, b"c"))])  # the same username
    assert taken.status_code == 409
    assert [p.read_bytes() for p in _stored(runtime)] == [_pdf(100, b"a")]


def test_too_many_files_are_refused_before_any_is_stored(api: Any, runtime: Any) -> None:
    limit = runtime.settings.upload_max_files
    refused = _apply(api, [(f"page{i}.pdf", _pdf(50, str(i).encode())) for i in range(limit + 1)])
    assert refused.status_code == 422 and refused.json()["error"] == "too_many_files"
    assert refused.json()["detail"] == f"Send at most {limit} documents at once; {limit + 1} were sent."
    assert _stored(runtime) == []


def test_the_files_of_one_request_are_capped_together_naming_the_file(api: Any, runtime: Any) -> None:
    runtime.settings.max_upload_bytes = 1_000
    runtime.settings.upload_max_request_bytes = 2_500
    refused = _apply(api, [("one.pdf", _pdf(1_000, b"1")), ("two.pdf", _pdf(1_000, b"2")),
                           ("three.pdf", _pdf(1_000, b"3"))])
    assert refused.status_code == 413 and refused.json()["error"] == "upload_too_large"
    assert "'three.pdf' goes past that" in refused.json()["detail"] and "2,500" in refused.json()["detail"]
    assert _stored(runtime) == []
    big = _apply(api, [("big.pdf", _pdf(1_001))])
    assert big.status_code == 422 and big.json()["detail"] == "'big.pdf' is too large: the limit is 1,000 bytes."
    assert _stored(runtime) == []


def test_a_body_larger_than_any_application_is_refused_unread(api: Any, runtime: Any) -> None:
    runtime.settings.upload_max_request_bytes = 10_000
    refused = _apply(api, [("huge.pdf", _pdf(2_000_000))])
    assert refused.status_code == 413 and refused.json()["error"] == "upload_too_large"
    assert refused.json()["limit"] == 10_000 + FORM_ROOM  # the middleware's answer, from Content-Length alone
    assert _stored(runtime) == []
    # the captcha fetched for that request was never reached: the body was refused before the route ran
    assert _apply(api, [("hkid.pdf", PDF)]).status_code == 201


def test_an_address_has_a_daily_byte_budget(api: Any, runtime: Any, clock: Any) -> None:
    runtime.settings.upload_daily_bytes_per_address = 2_500
    assert _apply(api, [("a.pdf", _pdf(1_000, b"a"))], username="first.one").status_code == 201
    assert _apply(api, [("b.pdf", _pdf(1_000, b"b"))], username="second.one").status_code == 201
    refused = _apply(api, [("c.pdf", _pdf(1_000, b"c"))], username="third.one")
    assert refused.status_code == 429 and refused.json()["error"] == "upload_quota"
    assert "'c.pdf' was not accepted" in refused.json()["detail"] and int(refused.headers["Retry-After"]) > 0
    assert len(_stored(runtime)) == 2
    clock.advance(days=1)
    assert _apply(api, [("c.pdf", _pdf(1_000, b"c"))], username="third.one").status_code == 201


def test_applications_from_one_address_are_rate_limited(api: Any, runtime: Any, clock: Any) -> None:
    limit = runtime.settings.applications_per_address_per_hour
    answers = [_apply(api, [], username=f"applicant.{i}").status_code for i in range(limit)]
    assert answers == [201] * limit
    refused = _apply(api, [], username="one.more")
    assert refused.status_code == 429 and refused.json()["error"] == "rate_limited"
    assert 0 < int(refused.headers["Retry-After"]) <= 3600
    clock.advance(hours=1)
    assert _apply(api, [], username="one.more").status_code == 201


def test_the_captcha_is_needed_and_used_once(api: Any, runtime: Any) -> None:
    token = _captcha(api)["captcha_token"]
    wrong = api.post("/api/v1/senders/applications",
                     data={**FORM, "captcha_token": token, "captcha_answer": "WRONG"})
    assert wrong.status_code == 422 and wrong.json()["error"] == "captcha_failed"
    again = api.post("/api/v1/senders/applications", data={**FORM, "captcha_token": token, "captcha_answer": ANSWER})
    assert again.status_code == 422 and again.json()["error"] == "captcha_failed"  # the wrong guess used it up
    missing = api.post("/api/v1/senders/applications", data=FORM)
    assert missing.status_code == 422 and missing.json()["error"] == "captcha_failed"


def test_a_body_sent_without_a_length_is_stopped_once_past_the_limit() -> None:
    import asyncio
    import threading

    from starlette.exceptions import HTTPException

    read: list[int] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        while True:
            message = await receive()
            read.append(len(message.get("body", b"")))
            if not message.get("more_body"):
                return

    chunks = [{"type": "http.request", "body": b"x" * 100_000, "more_body": True} for _ in range(100)]

    async def receive() -> dict[str, Any]:
        return chunks.pop(0)

    async def send(message: Any) -> None:
        raise AssertionError("the handler answers, not the middleware")

    limited = BodyLimit(app, limit=lambda: 200_000)
    scope = {"type": "http", "method": "POST", "path": "/senders/apply", "headers": [
        (b"content-type", b"multipart/form-data; boundary=x"), (b"transfer-encoding", b"chunked")]}
    # In a thread of its own: a browser test sharing this worker leaves Playwright's event loop running in the main
    # thread, where asyncio.run() refuses to start.
    raised: list[BaseException] = []

    def run() -> None:
        try:
            asyncio.run(limited(scope, receive, send))
        except BaseException as exc:  # noqa: BLE001 - handed to the test's thread
            raised.append(exc)

    worker = threading.Thread(target=run)
    worker.start()
    worker.join(timeout=60)
    assert len(raised) == 1 and isinstance(raised[0], HTTPException), raised
    stopped = raised[0]
    assert stopped.status_code == 413
    assert sum(read) <= 200_000 + FORM_ROOM and len(chunks) > 90  # stopped early: the rest never read
