"""HTTP API of lawful access, under ``/api/v1/lawful``. Every change sends ``X-CSRF-Token``.

- ``POST /hi1`` (le-officer, le-supervisor): an ETSI TS 103 120 HI-1 message, ``application/xml`` or
  ``application/json``; the answer is an HI-1 response message in the same encoding, unless ``Accept`` asks for
  the other. Every action of the message is applied, or none: a refused action comes back as its
  ErrorInformation (HTTP 200: the message was read and answered). A body that is not HI-1 is 422
  ``hi1_malformed`` naming the line or the JSON path; another media type 415; a body over
  ``TELREG_LAWFUL_MESSAGE_MAX_BYTES`` 413.
- ``POST /authorisations/{object_id}/endorse`` ``{"note"}`` and ``.../refuse`` ``{"reason"}`` (le-supervisor):
  an emergency request filed by another officer of the agency.
- ``GET /queue[?status=]`` (operator-compliance): the operator's tasks, targets masked;
  ``GET /tasks/{object_id}/preview``: the match preview, without personal data;
  ``POST /tasks/{object_id}/approve`` / ``.../reject`` ``{"reason"}``, ``.../release`` (a second officer).
- ``GET /tasks/{object_id}/result`` (the requesting officer): the released result as a zip, once.

An administrator passes none of these checks (lawful/deps.py): separation of duties is the point.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response

from telreg.core.exports import attachment
from telreg.core.i18n import N_, language_from_header
from telreg.deps import DbSession, RuntimeDep
from telreg.lawful import service
from telreg.lawful.deps import (
    COMPLIANCE_CHANGE,
    LE_CHANGE,
    SUPERVISOR_CHANGE,
    ComplianceOfficer,
    LeMember,
    LeSupervisor,
)
from telreg.lawful.errors import MessageTooLarge, UnsupportedMessageType
from telreg.lawful.hi1 import codec
from telreg.lawful.hi1.dictionaries import TASK_STATUSES
from telreg.lawful.schemas import EndorseIn, MatchPreviewOut, ReasonIn, RefuseIn, TaskOut

__all__ = ["router"]

router = APIRouter(prefix="/api/v1/lawful", tags=["lawful access"])


def _too_large(limit: int) -> MessageTooLarge:
    return MessageTooLarge(N_("An HI-1 message may not be larger than %(limit_shown)s bytes."), limit=limit,
                           limit_shown=f"{limit:,}")


async def _message_body(request: Request) -> bytes:
    """The HI-1 message's bytes: its media type checked first, then read up to the cap (never past it)."""
    content_type = request.headers.get("content-type", "")
    if codec.encoding_of(content_type) is None:
        raise UnsupportedMessageType(
            N_("An HI-1 message is sent as application/xml or application/json, not %(given)s."),
            given=content_type.split(";", 1)[0].strip() or "-")
    limit = request.app.state.runtime.settings.lawful_message_max_bytes
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise _too_large(limit)
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise _too_large(limit)
    return bytes(body)


def _answer_as_json(request: Request, *, sent_json: bool) -> bool:
    """The response's encoding: the request's, unless Accept names only the other one."""
    named = {codec.encoding_of(part) for part in request.headers.get("accept", "").split(",")} - {None}
    return "json" in named if len(named) == 1 else sent_json


def _lang(request: Request) -> str:
    return language_from_header(request.headers.get("accept-language", ""))


@router.post("/hi1", dependencies=LE_CHANGE, response_class=Response, responses={
    200: {"description": "The HI-1 response message (ResponsePayload), in the request's encoding unless Accept "
                         "asks for the other", "content": {"application/xml": {}, "application/json": {}}},
    413: {"description": "The message is larger than TELREG_LAWFUL_MESSAGE_MAX_BYTES"},
    415: {"description": "Neither application/xml nor application/json"},
})
def hi1_message(request: Request, body: Annotated[bytes, Depends(_message_body)], session: DbSession,
                runtime: RuntimeDep, user: LeMember) -> Response:
    """Apply an HI-1 request message (ETSI TS 103 120): CREATE, UPDATE, GET and LIST of the agency's
    Authorisations, LDTasks and Documents. All actions or none: a refused action is answered with its
    ErrorInformation, in the Accept-Language's language. External entities and DTDs are refused (422)."""
    sent_json = codec.encoding_of(request.headers.get("content-type", "")) == "json"
    message = codec.parse_request(body, content_type=request.headers.get("content-type", ""),
                                  settings=runtime.settings)
    answer = service.handle_message(session, runtime=runtime, user=user, message=message, lang=_lang(request))
    as_json = _answer_as_json(request, sent_json=sent_json)
    return Response(codec.render_response(answer, as_json=as_json), media_type=codec.media_type(as_json),
                    headers={"Cache-Control": "no-store"})


