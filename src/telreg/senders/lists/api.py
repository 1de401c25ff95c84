"""HTTP API of a sender's own consent and unsubscribe lists, for a signed-in sender or an API key.

Handlers are plain ``def``: their database work runs in the thread pool, never on the event loop.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import Response

from telreg.core.exports import attachment
from telreg.core.i18n import N_
from telreg.deps import DbSession, RuntimeDep
from telreg.senders.deps import SenderCaller, SenderCallerDep
from telreg.senders.errors import InstructionsFileRefused
from telreg.senders.lists import bulk, service
from telreg.senders.lists.schemas import ImportOut, InstructionCreate, InstructionOut

__all__ = ["router"]

router = APIRouter(prefix="/api/v1/senders/me/lists", tags=["senders: consent and unsubscribe lists"])
MAX_IMPORT_BYTES = 20 * 1024 * 1024


def _key(caller: SenderCaller, register: str, client: str) -> service.ListKey:
    return service.open_list(caller.access, register=register, client_ref=client, scope=caller.scope)


def _recorded_by(caller: SenderCaller) -> str:
    return f"api-key:{caller.api_key_id}" if caller.api_key_id else f"sender:{caller.account_id}"


# Paging (issue 14): a list of 400,000 numbers is read a page at a time. ``limit`` rows from ``offset`` (rows in
# a stable order: by number, then time); the total is in ``X-Total-Count`` and the next page's address in
# ``Link: <…>; rel="next"`` while there is one.
MAX_PAGE = 10_000
MAX_EXPORT_ROWS = 100_000
Limit = Annotated[int, Query(ge=1, le=MAX_PAGE, description=f"Rows per page (at most {MAX_PAGE:,})")]
Offset = Annotated[int, Query(ge=0, description="Rows to skip: the first row of the page")]


def _paged(response: Response, request: Request, *, total: int, limit: int, offset: int) -> None:
    response.headers["X-Total-Count"] = str(total)
    if offset + limit < total:
        response.headers["Link"] = f'<{request.url.include_query_params(offset=offset + limit)}>; rel="next"'


@router.get("/{register}/current", response_model=list[InstructionOut])
def current(register: str, caller: SenderCallerDep, session: DbSession, request: Request, response: Response,
            client: str = "", limit: Limit = 1000, offset: Offset = 0) -> Any:
    """Each number's latest instruction on the list (same time: the unsubscribe wins), by number; a page of
    ``limit`` (at most 10,000) from ``offset``, the total in ``X-Total-Count``."""
    key = _key(caller, register, client)
    counts = service.current_counts(session, key=key)
    _paged(response, request, total=counts["consent"] + counts["unsubscribe"], limit=limit, offset=offset)
    return service.current(session, key=key, limit=limit, offset=offset)


@router.get("/{register}/history", response_model=list[InstructionOut])
def history(register: str, caller: SenderCallerDep, session: DbSession, request: Request, response: Response,
            client: str = "", number: str | None = None, limit: Limit = 1000, offset: Offset = 0) -> Any:
    """Every instruction on the list, or of one ``number``, oldest first; a page of ``limit`` (at most 10,000)
    from ``offset``, the total in ``X-Total-Count``."""
    key = _key(caller, register, client)
    _paged(response, request, total=service.count_history(session, key=key, number=number), limit=limit,
           offset=offset)
    return service.history(session, key=key, number=number, limit=limit, offset=offset)


@router.get("/{register}/export", response_class=Response, responses={200: {"content": {"text/csv": {}}}})
def export(register: str, caller: SenderCallerDep, session: DbSession, runtime: RuntimeDep, request: Request,
           client: str = "", full: bool = False,
           limit: Annotated[int, Query(ge=1, le=MAX_EXPORT_ROWS, description="Rows per file (at most 100,000)")]
           = MAX_EXPORT_ROWS, offset: Offset = 0) -> Any:
    """The current state as CSV (``number,instruction,at,how,reference``), or with ``full=true`` the whole history
    (plus ``recorded_at,recorded_by``); both import again as they are. At most 100,000 rows per file: a longer
    list comes in parts (``offset``; ``X-Total-Count`` and ``Link: rel="next"`` say so)."""
    key = _key(caller, register, client)
    text, _, total = service.export_page(session, clock=runtime.clock, key=key, full=full,
                                         actor=f"sender:{key.account_id}", limit=limit, offset=offset)
    name = f"{key.register}-{'history' if full else 'current'}{'-' + key.client_ref if key.client_ref else ''}.csv"
    response = Response(text, media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": attachment(name), "Cache-Control": "no-store"})
    _paged(response, request, total=total, limit=limit, offset=offset)
    return response


@router.post("/{register}", response_model=InstructionOut, status_code=201,
             responses={200: {"description": "Recorded before: the same instruction, unchanged"}})
def record(register: str, body: InstructionCreate, caller: SenderCallerDep, session: DbSession,
           runtime: RuntimeDep, response: Response) -> Any:
    """Record one consent or unsubscribe instruction (appended; earlier ones stay in the history). The same
    instruction again (number, time, kind, how, reference) adds nothing: 200, ``already_recorded: true``."""
    row, created = service.record(session, clock=runtime.clock, key=_key(caller, register, body.client),
                                  number=body.number, instruction=body.instruction, given_at=body.at,
                                  how=body.how, reference=body.reference, recorded_by=_recorded_by(caller))
    if not created:
        response.status_code = 200
    return InstructionOut.model_validate(row).model_copy(update={"already_recorded": not created})


@router.post("/{register}/import", response_model=ImportOut)
def import_file(register: str, file: Annotated[UploadFile, File(description="CSV with header number,instruction,at")],
                caller: SenderCallerDep, session: DbSession, runtime: RuntimeDep,
                client: Annotated[str, Form()] = "", how: Annotated[str, Form()] = "not-stated") -> Any:
    """Import a CSV of instructions; any bad line refuses the whole file (422, every bad line numbered). Lines
    already recorded (the same file imported again) add nothing and are counted in ``already_recorded``."""
    key = _key(caller, register, client)
    data = file.file.read(MAX_IMPORT_BYTES + 1)
    if len(data) > MAX_IMPORT_BYTES:
        raise InstructionsFileRefused(N_("%(source)s: is larger than %(max_mb)s MB; split it; nothing was "
                                         "recorded."), source=file.filename,
                                      max_mb=MAX_IMPORT_BYTES // (1024 * 1024))
    # Validated whole, then applied in batches of list_import_batch_rows, each committed (others write between).
    result = bulk.import_in_batches(session, clock=runtime.clock, key=key, data=data,
                                    source=file.filename or "upload", recorded_by=_recorded_by(caller),
                                    default_how=how, batch_rows=runtime.settings.list_import_batch_rows)
    return ImportOut(register=key.register, client_ref=key.client_ref, recorded=result.recorded,
                     consents=result.consents, unsubscribes=result.unsubscribes,
                     already_recorded=result.already_recorded, import_id=result.import_id)
