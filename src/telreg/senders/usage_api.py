"""HTTP API for using the registers: the sender's downloads and online check, and the officer's download log.

Sender endpoints take a ``SenderCallerDep``: a signed-in sender (CSRF token on the POST) or a script's API key.
Between 23:00 and 00:00 Hong Kong time downloads and checks answer 503 with ``Retry-After``.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, Response
from fastapi.exceptions import HTTPException
from pydantic import ValidationError
from starlette.requests import ClientDisconnect
from starlette.types import Message, Receive, Scope, Send

from telreg.core.access import SENDER, declares

from telreg.core.security import DncOfficer
from telreg.deps import DbSession, RuntimeDep
from telreg.runtime import Runtime
from telreg.senders import downloads, online_check
from telreg.senders.check_records import recorder
from telreg.senders.deps import CheckCallerDep, SenderCaller, SenderCallerDep, check_caller
from telreg.senders.schemas import CheckOut, CheckRequest, DownloadRecordOut, PublicationsOut
from telreg.web.input_guard import check_inputs

__all__ = ["router"]

router = APIRouter(prefix="/api/v1/senders", tags=["senders: downloads and online check"])


def _address(request: Request) -> str | None:
    return request.client.host if request.client else None


@router.get("/me/publications", response_model=PublicationsOut)
def my_publications(caller: SenderCallerDep, session: DbSession, runtime: RuntimeDep) -> Any:
    """The latest publication's files for every register you may download now, with sizes, MD5 and SHA-256."""
    return downloads.available(clock=runtime.clock, settings=runtime.settings, caller=caller, session=session)


@router.get("/me/downloads/{publication}/{file_name}", response_class=FileResponse,
            responses={200: {"content": {"application/zip": {}, "text/plain": {}}}})
def download(publication: str, file_name: str, request: Request, caller: SenderCallerDep, session: DbSession,
             runtime: RuntimeDep) -> Any:
    """Download one file of a publication (``latest`` or YYYY-MM-DD), e.g. ``sms-dated.zip`` or
    ``sms-dated.zip.md5``. The download is recorded; ``X-Checksum-SHA256`` carries the file's SHA-256."""
    found = downloads.open_download(session, clock=runtime.clock, settings=runtime.settings, caller=caller,
                                    publication=publication, file_name=file_name,
                                    client_address=_address(request))
    return FileResponse(
        found.path, media_type=found.content_type, filename=found.file_name,
        headers={"X-Checksum-SHA256": found.sha256, "X-Checksum-MD5": found.md5, "ETag": f'"{found.sha256}"',
                 "X-Publication-Date": found.publication_date.isoformat(), "Cache-Control": "private, no-store"},
    )


# ---- the online check: served by a plain Starlette route (issue 18 §2) ----------------------------------------
#
# Like the status look-up (dnc/status_api.py), the check is a hot path scripts hit all day, and FastAPI's
# dependency solving, its body validation and the input guard's second parse of the body were ~0.7 ms of the
# check's ~1.7 ms of CPU. The plain route below is matched first (it is added to this router ahead of the
# documented operation) and answers every well-formed request itself, keeping what the operation gives:
#
# * the same body: JSON parsed once and validated by the same model (CheckRequest) as FastAPI would;
# * the input guard's checks (web/input_guard.check_inputs), made once on the bytes already read: the route has
#   no path or int parameters, and a JSON document can carry a control character the guard refuses only as an
#   escape (a backslash) or a raw DEL, so a body with neither and no query string passes it by construction;
# * the same caller (check_caller: API key, or the signed-in sender's session with its CSRF token, the mutual-TLS
#   certificate) and so the same refusals, through the app's one exception handler;
# * the metrics label (the route template) and the access declaration (SENDER, as check_caller declares).
#
# Anything else — another method, a query string, another content type, a body that is not JSON, that the model
# refuses or that holds an escape — is handed, bytes and all, to the documented FastAPI operation, which answers
# it exactly as before (the 405 naming POST, json_invalid, Pydantic's 422 shape), after the input guard has
# looked at it (invalid_input), as the app-wide dependency runs before any operation.