# --- the agency's supervisor -------------------------------------------------------------------------------

@router.post("/authorisations/{object_id}/endorse", dependencies=SUPERVISOR_CHANGE, status_code=204)
def endorse(object_id: str, body: EndorseIn, session: DbSession, runtime: RuntimeDep,
            user: LeSupervisor) -> Response:
    """Endorse an emergency request filed by another officer of the agency: it becomes Active and its tasks go
    to the operators' queues (403 lawful_separation_of_duties for one's own filing)."""
    service.endorse(session, runtime=runtime, user=user, object_id=object_id, note=body.note)
    return Response(status_code=204)


@router.post("/authorisations/{object_id}/refuse", dependencies=SUPERVISOR_CHANGE, status_code=204)
def refuse(object_id: str, body: RefuseIn, session: DbSession, runtime: RuntimeDep, user: LeSupervisor) -> Response:
    """Refuse to endorse an emergency request, with a reason: it is Rejected and reaches no operator."""
    service.refuse_endorsement(session, runtime=runtime, user=user, object_id=object_id, reason=body.reason)
    return Response(status_code=204)


# --- the operator's compliance officers --------------------------------------------------------------------

@router.get("/queue", response_model=list[TaskOut])
def queue(session: DbSession, runtime: RuntimeDep, user: ComplianceOfficer,
          status: Annotated[str | None, Query(description=f"One of: {', '.join(TASK_STATUSES)}",
                                              max_length=32)] = None) -> Any:
    """The tasks routed to the officer's operator, oldest first; targets masked."""
    return service.operator_queue(session, user=user, status=status, vault=runtime.vault)


@router.get("/tasks/{object_id}/preview", response_model=MatchPreviewOut)
def preview(object_id: str, session: DbSession, user: ComplianceOfficer) -> Any:
    """The match preview of one of the operator's tasks: how many records, whose operator, which window — no
    name, no document number."""
    return service.preview(session, user=user, task_object_id=object_id)


@router.post("/tasks/{object_id}/approve", dependencies=COMPLIANCE_CHANGE, status_code=204)
def approve(object_id: str, body: ReasonIn, session: DbSession, runtime: RuntimeDep,
            user: ComplianceOfficer) -> Response:
    """First person: approve a task with a reason. A warrant's task then awaits release by a second officer;
    an emergency's is released at once. 409 lawful_ambiguous_match when the target matches several holders."""
    service.approve(session, runtime=runtime, user=user, task_object_id=object_id, reason=body.reason)
    return Response(status_code=204)


@router.post("/tasks/{object_id}/reject", dependencies=COMPLIANCE_CHANGE, status_code=204)
def reject(object_id: str, body: ReasonIn, session: DbSession, runtime: RuntimeDep,
           user: ComplianceOfficer) -> Response:
    """Reject a task with a reason (the agency is told "no records", the regulator sees the reason)."""
    service.reject(session, runtime=runtime, user=user, task_object_id=object_id, reason=body.reason)
    return Response(status_code=204)


@router.post("/tasks/{object_id}/release", dependencies=COMPLIANCE_CHANGE, status_code=204)
def release(object_id: str, session: DbSession, runtime: RuntimeDep, user: ComplianceOfficer) -> Response:
    """Second person (vault mode): release an approved task before its approval expires; the result is built,
    encrypted and signed for the requesting officer."""
    service.release(session, runtime=runtime, user=user, task_object_id=object_id)
    return Response(status_code=204)


# --- the requesting officer --------------------------------------------------------------------------------

@router.get("/tasks/{object_id}/result", response_class=Response, responses={
    200: {"description": "A zip: records.json (ETSI TS 103 705 shape), its CMS signature, receipt.json",
          "content": {"application/zip": {}}},
    410: {"description": "lawful_result_unavailable: downloaded already, expired or destroyed"},
})
def result(object_id: str, session: DbSession, runtime: RuntimeDep, user: LeMember) -> Response:
    """Download a released task's result, once: the key is shredded as it is handed over."""
    download = service.download_result(session, runtime=runtime, user=user, task_object_id=object_id)
    return Response(download.content, media_type=download.media_type,
                    headers={"Content-Disposition": attachment(download.filename), "Cache-Control": "no-store"})
