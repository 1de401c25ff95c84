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

from telreg.core.security import DncOfficer
from telreg.deps import DbSession, RuntimeDep
from telreg.runtime import Runtime
from telreg.senders import downloads, online_check
from telreg.senders.check_records import recorder
from telreg.senders.deps import CheckCallerDep, SenderCallerDep
from telreg.senders.schemas import CheckOut, CheckRequest, DownloadRecordOut, PublicationsOut

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


@router.post("/me/check", response_model=CheckOut)
async def check(body: CheckRequest, request: Request, caller: CheckCallerDep) -> Any:
    """Check up to 100 numbers: listed / not_listed / invalid (with the reason) on each register, the registration
    date, the day protection starts and whether it is in force on ``on`` (default: today)."""
    # Async, and no request session: the caller, the listings, the account's seeds and the calendar come from
    # memory (online_check.CachedSources); only a cold cache sends a load to the thread pool. The answer leaves
    # after the check's record is committed by the process's group-commit writer (senders/check_records.py).
    # No plain-def dependency either (RuntimeDep): FastAPI runs those in the thread pool.
    runtime: Runtime = request.app.state.runtime
    sources = online_check.CachedSources(runtime)

    await sources.ready(caller.account_id)
    result, record = online_check.answer_check(
        sources, clock=runtime.clock, settings=runtime.settings, caller=caller,
        numbers=[None if n is None else str(n) for n in body.numbers], registers=body.registers,
        on_date=body.on, client_address=_address(request))
    await recorder(runtime).commit(record)
    # Already the shape of CheckOut (the document's schema); serialised once here instead of validated again.
    return Response(json.dumps(result, ensure_ascii=False, separators=(",", ":")).encode(),
                    media_type="application/json")


@router.get("/accounts/{account_id}/downloads", response_model=list[DownloadRecordOut])
def account_downloads(account_id: int, session: DbSession, officer: DncOfficer, since: dt.date | None = None,
                      until: dt.date | None = None) -> Any:
    """An account's downloads, newest first, optionally between two dates (Hong Kong, both included)."""
    return downloads.account_downloads(session, account_id=account_id, since=since, until=until)
