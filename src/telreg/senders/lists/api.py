"""HTTP API of a sender's own consent and unsubscribe lists, for a signed-in sender or an API key.

Handlers are plain ``def``: their database work runs in the thread pool, never on the event loop.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, UploadFile
from fastapi.responses import Response

from telreg.core.i18n import N_
from telreg.deps import DbSession, RuntimeDep
from telreg.senders.deps import SenderCaller, SenderCallerDep
from telreg.senders.errors import InstructionsFileRefused
from telreg.senders.lists import service
from telreg.senders.lists.schemas import ImportOut, InstructionCreate, InstructionOut

__all__ = ["router"]

router = APIRouter(prefix="/api/v1/senders/me/lists", tags=["senders: consent and unsubscribe lists"])
MAX_IMPORT_BYTES = 20 * 1024 * 1024


def _key(caller: SenderCaller, register: str, client: str) -> service.ListKey:
    return service.open_list(caller.access, register=register, client_ref=client, scope=caller.scope)


def _recorded_by(caller: SenderCaller) -> str:
    return f"api-key:{caller.api_key_id}" if caller.api_key_id else f"sender:{caller.account_id}"


@router.get("/{register}/current", response_model=list[InstructionOut])
def current(register: str, caller: SenderCallerDep, session: DbSession, client: str = "") -> Any:
    """Each number's latest instruction on the list (same time: the unsubscribe wins)."""
    return service.current(session, key=_key(caller, register, client))


@router.get("/{register}/history", response_model=list[InstructionOut])
def history(register: str, caller: SenderCallerDep, session: DbSession, client: str = "",
            number: str | None = None) -> Any:
    """Every instruction on the list, or of one ``number``, oldest first."""
    return service.history(session, key=_key(caller, register, client), number=number)


@router.get("/{register}/export", response_class=Response, responses={200: {"content": {"text/csv": {}}}})
def export(register: str, caller: SenderCallerDep, session: DbSession, client: str = "", full: bool = False) -> Any:
    """The current state as CSV (``number,instruction,at,how,reference``), or with ``full=true`` the whole history
    (plus ``recorded_at,recorded_by``); both import again as they are."""
    key = _key(caller, register, client)
    rows = service.history(session, key=key) if full else service.current(session, key=key)
    name = f"{key.register}-{'history' if full else 'current'}{'-' + key.client_ref if key.client_ref else ''}.csv"
    return Response(service.export_csv(rows, full=full), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"})


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
    result = service.import_csv(session, clock=runtime.clock, key=key, data=data, source=file.filename or "upload",
                                recorded_by=_recorded_by(caller), default_how=how)
    return ImportOut(register=key.register, client_ref=key.client_ref, recorded=result.recorded,
                     consents=result.consents, unsubscribes=result.unsubscribes,
                     already_recorded=result.already_recorded)