CHECK_PATH = router.prefix + "/me/check"
_JSON_TYPES = ("application/json", "application/json; charset=utf-8", "application/json;charset=utf-8")


async def _answer(request: Request, body: CheckRequest, caller: SenderCaller) -> Response:
    # No request session: the caller, the listings, the account's seeds and the calendar come from memory
    # (online_check.CachedSources); only a cold cache sends a load to the thread pool. The answer leaves after the
    # check's record is committed by the process's group-commit writer (senders/check_records.py).
    runtime: Runtime = request.app.state.runtime
    sources = online_check.CachedSources(runtime)
    await sources.ready(caller.account_id)
    answer, record = online_check.answer_check(
        sources, clock=runtime.clock, settings=runtime.settings, caller=caller,
        numbers=[n if n is None or isinstance(n, str) else str(n) for n in body.numbers],
        registers=body.registers, on_date=body.on, client_address=_address(request))
    await recorder(runtime).commit(record)
    # Already the shape of CheckOut (the document's schema); serialised from fragments (senders/check_answer.py).
    return Response(answer.as_json(), media_type="application/json")


def _plain_body(request: Request, raw: bytes) -> CheckRequest | None:
    """The body as the documented operation would take it, or None when that operation must answer."""
    if (request.method != "POST" or request.scope["query_string"] or b"\\" in raw or b"\x7f" in raw
            or request.headers.get("content-type", "").lower() not in _JSON_TYPES):
        return None
    try:
        return CheckRequest.model_validate(json.loads(raw))
    except (ValueError, ValidationError):  # JSONDecodeError is a ValueError: FastAPI words both refusals
        return None


@declares(SENDER)
async def _check_plain(request: Request) -> Response:
    try:
        raw = await request.body()
    except ClientDisconnect:  # gone mid-body: answered as the operation answers a body it could not read
        raise HTTPException(status_code=400, detail="There was an error parsing the body") from None
    request.scope["route"] = _documented  # the metrics label; and the input guard's route if it runs
    body = _plain_body(request, raw)
    if body is None:
        # The input guard first, as before any operation (the operation's handle() alone would not run it: the
        # app-wide dependencies belong to the app's copy of the route), then the operation on the same bytes.
        await check_inputs(request)
        return await _documented_answer(request, raw)
    return await _answer(request, body, await check_caller(request, None, None))


async def _documented_answer(request: Request, raw: bytes) -> Response:
    """Run the documented FastAPI operation on this request, its body replayed, and relay what it sends."""
    replayed = False

    async def receive() -> Message:
        nonlocal replayed
        if not replayed:
            replayed = True
            return {"type": "http.request", "body": raw, "more_body": False}
        return await request.receive()

    return _Relayed(request.scope, receive)


class _Relayed(Response):
    """A response that is the documented operation's own (sent by it straight to the client)."""

    def __init__(self, scope: Scope, receive: Receive) -> None:  # noqa: D107 - no body of its own
        self._scope, self._receive = scope, receive

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await _documented.handle(self._scope, self._receive, send)


# No methods: every method matches here, so a PUT reaches the documented operation (405 naming POST).
router.add_route(CHECK_PATH, _check_plain, methods=[], include_in_schema=False)


@router.post("/me/check", response_model=CheckOut)
async def check(body: CheckRequest, request: Request, caller: CheckCallerDep) -> Any:
    """Check up to 100 numbers: listed / not_listed / invalid (with the reason) on each register, the registration
    date, the day protection starts and whether it is in force on ``on`` (default: today)."""
    # The plain route above answers well-formed requests; this operation documents the address and answers the
    # rest (async, no plain-def dependency: FastAPI runs those in the thread pool).
    return await _answer(request, body, caller)


_documented = router.routes[-1]


@router.get("/accounts/{account_id}/downloads", response_model=list[DownloadRecordOut])
def account_downloads(account_id: int, session: DbSession, officer: DncOfficer, since: dt.date | None = None,
                      until: dt.date | None = None) -> Any:
    """An account's downloads, newest first, optionally between two dates (Hong Kong, both included)."""
    return downloads.account_downloads(session, account_id=account_id, since=since, until=until)
