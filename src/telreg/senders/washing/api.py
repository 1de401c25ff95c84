"""HTTP API of the washing service, for a signed-in sender (CSRF on POST) or an API key.

Handlers are plain ``def``: the upload is copied and the database used in the thread pool, never on the event loop.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, Response, UploadFile
from fastapi.responses import FileResponse

from telreg.core.i18n import language_from_header
from telreg.deps import DbSession, RuntimeDep
from telreg.senders.deps import SenderCallerDep
from telreg.senders.washing import service
from telreg.senders.washing.schemas import WashOut

__all__ = ["router"]

BASE = "/api/v1/senders/me/washes"
router = APIRouter(prefix=BASE, tags=["senders: washing service"])
_MEDIA = {"kept.csv": "text/csv", "rejected.csv": "text/csv", "report.json": "application/json",
          "receipt.json": "application/json", "receipt.json.p7s": "application/pkcs7-signature"}


@router.post("", response_model=WashOut, status_code=202, responses={200: {"description": "The same client "
             "reference again: the wash made the first time"}})
def submit(file: Annotated[UploadFile, File(description="The calling list: text, CSV with a header, or a zip of one")],
           register_: Annotated[str, Form(alias="register")], send_date: Annotated[dt.date, Form()],
           caller: SenderCallerDep,
           session: DbSession, runtime: RuntimeDep, response: Response,
           column: Annotated[str | None, Form()] = None, client: Annotated[str, Form()] = "",
           client_reference: Annotated[str | None, Form()] = None) -> Any:
    """Upload a list to wash against the latest publication and the account's own list (``client``: a client
    company's list). 202 with the queued wash; a retry with the same ``client_reference`` answers 200 with it."""
    wash, created = service.submit(session, clock=runtime.clock, settings=runtime.settings, caller=caller,
                                   register=register_, send_date=send_date, stream=file.file, filename=file.filename,
                                   column=column, client_ref=client, client_reference=client_reference)
    if not created:
        response.status_code = 200
    return WashOut.of(wash, base=BASE)


@router.get("", response_model=list[WashOut])
def list_washes(request: Request, caller: SenderCallerDep, session: DbSession) -> Any:
    """The account's washes, newest first."""
    lang = _language(request)
    return [WashOut.of(w, base=BASE, lang=lang) for w in service.list_washes(session, account_id=caller.account_id)]


@router.get("/{wash_id}", response_model=WashOut)
def get_wash(wash_id: int, request: Request, caller: SenderCallerDep, session: DbSession) -> Any:
    """One wash: its state, counts once done, or why it failed."""
    return WashOut.of(service.get(session, account_id=caller.account_id, wash_id=wash_id), base=BASE,
                      lang=_language(request))


def _language(request: Request) -> str:
    """A failed wash's reason is worded in the request's Accept-Language (its code stays the same)."""
    return language_from_header(request.headers.get("accept-language", ""))


@router.get("/{wash_id}/files/{name}", response_class=FileResponse)
def download(wash_id: int, name: str, caller: SenderCallerDep, session: DbSession, runtime: RuntimeDep) -> Any:
    """kept.csv, rejected.csv, report.json or receipt.json of a finished wash (410 once its results expired), or
    receipt.json.p7s, the receipt's detached CMS signature by the platform's e-Cert document signer (404 when the
    wash ran before the platform had a CA): ``openssl cms -verify -binary -content receipt.json -inform DER -in
    receipt.json.p7s -CAfile root.pem``."""
    path = service.result_file(session, clock=runtime.clock, settings=runtime.settings, account_id=caller.account_id,
                               wash_id=wash_id, name=name)
    return FileResponse(path, media_type=_MEDIA[name], filename=f"wash-{wash_id}-{name}",
                        headers={"Cache-Control": "no-store"})
